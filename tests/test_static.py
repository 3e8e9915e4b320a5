"""ruff and mypy stay clean (both are in the dev group, so CI runs them through ``uv run pytest``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff():
    p = _run("ruff", "check", "flowdesk", "tests")
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.slow
@pytest.mark.parametrize("platform", [None, *(p for p in ("linux", "win32", "darwin") if p != sys.platform)])
def test_mypy(platform: str | None):
    """Also as the other platforms see the code: mypy checks only the ``sys.platform`` branches of the platform
    it checks for, so a Windows-only branch is type-checked on Linux too (and the other way round)."""
    p = _run("mypy", *(["--platform", platform] if platform else []))
    assert p.returncode == 0, p.stdout + p.stderr
