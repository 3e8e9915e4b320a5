"""The drainer, one rule per test, against the sandbox (real HTTP on loopback) with an injected clock.

Every transition goes through a real ``Outbox`` on a temp SQLite file. ``test_drainer_matching.py`` seeds
the in-process sandbox with other people's notes (CRLF text, another author, old dates).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, timedelta

import pytest

from flowdesk.connectwise.bodies import TicketRef
from flowdesk.core import policy
from flowdesk.core.policy import VERIFY_DELAY, JobState, format_clock
from flowdesk.core.settings import Settings
from flowdesk.core.timing import manual_plan
from flowdesk.push.drainer import CLOCK_SKEW, ClientUnavailable, Connection, Drainer, drain_until
from flowdesk.push.enqueue import enqueue_push
from flowdesk.push.prepare import prepare_note
from flowdesk.store import Outbox

from .helpers import ledger_entries, ledger_notes, make_client, make_session, note_text, push, site_key


def states(outbox: Outbox) -> dict[int, str]:
    return {j.id: j.state.value for j in outbox.jobs()}


# -- sending -------------------------------------------------------------------------------------------
def test_a_note_and_its_time_entry_are_sent_once_each_in_order(outbox, drainer, sandbox, sandbox_admin, clock, changes):
    note, entry = push(outbox, sandbox, time_entry=True)
    report = drainer.run_due()

    ledger = sandbox_admin.ledger()
    [stored_note] = ledger_notes(ledger, note_text(1))
    [stored_entry] = ledger_entries(ledger, entry.body_json()["timeStart"])
    note, entry = outbox.get(note.id), outbox.get(entry.id)
    assert (note.state, note.remote_id, note.first_sent_at, note.sent_at) == ("sent", stored_note["id"], clock.now, clock.now)
    assert (entry.state, entry.remote_id) == ("sent", stored_entry["id"])
    assert stored_note["internalAnalysisFlag"] is True and stored_note["ticketId"] == 48211
    assert stored_entry["chargeToType"] == "ServiceTicket" and stored_entry["actualHours"] == 0.75
    # committed before each call: sending (note) -> sent (note) -> sending (time entry) -> sent
    assert changes == [(note.id, "sending"), (note.id, "sent"), (entry.id, "sending"), (entry.id, "sent")]
    posts = [r["path"] for r in ledger["requests"] if r["method"] == "POST"]
    assert posts == ["/v2025_1/apis/3.0/service/tickets/48211/notes", "/v2025_1/apis/3.0/time/entries"]
    assert report.ok and report.sent == 2 and report.stopped is None and report.next_due_at is None
    assert [a.outcome for a in outbox.attempts(note.id)] == ["success"]
    assert report.summary() == "Sent 2 · retrying 0 · checking 0 · failed 0."


def test_the_time_entry_waits_while_its_note_is_not_sent(outbox, drainer, sandbox, sandbox_admin, clock):
    sandbox_admin.add_fault(method="POST", path="*/notes", status=429, retry_after=60)
    note, entry = push(outbox, sandbox, time_entry=True)
    drainer.run_due()
    assert states(outbox) == {note.id: "retry_wait", entry.id: "pending"}
    assert sandbox_admin.ledger()["time_entries"] == []
    clock.advance(minutes=5)
    drainer.run_due()
    assert states(outbox) == {note.id: "sent", entry.id: "sent"}


def test_time_entries_always_carry_both_ends(outbox, drainer, sandbox, sandbox_admin):
    """Whole-minute timeStart and timeEnd, always both: a member who must give start and end times gets them
    whatever the saved profile said (``send_end`` no longer decides)."""
    sandbox_admin.config(member={"require_start_end": True})
    _, with_end = push(outbox, sandbox, 1, time_entry=True, send_end=True)
    _, without = push(outbox, sandbox, 2, time_entry=True, send_end=False)
    drainer.run_due()
    assert outbox.get(with_end.id).state == outbox.get(without.id).state == "sent"
    assert json.loads(outbox.get(with_end.id).body)["timeEnd"] == "2026-11-01T09:45:00Z"
    assert json.loads(outbox.get(without.id).body)["timeEnd"] == "2026-11-01T10:45:00Z"


def test_serial_one_request_at_a_time(outbox, drainer, sandbox, sandbox_admin):
    for n in range(1, 6):
        push(outbox, sandbox, n, time_entry=True)
    drainer.run_due()
    posts = [r for r in sandbox_admin.ledger()["requests"] if r["method"] == "POST"]
    assert len(posts) == 10
    # ConnectWise's request log in completion order alternates note, time entry: never two at once
    assert [p["path"].rsplit("/", 1)[-1] for p in posts] == ["notes", "entries"] * 5


# -- crash recovery and checking ------------------------------------------------------------------------
def test_a_job_left_sending_whose_note_arrived_is_found_not_resent(outbox, drainer, sandbox, sandbox_admin, client, clock):
    from flowdesk.connectwise.bodies import TicketRef

    [job] = push(outbox, sandbox)
    outbox.transition(job.id, expect="pending", to="sending")  # FlowDesk died right after the POST left...
    posted = client.post_note(TicketRef(48211), job.body_json())  # ...and ConnectWise stored it
    clock.advance(minutes=1)
    assert drainer.recover() == 1
    assert outbox.get(job.id).state == "unknown"
    report = drainer.run_due()
    done = outbox.get(job.id)
    assert (done.state, done.remote_id, done.attempts) == ("sent", posted.id, 0)
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1
    assert report.results[0].message == "Note found on ticket #48211: it had arrived; marked as sent."
    assert [a.outcome for a in outbox.attempts(job.id)] == ["interrupted", "found"]


def test_a_job_left_sending_whose_note_never_arrived_is_sent_again_on_schedule(outbox, drainer, sandbox, sandbox_admin, clock):
    [job] = push(outbox, sandbox)
    outbox.transition(job.id, expect="pending", to="sending")
    clock.advance(minutes=1)  # FlowDesk is started again a minute later: the check is due at once
    t0 = clock.now
    drainer.recover()
    drainer.run_due()
    waiting = outbox.get(job.id)
    assert (waiting.state, waiting.attempts, waiting.next_attempt_at) == ("retry_wait", 1, t0 + timedelta(minutes=5))
    assert waiting.last_error == f"The note did not arrive on ticket #48211. Retrying at {format_clock(t0 + timedelta(minutes=5), t0)}."
    assert sandbox_admin.ledger()["notes"] == []
    clock.advance(minutes=5)
    drainer.run_due()
    assert outbox.get(job.id).state == "sent"
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1


def test_a_restart_right_after_a_crash_mid_post_checks_only_once_a_slow_server_could_have_stored(
    outbox, drainer, client, sandbox, sandbox_admin, clock
):
    """FlowDesk dies mid-POST and is started again 10 s later, while a slow ConnectWise is still storing the
    note: the check waits until VERIFY_DELAY after the send started, finds the note, and posts nothing."""
    [job] = push(outbox, sandbox)
    sending = outbox.transition(job.id, expect="pending", to="sending")
    clock.advance(seconds=10)
    assert drainer.recover() == 1
    recovered = outbox.get(job.id)
    assert (recovered.state, recovered.next_attempt_at) == ("unknown", sending.updated_at + VERIFY_DELAY)
    assert recovered.last_error == (
        "FlowDesk stopped while sending the note to ticket #48211, so it may have arrived. "
        f"FlowDesk will check the ticket at {format_clock(sending.updated_at + VERIFY_DELAY, clock.now)} before sending it again."
    )
    assert drainer.next_due_at() == sending.updated_at + VERIFY_DELAY
    assert drainer.run_due().results == []  # not checked yet, so not found absent and sent again
    assert [r for r in sandbox_admin.ledger()["requests"] if "/apis/" in r["path"]] == []
    posted = client.post_note(TicketRef(48211), job.body_json())  # ConnectWise finishes storing it
    clock.advance(seconds=50)
    drainer.run_due()
    done = outbox.get(job.id)
    assert (done.state, done.remote_id, done.attempts) == ("sent", posted.id, 0)
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1
    assert [a.outcome for a in outbox.attempts(job.id)] == ["interrupted", "found"]


def test_retry_on_a_job_that_may_be_on_its_ticket_checks_then_sends_in_the_same_run(outbox, drainer, sandbox, sandbox_admin, clock):
    [job], [other] = push(outbox, sandbox, 1), push(outbox, sandbox, 2)
    outbox.transition(job.id, expect="pending", to="sending")
    drainer.recover()  # the note never arrived: it is unknown until a check says so
    outbox.retry(job.id)  # the engineer clicks Retry: check first, and send if it is not there
    first = drainer.run_due()
    assert [r.job_id for r in first.results] == [other.id]  # no check a minute from the send yet, even on Retry
    assert outbox.get(other.id).state == "sent"
    clock.advance(minutes=1)
    report = drainer.run_due()
    sent = outbox.get(job.id)
    assert (sent.state, sent.send_if_absent) == ("sent", False)
    assert [a.outcome for a in outbox.attempts(job.id)] == ["interrupted", "absent", "success"]
    assert [(r.job_id, r.state) for r in report.results] == [(job.id, "pending"), (job.id, "sent")]
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1  # once: the check came first


def test_retry_on_a_job_whose_note_arrived_finds_it_and_sends_nothing(outbox, drainer, client, sandbox, sandbox_admin, clock):
    [job] = push(outbox, sandbox)
    drainer.run_due()
    posted = outbox.get(job.id)
    with outbox._db.transaction() as conn:  # as if the answer to the POST had been lost
        conn.execute("UPDATE push_jobs SET state = 'unknown', remote_id = NULL, sent_at = NULL WHERE id = ?", (job.id,))
    clock.advance(minutes=1)  # Retry once the server had time to store it: checked at once
    outbox.retry(job.id)
    drainer.run_due()
    found = outbox.get(job.id)
    assert (found.state, found.remote_id, found.send_if_absent) == ("sent", posted.remote_id, False)
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1


def test_a_note_another_job_owns_is_not_taken(outbox, drainer, sandbox, sandbox_admin, clock):
    [first] = push(outbox, sandbox, 1)
    drainer.run_due()
    first = outbox.get(first.id)
    # the engineer deliberately pushed the same text again (--force); it died mid-send before the POST
    [again] = push(outbox, sandbox, 1, force=True)
    outbox.transition(again.id, expect="pending", to="sending")
    clock.advance(minutes=1)  # started again a minute later
    drainer.recover()
    drainer.run_due()
    assert outbox.get(again.id).state == "retry_wait"  # the note on the ticket is the first job's
    clock.advance(minutes=5)
    drainer.run_due()
    again = outbox.get(again.id)
    assert again.state == "sent" and again.remote_id != first.remote_id
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 2  # forced: two, as asked


def test_a_note_older_than_the_send_is_not_this_jobs(outbox, client, sandbox, sandbox_admin, clock):
    """The sandbox stamps dateCreated with the real time; a send 2 h later (clock ahead) cannot have made it."""
    from flowdesk.connectwise.bodies import TicketRef

    [job] = push(outbox, sandbox)
    client.post_note(TicketRef(48211), job.body_json())  # an identical note, posted before this job's send
    clock.advance(hours=2)
    outbox.transition(job.id, expect="pending", to="sending", now=clock.now)
    clock.advance(minutes=1)  # started again a minute later
    drainer = Drainer(outbox, lambda site: Connection(client, "dwhitfield"), clock=clock, tz=UTC)
    drainer.recover()
    drainer.run_due()
    assert outbox.get(job.id).state == "retry_wait"
    assert timedelta(hours=2) > CLOCK_SKEW  # the margin the check allows


def test_a_time_entry_left_sending_is_found_by_ticket_member_and_start(outbox, drainer, sandbox, sandbox_admin, client):
    note, entry = push(outbox, sandbox, time_entry=True)
    sandbox_admin.add_fault(method="POST", path="*/time/entries", drop="after_store")
    drainer.run_due()
    unknown = outbox.get(entry.id)
    assert unknown.state == "unknown" and unknown.attempts == 0
    assert "may have reached ticket #48211" in unknown.last_error
    drainer.clear_hold_off()
    drainer._clock.advance(minutes=1)
    drainer.run_due()
    [stored] = ledger_entries(sandbox_admin.ledger(), entry.body_json()["timeStart"])
    assert outbox.get(entry.id).state == "sent" and outbox.get(entry.id).remote_id == stored["id"]


def test_hours_that_are_not_whole_minutes_are_found_after_a_lost_answer(outbox, drainer, sandbox, sandbox_admin):
    """0.26 h is 15.6 minutes: ConnectWise stores the 16 minutes from start to end (0.27 h); the check after
    the lost answer must still know the entry, not post it again."""
    preview = prepare_note(make_session(1), Settings(), edited_text=note_text(1))
    preview = preview._replace(time_plan=manual_plan(make_session(1), 0.26, drainer._clock()))
    note, entry = enqueue_push(outbox, preview, ticket=TicketRef(48211), site=site_key(sandbox), time_entry=True,
                               send_end=False)
    sandbox_admin.add_fault(method="POST", path="*/time/entries", drop="after_store")
    drainer.run_due()
    assert outbox.get(entry.id).state == "unknown"
    sandbox_admin.clear_faults()
    drainer.clear_hold_off()
    drainer._clock.advance(minutes=1)
    drainer.run_due()
    [stored] = ledger_entries(sandbox_admin.ledger(), entry.body_json()["timeStart"])
    assert outbox.get(entry.id).state == "sent" and outbox.get(entry.id).remote_id == stored["id"]


def test_retry_right_after_a_lost_answer_checks_only_once_a_slow_server_could_have_stored(
    outbox, drainer, sandbox, sandbox_admin, clock
):
    """A check that looked at once could find nothing on a server still storing the note, and Retry sends a
    push its check finds absent: two copies. Retry keeps the check VERIFY_DELAY after the send ended."""
    (job,) = push(outbox, sandbox)
    sandbox_admin.add_fault(method="POST", path="*/notes", drop="after_store")
    drainer.run_due()
    sandbox_admin.clear_faults()
    clock.advance(seconds=5)
    retried = outbox.retry(job.id, clock())  # the engineer clicks Retry at once
    assert retried.next_attempt_at == clock() + timedelta(seconds=55)
    drainer.clear_hold_off()
    drainer.run_due()
    assert [a.outcome for a in outbox.attempts(job.id)] == ["ambiguous"]  # nothing looked yet
    clock.advance(seconds=55)
    drainer.run_due()
    [stored] = ledger_notes(sandbox_admin.ledger(), note_text(1))
    assert (outbox.get(job.id).state, outbox.get(job.id).remote_id) == ("sent", stored["id"])


# -- tickets ------------------------------------------------------------------------------------------------
def test_a_project_ticket_queued_as_service_is_corrected_before_the_time_entry_is_sent(outbox, drainer, sandbox, sandbox_admin):
    note, entry = push(outbox, sandbox, 11, ticket=31207, time_entry=True)  # queued offline: kind unknown
    assert entry.body_json()["chargeToType"] == "ServiceTicket"
    drainer.run_due()
    note, entry = outbox.get(note.id), outbox.get(entry.id)
    assert (note.state, note.ticket_kind, entry.state, entry.ticket_kind) == ("sent", "project", "sent", "project")
    assert entry.body_json()["chargeToType"] == "ProjectTicket"
    ledger = sandbox_admin.ledger()
    [stored] = ledger_notes(ledger, note_text(11))
    assert stored["ticketId"] == 31207 and stored["id"] == note.remote_id
    [stored_entry] = ledger_entries(ledger, entry.body_json()["timeStart"])
    assert stored_entry["chargeToType"] == "ProjectTicket"
    posts = [(r["path"], r["status"]) for r in ledger["requests"] if r["method"] == "POST"]
    assert posts == [
        ("/v2025_1/apis/3.0/service/tickets/31207/notes", 404),
        ("/v2025_1/apis/3.0/project/tickets/31207/notes", 201),
        ("/v2025_1/apis/3.0/time/entries", 201),
    ]
    assert [a.outcome for a in outbox.attempts(note.id)] == ["ticket_kind", "success"]


def test_an_unknown_note_on_a_project_ticket_queued_as_service_is_absent_and_goes_to_the_project(outbox, drainer, sandbox, sandbox_admin, clock):
    [job] = push(outbox, sandbox, 11, ticket=31207)
    outbox.transition(job.id, expect="pending", to="sending")
    clock.advance(minutes=1)  # started again a minute later
    drainer.recover()
    drainer.run_due()
    job = outbox.get(job.id)
    assert (job.state, job.ticket_kind, job.attempts) == ("retry_wait", "project", 1)
    clock.advance(minutes=5)
    drainer.run_due()
    assert outbox.get(job.id).state == "sent"
    assert ledger_notes(sandbox_admin.ledger(), note_text(11))[0]["ticketId"] == 31207


def test_a_ticket_that_does_not_exist_fails_at_once_and_its_time_entry_stays_queued(outbox, drainer, sandbox, sandbox_admin):
    note, entry = push(outbox, sandbox, ticket=99999, time_entry=True)
    drainer.run_due()
    failed = outbox.get(note.id)
    assert (failed.state, failed.attempts, failed.last_http_status) == ("failed", 1, 404)
    assert failed.last_error.startswith("ConnectWise cannot find ticket #99999, or your account cannot see it.")
    assert outbox.get(entry.id).state == "pending"
    assert sandbox_admin.ledger()["notes"] == [] and sandbox_admin.ledger()["time_entries"] == []


# -- stopping -----------------------------------------------------------------------------------------------
def test_401_pauses_the_queue_and_ends_the_run_without_burning_a_try(outbox, drainer, sandbox, sandbox_admin, clock):
    [a] = push(outbox, sandbox, 1)
    [b] = push(outbox, sandbox, 2)
    sandbox_admin.add_fault(method="POST", path="*/notes", status=401)
    report = drainer.run_due()
    assert states(outbox) == {a.id: "pending", b.id: "pending"}
    assert outbox.get(a.id).attempts == 0 and outbox.paused_reason().startswith("ConnectWise did not accept your API keys (HTTP 401)")
    assert report.stopped == "paused" and not report.ok and report.next_due_at is None
    assert len([r for r in sandbox_admin.ledger()["requests"] if r["method"] == "POST"]) == 1
    assert drainer.run_due().results == []  # paused: nothing is due
    outbox.resume()
    drainer.run_due()
    assert states(outbox) == {a.id: "sent", b.id: "sent"}


def test_offline_stops_the_run_and_leaves_the_site_alone_until_the_retry(outbox, sandbox, sandbox_admin, clock):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    offline = make_client(sandbox, site=dead)
    online = make_client(sandbox)
    use = {"client": offline}
    try:
        drainer = Drainer(outbox, lambda site: Connection(use["client"], "dwhitfield"), clock=clock, tz=UTC)
        [a] = push(outbox, sandbox, 1)
        [b] = push(outbox, sandbox, 2)
        t0 = clock.now
        report = drainer.run_due()
        assert states(outbox) == {a.id: "retry_wait", b.id: "pending"}  # b was not even tried
        assert report.stopped == "offline" and report.reason.startswith("Can't reach ConnectWise")
        assert drainer.next_due_at() == t0 + timedelta(minutes=1)  # b is due, but the site is held off
        assert outbox.next_due_at() == t0
        assert drainer.run_due().results == []  # still held off: no request at all
        use["client"] = online
        clock.advance(minutes=1)
        drainer.run_due()
        assert states(outbox) == {a.id: "sent", b.id: "sent"}
    finally:
        offline.close()
        online.close()


def test_no_client_touches_nothing_and_says_why(outbox, sandbox, clock):
    def provider(site):
        raise ClientUnavailable("No ConnectWise keys in the OS keyring for flowdesk_sandbox: run `flowdesk connect …`.")

    [job] = push(outbox, sandbox)
    report = Drainer(outbox, provider, clock=clock, tz=UTC).run_due()
    assert outbox.get(job.id) == job  # untouched, not even updated_at
    assert report.blocked == {site_key(sandbox): "No ConnectWise keys in the OS keyring for flowdesk_sandbox: run `flowdesk connect …`."}
    assert not report.ok and report.stopped == "no_client"
    assert "Not sent: No ConnectWise keys" in report.summary()
    assert report.keyring == {}  # missing keys: not the keyring's trouble (Settings fixes it)


def test_a_locked_keyring_is_said_apart_from_missing_keys(outbox, sandbox, clock):
    """The banner offers Try again for a locked keyring (new keys in Settings would not help), Open Settings else."""
    def provider(site):
        raise ClientUnavailable("Your keyring is locked: unlock it and try again.", "locked")

    push(outbox, sandbox)
    report = Drainer(outbox, provider, clock=clock, tz=UTC).run_due()
    assert report.keyring == {site_key(sandbox): "locked"} and report.as_json()["keyring"] == report.keyring


def test_a_site_without_a_client_is_asked_again_later_not_at_once(outbox, sandbox, clock):
    """Its jobs stay due: a next run armed for "now" ran again and again (185 runs in 1.5 s, each reading the
    keyring, a locked one prompting). The site is asked again after NO_CLIENT_RECHECK, or when the account
    changes, or on a fresh run (Retry, the network back)."""
    asked: list[str] = []

    def provider(site):
        asked.append(site)
        raise ClientUnavailable("Your keyring is locked: unlock it and try again.")

    push(outbox, sandbox)
    drainer = Drainer(outbox, provider, clock=clock, tz=UTC)
    report = drainer.run_due()
    assert report.blocked and asked == [site_key(sandbox)]
    assert report.next_due_at == drainer.next_due_at() == clock() + policy.NO_CLIENT_RECHECK
    drainer.forget_no_client()  # the account changed
    assert drainer.next_due_at() <= clock()
    drainer.run_due()
    drainer.clear_hold_off()  # Retry, or the network back
    assert drainer.next_due_at() <= clock()


def test_max_jobs_deadline_and_stop(outbox, drainer, sandbox, clock):
    for n in range(1, 4):
        push(outbox, sandbox, n)
    assert drainer.run_due(max_jobs=1).sent == 1
    assert drainer.run_due(deadline=clock.now).results == []
    stop = threading.Event()
    stop.set()
    assert drainer.run_due(stop=stop).stopped == "stopped"
    assert drainer.run_due().sent == 2


def test_a_failing_listener_does_not_stop_the_drain(outbox, client, sandbox, clock):
    def on_change(job):
        raise RuntimeError("UI bug")

    [job] = push(outbox, sandbox)
    Drainer(outbox, lambda site: Connection(client, "dwhitfield"), clock=clock, tz=UTC, on_change=on_change).run_due()
    assert outbox.get(job.id).state == "sent"


class Cancelling:
    """The client, but the engineer clicks Cancel on ``job_id`` while FlowDesk reads ticket ``ticket_id``'s
    notes (any ticket's, when None)."""

    def __init__(self, client, outbox, job_id, ticket_id=None):
        self._client, self._outbox, self._job_id, self._ticket_id = client, outbox, job_id, ticket_id

    def __getattr__(self, name):
        return getattr(self._client, name)

    def recent_notes(self, ticket, limit=50):
        if self._ticket_id in (None, ticket.id):
            self._outbox.cancel(self._job_id)
        return self._client.recent_notes(ticket, limit)


def test_a_job_cancelled_while_it_is_checked_stays_cancelled(outbox, client, sandbox, clock):
    [job] = push(outbox, sandbox)
    outbox.transition(job.id, expect="pending", to="sending")
    cancelling = Cancelling(client, outbox, job.id)
    drainer = Drainer(outbox, lambda site: Connection(cancelling, "dwhitfield"), clock=clock, tz=UTC)  # type: ignore[arg-type]
    clock.advance(minutes=1)  # started again a minute later
    drainer.recover()
    report = drainer.run_due()
    assert outbox.get(job.id).state == "cancelled" and report.conflicts == 1


def test_a_project_ticket_note_cancelled_while_it_is_checked_stays_cancelled_and_the_run_goes_on(
    outbox, client, sandbox, sandbox_admin, clock
):
    [job] = push(outbox, sandbox, 11, ticket=31207)  # queued as a service ticket: the check meets a 404
    [other] = push(outbox, sandbox, 2)
    outbox.transition(job.id, expect="pending", to="sending")
    cancelling = Cancelling(client, outbox, job.id, 31207)
    drainer = Drainer(outbox, lambda site: Connection(cancelling, "dwhitfield"), clock=clock, tz=UTC)  # type: ignore[arg-type]
    clock.advance(minutes=1)  # started again a minute later
    drainer.recover()
    report = drainer.run_due()
    assert outbox.get(job.id).state == "cancelled" and report.conflicts == 1
    assert outbox.get(other.id).state == "sent"  # the run went on
    assert ledger_notes(sandbox_admin.ledger(), note_text(11)) == []


def test_the_member_comes_from_who_am_i_once_per_run_when_the_profile_lacks_it(outbox, client, sandbox, sandbox_admin, clock):
    for n in (1, 2):
        [job] = push(outbox, sandbox, n)
        outbox.transition(job.id, expect="pending", to="sending")
    drainer = Drainer(outbox, lambda site: client, clock=clock, tz=UTC)
    clock.advance(minutes=1)  # started again a minute later
    drainer.recover()
    drainer.run_due()
    assert [j.state for j in outbox.jobs()] == ["retry_wait", "retry_wait"]
    who = [r for r in sandbox_admin.ledger()["requests"] if r["path"].endswith("/system/myMembers/info")]
    assert len(who) == 1


# -- draining until empty ----------------------------------------------------------------------------------
def test_drain_until_waits_once_for_a_retry_within_max_seconds(outbox, drainer, sandbox, sandbox_admin, clock):
    sandbox_admin.add_fault(method="POST", path="*/notes", status=429, retry_after=120)
    [job] = push(outbox, sandbox)
    waits: list[float] = []

    def wait(seconds: float) -> None:  # the injected clock's wait: it just moves the clock
        waits.append(seconds)
        clock.advance(seconds=seconds)

    report = drain_until(drainer, until_empty=True, max_seconds=600, clock=clock, wait=wait)
    assert waits == [300.0]  # one timed wait for the retry 5 min later, no polling
    assert outbox.get(job.id).state == "sent" and report.sent == 1 and report.count("retry_wait") == 1


def test_drain_until_does_not_wait_past_max_seconds(outbox, drainer, sandbox, sandbox_admin, clock):
    sandbox_admin.add_fault(method="POST", path="*/notes", status=429)
    [job] = push(outbox, sandbox)

    def wait(seconds: float) -> None:
        raise AssertionError(f"waited {seconds} s for a retry beyond --max-seconds")

    report = drain_until(drainer, until_empty=True, max_seconds=60, clock=clock, wait=wait)
    assert outbox.get(job.id).state == "retry_wait"
    assert report.next_due_at == clock.now + timedelta(minutes=5)
    assert drain_until(drainer, until_empty=True, max_seconds=None, clock=clock, wait=wait).results == []


def test_drain_until_frees_time_entries_in_the_same_run(outbox, drainer, sandbox, clock):
    for n in range(1, 4):
        push(outbox, sandbox, n, time_entry=True)
    report = drain_until(drainer, until_empty=True, max_seconds=None, clock=clock, wait=pytest.fail)
    assert report.sent == 6 and all(j.state == JobState.SENT for j in outbox.jobs())


def test_after_a_crash_the_job_in_flight_is_checked_before_anything_new_is_sent(outbox, drainer, sandbox, sandbox_admin, clock):
    for n in range(1, 4):
        push(outbox, sandbox, n)
    crashed = outbox.jobs()[-1]  # queued last, so the latest due of the three
    outbox.transition(crashed.id, expect="pending", to="sending")
    clock.advance(minutes=1)  # started again a minute later: the check is due, and goes first
    drainer.recover()
    drainer.run_due()
    api = [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in sandbox_admin.ledger()["requests"] if "/apis/" in r["path"]]
    assert api[0] == ("GET", "notes")  # the check, before any POST
    assert [j.state for j in outbox.jobs()] == ["sent", "sent", "retry_wait"]


def test_sending_is_committed_before_the_post_leaves(outbox, drainer, sandbox, sandbox_admin, db, clock):
    import sqlite3

    [job] = push(outbox, sandbox)
    sandbox_admin.add_fault(method="POST", path="*/notes", hold="before_store")
    worker = threading.Thread(target=drainer.run_due)
    worker.start()
    try:
        sandbox_admin.wait("held", 1)  # the POST is at ConnectWise's door
        with sqlite3.connect(db.path) as other:  # what a fresh process would find after a crash now
            row = other.execute("SELECT state, first_sent_at FROM push_jobs WHERE id = ?", (job.id,)).fetchone()
        assert row[0] == "sending" and row[1] is not None
    finally:
        sandbox_admin.release()
        worker.join(timeout=60)
    assert outbox.get(job.id).state == "sent"


def test_the_api_is_found_before_a_job_is_marked_sending(outbox, client, sandbox, sandbox_admin, db, clock):
    import sqlite3

    [job] = push(outbox, sandbox)
    drainer = Drainer(outbox, lambda site: Connection(client, "dwhitfield"), clock=clock, tz=UTC)
    sandbox_admin.add_fault(method="GET", path="/login/companyinfo/*", hold="before_store")
    worker = threading.Thread(target=drainer.run_due)
    worker.start()
    try:
        sandbox_admin.wait("held", 1)  # a crash now has sent nothing: the job must not need a check
        with sqlite3.connect(db.path) as other:
            assert other.execute("SELECT state FROM push_jobs WHERE id = ?", (job.id,)).fetchone()[0] == "pending"
    finally:
        sandbox_admin.release()
        worker.join(timeout=60)
    assert outbox.get(job.id).state == "sent"


def test_the_push_a_retry_asks_for_goes_before_the_others_due(outbox, drainer, sandbox, sandbox_admin, clock):
    """Seen in the demo, in an outage: Retry on one waiting note said "Sending the note … now", and the run sent
    two other notes queued before it, met the server errors, and ended: the note clicked stayed Waiting."""
    sandbox_admin.add_fault(method="POST", path="*/notes", status=503, times=None)
    [a] = push(outbox, sandbox, 1)
    [b] = push(outbox, sandbox, 2)
    [c] = push(outbox, sandbox, 3)
    outbox.retry(c.id, clock.now)
    report = drainer.run_due(first=[c.id])
    assert [r.job_id for r in report.results] == [c.id]
    assert states(outbox) == {a.id: "pending", b.id: "pending", c.id: "unknown"}  # tried, its answer lost
