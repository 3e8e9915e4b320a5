"""ruff and mypy stay clean (both are in the dev group, so CI runs them through ``uv run pytest``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff():
    p = _run("ruff", "check", "flowdesk", "tests", "bench", "bundling")
    assert p.returncode == 0, p.stdout + p.stderr


def test_ruff_refuses_a_file_opened_without_an_encoding():
    """PLW1514 is on: text I/O without ``encoding=`` would be cp1252 on Windows."""
    source = 'from pathlib import Path\n\nPath("x").read_text()\nopen("y").close()\n'
    p = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--stdin-filename", "flowdesk/example.py", "--output-format", "concise", "-"],
        cwd=REPO, input=source, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stdout.count("unspecified-encoding") == 2 or p.stdout.count("PLW1514") == 2, p.stdout


@pytest.mark.slow
@pytest.mark.parametrize("platform", [None, *(p for p in ("linux", "win32", "darwin") if p != sys.platform)])
def test_mypy(platform: str | None):
    """Also as the other platforms see the code: mypy checks only the ``sys.platform`` branches of the platform
    it checks for, so a Windows-only branch is type-checked on Linux too (and the other way round)."""
    p = _run("mypy", *(["--platform", platform] if platform else []))
    assert p.returncode == 0, p.stdout + p.stderr
