"""How the drainer recognises its own note or time entry on a ticket whose answer was lost: the ticket's
notes and time entries are seeded into the in-process sandbox as ConnectWise or other people would have
left them (CRLF rewriting, another author, old dates, a long ticket history)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from flowdesk.connectwise.bodies import TicketRef, cw_datetime
from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.core.policy import VERIFY_DELAY, Outcome, decide
from flowdesk.core.settings import Settings
from flowdesk.core.timing import TimeEntryPlan
from flowdesk.push.drainer import CLOCK_SKEW, Connection, Drainer, normalise_text
from flowdesk.push.enqueue import enqueue_push
from flowdesk.push.prepare import prepare_note
from flowdesk.sandbox import SandboxApp
from flowdesk.sandbox.admin import SandboxAdmin
from flowdesk.store import Outbox
from tests.plugins.sandbox import connectwise_client

from .helpers import FakeClock, make_session

SITE = "connectwise:acme@na.myconnectwise.net"
TEXT = "Cleared the cached credentials.\nOutlook signs in again."


@pytest.fixture
def app_client(sandbox_app: SandboxApp) -> Iterator[ConnectWiseClient]:
    c = connectwise_client(sandbox_app)
    yield c
    c.close()


@pytest.fixture
def admin(sandbox_app_admin: SandboxAdmin) -> SandboxAdmin:
    return sandbox_app_admin


@pytest.fixture
def drainer(outbox: Outbox, app_client, clock) -> Drainer:
    return Drainer(outbox, lambda site: Connection(app_client, "dwhitfield"), clock=clock, tz=UTC)


def seed_notes(admin: SandboxAdmin, *notes: dict) -> list[int]:
    """Put notes on the ticket as ConnectWise would hold them; their ids (the sandbox numbers them)."""
    return [n["id"] for n in admin.add_notes(list(notes))]


def api_gets(admin: SandboxAdmin, ending: str) -> list[dict]:
    return [r for r in admin.ledger()["requests"] if r["method"] == "GET" and r["path"].endswith(ending)]


def unknown_note(outbox: Outbox, clock: FakeClock, text: str = TEXT, n: int = 1):
    """A note job whose POST left at the clock's time and got no answer: what recover() leaves when FlowDesk
    is started again a minute later (the clock is moved on by that minute; the check is due)."""
    preview = prepare_note(make_session(n), Settings(), edited_text=text)
    [job] = enqueue_push(outbox, preview, ticket=TicketRef(48211), site=SITE, time_entry=False, send_end=False)
    outbox.transition(job.id, expect="pending", to="sending")
    return restarted(outbox, clock, job.id)


def restarted(outbox: Outbox, clock: FakeClock, job_id: int):
    """FlowDesk, stopped while sending ``job_id``, is started again once the check may look (VERIFY_DELAY)."""
    clock.advance(seconds=VERIFY_DELAY.total_seconds())
    outbox.recover_after_crash()
    job = outbox.get(job_id)
    assert job.state == "unknown" and job.next_attempt_at == clock.now
    return job


def server_note(text: str, created: datetime, by: str | None = "dwhitfield", **extra) -> dict:
    note = {"ticketId": 48211, "text": text, "internalAnalysisFlag": True, "dateCreated": cw_datetime(created)}
    if by is not None:
        note["createdBy"] = by
    note.update(extra)
    return note


def test_normalise_text():
    assert normalise_text("  a  \r\nb\t\r\n\r\nc \n ") == "a\nb\n\nc"
    assert normalise_text("Cafe\u0301") == normalise_text("Caf\u00e9")
    assert normalise_text("a\rb") == "a\nb"


def test_a_note_rewritten_with_crlf_and_trailing_spaces_is_found(outbox, drainer, admin, clock):
    job = unknown_note(outbox, clock)
    stored = "\r\n  " + TEXT.replace("\n", "   \r\n") + "  \r\n"
    [nid] = seed_notes(admin, server_note(stored, clock.now + timedelta(seconds=3)))
    drainer.run_due()
    assert (outbox.get(job.id).state, outbox.get(job.id).remote_id) == ("sent", nid)


@pytest.mark.parametrize(
    ("note_kw", "found"),
    [
        ({"by": "jsmith"}, False),  # same text, another member
        ({"by": "DWhitfield"}, True),  # identifiers compare without case
        ({"by": None, "member": {"identifier": "dwhitfield"}}, True),  # no createdBy: the member reference
        ({"by": None}, False),  # no author at all: cannot be ours
        ({"text": TEXT + " (edited)"}, False),
    ],
)
def test_author_and_text_must_match(outbox, drainer, admin, clock, note_kw, found):
    job = unknown_note(outbox, clock)
    kw = dict(note_kw)
    text = kw.pop("text", TEXT)
    seed_notes(admin, server_note(text, clock.now, **kw))
    drainer.run_due()
    assert outbox.get(job.id).state == ("sent" if found else "retry_wait")


@pytest.mark.parametrize(
    ("created_offset", "found"),
    [
        (-CLOCK_SKEW - timedelta(minutes=1), False),  # before the send, beyond any clock skew: an older note
        (-CLOCK_SKEW + timedelta(minutes=1), True),  # the server's clock is behind the PC's
        (timedelta(hours=3), True),
    ],
)
def test_date_created_not_earlier_than_the_send_minus_the_skew(outbox, drainer, admin, clock, created_offset, found):
    job = unknown_note(outbox, clock)
    seed_notes(admin, server_note(TEXT, job.first_sent_at + created_offset))
    drainer.run_due()
    assert outbox.get(job.id).state == ("sent" if found else "retry_wait")


def test_the_oldest_unclaimed_match_is_taken(outbox, drainer, admin, clock):
    first = unknown_note(outbox, clock, n=1)
    second = unknown_note(outbox, clock, n=2)  # another session, same text (e.g. a template)
    ids = seed_notes(admin, server_note(TEXT, clock.now), server_note(TEXT, clock.now))
    drainer.run_due()
    assert {outbox.get(first.id).remote_id, outbox.get(second.id).remote_id} == set(ids)


def test_a_busy_ticket_is_read_further_back_than_the_first_window(outbox, drainer, admin, clock):
    job = unknown_note(outbox, clock)
    mine = server_note(TEXT, clock.now)
    others = [server_note(f"chatter {i}", clock.now + timedelta(minutes=1), by="jsmith") for i in range(150)]
    [mine_id, *_] = seed_notes(admin, mine, *others)
    drainer.run_due()
    assert outbox.get(job.id).remote_id == mine_id
    sizes = [r["query"].get("pageSize") for r in api_gets(admin, "/notes")]
    assert sizes == ["100", "1000"]


def test_a_ticket_whose_history_reaches_before_the_send_is_not_read_further(outbox, drainer, admin, clock):
    job = unknown_note(outbox, clock)
    seed_notes(admin, *[server_note(f"old {i}", clock.now - timedelta(days=1)) for i in range(100)])
    drainer.run_due()
    assert outbox.get(job.id).state == "retry_wait"
    assert len(api_gets(admin, "/notes")) == 1


# -- time entries -------------------------------------------------------------------------------------------
def unknown_time_entry(outbox: Outbox, clock: FakeClock, hours: float = 0.75):
    plan = TimeEntryPlan(start=datetime(2026, 11, 18, 13, 0, tzinfo=UTC), hours=hours, notes="FlowPilot session: Printer 1 offline")
    preview = prepare_note(make_session(1), Settings(), edited_text=TEXT)
    preview = preview._replace(time_plan=plan)
    note, entry = enqueue_push(outbox, preview, ticket=TicketRef(48211), site=SITE, time_entry=True, send_end=False)
    sending = outbox.transition(note.id, expect="pending", to="sending")
    outbox.apply(note.id, decide(sending.snapshot(), Outcome.success(77), sending.updated_at))
    outbox.transition(entry.id, expect="pending", to="sending")
    return restarted(outbox, clock, entry.id)


def server_entry(*, ticket: int = 48211, hours: float = 0.75, notes: str = "FlowPilot session: Printer 1 offline") -> dict:
    return {
        "chargeToId": ticket, "chargeToType": "ServiceTicket", "member": {"identifier": "dwhitfield"},
        "timeStart": "2026-11-18T13:00:00Z", "actualHours": hours, "notes": notes,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("entries", "mine"),
    [
        ([server_entry()], 0),
        ([server_entry(hours=1.5)], None),  # another entry that starts at the same time
        ([server_entry(ticket=48300)], None),
        ([server_entry(notes="Lunch")], None),
        ([server_entry(notes="Lunch"), server_entry()], 1),
    ],
)
def test_a_time_entry_is_matched_by_ticket_start_hours_and_notes(outbox, drainer, admin, clock, entries, mine):
    job = unknown_time_entry(outbox, clock)
    ids = [e["id"] for e in admin.add_time_entries(entries)]
    drainer.run_due()
    done = outbox.get(job.id)
    assert (done.state, done.remote_id) == (("sent", ids[mine]) if mine is not None else ("retry_wait", None))
    [query] = api_gets(admin, "/time/entries")
    assert query["query"]["conditions"] == (
        'chargeToId=48211 and chargeToType="ServiceTicket" and member/identifier="dwhitfield" '
        "and timeStart >= [2026-11-18T12:59:00Z] and timeStart <= [2026-11-18T13:01:00Z]"
    )  # a minute either side: whether ConnectWise keeps seconds is not documented


# -- the boundary recorded before the first send ---------------------------------------------------------------
def test_what_was_on_the_ticket_is_recorded_before_the_first_send(outbox, drainer, admin, clock):
    """The highest note / time-entry id on the ticket and the server's Date, read before the POST and stored
    with the move to sending; a later send keeps the first boundary."""
    [earlier] = seed_notes(admin, server_note("someone else's note", clock.now, by="jsmith"))
    plan = TimeEntryPlan(start=datetime(2026, 11, 18, 13, 0, tzinfo=UTC), hours=0.5, notes="n")
    [seen_entry] = [e["id"] for e in admin.add_time_entries([{**server_entry(), "timeStart": "2026-11-17T09:00:00Z"}])]
    preview = prepare_note(make_session(1), Settings(), edited_text=TEXT)._replace(time_plan=plan)
    note, entry = enqueue_push(outbox, preview, ticket=TicketRef(48211), site=SITE, time_entry=True, send_end=False)
    drainer.run_due()
    note, entry = outbox.get(note.id), outbox.get(entry.id)
    assert (note.state, entry.state) == ("sent", "sent")
    assert (note.seen_before_id, entry.seen_before_id) == (earlier, seen_entry)
    assert note.remote_id > earlier and entry.remote_id > seen_entry
    now = datetime.now(UTC)
    for job in (note, entry):  # the sandbox's clock, not the injected one
        assert job.server_date_before is not None and abs(job.server_date_before - now) < timedelta(minutes=1)
    reads = [r for r in admin.ledger()["requests"] if r["method"] == "GET" and r["query"].get("fields") == "id"]
    assert [r["path"].rsplit("/apis/3.0", 1)[1] for r in reads] == ["/service/tickets/48211/notes", "/time/entries"]


def test_a_push_of_another_member_that_may_be_on_its_ticket_is_checked_for_that_members_note(outbox, app_client, admin, clock):
    """Found in review: the check looked for the notes of the member whose keys are saved now. A push queued
    and sent as jsmith whose answer was lost, checked after dwhitfield's keys were saved, did not find
    jsmith's note and posted it again. The check looks for the notes of the member who queued it (reading
    posts nothing: it is not held back by the pause for another member's pushes)."""
    preview = prepare_note(make_session(1), Settings(), edited_text=TEXT)
    [job] = enqueue_push(
        outbox, preview, ticket=TicketRef(48211), site=SITE, time_entry=False, send_end=False, member="jsmith"
    )
    outbox.transition(job.id, expect="pending", to="sending")
    job = restarted(outbox, clock, job.id)
    [nid] = seed_notes(admin, server_note(TEXT, clock.now, by="jsmith"))
    Drainer(outbox, lambda site: Connection(app_client, "dwhitfield"), clock=clock, tz=UTC).run_due()
    done = outbox.get(job.id)
    assert (done.state, done.remote_id, done.member) == ("sent", nid, "jsmith")
    assert [r for r in admin.ledger()["requests"] if r["method"] == "POST"] == [] and outbox.paused_reason() is None
