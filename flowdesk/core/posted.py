"""What a sent note's push did, part by part: the note, its time entry and the status change after it.

The note pane says it after a push (``Posted to #48405 (note 1200001) at 14:02, 0.25 h logged, status set to
Resolved``) and the session list's Push tooltip says the same with the full date, for any row: the cell says
only ``Sent 3 Dec 14:02``. Plain data in, text out (re-exported by :mod:`flowdesk.core.present`, whose words
these are)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any, NamedTuple

from flowdesk.core.localtime import LOCAL, format_clock, format_full_date
from flowdesk.core.timing import format_hours


class AfterNote(NamedTuple):
    """What became of the parts queued with a note: the hours its time entry logged (sent), else that time
    entry's state; the status change's (name, state)."""

    hours: float | None = None
    time_entry: str | None = None  # the time entry's state while it is not sent (None: sent, or none)
    status: tuple[str, str] | None = None


def after_note(note: Any, jobs: Sequence[Any]) -> AfterNote:
    """The parts of ``note``'s push among ``jobs`` (push jobs: ``kind``, ``state``, ``parent_id``, the time entry's
    ``body_json()``, the status change's ``status_name``)."""
    hours, time_entry, status = None, None, None
    for job in jobs:
        if job.parent_id != note.id:
            continue
        if job.kind == "time_entry" and job.state == "sent":
            body = job.body_json() if hasattr(job, "body_json") else {}
            hours = body.get("actualHours") if isinstance(body.get("actualHours"), int | float) else None
        elif job.kind == "time_entry":
            time_entry = str(job.state)
        elif job.kind == "status":
            status = (getattr(job, "status_name", "") or "the status chosen", str(job.state))
    return AfterNote(hours, time_entry, status)


def note_posted(ticket_id: int, note_id: int | None, when: datetime | None, hours: float | None, now: datetime,
                tz: tzinfo | None = LOCAL, status: tuple[str, str] | None = None, *, time_entry: str | None = None,
                full_date: bool = False) -> str:  # fmt: skip
    """``Posted to #48405 (note 1200001) at 14:02, 0.25 h logged, status set to Resolved``; ``status``: the
    status change's (name, state), if one follows the note; ``time_entry``: the state of a time entry not sent;
    ``full_date``: ``on Thu 3 Dec 2026 at 14:02`` whatever the day (the session list's tooltip)."""
    note = f" (note {note_id})" if note_id else ""
    at = "" if when is None else f" on {format_full_date(when, tz or now.tzinfo)}" if full_date else f" at {format_clock(when, now, tz)}"
    logged = f", {format_hours(hours)} logged" if hours else ""
    return (f"Posted to #{ticket_id}{note}{at}{logged}" + (time_entry_after_note(time_entry) if time_entry else "")
            + (status_after_note(*status) if status else ""))  # fmt: skip


def status_after_note(name: str, state: str) -> str:
    """What became of the status change that follows a posted note (the note pane's line)."""
    if state == "sent":
        return f", status set to {name}"
    became = {"failed": "failed (see the Queue tab)", "cancelled": "was cancelled"}.get(state, "is waiting")
    return f"; the status change to {name} {became}"


def time_entry_after_note(state: str) -> str:
    """What became of the time entry queued with a posted note, while it is not sent."""
    became = {"failed": "failed (see the Queue tab)", "cancelled": "was cancelled"}.get(state, "is waiting")
    return f"; the time entry {became}"


def posted_detail(note: Any, jobs: Sequence[Any], now: datetime, tz: tzinfo | None = None) -> str:
    """The session list's Push tooltip for a sent note: what each part did, and the full date (the cell has
    the day and time only): ``Posted to #48405 (note 1200001) on Thu 3 Dec 2026 at 14:02, 0.25 h logged.``"""
    hours, time_entry, status = after_note(note, jobs)
    line = note_posted(note.ticket_id, note.remote_id, note.sent_at, hours, now, tz, status, time_entry=time_entry, full_date=True)
    return line + "."
