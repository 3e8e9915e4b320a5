"""A session shown again after its push: the note as its latest push holds it, and how that note was made.

The push keeps its visibility (the job's ``visibility``); its format and steps are found by making the note
each other way and comparing. A note pushed as Discussion, or as an escalation note, is then shown with the
choices it was pushed with, and reads as pushed — not as edited because it differs from the note the default
choices would make. A note that matches none was edited before its push and reads as edited, as it is: made
the way whose note is closest to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowdesk.core.render import NoteFormat

if TYPE_CHECKING:
    from flowdesk.push.prepare import NotePreview
    from flowdesk.store import Outbox, PushJob

# Above this many lines the closest way is not looked for (only the exact one): the line-by-line comparison grows
# faster than the note (a 3,000-step note of 10,924 lines took 0.4-0.5 s a comparison, on the GUI thread).
CLOSEST_MAX_LINES = 2000


def last_pushed_note(outbox: Outbox, session_id: str | None) -> PushJob | None:
    """The session's latest note push that was not cancelled (queued, sending, sent or failed), or None."""
    if not session_id:
        return None
    notes = [j for j in outbox.jobs(session_id=session_id) if j.kind == "note" and j.state != "cancelled"]
    return max(notes, key=lambda j: j.id) if notes else None


def time_logged(outbox: Outbox, session_id: str | None) -> bool:
    """A push of the session logged its time, or is to (a time entry queued, sending, sent, or failed and waiting
    for Retry): *Log time* starts unticked for it, so pushing the session again does not log the hours twice."""
    if not session_id:
        return False
    return any(j.kind == "time_entry" and j.state != "cancelled" for j in outbox.jobs(session_id=session_id))


def pushed_text(job: PushJob | None) -> str | None:
    """The note's text as that push holds it (redacted)."""
    if job is None:
        return None
    return str(job.body_json().get("text") or "") or None


def made_as(
    prepare: Callable[[str, bool], NotePreview], text: str, tried: tuple[str, bool], tried_text: str
) -> tuple[str, bool, NotePreview] | None:
    """The format and steps (other than ``tried``, whose note is ``tried_text``) whose note, prepared by
    ``prepare(format, steps)``, is ``text`` exactly; else, for a note edited before its push, the way whose note
    is closest to ``text`` (line by line) if it is closer than ``tried_text``, so *Changes…* shows the edits, not a
    whole other format (not for a note over ``CLOSEST_MAX_LINES``); None when ``tried`` is the closest."""
    from difflib import SequenceMatcher  # lazy: not before the first paint

    from flowdesk.push.prepare import PushRefused
    from flowdesk.redact import RedactionError  # lazy: as the panel's own preparing

    lines = text.splitlines()
    closest = len(lines) <= CLOSEST_MAX_LINES
    best, best_ratio = None, SequenceMatcher(None, lines, tried_text.splitlines(), autojunk=False).ratio() if closest else 1.0
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
            if not closest:
                continue
            ratio = SequenceMatcher(None, lines, preview.text.splitlines(), autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = (note_format, steps, preview), ratio
    return best
