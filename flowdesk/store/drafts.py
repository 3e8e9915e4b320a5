"""Drafts: the engineer's edits to a session's note, one per session, kept in the local database as they
type, so that selecting another session, toggling *Format* or *Include steps*, a restart or a crash loses
nothing. A draft never leaves the machine: only a push sends the note (redacted then, as any note)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flowdesk.store.db import Database, format_time, parse_time, select, utcnow


@dataclass(frozen=True)
class Draft:
    session_id: str
    text: str
    note_format: str | None  # the format and steps the edits were made on (resolution / escalation)
    include_steps: bool | None
    visibility: str | None
    updated_at: datetime | None


class Drafts:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    def get(self, session_id: str) -> Draft | None:
        row = select(self._db.connect(), "SELECT * FROM drafts WHERE session_id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        steps = row["include_steps"]
        return Draft(row["session_id"], row["text"], row["note_format"], None if steps is None else bool(steps),
                     row["visibility"], parse_time(row["updated_at"]))  # fmt: skip

    def save(self, session_id: str, text: str, *, note_format: str | None = None, include_steps: bool | None = None,
             visibility: str | None = None) -> None:  # fmt: skip
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO drafts (session_id, text, note_format, include_steps, visibility, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET text = excluded.text, "
                "note_format = excluded.note_format, include_steps = excluded.include_steps, "
                "visibility = excluded.visibility, updated_at = excluded.updated_at",
                (session_id, text, note_format, None if include_steps is None else int(include_steps), visibility,
                 format_time(self._clock())),
            )  # fmt: skip

    def discard(self, session_id: str) -> bool:
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM drafts WHERE session_id = ?", (session_id,)).rowcount > 0

    def session_ids(self) -> set[str]:
        return {r[0] for r in self._db.connect().execute("SELECT session_id FROM drafts")}
