"""Durability across processes: what a method committed is there for a fresh process, and a writer
killed with SIGKILL leaves whole transactions or nothing."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from flowdesk.core import policy
from flowdesk.core.policy import Outcome, OutcomeKind
from flowdesk.store import Database, Outbox, SessionCache
from tests.conftest import KILLED

from .conftest import T0
from .writer_proc import pair

REPO = Path(__file__).resolve().parents[2]


def start(*args: str, stdin: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.writer_proc", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE if stdin else None,
        text=True,
    )


def dump(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.store.writer_proc", "dump", str(path)],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=True,
    )
    return json.loads(out.stdout)


def check_whole(path: Path) -> list[tuple]:
    """Open the file as a fresh reader: sound, and no half push (every time entry has its note)."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = conn.execute("SELECT id, session_id, kind, parent_id FROM push_jobs ORDER BY id").fetchall()
    notes = {r[0]: r[1] for r in rows if r[2] == "note"}
    entries = [r for r in rows if r[2] == "time_entry"]
    assert all(r[3] in notes and notes[r[3]] == r[1] for r in entries), "a time entry without its note"
    assert len(entries) == len(notes), "a note without the time entry queued with it"
    return rows


def test_committed_state_is_there_for_a_fresh_process(db_path: Path, sample_items):
    db = Database(db_path)  # stays open: nothing relies on a clean close
    outbox = Outbox(db, clock=lambda: T0)
    SessionCache(db, clock=lambda: T0).upsert(sample_items, source="api")
    note, entry = outbox.enqueue(pair(1))
    sending = outbox.transition(note.id, expect="pending", to="sending")
    outbox.apply(note.id, policy.decide(sending.snapshot(), Outcome(OutcomeKind.RATE_LIMITED, http_status=429), T0))
    outbox.pause("keys rejected")

    seen = dump(db_path)
    assert seen["paused"] == "keys rejected"
    assert len(seen["sessions"]) == len(sample_items)
    got = {j["id"]: j for j in seen["jobs"]}
    assert got[note.id]["state"] == "retry_wait" and got[note.id]["attempts"] == 1
    assert got[note.id]["body"] == note.body  # byte for byte
    assert got[note.id]["last_error"] == "ConnectWise is rate limiting FlowDesk. Retrying at 14:07."
    assert got[entry.id]["parent_id"] == note.id and got[entry.id]["state"] == "pending"
    db.close()


def test_sigkill_between_commits_keeps_every_acknowledged_transaction(db_path: Path):
    Database(db_path).close()
    acknowledged = 0
    with start("pairs", str(db_path), "500") as proc:  # 1,000 jobs, one transaction per note + time entry
        assert proc.stdout is not None
        try:
            while acknowledged < 100:
                line = proc.stdout.readline()
                assert line, "the writer stopped early"
                acknowledged = int(line.split()[1])
        finally:
            proc.kill()  # SIGKILL; Windows: TerminateProcess
        assert proc.wait(timeout=60) == KILLED
    rows = check_whole(db_path)
    assert len(rows) >= 2 * acknowledged  # nothing it reported committed is lost
    assert len(rows) % 2 == 0


def test_sigkill_inside_a_1000_job_enqueue_leaves_nothing_of_it(db_path: Path):
    db = Database(db_path)
    Outbox(db, clock=lambda: T0).enqueue(pair(0, "before"))
    db.close()
    wal = db_path.with_name(db_path.name + "-wal")
    wal_before = wal.stat().st_size if wal.exists() else 0
    with start("stuck", str(db_path), "1000", stdin=True) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "inside"  # half the rows inserted, not committed
            # uncommitted pages have already spilled into the WAL file: the kill leaves them on disk
            assert wal.stat().st_size > wal_before + 4_000_000
        finally:
            proc.kill()  # SIGKILL; Windows: TerminateProcess
        assert proc.wait(timeout=60) == KILLED
    rows = check_whole(db_path)
    assert [r[1] for r in rows] == ["before-0", "before-0"]
    # and the file is still a working FlowDesk database
    db = Database(db_path)
    try:
        assert len(Outbox(db, clock=lambda: T0).enqueue(pair(1, "after"))) == 2
    finally:
        db.close()
