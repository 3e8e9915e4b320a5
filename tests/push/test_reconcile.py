"""The reconciliation rules on their own: plain data in, a verdict out (no HTTP, no SQLite, no clock).

``test_drainer_matching.py`` and ``test_drainer.py`` prove the same rules end to end through the drainer;
here every boundary gets its own case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from flowdesk.connectwise.models import NoteRecord, TimeEntryRecord
from flowdesk.push.reconcile import (
    ABSENT,
    CLOCK_SKEW,
    HOURS_TOLERANCE,
    NOTE_CHECK_MAX,
    NOTE_CHECK_WINDOW,
    Found,
    NoteSearch,
    ReadFurther,
    TimeEntrySearch,
    judge_notes,
    judge_time_entries,
    normalise_text,
    window_start,
)

SENT = datetime(2026, 11, 18, 14, 2, 11, tzinfo=UTC)  # the job's first_sent_at
TEXT = "Cleared the cached credentials.\nOutlook signs in again."


@dataclass
class Note:
    id: int
    text: str = TEXT
    created_by: str | None = "dwhitfield"
    member_identifier: str | None = None
    date_created: datetime | None = SENT


@dataclass
class Entry:
    id: int
    charge_to_id: int | None = 48211
    actual_hours: float | None = 0.75
    notes: str | None = "FlowPilot session: Outlook"


def search(text: str = TEXT, member: str = "dwhitfield", sent: datetime | None = SENT, claimed=()) -> NoteSearch:
    return NoteSearch.for_job({"text": text}, member, sent, claimed)


# -- text ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("  a  \r\nb\t\r\n\r\nc \n ", "a\nb\n\nc"),  # CRLF, trailing whitespace per line, around the text
        ("a\rb", "a\nb"),
        ("Cafe\u0301", "Caf\u00e9"),  # NFC
        ("  lead", "lead"),
        ("a\n  indented", "a\n  indented"),  # leading whitespace inside is kept
    ],
)
def test_normalise_text(raw, normal):
    assert normalise_text(raw) == normal


def test_a_note_rewritten_with_crlf_and_spaces_matches():
    stored = "\r\n  " + TEXT.replace("\n", "   \r\n") + "  \r\n"
    assert judge_notes(search(), [Note(501, text=stored)], NOTE_CHECK_WINDOW) == Found(501)


def test_another_text_does_not_match():
    assert judge_notes(search(), [Note(501, text=TEXT + " (edited)")], NOTE_CHECK_WINDOW) == ABSENT


def test_a_job_body_without_text_looks_for_an_empty_note():
    assert NoteSearch.for_job({}, "dwhitfield", SENT, ()).text == ""


# -- author -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("created_by", "member", "found"),
    [
        ("dwhitfield", None, True),
        ("DWhitfield", None, True),  # identifiers compare without case
        ("jsmith", None, False),
        (None, "dwhitfield", True),  # no createdBy: the member reference
        ("jsmith", "dwhitfield", False),  # createdBy wins over the member reference
        (None, None, False),  # no author at all: cannot be this job's
    ],
)
def test_the_author_must_be_the_key_owner(created_by, member, found):
    note = Note(501, created_by=created_by, member_identifier=member)
    assert judge_notes(search(member="DWHITFIELD"), [note], NOTE_CHECK_WINDOW) == (Found(501) if found else ABSENT)


# -- the time window ------------------------------------------------------------------------------------------
def test_the_window_starts_the_clock_skew_before_the_first_send():
    assert window_start(SENT) == SENT - CLOCK_SKEW == SENT - timedelta(minutes=30)
    assert window_start(None) is None


@pytest.mark.parametrize(
    ("created", "found"),
    [
        (SENT - CLOCK_SKEW - timedelta(microseconds=1), False),  # older than any clock skew
        (SENT - CLOCK_SKEW, True),  # the boundary itself is inside
        (SENT - timedelta(minutes=5), True),  # the server's clock is behind the PC's
        (SENT + timedelta(hours=3), True),
        (None, False),  # no time and no boundary: a same-text note from before the send cannot be told apart
    ],
)
def test_date_created_not_earlier_than_the_window(created, found):
    assert judge_notes(search(), [Note(501, date_created=created)], NOTE_CHECK_WINDOW) == (Found(501) if found else ABSENT)


def test_a_naive_date_created_is_utc():
    naive = (SENT - CLOCK_SKEW - timedelta(seconds=1)).replace(tzinfo=None)
    assert judge_notes(search(), [Note(501, date_created=naive)], NOTE_CHECK_WINDOW) == ABSENT
    assert judge_notes(search(), [Note(501, date_created=SENT.replace(tzinfo=None))], NOTE_CHECK_WINDOW) == Found(501)


def test_a_job_never_marked_sent_has_no_window():
    old = Note(501, date_created=SENT - timedelta(days=30))
    assert judge_notes(search(sent=None), [old], NOTE_CHECK_WINDOW) == Found(501)


# -- claimed ids and order --------------------------------------------------------------------------------------
def test_a_note_another_job_owns_is_never_taken():
    assert judge_notes(search(claimed={600}), [Note(600)], NOTE_CHECK_WINDOW) == ABSENT
    assert judge_notes(search(claimed={600}), [Note(601), Note(600)], NOTE_CHECK_WINDOW) == Found(601)


def test_the_oldest_match_is_taken_whatever_the_order_listed():
    assert judge_notes(search(), [Note(603), Note(601), Note(602)], NOTE_CHECK_WINDOW) == Found(601)


# -- reading further back ----------------------------------------------------------------------------------------
def chatter(n: int, start_id: int, created: datetime) -> list[Note]:
    return [Note(start_id + i, text=f"chatter {i}", created_by="jsmith", date_created=created) for i in range(n)]


def test_a_full_window_of_newer_notes_cannot_tell():
    notes = chatter(NOTE_CHECK_WINDOW, 1000, SENT + timedelta(minutes=1))
    assert judge_notes(search(), notes, NOTE_CHECK_WINDOW) == ReadFurther(NOTE_CHECK_MAX)


def test_fewer_notes_than_asked_for_is_the_whole_ticket():
    notes = chatter(NOTE_CHECK_WINDOW - 1, 1000, SENT + timedelta(minutes=1))
    assert judge_notes(search(), notes, NOTE_CHECK_WINDOW) == ABSENT
    assert judge_notes(search(), [], NOTE_CHECK_WINDOW) == ABSENT


def test_a_window_reaching_before_the_send_is_enough():
    notes = chatter(NOTE_CHECK_WINDOW, 1000, SENT + timedelta(minutes=1))
    notes[0].date_created = SENT - CLOCK_SKEW - timedelta(minutes=1)  # the oldest (lowest id)
    assert judge_notes(search(), notes, NOTE_CHECK_WINDOW) == ABSENT


def test_the_most_ever_read_is_the_end():
    notes = chatter(NOTE_CHECK_MAX, 1000, SENT + timedelta(minutes=1))
    assert judge_notes(search(), notes, NOTE_CHECK_MAX) == ABSENT


def test_reading_further_grows_tenfold_up_to_the_most():
    notes = chatter(10, 1000, SENT + timedelta(minutes=1))
    assert judge_notes(search(), notes, 10) == ReadFurther(100)
    assert judge_notes(search(), chatter(500, 1000, SENT), 500) == ReadFurther(NOTE_CHECK_MAX)


def test_without_a_window_a_full_page_reads_further():
    assert judge_notes(search(sent=None), chatter(NOTE_CHECK_WINDOW, 1, SENT), NOTE_CHECK_WINDOW) == ReadFurther(1000)


# -- time entries ---------------------------------------------------------------------------------------------
BODY = {"timeStart": "2026-11-18T13:00:00Z", "actualHours": 0.75, "notes": "FlowPilot session: Outlook"}


def entry_search(body=BODY, claimed=()) -> TimeEntrySearch:
    return TimeEntrySearch.for_job(body, 48211, claimed)


def test_the_start_is_read_from_the_body():
    assert entry_search().start == datetime(2026, 11, 18, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("entry", "found"),
    [
        (Entry(90), True),
        (Entry(90, actual_hours=0.75 + HOURS_TOLERANCE * 0.8), True),  # within the tolerance (rounding)
        (Entry(90, actual_hours=0.75 - HOURS_TOLERANCE * 1.2), False),  # another entry that starts then
        (Entry(90, actual_hours=None), True),  # not given: not compared
        (Entry(90, charge_to_id=48300), False),
        (Entry(90, charge_to_id=None), True),
        (Entry(90, notes="Lunch"), False),
        (Entry(90, notes="  FlowPilot session: Outlook \r\n"), True),  # normalised
        (Entry(90, notes=None), True),
    ],
)
def test_a_time_entry_is_matched_by_ticket_hours_and_notes(entry, found):
    assert judge_time_entries(entry_search(), [entry]) == (Found(90) if found else ABSENT)


def test_hours_are_compared_to_the_half_minute_from_the_bodys_start_and_end():
    # queued before hours were whole minutes: 0.26 h sent, but 16 minutes from start to end (ConnectWise: 0.27)
    body = {**BODY, "actualHours": 0.26, "timeEnd": "2026-11-18T13:16:00Z"}
    assert judge_time_entries(entry_search(body), [Entry(90, actual_hours=0.27)]) == Found(90)
    assert judge_time_entries(entry_search(body), [Entry(90, actual_hours=round(16.6 / 60, 2))]) == ABSENT
    whole = {**BODY, "actualHours": 16 / 60}
    assert judge_time_entries(entry_search(whole), [Entry(90, actual_hours=0.27)]) == Found(90)


def test_a_body_without_hours_or_notes_compares_neither():
    body = {"timeStart": BODY["timeStart"]}
    assert judge_time_entries(entry_search(body), [Entry(90, actual_hours=8.0, notes="Lunch")]) == Found(90)


def test_a_time_entry_another_job_owns_is_never_taken_and_the_oldest_wins():
    entries = [Entry(92), Entry(90), Entry(91, notes="Lunch")]
    assert judge_time_entries(entry_search(claimed={90}), entries) == Found(92)
    assert judge_time_entries(entry_search(), entries) == Found(90)
    assert judge_time_entries(entry_search(), []) == ABSENT


# -- the client's records are what the rules read ------------------------------------------------------------------
def test_connectwise_records_are_judged_as_they_come():
    note = NoteRecord.model_validate(
        {"id": 7, "text": TEXT + "\r\n", "member": {"identifier": "DWhitfield"}, "dateCreated": "2026-11-18T14:03:00Z"}
    )
    assert judge_notes(search(), [note], NOTE_CHECK_WINDOW) == Found(7)
    entry = TimeEntryRecord.model_validate({"id": 9, "chargeToId": 48211, "actualHours": 0.75, "notes": BODY["notes"]})
    assert judge_time_entries(entry_search(), [entry]) == Found(9)


# -- the boundary read before the first send (seen_before_id, the server's Date) -------------------------------
def bounded(after_id: int | None = 500, server_date: datetime | None = None, sent: datetime | None = SENT) -> NoteSearch:
    return NoteSearch.for_job({"text": TEXT}, "dwhitfield", sent, (), seen_before_id=after_id, server_date_before=server_date)


@dataclass
class ProjectNote:
    """A TicketNote: no dateCreated, no createdBy; maybe a member, maybe ``_info`` dates."""

    id: int
    text: str = TEXT
    created_by: str | None = None
    member_identifier: str | None = None
    date_created: datetime | None = None
    info_entered: datetime | None = None
    info_updated: datetime | None = None


@pytest.mark.parametrize(
    ("note", "found"),
    [
        (ProjectNote(500), False),  # on the ticket before the first send (a same-text note posted earlier)
        (ProjectNote(499, member_identifier="dwhitfield"), False),
        (ProjectNote(501), True),  # newer than the boundary; no author, no time: the id is enough
        (ProjectNote(501, member_identifier="jsmith"), False),  # someone else's
        (Note(501, date_created=SENT - timedelta(hours=5)), True),  # the server's clock is far behind: ids decide
    ],
)
def test_with_a_boundary_only_newer_notes_can_be_the_jobs(note, found):
    assert judge_notes(bounded(), [note], NOTE_CHECK_WINDOW) == (Found(note.id) if found else ABSENT)


def test_the_oldest_newer_note_is_taken_and_older_same_text_notes_never():
    notes = [ProjectNote(480), ProjectNote(499), ProjectNote(502), ProjectNote(507)]
    assert judge_notes(bounded(500), notes, NOTE_CHECK_WINDOW) == Found(502)


def test_reading_further_stops_at_the_boundary():
    page = [ProjectNote(600 + i, text="other") for i in range(NOTE_CHECK_WINDOW)]
    assert judge_notes(bounded(500), page, NOTE_CHECK_WINDOW) == ReadFurther(NOTE_CHECK_WINDOW * 10)
    page[0] = ProjectNote(500, text="other")
    assert judge_notes(bounded(500), page, NOTE_CHECK_WINDOW) == ABSENT


@pytest.mark.parametrize(
    ("ahead", "found"),
    [(timedelta(hours=2), True), (timedelta(minutes=61), True), (-timedelta(hours=3), True), (timedelta(0), True)],
)
def test_the_servers_date_bounds_the_window_whatever_the_pcs_clock(ahead, found):
    """No id boundary, but the server's Date of the read before the send: the PC's clock does not matter."""
    server_now = datetime(2026, 11, 18, 14, 2, 0, tzinfo=UTC)
    note = Note(501, date_created=server_now + timedelta(seconds=1))
    got = judge_notes(bounded(None, server_date=server_now, sent=server_now + ahead), [note], NOTE_CHECK_WINDOW)
    assert got == (Found(501) if found else ABSENT)
    older = Note(499, date_created=server_now - timedelta(minutes=20))  # a same-text note from before the send
    assert judge_notes(bounded(None, server_date=server_now, sent=server_now + ahead), [older], 100) == ABSENT


def test_a_project_note_without_boundary_is_dated_by_its_info():
    search_ = bounded(None)
    assert judge_notes(search_, [ProjectNote(501, member_identifier="dwhitfield", info_entered=SENT)], 100) == Found(501)
    old = ProjectNote(501, member_identifier="dwhitfield", info_updated=SENT - timedelta(hours=2))
    assert judge_notes(search_, [old], 100) == ABSENT
    assert judge_notes(search_, [ProjectNote(501, member_identifier="dwhitfield")], 100) == ABSENT  # no time


@pytest.mark.parametrize(
    "stored",
    [
        TEXT.replace("\n", "\r\n   "),
        TEXT.replace(".", "&#46;").replace(" ", "&nbsp;", 0),
        "  " + TEXT.replace(" ", "  ") + "\n",
        TEXT.replace("\n", "<br>", 0),
    ],
)
def test_text_is_compared_tolerantly(stored):
    assert judge_notes(bounded(), [Note(501, text=stored)], 100) == Found(501)


def test_different_words_are_not_the_same_text():
    assert judge_notes(bounded(), [Note(501, text=TEXT + " Later: rebooted.")], 100) == ABSENT


def test_a_time_entry_newer_than_the_boundary_only():
    body = {"timeStart": "2026-11-18T13:00:00Z", "actualHours": 0.75, "notes": "FlowPilot session: Outlook"}
    search_ = TimeEntrySearch.for_job(body, 48211, (), seen_before_id=90005)
    assert judge_time_entries(search_, [Entry(90004), Entry(90006)]) == Found(90006)
    assert judge_time_entries(search_, [Entry(90005)]) == ABSENT
