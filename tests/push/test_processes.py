"""``flowdesk`` as separate processes: the drain lock, and where the private key never ends up.

Keys reach the subprocesses through the private Secret Service (``real_keyring``; see ``procs.py``).
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from flowdesk.core.policy import VERIFY_DELAY
from flowdesk.paths import AppPaths
from flowdesk.push.lock import DrainLock, DrainLockBusy
from flowdesk.sandbox.admin import SandboxAdmin
from flowdesk.store.db import format_time, utcnow
from tests.conftest import SAMPLES

from . import procs
from .procs import REPO

OUTLOOK = str(SAMPLES / "01-outlook-credential-loop.json")


# -- the lock, in one process -------------------------------------------------------------------------------
def test_the_lock_is_exclusive_non_blocking_and_names_its_holder(tmp_path: Path):
    path = tmp_path / "data" / "drain.lock"
    first, second = DrainLock(path), DrainLock(path)
    assert first.acquire() and first.held
    assert first.holder_pid() == os.getpid()
    assert not second.acquire() and not second.held
    with pytest.raises(DrainLockBusy) as err, second:
        pass
    assert str(err.value) == f"another FlowDesk is already sending this queue (pid {os.getpid()})"
    first.release()
    with second:
        assert not first.acquire()
    assert first.acquire()
    first.release()


def test_the_os_releases_the_lock_of_a_killed_process(tmp_path: Path):
    path = tmp_path / "drain.lock"
    code = "import sys; from flowdesk.push.lock import DrainLock; l = DrainLock(sys.argv[1]); print(l.acquire(), flush=True); sys.stdin.read()"
    holder = subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "True"
        lock = DrainLock(path)
        assert not lock.acquire()
        assert lock.holder_pid() == holder.pid
        holder.kill()  # SIGKILL; Windows: TerminateProcess
        holder.wait(timeout=30)
        assert lock.acquire()  # no stale lock: the file stays, the lock went with the process
        lock.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        holder.stdin.close()
        holder.stdout.close()


# -- the lock, between two drains -----------------------------------------------------------------------------
@pytest.mark.real_keyring
def test_a_second_drain_while_one_is_sending_exits_1_and_sends_nothing(sandbox, sandbox_admin, secret_service, real_keyring, flowdesk_home):
    env = procs.flowdesk_env(secret_service, flowdesk_home)
    procs.connect(env, sandbox.info.connectwise)
    assert procs.run(env, "push", OUTLOOK).returncode == 0
    sandbox_admin.add_fault(method="POST", path="*/notes", hold="before_store")
    first = procs.start(env, "queue", "drain", "--until-empty")
    try:
        sandbox_admin.wait("held", 1, timeout=60)  # the first drain is mid-POST, holding the lock
        before = sandbox_admin.ledger()["requests"]
        second = procs.run(env, "queue", "drain", "--until-empty")
        assert (second.returncode, second.stdout) == (1, "")
        assert second.stderr == f"flowdesk: another FlowDesk is already sending this queue (pid {first.pid})\n"
        assert sandbox_admin.ledger()["requests"] == before  # not one request from the second drain
        assert len(sandbox_admin.held()) == 1
        sandbox_admin.release()
        out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
        assert out.startswith("Sent 2 · retrying 0 · checking 0 · failed 0")
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    ledger = sandbox_admin.ledger()
    assert len(ledger["notes"]) == 1 and len(ledger["time_entries"]) == 1


# -- the secret scan -------------------------------------------------------------------------------------------
@pytest.fixture
def sandbox_process(flowdesk_home: Path):
    """``flowdesk sandbox`` as its own process (its FLOWDESK_HOME elsewhere: it is not FlowDesk's data)."""
    env = dict(os.environ, FLOWDESK_HOME=str(flowdesk_home.parent / "sandbox-home"), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(procs.argv("sandbox"), env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        yield info
    finally:
        proc.terminate()  # SIGTERM; Windows: TerminateProcess
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@pytest.mark.real_keyring
def test_the_private_key_is_in_no_file_and_no_output(sandbox_process, secret_service, real_keyring, flowdesk_home):
    from types import SimpleNamespace

    cw = SimpleNamespace(**sandbox_process["connectwise"])
    private = cw.private_key
    token = base64.b64encode(f"{cw.company}+{cw.public_key}:{private}".encode()).decode()  # the Basic header
    env = procs.flowdesk_env(secret_service, flowdesk_home)
    outputs: list[str] = []

    def run(*args: str, stdin: str | None = None, code: int = 0) -> subprocess.CompletedProcess[str]:
        done = procs.run(env, *args, "-v", stdin=stdin)  # -v: the log goes to stderr as well
        outputs.extend([done.stdout, done.stderr])
        assert done.returncode == code, done.stderr
        return done

    with SandboxAdmin(sandbox_process["admin"]) as admin:
        run("connect", "--site", cw.site, "--company", cw.company, "--public-key", cw.public_key, "--private-key-stdin", stdin=private)
        db_file = AppPaths.from_env({"FLOWDESK_HOME": str(flowdesk_home)}).database_file
        run("push", OUTLOOK)
        reader = sqlite3.connect(db_file)  # an open reader keeps the WAL file on disk for the scan
        try:
            reader.execute("SELECT count(*) FROM push_jobs").fetchone()
            admin.add_fault(method="POST", path="*/notes", status=401)  # the error paths log too
            run("queue", "drain", code=1)
            run("queue", "retry", "1")
            admin.add_fault(method="POST", path="*/notes", drop="after_store")  # unknown, then checked
            run("queue", "drain", code=0)
            run("queue", "list", "--json")
            minute_ago = format_time(utcnow() - VERIFY_DELAY)  # Retry once the server had time to store it
            reader.execute("UPDATE push_jobs SET updated_at = ? WHERE id = 1", (minute_ago,))
            reader.commit()
            run("queue", "retry", "1")
            final = json.loads(run("queue", "drain", "--until-empty", "--json").stdout)
            assert (final["sent"], final["queue"]["sent"]) == (2, 2)
            run("queue", "list")
            ledger = admin.ledger()
            assert len(ledger["notes"]) == 1 and len(ledger["time_entries"]) == 1

            files = [p for p in flowdesk_home.rglob("*") if p.is_file()]
            names = {p.name for p in files}
            assert {"settings.json", "flowdesk.sqlite3", "flowdesk.sqlite3-wal", "flowdesk-cli.log", "drain.lock"} <= names
            assert any("POST" in line for line in (flowdesk_home / "logs" / "flowdesk-cli.log").read_text().splitlines())
            for path in files:
                data = path.read_bytes()
                assert private.encode() not in data, path
                assert token.encode() not in data, path
        finally:
            reader.close()
    assert all(private not in text and token not in text for text in outputs)
    assert any("Sending is paused" in text for text in outputs)  # the 401 path ran
