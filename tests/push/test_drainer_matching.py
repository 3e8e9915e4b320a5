"""How the drainer recognises its own note or time entry on a ticket: answers the sandbox cannot give
(ConnectWise's CRLF rewriting, another author, old dates, a long ticket history), over ``httpx.MockTransport``
with the client tests' fake ConnectWise."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from flowdesk.connectwise.bodies import TicketRef, cw_datetime
from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.core.policy import Outcome, decide
from flowdesk.core.settings import Settings
from flowdesk.core.timing import TimeEntryPlan
from flowdesk.push.drainer import CLOCK_SKEW, Connection, Drainer, normalise_text
from flowdesk.push.enqueue import enqueue_push
from flowdesk.push.prepare import prepare_note
from flowdesk.store import Outbox
from tests.connectwise.fake import COMPANY, PRIVATE, PUBLIC, FakeConnectWise

from .helpers import make_session

SITE = "connectwise:acme@na.myconnectwise.net"
TEXT = "Cleared the cached credentials.\nOutlook signs in again."


@pytest.fixture
def fake() -> FakeConnectWise:
    return FakeConnectWise()


@pytest.fixture
def mock_client(fake) -> Iterator[ConnectWiseClient]:
    c = ConnectWiseClient("na.myconnectwise.net", COMPANY, PUBLIC, PRIVATE, transport=httpx.MockTransport(fake.handler))
    yield c
    c.close()


@pytest.fixture
def drainer(outbox: Outbox, mock_client, clock) -> Drainer:
    return Drainer(outbox, lambda site: Connection(mock_client, "dwhitfield"), clock=clock, tz=UTC)


def unknown_note(outbox: Outbox, text: str = TEXT, n: int = 1):
    """A note job whose POST left at the clock's time and got no answer (what recover() leaves)."""
    preview = prepare_note(make_session(n), Settings(), edited_text=text)
    [job] = enqueue_push(outbox, preview, ticket=TicketRef(48211), site=SITE, time_entry=False, send_end=False)
    outbox.transition(job.id, expect="pending", to="sending")
    outbox.recover_after_crash()
    return outbox.get(job.id)


def server_note(nid: int, text: str, created: datetime, by: str | None = "dwhitfield", **extra) -> dict:
    note = {"id": nid, "ticketId": 48211, "text": text, "internalAnalysisFlag": True, "dateCreated": cw_datetime(created)}
    if by is not None:
        note["createdBy"] = by
    note.update(extra)
    return note


def test_normalise_text():
    assert normalise_text("  a  \r\nb\t\r\n\r\nc \n ") == "a\nb\n\nc"
    assert normalise_text("Cafe\u0301") == normalise_text("Caf\u00e9")
    assert normalise_text("a\rb") == "a\nb"


def test_a_note_rewritten_with_crlf_and_trailing_spaces_is_found(outbox, drainer, fake, clock):
    job = unknown_note(outbox)
    stored = "\r\n  " + TEXT.replace("\n", "   \r\n") + "  \r\n"
    fake.notes[("service", 48211)] = [server_note(501, stored, clock.now + timedelta(seconds=3))]
    drainer.run_due()
    assert (outbox.get(job.id).state, outbox.get(job.id).remote_id) == ("sent", 501)


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
def test_author_and_text_must_match(outbox, drainer, fake, clock, note_kw, found):
    job = unknown_note(outbox)
    kw = dict(note_kw)
    text = kw.pop("text", TEXT)
    fake.notes[("service", 48211)] = [server_note(501, text, clock.now, **kw)]
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
def test_date_created_not_earlier_than_the_send_minus_the_skew(outbox, drainer, fake, clock, created_offset, found):
    job = unknown_note(outbox)
    fake.notes[("service", 48211)] = [server_note(501, TEXT, job.first_sent_at + created_offset)]
    drainer.run_due()
    assert outbox.get(job.id).state == ("sent" if found else "retry_wait")


def test_the_oldest_unclaimed_match_is_taken(outbox, drainer, fake, clock):
    first = unknown_note(outbox, n=1)
    second = unknown_note(outbox, n=2)  # another session, same text (e.g. a template)
    fake.notes[("service", 48211)] = [server_note(600, TEXT, clock.now), server_note(601, TEXT, clock.now)]
    drainer.run_due()
    assert {outbox.get(first.id).remote_id, outbox.get(second.id).remote_id} == {600, 601}


def test_a_busy_ticket_is_read_further_back_than_the_first_window(outbox, drainer, fake, clock):
    job = unknown_note(outbox)
    mine = server_note(1000, TEXT, clock.now)
    others = [server_note(1001 + i, f"chatter {i}", clock.now + timedelta(minutes=1), by="jsmith") for i in range(150)]
    fake.notes[("service", 48211)] = [mine, *others]
    drainer.run_due()
    assert outbox.get(job.id).remote_id == 1000
    sizes = [r.url.params.get("pageSize") for r in fake.api_requests() if r.url.path.endswith("/notes")]
    assert sizes == ["100", "1000"]


def test_a_ticket_whose_history_reaches_before_the_send_is_not_read_further(outbox, drainer, fake, clock):
    job = unknown_note(outbox)
    old = [server_note(100 + i, f"old {i}", clock.now - timedelta(days=1)) for i in range(100)]
    fake.notes[("service", 48211)] = old
    drainer.run_due()
    assert outbox.get(job.id).state == "retry_wait"
    assert len([r for r in fake.api_requests() if r.url.path.endswith("/notes")]) == 1


# -- time entries -------------------------------------------------------------------------------------------
def unknown_time_entry(outbox: Outbox, hours: float = 0.75):
    plan = TimeEntryPlan(start=datetime(2026, 11, 18, 13, 0, tzinfo=UTC), hours=hours, notes="FlowPilot session: Outlook")
    preview = prepare_note(make_session(1), Settings(), edited_text=TEXT)
    preview = dataclasses.replace(preview, time_plan=plan)
    note, entry = enqueue_push(outbox, preview, ticket=TicketRef(48211), site=SITE, time_entry=True, send_end=False)
    sending = outbox.transition(note.id, expect="pending", to="sending")
    outbox.apply(note.id, decide(sending.snapshot(), Outcome.success(77), sending.updated_at))
    outbox.transition(entry.id, expect="pending", to="sending")
    outbox.recover_after_crash()
    return outbox.get(entry.id)


def server_entry(eid: int, *, ticket: int = 48211, hours: float = 0.75, notes: str = "FlowPilot session: Outlook") -> dict:
    return {
        "id": eid, "chargeToId": ticket, "chargeToType": "ServiceTicket", "member": {"identifier": "dwhitfield"},
        "timeStart": "2026-11-18T13:00:00Z", "actualHours": hours, "notes": notes,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("entries", "remote"),
    [
        ([server_entry(90)], 90),
        ([server_entry(90, hours=1.5)], None),  # another entry that starts at the same time
        ([server_entry(90, ticket=48300)], None),
        ([server_entry(90, notes="Lunch")], None),
        ([server_entry(90, notes="Lunch"), server_entry(91)], 91),
    ],
)
def test_a_time_entry_is_matched_by_ticket_start_hours_and_notes(outbox, drainer, fake, entries, remote):
    job = unknown_time_entry(outbox)
    fake.time_entries = entries
    drainer.run_due()
    done = outbox.get(job.id)
    assert (done.state, done.remote_id) == (("sent", remote) if remote else ("retry_wait", None))
    [query] = [r for r in fake.api_requests() if r.url.path.endswith("/time/entries")]
    assert query.url.params["conditions"] == (
        'chargeToId=48211 and chargeToType="ServiceTicket" and member/identifier="dwhitfield" '
        "and timeStart=[2026-11-18T13:00:00Z]"
    )
