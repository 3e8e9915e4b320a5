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
def test_mypy():
    p = _run("mypy")
    assert p.returncode == 0, p.stdout + p.stderr
