"""What every bad-input test checks: the exit code, exactly one line on stderr, no traceback, nothing changed
on disk. Commands run in-process through ``cli.main`` with captured streams (fast), or as a real
subprocess where the point is the process itself (no hang, no RecursionError, no traceback anywhere)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from flowdesk.cli import main
from tests.commands.test_queue import connected  # noqa: F401 - the fixture: `flowdesk connect` to the sandbox


@dataclass
class Done:
    code: int
    out: str
    err: str

    def one_line(self, code: int, *words: str) -> str:
        """Assert the exit code and one line on stderr holding ``words``; the line."""
        assert self.code == code, (self.code, self.out, self.err)
        assert "Traceback" not in self.err and "Logging error" not in self.err, self.err
        assert self.err.count("\n") == 1 and self.err.endswith("\n"), self.err
        for w in words:
            assert w in self.err, (w, self.err)
        return self.err.rstrip("\n")


@pytest.fixture
def cli(monkeypatch, capsys):
    def run(*argv: str, stdin: str = "") -> Done:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return Done(code, out, err)

    return run


def run_process(*argv: str, home: Path, timeout: float = 60) -> Done:
    env = dict(os.environ, FLOWDESK_HOME=str(home), PYTHONIOENCODING="utf-8", TZ="UTC")
    p = subprocess.run(
        [sys.executable, "-m", "flowdesk", *argv], env=env, capture_output=True, encoding="utf-8", timeout=timeout
    )
    return Done(p.returncode, p.stdout, p.stderr)


def disk(root: Path, *, logs: bool = False) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes (the log folder left out unless ``logs``)."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and (logs or "logs" not in p.relative_to(root).parts)
    }


def db_rows(home: Path) -> list[str]:
    """The database's content as SQL (what a command may or may not have written), [] without one."""
    import sqlite3

    path = home / "data" / "flowdesk.sqlite3"
    if not path.exists():
        return []
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
