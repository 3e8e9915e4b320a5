"""Stopping a ``flowdesk queue drain`` process while its POST gets no answer: ``--max-seconds``, SIGTERM and
SIGINT end it within a bound, the job is left ``sending`` (as after a crash), and the next drain finds the
note on the ticket (once ConnectWise had a minute to store it) instead of posting it again.

The sandbox holds the note's POST after storing it (a ``hold`` fault): the server has the note and never
answers. The bounds are upper limits measured with ``time.monotonic`` — generous for a loaded 2-core machine
— not sleeps; the test waits on the sandbox (``wait("held")``) and on the process.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from flowdesk.core.policy import VERIFY_DELAY
from flowdesk.paths import AppPaths
from flowdesk.push.drainer import STOP_GRACE, Connection, Drainer, DrainReport
from tests.conftest import SAMPLES

from . import procs
from .helpers import ledger_notes, note_text, push, time_passes

posix_processes = pytest.mark.skipif(sys.platform == "win32", reason="POSIX: SIGTERM/SIGINT sent to a process (Windows' Ctrl+Break: tests/commands/test_drain_stopping_windows.py)")
OUTLOOK = str(SAMPLES / "01-outlook-credential-loop.json")
MAX_SECONDS = 3
SLACK = 8.0  # process start-up, the keyring, a loaded machine: far more than a drain needs


def queue_list(env: dict[str, str]) -> dict[str, Any]:
    done = procs.run(env, "queue", "list", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def finish(proc: subprocess.Popen[str], started: float) -> tuple[float, str, str]:
    """Wait for ``proc`` to end (failing the test past the bound); seconds since ``started``, stdout, stderr."""
    try:
        out, err = proc.communicate(timeout=MAX_SECONDS + SLACK + 30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return time.monotonic() - started, out, err


@pytest.fixture
def held_push(sandbox, sandbox_admin, secret_service, real_keyring, flowdesk_home: Path) -> dict[str, str]:
    """A connected FlowDesk with one push (a note and its time entry) queued, and the note's POST held by
    the sandbox after it stored the note."""
    env = procs.flowdesk_env(secret_service, flowdesk_home)
    procs.connect(env, sandbox.info.connectwise)
    assert procs.run(env, "push", OUTLOOK).returncode == 0
    sandbox_admin.add_fault(method="POST", path="*/notes", hold="after_store")
    return env


def the_next_drain_finds_the_note(env: dict[str, str], sandbox_admin) -> None:
    """The job is ``sending`` (nothing recorded its outcome); a drain at once recovers it but does not check
    yet (ConnectWise may still be storing it); a drain a minute after the send reads the ticket, finds the
    note, and posts only the time entry."""
    [note] = [j for j in queue_list(env)["jobs"] if j["kind"] == "note"]
    assert note["state"] == "sending"
    assert len(sandbox_admin.ledger()["notes"]) == 1  # stored before the hold
    sandbox_admin.release()
    done = procs.run(env, "queue", "drain", "--until-empty", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["recovered"], report["sent"], report["left_sending"], report["jobs"]) == (1, 0, 0, [])
    [waiting] = [j for j in queue_list(env)["jobs"] if j["id"] == note["id"]]
    assert waiting["state"] == "unknown" and "FlowDesk will check the ticket at " in waiting["last_error"]
    time_passes(AppPaths.from_env(env).database_file, VERIFY_DELAY)
    done = procs.run(env, "queue", "drain", "--until-empty", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["recovered"], report["sent"], report["left_sending"]) == (0, 2, 0)
    [checked] = [j for j in report["jobs"] if j["id"] == note["id"]]
    assert (checked["from"], checked["state"]) == ("unknown", "sent")
    ledger = sandbox_admin.ledger()
    assert len(ledger["notes"]) == 1 and len(ledger["time_entries"]) == 1  # never posted twice
    note_posts = [r for r in ledger["requests"] if r["method"] == "POST" and r["path"].endswith("/notes")]
    assert len(note_posts) == 1
    assert [j["state"] for j in queue_list(env)["jobs"]] == ["sent", "sent"]


@posix_processes
@pytest.mark.real_keyring
def test_max_seconds_ends_a_drain_whose_post_gets_no_answer(held_push, sandbox_admin):
    env = held_push
    started = time.monotonic()
    proc = procs.start(env, "queue", "drain", "--until-empty", "--max-seconds", str(MAX_SECONDS))
    sandbox_admin.wait("held", 1, timeout=60)
    held_at = time.monotonic()
    took, out, err = finish(proc, started)
    print(f"--max-seconds {MAX_SECONDS}: exited {took:.2f} s after start, {time.monotonic() - held_at:.2f} s after the POST was held")
    assert took < MAX_SECONDS + SLACK
    assert proc.returncode == 0, err
    assert out.startswith("Sent 0 · retrying 0 · checking 0 · failed 0 · 1 left without an answer"), out
    assert len(sandbox_admin.held()) == 1  # the process is gone; the server still holds its answer
    the_next_drain_finds_the_note(env, sandbox_admin)


@posix_processes
@pytest.mark.real_keyring
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_signal_ends_a_drain_whose_post_gets_no_answer(sig, held_push, sandbox_admin):
    env = held_push
    proc = procs.start(env, "queue", "drain", "--until-empty", "--json")
    sandbox_admin.wait("held", 1, timeout=60)
    sent_at = time.monotonic()
    proc.send_signal(getattr(signal, sig))
    took, out, err = finish(proc, sent_at)
    print(f"{sig}: exited {took:.2f} s after the signal (grace {STOP_GRACE} s)")  # shown by pytest -s
    assert took < STOP_GRACE + SLACK
    assert proc.returncode == 0, err
    report = json.loads(out)
    assert (report["stopped"], report["sent"], report["left_sending"]) == ("stopped", 0, 1)
    assert report["queue"]["sending"] == 1
    the_next_drain_finds_the_note(env, sandbox_admin)


# -- in one process ------------------------------------------------------------------------------------------
def test_a_stopped_run_leaves_an_unanswered_post_sending_and_the_next_start_checks_it(outbox, client, sandbox, sandbox_admin, clock):
    [job] = push(outbox, sandbox)
    sandbox_admin.add_fault(method="POST", path="*/notes", hold="after_store")
    drainer = Drainer(outbox, lambda site: Connection(client, "dwhitfield"), clock=clock, tz=UTC, stop_grace=0.0)
    stop = threading.Event()
    result: list[DrainReport] = []
    worker = threading.Thread(target=lambda: result.append(drainer.run_due(stop=stop)), name="drain")
    worker.start()
    try:
        sandbox_admin.wait("held", 1, timeout=30)
        stop.set()
        worker.join(timeout=30)  # returns without the answer: the POST is still held
        assert not worker.is_alive() and len(sandbox_admin.held()) == 1
    finally:
        sandbox_admin.release()
        worker.join(timeout=30)
    [report] = result
    assert (report.stopped, report.left_sending, report.results) == ("stopped", 1, [])
    assert outbox.get(job.id).state == "sending"  # exactly what a crash leaves

    clock.advance(seconds=1)
    fresh = Drainer(outbox, lambda site: Connection(client, "dwhitfield"), clock=clock, tz=UTC)
    assert fresh.recover() == 1
    assert fresh.run_due().results == []  # checked only once ConnectWise had VERIFY_DELAY to store it
    clock.advance(seconds=VERIFY_DELAY.total_seconds() - 1)
    assert fresh.run_due().sent == 1
    [stored] = ledger_notes(sandbox_admin.ledger(), note_text(1))  # once
    assert (outbox.get(job.id).state, outbox.get(job.id).remote_id) == ("sent", stored["id"])
