"""``flowdesk connect`` / ``flowdesk whoami`` as processes against ``flowdesk sandbox`` as a process.

Everything is real: the sandbox's sockets (plain HTTP, and HTTPS with its throwaway CA passed as
``--ca-file``), the command line, and the keyring (the private Secret Service of ``real_keyring``, whose
D-Bus address and XDG folders are passed into each child's environment). Afterwards every file under
the children's ``FLOWDESK_HOME`` (settings, data, cache, logs) and the sandbox's, and every byte the
processes wrote to stdout and stderr, is searched for the private key and for the Basic token made of
it: zero hits. The one expected place is the sandbox's own first stdout line, which hands the key out.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from flowdesk.core.settings import load_settings
from flowdesk.credentials import CredentialStore, connectwise_profile_key
from flowdesk.paths import AppPaths
from flowdesk.sandbox.admin import SandboxAdmin
from tests.conftest import KILLED, WINDOWS
from tests.plugins.keyring import REAL_BACKEND

pytestmark = pytest.mark.real_keyring


@dataclass
class SandboxProcess:
    """``flowdesk sandbox --port 0 [--tls]`` running in its own ``FLOWDESK_HOME``."""

    home: Path
    tls: bool
    proc: subprocess.Popen[str] = field(init=False)
    first_line: str = ""
    rest: str = ""
    stderr: str = ""

    def start(self) -> SandboxProcess:
        env = {k: v for k, v in os.environ.items() if k != "FLOWDESK_HOME"}
        env["FLOWDESK_HOME"] = str(self.home)
        argv = [sys.executable, "-m", "flowdesk", "sandbox", "--port", "0", *(["--tls"] if self.tls else [])]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8", env=env)
        got = threading.Event()

        def read() -> None:
            assert self.proc.stdout is not None
            self.first_line = self.proc.stdout.readline()
            got.set()

        threading.Thread(target=read, daemon=True).start()
        if not got.wait(60) or not self.first_line:
            self.proc.kill()
            _, err = self.proc.communicate()
            raise AssertionError(f"flowdesk sandbox printed no first line: {err}")
        return self

    @property
    def info(self) -> dict[str, Any]:
        return json.loads(self.first_line)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.rest, self.stderr = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.rest, self.stderr = self.proc.communicate()
        return self.proc.returncode


@pytest.fixture
def start_sandbox(tmp_path: Path) -> Iterator[Any]:
    started: list[SandboxProcess] = []

    def start(tls: bool = False) -> SandboxProcess:
        sb = SandboxProcess(tmp_path / f"sandbox-home-{len(started)}", tls).start()
        started.append(sb)
        return sb

    yield start
    for sb in started:
        sb.stop()


@dataclass
class Run:
    argv: list[str]
    code: int
    out: str
    err: str


class Children:
    """``python -m flowdesk …`` children sharing one FLOWDESK_HOME and the private Secret Service."""

    def __init__(self, home: Path, secret_env: dict[str, str]) -> None:
        self.home = home
        self.env = dict(secret_env, FLOWDESK_HOME=str(home), PYTHONIOENCODING="utf-8")
        self.runs: list[Run] = []

    def run(self, *args: str, stdin: str | None = None) -> Run:
        argv = [sys.executable, "-m", "flowdesk", *args]
        done = subprocess.run(argv, input=stdin, env=self.env, capture_output=True, encoding="utf-8", timeout=120)
        run = Run(argv, done.returncode, done.stdout, done.stderr)
        self.runs.append(run)
        return run


def connect_args(cw: dict[str, Any], *extra: str, verbose: bool = True) -> list[str]:
    """``-v``: DEBUG lines in the log file and on stderr, so there is more to search for the key."""
    return [
        "connect", *(["-v"] if verbose else []), "--site", cw["site"], "--company", cw["company"], "--public-key", cw["public_key"],
        "--private-key-stdin", *extra,
    ]  # fmt: skip


def basic_token(cw: dict[str, Any], private_key: str) -> str:
    return base64.b64encode(f"{cw['company']}+{cw['public_key']}:{private_key}".encode()).decode()


def assert_nowhere(secrets: list[str], sandbox: SandboxProcess, children: Children) -> None:
    """No secret in any file under either FLOWDESK_HOME, any child's output, or the sandbox's output
    after its first line."""
    assert sandbox.proc.returncode is not None, "stop the sandbox first: its output is not complete"
    texts: dict[str, bytes] = {}
    for root in (children.home, sandbox.home):
        files = [p for p in root.rglob("*") if p.is_file()]
        texts.update({str(p): p.read_bytes() for p in files})
    for i, run in enumerate(children.runs):
        assert not any(s in a for s in secrets for a in run.argv)
        texts[f"run {i} stdout"] = run.out.encode()
        texts[f"run {i} stderr"] = run.err.encode()
    texts["sandbox stdout after the first line"] = sandbox.rest.encode()
    texts["sandbox stderr"] = sandbox.stderr.encode()
    for name, data in texts.items():
        for secret in secrets:
            assert secret.encode() not in data, f"a secret in {name}"


@pytest.mark.parametrize("tls", [False, True], ids=["http", "tls"])
def test_connect_and_whoami_against_the_sandbox_process(
    tls: bool, start_sandbox: Any, secret_service: Any, real_keyring: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox(tls)
    info = sandbox.info
    cw = info["connectwise"]
    private = cw["private_key"]
    assert private in sandbox.first_line  # the one place it is expected
    host = cw["site"].split("://", 1)[1]
    children = Children(tmp_path / "flowdesk-home", secret_service.env)
    profile_key = connectwise_profile_key(cw["site"], cw["company"])
    store = CredentialStore(real_keyring)
    ca = ["--ca-file", info["ca_file"]] if tls else []
    try:
        connect = children.run(*connect_args(cw, *ca), stdin=private + "\n")
        assert connect.code == 0, connect.err
        assert connect.out.splitlines() == [
            f"Signed in as Dana Whitfield (dwhitfield) on {host} — can add notes and time",
            f"Saved the ConnectWise account {cw['company']} on {host}; keys are in the OS keyring "
            f"({REAL_BACKEND}).",
        ]
        profile = load_settings(AppPaths.from_env({"FLOWDESK_HOME": str(children.home)}).settings_file).settings.connectwise
        assert (profile.site, profile.company, profile.api_host, profile.codebase, profile.member_identifier) == (
            cw["site"],
            cw["company"],
            host,
            "v2025_1/",
            "dwhitfield",
        )
        assert profile.ca_file == (str(Path(info["ca_file"]).resolve()) if tls else None)
        stored = store.load_connectwise_keys(profile_key)
        assert stored is not None and (stored.public_key, stored.private_key) == (cw["public_key"], private)

        whoami = children.run("whoami", "-v")
        assert whoami.code == 0, whoami.err
        assert whoami.out == f"Signed in as Dana Whitfield (dwhitfield) on {host} — can add notes and time\n"
        as_json = children.run("whoami", "-v", "--json")
        assert as_json.code == 0, as_json.err
        doc = json.loads(as_json.out)
        assert doc["member"]["identifier"] == "dwhitfield" and doc["member"]["name"] == "Dana Whitfield"
        assert doc["site"]["api_base"] == f"{cw['site']}/v2025_1/apis/3.0"
        assert doc["permissions"] == {"can_add_notes": True, "can_add_time": True, "can_read_tickets": True, "missing": []}

        with SandboxAdmin(info["admin"], ca_file=info["ca_file"]) as admin:
            ledger = admin.ledger()
        member_calls = [r for r in ledger["requests"] if r["path"].endswith("/system/myMembers/info")]
        assert [r["status"] for r in member_calls] == [200, 200, 200]  # connect, whoami, whoami --json
        assert json.dumps(ledger).count(private) == 0

        log = "\n".join(p.read_text() for p in children.home.rglob("*.log*"))
        assert "/apis/3.0/system/myMembers/info -> 200" in log  # the DEBUG request lines were written
    finally:
        store.delete_connectwise_keys(profile_key)
    assert sandbox.stop() == (KILLED if WINDOWS else 0), sandbox.stderr  # Windows: TerminateProcess, no SIGTERM
    assert_nowhere([private, basic_token(cw, private)], sandbox, children)


def test_a_wrong_key_exits_1_with_one_line_and_saves_nothing(
    start_sandbox: Any, secret_service: Any, real_keyring: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    cw = sandbox.info["connectwise"]
    wrong = "WrongWrongWrong1"
    children = Children(tmp_path / "flowdesk-home", secret_service.env)
    run = children.run(*connect_args(cw, verbose=False), stdin=wrong + "\n")
    assert run.code == 1 and run.out == ""
    assert run.err.count("\n") == 1 and run.err.endswith("\n")
    assert run.err.startswith(
        f"flowdesk: ConnectWise rejected your API keys (HTTP 401) for company '{cw['company']}'. Check the company ID "
        "and both keys;"
    )
    assert "run `flowdesk connect` again with them. Nothing was saved. Request id: " in run.err
    assert not AppPaths.from_env({"FLOWDESK_HOME": str(children.home)}).settings_file.exists()
    assert CredentialStore(real_keyring).load_connectwise_keys(connectwise_profile_key(cw["site"], cw["company"])) is None
    assert sandbox.stop() == (KILLED if WINDOWS else 0), sandbox.stderr  # Windows: TerminateProcess, no SIGTERM
    secrets = [cw["private_key"], wrong, basic_token(cw, cw["private_key"]), basic_token(cw, wrong)]
    assert_nowhere(secrets, sandbox, children)
