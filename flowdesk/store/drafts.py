"""Drafts: the engineer's edits to a session's note, one per session, kept in the local database as they
type, so that selecting another session, toggling *Format* or *Include steps*, a restart or a crash loses
nothing. A draft never leaves the machine: only a push sends the note (redacted then, as any note).

A draft also keeps the engineer's push choices (:class:`PushChoices`: the ticket number typed, whether to log
time and the hours, work type, role and billable option, the status to set), so a draft may be of choices
alone, its note as generated (``text`` None).

:class:`Drafts` reads and writes them; :class:`DraftWriter` is what the window uses: it writes on a thread
of its own, so the window never waits for the disk (a commit is fsynced: ~7 ms here, more on a laptop whose
antivirus scans the file), and it reads what is still waiting to be written first.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from flowdesk.logs import get_logger
from flowdesk.store.db import Database, StoreError, format_time, parse_time, select, utcnow

log = get_logger("store")


class PushChoices(NamedTuple):
    """What the engineer chose for a session's push besides the note; None: not chosen (the default shown)."""

    ticket_id: int | None = None  # a ticket number typed or found (not the session's own)
    log_time: bool | None = None  # *Log time* ticked or unticked
    hours: str | None = None  # the hours as typed ("1:30"), only when they read as hours
    work_type_id: int | None = None
    work_role_id: int | None = None
    billable: str | None = None
    status: tuple[int, str] | None = None  # the status to set after the note: (id, name)

    def to_json(self) -> str | None:
        """The chosen fields as JSON, or None when nothing was chosen."""
        chosen = {k: v for k, v in self._asdict().items() if v is not None}
        return json.dumps(chosen, ensure_ascii=False, sort_keys=True) if chosen else None

    @classmethod
    def from_json(cls, text: str | None) -> PushChoices | None:
        """The choices stored by :meth:`to_json`; a field that is not what it should be is left unchosen."""
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        status = data.get("status")
        choices = cls(
            ticket_id=_of(data.get("ticket_id"), int),
            log_time=_of(data.get("log_time"), bool),
            hours=_of(data.get("hours"), str),
            work_type_id=_of(data.get("work_type_id"), int),
            work_role_id=_of(data.get("work_role_id"), int),
            billable=_of(data.get("billable"), str),
            status=(status[0], status[1]) if isinstance(status, list) and len(status) == 2
            and _of(status[0], int) is not None and isinstance(status[1], str) else None,
        )  # fmt: skip
        return choices if any(v is not None for v in choices) else None


def _of(value: Any, kind: type) -> Any:
    """``value`` if it is a ``kind`` (a bool is not an int here), else None."""
    if kind is int and isinstance(value, bool):
        return None
    return value if isinstance(value, kind) else None


class Draft(NamedTuple):
    session_id: str
    text: str | None  # the edited note; None: the note as generated (a draft of push choices alone)
    note_format: str | None  # the format and steps the edits were made on (resolution / escalation)
    include_steps: bool | None
    visibility: str | None
    updated_at: datetime | None
    choices: PushChoices | None = None


class Drafts:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self.clock = clock  # when a draft is made

    def get(self, session_id: str) -> Draft | None:
        row = select(self._db.connect(), "SELECT * FROM drafts WHERE session_id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        steps = row["include_steps"]
        return Draft(row["session_id"], row["text"], row["note_format"], None if steps is None else bool(steps),
                     row["visibility"], parse_time(row["updated_at"]), PushChoices.from_json(row["choices"]))  # fmt: skip

    def save(self, session_id: str, text: str | None, *, note_format: str | None = None, include_steps: bool | None = None,
             visibility: str | None = None, updated_at: datetime | None = None,
             choices: PushChoices | None = None) -> None:  # fmt: skip
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO drafts (session_id, text, note_format, include_steps, visibility, choices, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET text = excluded.text, "
                "note_format = excluded.note_format, include_steps = excluded.include_steps, "
                "visibility = excluded.visibility, choices = excluded.choices, updated_at = excluded.updated_at",
                (session_id, text, note_format, None if include_steps is None else int(include_steps), visibility,
                 choices.to_json() if choices is not None else None, format_time(updated_at or self.clock())),
            )  # fmt: skip

    def discard(self, session_id: str) -> bool:
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM drafts WHERE session_id = ?", (session_id,)).rowcount > 0

    def session_ids(self) -> set[str]:
        return {r[0] for r in self._db.connect().execute("SELECT session_id FROM drafts")}


def not_saved(exc: BaseException) -> str:
    """The window's one line while drafts cannot be written: what is wrong, that the edits are not lost, what to do."""
    cause = exc.__cause__ if isinstance(exc.__cause__, sqlite3.Error | OSError) else exc
    code = getattr(cause, "sqlite_errorcode", None)
    code = None if code is None else code & 0xFF
    err = getattr(cause, "errno", None)
    if code == 13 or err == errno.ENOSPC:  # SQLITE_FULL
        why, fix = "the disk is full", "once you free some space"
    elif code in (3, 8) or err in (errno.EROFS, errno.EACCES, errno.EPERM):  # SQLITE_PERM, SQLITE_READONLY
        why, fix = "FlowDesk's data folder is read-only", "once it may write there again"
    else:
        why, fix = "its database cannot be written just now", "as soon as it can"
    return f"Your note edits cannot be saved: {why}. FlowDesk keeps them while it runs and saves them {fix}."


def lost_on_quit(n: int) -> str:
    """The question on quitting while the disk refuses ``n`` drafts."""
    notes = "1 note" if n == 1 else f"{n} notes"
    return f"Your edits to {notes} could not be saved to disk: they are lost if you quit now. Quit anyway?"


class DraftWriter:
    """Drafts written on a thread of their own, in the order they were made, the latest per session
    winning: :meth:`save` and :meth:`discard` return at once, and :meth:`get` / :meth:`session_ids` see
    what is still waiting to be written. A write that fails (the disk is full, the file is locked) stays
    waiting and is tried again on its own after a pause (``retry_after`` seconds, doubling up to
    ``RETRY_MAX``), or sooner with the next one and by :meth:`close`; it is logged without its text, and
    ``on_trouble`` (set by the window) is told on the writer's thread: :func:`not_saved`'s line when writes
    begin to fail, "" when one goes through again. The thread starts with the first write, not with the window."""

    RETRY_AFTER = 5.0
    RETRY_MAX = 120.0

    def __init__(self, drafts: Drafts, *, retry_after: float = RETRY_AFTER) -> None:
        self.drafts = drafts
        self.retry_after = retry_after
        self._waiting: dict[str, Draft | None] = {}  # session id -> its draft to write, None: to discard
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._busy = False  # a write is being made (its entry is still in _waiting)
        self._closing = False
        self._failed = False  # the last write failed: wait for the next save or close() to try again
        self.on_trouble: Callable[[str], object] | None = None
        self._trouble = ""  # the line on_trouble was last told ("": writes go through)

    def get(self, session_id: str) -> Draft | None:
        with self._cond:
            if session_id in self._waiting:
                return self._waiting[session_id]
        return self.drafts.get(session_id)

    def session_ids(self) -> set[str]:
        with self._cond:
            waiting = dict(self._waiting)
        on_disk = self.drafts.session_ids()
        return (on_disk - waiting.keys()) | {sid for sid, draft in waiting.items() if draft is not None}

    def unsaved(self) -> int:
        """How many drafts wait while the disk refuses them (0 while writes go through, however many wait)."""
        with self._cond:
            return len(self._waiting) if self._trouble else 0

    def save(self, session_id: str, text: str | None, *, note_format: str | None = None, include_steps: bool | None = None,
             visibility: str | None = None, choices: PushChoices | None = None) -> None:  # fmt: skip
        self._put(session_id, Draft(session_id, text, note_format, include_steps, visibility, self.drafts.clock(), choices))

    def discard(self, session_id: str) -> bool:
        """Forget the session's draft; True if it had one."""
        had = self.get(session_id) is not None
        if had:
            self._put(session_id, None)
        return had

    def _put(self, session_id: str, draft: Draft | None) -> None:
        with self._cond:
            if self._closing:
                raise StoreError("drafts are no longer written: FlowDesk is closing")
            self._waiting.pop(session_id, None)  # to the end: written after what was waiting before it
            self._waiting[session_id] = draft
            self._failed = False
            if self._thread is None:
                self._thread = threading.Thread(target=self._write_all, name="flowdesk-drafts", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything waiting is written (or a write failed); True if nothing is left."""
        with self._cond:
            self._failed = False
            self._cond.notify_all()
            self._cond.wait_for(lambda: (not self._waiting and not self._busy) or (self._failed and not self._busy), timeout)
            return not self._waiting

    def close(self, timeout: float = 10.0) -> bool:
        """Write what is waiting, then stop the thread; True if nothing was left unwritten."""
        done = self.flush(timeout)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            left = len(self._waiting)
        if self._thread is not None:
            self._thread.join(timeout)
        if left:
            log.warning("%d draft(s) could not be written before FlowDesk closed", left)
        return done

    def _write_all(self) -> None:
        pause = self.retry_after
        while True:
            with self._cond:
                if self._failed:  # the disk refused: try again after a pause, or at once for a save or close()
                    if not self._cond.wait_for(lambda: self._closing or not self._failed, pause):
                        self._failed = False
                        pause = min(pause * 2, self.RETRY_MAX)
                else:
                    pause = self.retry_after
                self._cond.wait_for(lambda: self._closing or (self._waiting and not self._failed))
                if self._closing or self._failed or not self._waiting:
                    return
                session_id, draft = next(iter(self._waiting.items()))
                self._busy = True
            trouble = self._write(session_id, draft)
            ok = trouble is None
            if (trouble or "") != self._trouble:  # once when writes begin to fail, once when they work again
                self._tell(trouble or "")
            with self._cond:
                self._busy = False
                if ok and self._waiting.get(session_id, ...) is draft:  # not replaced while it was written
                    del self._waiting[session_id]
                self._failed = not ok
                self._cond.notify_all()

    def _tell(self, trouble: str) -> None:
        self._trouble = trouble
        if self.on_trouble is not None:
            try:
                self.on_trouble(trouble)
            except Exception:  # the window closing: the writer goes on
                log.warning("could not say that drafts %s", "fail" if trouble else "are written again")

    def _write(self, session_id: str, draft: Draft | None) -> str | None:
        """Write one draft (or forget it); None if done, else :func:`not_saved`'s line."""
        try:
            if draft is None:
                self.drafts.discard(session_id)
            else:
                self.drafts.save(session_id, draft.text, note_format=draft.note_format,
                                 include_steps=draft.include_steps, visibility=draft.visibility,
                                 updated_at=draft.updated_at, choices=draft.choices)  # fmt: skip
        except Exception as exc:  # kept waiting, tried again with the next write; no text in the log
            log.warning("draft of session %s not written: %s", session_id, type(exc).__name__)
            return not_saved(exc)
        return None
