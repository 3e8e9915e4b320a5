"""A separate process that writes to (or reads) a FlowDesk database, for the durability tests.

    python -m tests.store.writer_proc pairs PATH N     enqueue N note+time-entry pairs, one transaction
                                                        each, printing "committed <k>" after each commit
    python -m tests.store.writer_proc stuck PATH N     one enqueue() of N jobs that stops half-way inside
                                                        its transaction, prints "inside", and waits
    python -m tests.store.writer_proc dump PATH        print every push job and session id as JSON
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from flowdesk.store import Database, NewJob, Outbox, SessionCache

NOW = datetime(2026, 11, 18, 14, 2, tzinfo=UTC)


def pair(k: int, tag: str = "p", pad: int = 0) -> list[NewJob]:
    text = f"note {k} é\n" + "x" * pad
    note = NewJob(f"{tag}-{k}", 40_000 + k, "note", {"text": text, "internalAnalysisFlag": True}, "na.example")
    time_entry = NewJob(f"{tag}-{k}", 40_000 + k, "time_entry", {"chargeToId": 40_000 + k, "actualHours": 0.25},
                        "na.example", parent=0)
    return [note, time_entry]


class _StopHalfWay(list):
    """A job list that, iterated inside enqueue()'s open transaction, stops half-way and waits."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    def __iter__(self):
        for i, item in enumerate(super().__iter__()):
            if self.db.connect().in_transaction and i == len(self) // 2 + 1:
                print("inside", flush=True)
                sys.stdin.readline()  # the parent kills us here
            yield item


def main(argv: list[str]) -> int:
    mode, path = argv[0], Path(argv[1])
    db = Database(path)
    outbox = Outbox(db, clock=lambda: NOW)
    if mode == "pairs":
        for k in range(int(argv[2])):
            outbox.enqueue(pair(k))
            print(f"committed {k + 1}", flush=True)
    elif mode == "stuck":
        jobs = _StopHalfWay(db)
        for k in range(int(argv[2]) // 2):
            # 32 KB notes: the half-done transaction (~8 MB) outgrows SQLite's 2 MB page cache, so
            # uncommitted pages are already in the WAL file when the process is killed
            note, time_entry = pair(k, "big", pad=32_768)
            jobs += [note, time_entry._replace(parent=2 * k)]
        outbox.enqueue(jobs)
        print("finished", flush=True)
    elif mode == "dump":
        jobs = [
            {"id": j.id, "state": j.state.value, "body": j.body, "parent_id": j.parent_id, "attempts": j.attempts,
             "next_attempt_at": j.next_attempt_at.isoformat() if j.next_attempt_at else None,
             "last_error": j.last_error}
            for j in outbox.jobs()
        ]
        sessions = [r.id for r in SessionCache(db).rows()]
        print(json.dumps({"jobs": jobs, "sessions": sessions, "paused": outbox.paused_reason()}))
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
