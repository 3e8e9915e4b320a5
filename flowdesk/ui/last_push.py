"""A session shown again after its push: the note as its latest push holds it, and how that note was made.

The push keeps its visibility (the job's ``visibility``); its format and steps are found by making the note
each other way and comparing. A note pushed as Discussion, or as an escalation note, is then shown with the
choices it was pushed with, and reads as pushed — not as edited because it differs from the note the default
choices would make. A note that matches none was edited before its push and reads as edited, as it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowdesk.core.render import NoteFormat

if TYPE_CHECKING:
    from flowdesk.push.prepare import NotePreview
    from flowdesk.store import Outbox, PushJob


def last_pushed_note(outbox: Outbox, session_id: str | None) -> PushJob | None:
    """The session's latest note push that was not cancelled (queued, sending, sent or failed), or None."""
    if not session_id:
        return None
    notes = [j for j in outbox.jobs(session_id=session_id) if j.kind == "note" and j.state != "cancelled"]
    return max(notes, key=lambda j: j.id) if notes else None


def pushed_text(job: PushJob | None) -> str | None:
    """The note's text as that push holds it (redacted)."""
    if job is None:
        return None
    return str(job.body_json().get("text") or "") or None


def made_as(
    prepare: Callable[[str, bool], NotePreview], text: str, tried: tuple[str, bool]
) -> tuple[str, bool, NotePreview] | None:
    """The format and steps (other than ``tried``) whose note, prepared by ``prepare(format, steps)``, is
    ``text`` exactly; None when no other way makes it (the note was edited before its push)."""
    from flowdesk.push.prepare import PushRefused
    from flowdesk.redact import RedactionError  # lazy: as the panel's own preparing

    for note_format in (NoteFormat.RESOLUTION.value, NoteFormat.ESCALATION.value):
        for steps in (True, False):
            if (note_format, steps) == tried:
                continue
            try:
                preview: Any = prepare(note_format, steps)
            except (PushRefused, RedactionError):
                continue
            if preview.text == text:
                return note_format, steps, preview
    return None
