"""Running ``flowdesk`` as a subprocess for the push tests.

The subprocesses need the keys in a keyring they can reach: they get the private Secret Service of
``tests/plugins/keyring.py`` (a real ``gnome-keyring-daemon`` on a private D-Bus) through its environment
(``DBUS_SESSION_BUS_ADDRESS`` and the ``XDG_*`` folders). That is the backend FlowDesk uses on a Linux
desktop, it persists across processes (``connect`` saves, ``push`` and ``queue drain`` load), and it
needs no test-only code in the product's keyring path.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def flowdesk_env(secret_service: Any, home: Path) -> dict[str, str]:
    return dict(secret_service.env, FLOWDESK_HOME=str(home), PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")


def argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "flowdesk", *args]


def run(env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv(*args), input=stdin, env=env, cwd=REPO, capture_output=True, encoding="utf-8", timeout=timeout
    )


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv(*args), env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8"
    )


def connect(env: dict[str, str], cw: Any, *extra: str) -> subprocess.CompletedProcess[str]:
    done = run(
        env, "connect", *extra, "--site", cw.site, "--company", cw.company, "--public-key", cw.public_key,
        "--private-key-stdin", stdin=cw.private_key + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done
