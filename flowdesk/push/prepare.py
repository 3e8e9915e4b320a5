"""The note as it will be posted: rendered (or edited), redacted, checked, with its time entry plan.

Redaction runs on the FINAL text — the engineer's edits included — every time a note is prepared, so a
secret typed into the editor is caught too, with the categories that apply to the note's visibility
(internal, or seen by the customer), the settings' allow-list and the values the engineer kept in this
note ("Keep this one"; never a secret). It fails closed: a ``RedactionError`` propagates and nothing
is queued.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from flowdesk.core.render import NoteFormat, default_format, render_note
from flowdesk.core.setting_choices import Visibility
from flowdesk.core.timing import TimeEntryPlan, format_hours, plan_time_entry, time_entry_notes

if TYPE_CHECKING:
    from flowdesk.core.models import Session
    from flowdesk.core.settings import Settings
    from flowdesk.redact import RedactionResult

# ConnectWise documents no limit on note text; a note this long is a pasted log, not documentation,
# and large bodies are where proxies and older ConnectWise servers start failing.
MAX_NOTE_CHARS = 100_000


class PushRefused(ValueError):
    """A note that must not be queued; ``str()`` says why and what to do."""


class NotePreview(NamedTuple):
    session_id: str | None
    note_format: NoteFormat
    text: str  # exactly what will be posted (redacted)
    redaction: RedactionResult
    visibility: Visibility
    time_plan: TimeEntryPlan | None
    ticket_id: int | None
    # the time entry's notes ("FlowPilot session: <problem>"), redacted as the note is: whichever plan is
    # queued (the proposed one, or hours the engineer typed), its body carries these words
    time_notes: str
    warnings: tuple[str, ...] = ()

    @property
    def time_text(self) -> str:
        return format_hours(self.time_plan.hours) if self.time_plan else "no time entry"


def prepare_note(
    session: Session,
    settings: Settings,
    *,
    visibility: Visibility | str | None = None,
    note_format: NoteFormat | str | None = None,
    edited_text: str | None = None,
    include_steps: bool | None = None,
    now: datetime | None = None,
    keep: Collection[str] = (),
) -> NotePreview:
    fmt = NoteFormat(note_format) if note_format else default_format(session)
    steps = settings.include_diagnostic_steps if include_steps is None else include_steps
    text = edited_text if edited_text is not None else render_note(session, fmt, include_steps=steps, now=now)
    if not text.strip():
        raise PushRefused("The note is empty: write something or reset it to the generated note.")
    # lazy: redact compiles its rules when first used, not before the window's first paint
    from flowdesk.redact import redact

    shown_as = Visibility(visibility) if visibility else settings.note_visibility
    result = redact(text, settings.redaction_categories(shown_as), allow=settings.redaction_allow, keep=keep)  # the note
    if len(result.text) > MAX_NOTE_CHARS:
        raise PushRefused(
            f"The note is {len(result.text):,} characters; FlowDesk posts at most {MAX_NOTE_CHARS:,}. "
            "Shorten it and push again: leave out the diagnosis steps (untick Include steps, or "
            "`flowdesk push --no-steps`) or a pasted log."
        )
    warnings: list[str] = []
    if session.posted_by_resolutionflow:
        warnings.append(
            "ResolutionFlow already posted a note for this session to its ticket; pushing adds a second one."
        )
    if session.psa_ticket_id is None:
        warnings.append("No ConnectWise ticket is linked to this session: choose one before pushing.")
    categories, allow = settings.redaction_categories(shown_as), settings.redaction_allow
    time_notes = redact(time_entry_notes(session), categories, allow=allow, keep=keep).text
    plan = plan_time_entry(session, settings.time_rounding) if settings.time_entry_enabled else None
    if plan is not None:
        plan = plan._replace(notes=time_notes)
    return NotePreview(
        session_id=session.id,
        note_format=fmt,
        text=result.text,
        redaction=result,
        visibility=shown_as,
        time_plan=plan,
        ticket_id=session.psa_ticket_id,
        time_notes=time_notes,
        warnings=tuple(warnings),
    )
