"""Reconciliation: is the note (or time entry) whose answer was lost already on the ticket?

A POST may reach ConnectWise and store the record while its answer never arrives (a timeout, a reset, a
5xx, a crash). Such a job is ``unknown`` and is never re-sent blindly: the drainer reads what the ticket now
holds and these rules decide. They are pure — plain data in, a verdict out; no HTTP, no SQLite, no clock —
so every rule has a fast unit test (``tests/push/test_reconcile.py``) and a change to one of them stays in
this module.

A note is this job's when, among the ticket's recent notes, one

* has the same text once both are made comparable (:func:`comparable_text`: HTML entities decoded, NFC,
  every run of whitespace one space, trimmed — ConnectWise rewrites line ends, trims, may encode);
* was written by the key owner where the note says who wrote it (``createdBy``, else ``member.identifier``;
  compared without case): a note that names nobody is not ruled out by it when the boundary below is
  known, and is never a match without it;
* is newer than what was on the ticket before the job's first send: its id is above the highest note id
  read just before that send (``seen_before_id``, recorded in the outbox). Without that boundary (an older
  job, or the read failed) the note must carry a time — ``dateCreated`` (service notes), else ``_info``'s
  dates (project notes have no ``dateCreated``) — no earlier than the window's start: the server's ``Date``
  of that read minus :data:`SERVER_MARGIN`, else the job's first send by the PC's clock minus
  :data:`CLOCK_SKEW` (:func:`window_start`). A note with no usable time is never taken for the job's;
* is not already owned by another push job (its id is not among the ``claimed`` ones).

The oldest such note (lowest id) is taken. The newest :data:`NOTE_CHECK_WINDOW` notes are read first; when
none matches and all of them are newer than the boundary, more are read (up to :data:`NOTE_CHECK_MAX`):
:class:`ReadFurther`.

A time entry is this job's when ConnectWise lists it for the ticket, the member and a ``timeStart`` within
a minute of the job's (the query does that; FlowDesk sends whole minutes, ConnectWise may keep them or not),
its id is above ``seen_before_id`` when known, it is charged to this ticket (when the record says), its
hours are within :data:`HOURS_TOLERANCE` of the job's (its ``timeEnd`` minus ``timeStart`` when the body has
both: what ConnectWise stores) and its notes are the same once made comparable (each
only when both sides have it), and no other job owns it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

# How much earlier than FlowDesk's own send time ConnectWise's ``dateCreated`` may be and still be this
# job's note: the PC's clock and the server's drift apart. Too small a margin re-posts a note that did
# arrive (a duplicate); too large a one can only match an identical note by the same member that no other
# push owns, which is on the ticket anyway.
CLOCK_SKEW = timedelta(minutes=30)
# How much earlier than the server's own Date (read just before the first send) its dateCreated may be: the
# same clock, so only its rounding to seconds and the time between that read and the POST.
SERVER_MARGIN = timedelta(minutes=1)
NOTE_CHECK_WINDOW = 100  # newest notes read first; more only if all of them are newer than the send
NOTE_CHECK_MAX = 1000
# Half a minute: ConnectWise derives an entry's hours from its whole-minute start and end and may keep them
# to two decimals (16 min: 0.27); another entry for the same ticket, member, minute and notes differs by more.
HOURS_TOLERANCE = 1 / 120


# -- what the ticket holds (ConnectWise's NoteRecord / TimeEntryRecord have these attributes) -----------
class RemoteNote(Protocol):
    id: int
    text: str
    created_by: str | None
    member_identifier: str | None
    date_created: datetime | None  # ServiceNote only; a project note's times are in ``_info`` (optional attributes
    # ``info_entered`` / ``info_updated``)


class RemoteTimeEntry(Protocol):
    id: int
    charge_to_id: int | None
    actual_hours: float | None
    notes: str | None


# -- verdicts -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Found:
    """The record is on the ticket: the job is ``sent`` with this id."""

    remote_id: int


@dataclass(frozen=True)
class Absent:
    """Not there: the job follows the retry schedule (it is sent again)."""


@dataclass(frozen=True)
class ReadFurther:
    """These notes cannot tell: read the ticket's newest ``limit`` notes and decide again."""

    limit: int


ABSENT = Absent()
Verdict = Found | Absent
NoteVerdict = Found | Absent | ReadFurther


# -- the rules --------------------------------------------------------------------------------------------
def normalise_text(text: str) -> str:
    """How a note's text is compared with what ConnectWise stored: NFC, CRLF/CR → LF, trailing whitespace
    of every line and the whitespace around the whole text dropped."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


_SPACE = re.compile(r"\s+")


def comparable_text(text: str) -> str:
    """How tolerant the match is: HTML entities decoded, NFC, every run of whitespace (line ends too) one
    space, trimmed."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    return _SPACE.sub(" ", text).strip()


def note_time(note: RemoteNote) -> datetime | None:
    """When the note was written, as far as it says: ``dateCreated``, else ``_info``'s entered / updated date."""
    for when in (note.date_created, getattr(note, "info_entered", None), getattr(note, "info_updated", None)):
        if isinstance(when, datetime):
            return when
    return None


def window_start(first_sent_at: datetime | None) -> datetime | None:
    """The earliest ``dateCreated`` this job's note may carry (None: any; the job was never marked sent)."""
    return first_sent_at - CLOCK_SKEW if first_sent_at is not None else None


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class NoteSearch:
    """What a note job looks for: its comparable text, the key owner (casefolded), the boundary (the highest
    note id before the first send, when known), the window's start and the note ids other jobs own."""

    text: str
    member: str
    since: datetime | None
    claimed: frozenset[int]
    after_id: int | None = None

    @classmethod
    def for_job(
        cls,
        body: Mapping[str, Any],
        member: str,
        first_sent_at: datetime | None,
        claimed: Collection[int],
        *,
        seen_before_id: int | None = None,
        server_date_before: datetime | None = None,
    ) -> NoteSearch:
        since = _aware(server_date_before) - SERVER_MARGIN if server_date_before is not None else window_start(first_sent_at)
        return cls(
            text=comparable_text(str(body.get("text") or "")),
            member=member.casefold(),
            since=since,
            claimed=frozenset(claimed),
            after_id=seen_before_id,
        )

    def matches(self, note: RemoteNote) -> bool:
        if note.id in self.claimed or comparable_text(note.text) != self.text:
            return False
        author = note.created_by or note.member_identifier
        if author and author.casefold() != self.member:
            return False
        if self.after_id is not None:
            return note.id > self.after_id  # on the ticket before the first send: not this job's
        if not author:
            return False  # no boundary and no author: too little to tell it from someone else's note
        created = note_time(note)
        if created is None:
            return False  # no boundary and no time: an older same-text note cannot be told apart
        return self.since is None or _aware(created) >= self.since


def judge_notes(search: NoteSearch, notes: Sequence[RemoteNote], limit: int) -> NoteVerdict:
    """``notes``: the ticket's newest ``limit`` notes (fewer when it has fewer)."""
    for note in sorted(notes, key=lambda n: n.id):
        if search.matches(note):
            return Found(note.id)
    if len(notes) < limit or limit >= NOTE_CHECK_MAX:
        return ABSENT  # the whole history was read, or as much as is ever read
    oldest_note = min(notes, key=lambda n: n.id)
    if search.after_id is not None:
        if oldest_note.id <= search.after_id:
            return ABSENT  # these notes reach back past the boundary: an older one cannot be this job's
        return ReadFurther(min(limit * 10, NOTE_CHECK_MAX))
    oldest = note_time(oldest_note)
    if search.since is not None and oldest is not None and _aware(oldest) < search.since:
        return ABSENT  # these notes reach back before the send: an older one cannot be this job's
    return ReadFurther(min(limit * 10, NOTE_CHECK_MAX))


def _cw_time(text: object) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


@dataclass(frozen=True)
class TimeEntrySearch:
    """What a time entry job looks for besides what the query already selects (ticket, member, start)."""

    ticket_id: int
    start: datetime
    hours: object  # the body's actualHours (compared when it is a number)
    notes: object  # the body's notes (compared when it is text)
    claimed: frozenset[int]
    after_id: int | None = None  # the highest time-entry id on the ticket before the first send

    @classmethod
    def for_job(
        cls, body: Mapping[str, Any], ticket_id: int, claimed: Collection[int], *, seen_before_id: int | None = None
    ) -> TimeEntrySearch:
        start = _cw_time(body["timeStart"])
        hours = body.get("actualHours")
        if body.get("timeEnd"):  # ConnectWise derives the hours from start and end (a body queued before
            hours = (_cw_time(body["timeEnd"]) - start).total_seconds() / 3600  # they always agreed, too)
        return cls(ticket_id, start, hours, body.get("notes"), frozenset(claimed), seen_before_id)

    def matches(self, entry: RemoteTimeEntry) -> bool:
        return (
            entry.id not in self.claimed
            and (self.after_id is None or entry.id > self.after_id)
            and (entry.charge_to_id is None or entry.charge_to_id == self.ticket_id)
            and self._same_hours(entry.actual_hours)
            and self._same_notes(entry.notes)
        )

    def _same_hours(self, theirs: float | None) -> bool:
        """Compared only when both sides have hours."""
        ours = self.hours
        return not isinstance(ours, int | float) or theirs is None or abs(theirs - ours) <= HOURS_TOLERANCE

    def _same_notes(self, theirs: str | None) -> bool:
        """Compared only when both sides have notes."""
        ours = self.notes
        return not isinstance(ours, str) or theirs is None or comparable_text(theirs) == comparable_text(ours)


def judge_time_entries(search: TimeEntrySearch, entries: Sequence[RemoteTimeEntry]) -> Verdict:
    """``entries``: what ConnectWise lists for the ticket, the member and a minute around the job's ``timeStart``."""
    for entry in sorted(entries, key=lambda e: e.id):
        if search.matches(entry):
            return Found(entry.id)
    return ABSENT


__all__ = [
    "ABSENT",
    "CLOCK_SKEW",
    "HOURS_TOLERANCE",
    "NOTE_CHECK_MAX",
    "NOTE_CHECK_WINDOW",
    "Absent",
    "Found",
    "NoteSearch",
    "NoteVerdict",
    "SERVER_MARGIN",
    "ReadFurther",
    "RemoteNote",
    "RemoteTimeEntry",
    "TimeEntrySearch",
    "comparable_text",
    "note_time",
    "Verdict",
    "judge_notes",
    "judge_time_entries",
    "normalise_text",
    "window_start",
]
