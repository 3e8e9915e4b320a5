"""The outbox: queueing, compare-and-set moves, what is due, crash recovery, the engineer's actions."""

from __future__ import annotations

import json
import threading
import tracemalloc
import uuid
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from flowdesk.core import policy
from flowdesk.core.policy import JobState, Outcome, OutcomeKind
from flowdesk.store import (
    ActionRefused,
    Database,
    DuplicatePush,
    InvalidTransition,
    JobNotFound,
    NewJob,
    Outbox,
    QueuePaused,
    StateConflict,
)

from .conftest import T0, FakeClock

NOTE_BODY = {
    "text": "Outlook kept prompting \u2014 cleared creds\nStep 2: \"quoted\" \u00e9\u00e8 \U0001F600",
    "detailDescriptionFlag": False,
    "internalAnalysisFlag": True,
    "resolutionFlag": False,
    "customerUpdatedFlag": False,
}
TIME_BODY = {"chargeToId": 48211, "chargeToType": "ServiceTicket", "timeStart": "2026-11-18T13:00:00Z", "actualHours": 0.5}


def note(session: str = "s-1", ticket: int = 48211, **kw) -> NewJob:
    return NewJob(session, ticket, "note", NOTE_BODY, "na.myconnectwise.net", visibility="internal", **kw)


def time_entry(session: str = "s-1", ticket: int = 48211, **kw) -> NewJob:
    return NewJob(session, ticket, "time_entry", TIME_BODY, "na.myconnectwise.net", **kw)


def send(outbox: Outbox, job_id: int, outcome: Outcome, now=None):
    """What the drainer does for one due job: CAS to sending, 'post', store the policy's decision."""
    job = outbox.transition(job_id, expect=("pending", "retry_wait"), to="sending", now=now)
    return outbox.apply(job_id, policy.decide(job.snapshot(), outcome, now or job.updated_at), now=now)


# -- enqueue -----------------------------------------------------------------------------------------
def test_enqueue_stores_exact_bodies_and_links_the_time_entry(outbox: Outbox):
    n, t = outbox.enqueue([note(), time_entry(parent=0)])
    assert (n.state, n.kind, n.attempts, n.next_attempt_at, n.created_at) == (JobState.PENDING, "note", 0, T0, T0)
    assert (t.kind, t.parent_id, t.ticket_kind, t.site) == ("time_entry", n.id, "service", "na.myconnectwise.net")
    assert n.body == json.dumps(NOTE_BODY, ensure_ascii=False, separators=(",", ":"))
    assert n.body_json() == NOTE_BODY and t.body_json() == TIME_BODY
    assert uuid.UUID(n.client_ref).version == 4 and n.client_ref != t.client_ref
    assert outbox.get(n.id) == n
    assert outbox.get(9999) is None


def test_body_text_is_byte_stable(outbox: Outbox, db_path: Path):
    text = '{"text":"line one\\nline two \u00e9","internalAnalysisFlag":true,  "resolutionFlag":false}'
    (job,) = outbox.enqueue([NewJob("s-2", 1, "note", text, "site")])
    assert job.body == text
    fresh = Database(db_path)
    try:
        assert Outbox(fresh).get(job.id).body.encode() == text.encode()
    finally:
        fresh.close()
    with pytest.raises(ValueError, match="JSON object"):
        outbox.enqueue([NewJob("s-3", 1, "note", "[1]", "site")])


def test_enqueue_is_all_or_nothing(outbox: Outbox):
    with pytest.raises(ValueError, match="not a queued note job"):
        outbox.enqueue([note("a"), note("b"), time_entry("c", parent_id=424242)])
    assert outbox.jobs() == []


def test_a_bad_body_late_in_an_enqueue_leaves_nothing(outbox: Outbox):
    with pytest.raises(ValueError, match="JSON object"):
        outbox.enqueue([note("a"), note("b"), NewJob("c", 48211, "note", "[1, 2]", "site")])
    assert outbox.jobs() == []


def test_a_big_enqueue_holds_little_more_than_the_jobs_it_returns(outbox: Outbox):
    # Each body's JSON text is made and inserted one at a time: all of them held at once (non-ASCII text is
    # 2-4 bytes a character in Python, plus the UTF-8 copy SQLite binds) more than doubled the peak.
    body = dict(NOTE_BODY, text=NOTE_BODY["text"] * 40)
    jobs = [NewJob(f"s-{i}", 48211, "note", body, "na.myconnectwise.net") for i in range(1000)]
    tracemalloc.start()
    try:
        queued = outbox.enqueue(jobs)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(queued) == 1000
    assert peak <= kept * 1.3, (kept, peak)


@pytest.mark.parametrize(
    ("jobs", "message"),
    [
        ([time_entry(parent=0)], "earlier note"),
        ([note(), time_entry(ticket=1, parent=0)], "same ticket"),
        ([note(parent=0)], "no parent"),
        ([NewJob("s", 1, "note", {}, "site", ticket_kind="agreement")], "ticket_kind"),
        ([NewJob("s", 1, "email", {}, "site")], "email"),
        ([note(), NewJob("s", 0, "note", {}, "site")], "not a ConnectWise ticket number"),  # nothing is queued
    ],
)
def test_enqueue_validates_jobs(outbox: Outbox, jobs, message):
    with pytest.raises(ValueError, match=message):
        outbox.enqueue(jobs)
    assert outbox.jobs() == []


def test_duplicate_note_is_refused_with_a_clear_reason(outbox: Outbox, clock: FakeClock):
    (first,) = outbox.enqueue([note()])
    clock.advance(minutes=3)
    with pytest.raises(DuplicatePush) as err:
        outbox.enqueue([note()])
    assert str(err.value) == (
        "This session was already queued for ticket 48211 at 14:02 and is still in the queue (Waiting)."
    )
    assert err.value.existing.id == first.id
    assert len(outbox.jobs()) == 1
    # another ticket, or force, is fine
    outbox.enqueue([note(ticket=5)])
    (forced,) = outbox.enqueue([note()], force=True)
    assert forced.id != first.id and len(outbox.jobs()) == 3


def test_duplicate_of_a_sent_or_failed_note_says_so_and_a_cancelled_one_does_not_block(outbox: Outbox, clock):
    (job,) = outbox.enqueue([note()])
    clock.advance(minutes=3)
    send(outbox, job.id, Outcome.success(9001))
    with pytest.raises(DuplicatePush, match="already posted to ticket 48211 at 14:05"):
        outbox.enqueue([note()])

    (other,) = outbox.enqueue([note("s-2")])
    send(outbox, other.id, Outcome(OutcomeKind.VALIDATION, http_status=400))
    with pytest.raises(DuplicatePush, match="it failed: retry it from the queue instead"):
        outbox.enqueue([note("s-2")])

    (third,) = outbox.enqueue([note("s-3")])
    outbox.cancel(third.id)
    outbox.enqueue([note("s-3")])


def test_duplicate_time_entry_is_refused_too(outbox: Outbox):
    n, _ = outbox.enqueue([note(), time_entry(parent=0)])
    with pytest.raises(DuplicatePush, match="Time for this session was already queued"):
        outbox.enqueue([time_entry(parent_id=n.id)])


def test_a_time_entry_can_join_a_note_queued_earlier(outbox: Outbox):
    (n,) = outbox.enqueue([note()])
    (t,) = outbox.enqueue([time_entry(parent_id=n.id)])
    assert t.parent_id == n.id


# -- compare-and-set ---------------------------------------------------------------------------------
def test_transition_is_compare_and_set(outbox: Outbox, clock: FakeClock):
    (job,) = outbox.enqueue([note()])
    sending = outbox.transition(job.id, expect="pending", to="sending")
    assert sending.state == JobState.SENDING and sending.first_sent_at == T0
    with pytest.raises(StateConflict) as err:
        outbox.transition(job.id, expect="pending", to="sending")
    assert err.value.actual == "sending" and "Nothing was changed" in str(err.value)
    assert outbox.get(job.id) == sending


def test_transition_refuses_moves_the_outbox_never_makes(outbox: Outbox):
    (job,) = outbox.enqueue([note()])
    send(outbox, job.id, Outcome.success(1))
    for to in ("pending", "sending", "retry_wait", "cancelled"):
        with pytest.raises(InvalidTransition):
            outbox.transition(job.id, expect="sent", to=to)
    with pytest.raises(JobNotFound):
        outbox.transition(777, expect="pending", to="sending")
    (other,) = outbox.enqueue([note("s-2")])
    with pytest.raises(ValueError, match="cannot set body"):
        outbox.transition(other.id, expect="pending", to="sending", body="{}")
    with pytest.raises(InvalidTransition, match="remote_id"):  # the schema insists a sent job has its id
        outbox.transition(outbox.transition(other.id, expect="pending", to="sending").id, expect="sending", to="sent")


def test_first_sent_at_is_kept_from_the_first_send(outbox: Outbox, clock: FakeClock):
    (job,) = outbox.enqueue([note()])
    send(outbox, job.id, Outcome.offline())
    clock.advance(minutes=1)
    again = outbox.transition(job.id, expect="retry_wait", to="sending")
    assert again.first_sent_at == T0 and again.updated_at == clock.now


def test_two_connections_racing_for_the_same_job_exactly_one_wins(db_path: Path, outbox: Outbox):
    jobs = outbox.enqueue([note(f"race-{i}") for i in range(30)])
    first, second = Database(db_path), Database(db_path)  # two drainers, two connections
    wins: dict[int, list[str]] = {j.id: [] for j in jobs}
    conflicts: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2, timeout=60)

    def drainer(name: str, database: Database) -> None:
        ob = Outbox(database)
        for j in jobs:
            try:
                barrier.wait()
                ob.transition(j.id, expect="pending", to="sending")
                wins[j.id].append(name)
            except StateConflict:
                conflicts.append(j.id)
            except BaseException as exc:  # anything else fails the test, without hanging the other thread
                errors.append(exc)
                barrier.abort()
                return

    threads = [threading.Thread(target=drainer, args=(n, d)) for n, d in (("a", first), ("b", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first.close()
    second.close()
    assert not errors, errors
    assert all(len(w) == 1 for w in wins.values()), wins
    assert sorted(conflicts) == sorted(wins)
    assert outbox.counts()["sending"] == 30


# -- due ---------------------------------------------------------------------------------------------
def test_due_is_earliest_first_and_skips_what_is_not_due(outbox: Outbox, clock: FakeClock):
    a, b, c, d, e = outbox.enqueue([note(f"s-{i}") for i in range(5)])
    send(outbox, a.id, Outcome(OutcomeKind.RATE_LIMITED, http_status=429, retry_after=120))  # 14:07
    send(outbox, b.id, Outcome.offline())  # 14:03
    send(outbox, c.id, Outcome.success(5))  # sent
    send(outbox, d.id, Outcome(OutcomeKind.NOT_FOUND, http_status=404))  # failed
    # e: pending since 14:02
    assert [j.id for j in outbox.due(T0, 10)] == [e.id]
    assert [j.id for j in outbox.due(T0 + timedelta(minutes=10), 10)] == [e.id, b.id, a.id]
    assert [j.id for j in outbox.due(T0 + timedelta(minutes=10), 2)] == [e.id, b.id]
    assert outbox.next_due_at() == T0


def _vm_steps(db: Database, fn) -> int:
    """How much work SQLite did for ``fn()`` (virtual machine steps, in hundreds): no clock involved."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    conn = db.connect()
    conn.set_progress_handler(count, 100)
    try:
        fn()
    finally:
        conn.set_progress_handler(None, 100)
    return steps[0]


def test_due_reads_the_same_few_jobs_however_long_the_queue(db: Database, outbox: Outbox, clock: FakeClock):
    # A drain asks for the next few due jobs once per job: that must not read (and sort) the whole queue,
    # or a drain of n jobs reads n² rows and slows as the queue grows.
    later = T0 + timedelta(hours=1)
    a, b, c = outbox.enqueue([note(f"s-{i}") for i in range(3)])
    send(outbox, a.id, Outcome.offline())  # retry_wait
    send(outbox, b.id, Outcome(OutcomeKind.AMBIGUOUS))  # unknown
    clock.advance(minutes=30)  # queued after a and b are due again
    fillers = outbox.enqueue([note(f"short-{i}") for i in range(20)])
    short = _vm_steps(db, lambda: outbox.due(later, 4))
    first = [j.id for j in outbox.due(later, 4)]
    outbox.enqueue([note(f"long-{i}") for i in range(2000)])
    long = _vm_steps(db, lambda: outbox.due(later, 4))
    retried, checked = outbox.get(a.id), outbox.get(b.id)
    assert (retried.state, checked.state) == ("retry_wait", "unknown")
    assert retried.next_attempt_at < clock.now and checked.next_attempt_at < clock.now
    earliest = [c.id] + [j.id for j in sorted((retried, checked), key=lambda j: (j.next_attempt_at, j.id))]
    assert first == [*earliest, fillers[0].id]  # the three due states merged, earliest first
    assert [j.id for j in outbox.due(later, 4)] == first
    assert long <= short * 1.5 + 5, (short, long)


def test_unknown_jobs_are_due_for_a_check(outbox: Outbox):
    (job,) = outbox.enqueue([note()])
    send(outbox, job.id, Outcome(OutcomeKind.AMBIGUOUS))
    assert outbox.due(T0, 5) == []
    assert outbox.next_due_at() == T0 + policy.VERIFY_DELAY
    (due,) = outbox.due(T0 + policy.VERIFY_DELAY, 5)
    assert due.state == JobState.UNKNOWN


def test_a_time_entry_is_due_only_once_its_note_is_sent(outbox: Outbox, clock: FakeClock):
    n, t = outbox.enqueue([note(), time_entry(parent=0)])
    assert [j.id for j in outbox.due(T0, 10)] == [n.id]
    with pytest.raises(InvalidTransition, match="note"):
        outbox.transition(t.id, expect="pending", to="sending")
    send(outbox, n.id, Outcome.offline())
    assert outbox.due(T0 + timedelta(hours=1), 10) == [outbox.get(n.id)]
    clock.advance(minutes=1)
    send(outbox, n.id, Outcome.success(11))
    assert [j.id for j in outbox.due(clock.now, 10)] == [t.id]
    assert outbox.next_due_at() == T0


def test_a_paused_queue_has_nothing_due(outbox: Outbox):
    (job,) = outbox.enqueue([note()])
    outbox.pause("keys rejected")
    assert outbox.paused_reason() == "keys rejected" and outbox.paused_at() == T0
    assert outbox.paused_kind() == "user"  # whatever the words: only the kind says what lifts it
    assert outbox.due(T0 + timedelta(days=1), 10) == []
    assert outbox.next_due_at() is None
    with pytest.raises(QueuePaused, match="keys rejected"):
        outbox.transition(job.id, expect="pending", to="sending")
    outbox.resume()
    assert outbox.paused_reason() is None
    assert [j.id for j in outbox.due(T0, 10)] == [job.id]


def test_next_due_at_is_none_when_nothing_waits(outbox: Outbox):
    assert outbox.next_due_at() is None
    (job,) = outbox.enqueue([note()])
    send(outbox, job.id, Outcome.success(3))
    assert outbox.next_due_at() is None


# -- apply: the policy's decisions ---------------------------------------------------------------------
def test_apply_stores_the_decision_and_logs_the_attempt(outbox: Outbox):
    (job,) = outbox.enqueue([note()])
    sending = outbox.transition(job.id, expect="pending", to="sending")
    outcome = Outcome(OutcomeKind.RATE_LIMITED, http_status=429, retry_after=600, request_id="req-1")
    stored = outbox.apply(job.id, policy.decide(sending.snapshot(), outcome, T0), duration_ms=250)
    assert (stored.state, stored.attempts, stored.next_attempt_at) == (JobState.RETRY_WAIT, 1, T0 + timedelta(minutes=10))
    assert stored.last_error == "ConnectWise is rate limiting FlowDesk. Retrying at 14:12."
    assert (stored.last_http_status, stored.last_request_id) == (429, "req-1")
    (attempt,) = outbox.attempts(job.id)
    assert (attempt.outcome, attempt.http_status, attempt.request_id, attempt.duration_ms, attempt.at) == (
        "rate_limited", 429, "req-1", 250, T0)


def test_a_stale_decision_is_refused(outbox: Outbox):
    (job,) = outbox.enqueue([note()])
    sending = outbox.transition(job.id, expect="pending", to="sending")
    decision = policy.decide(sending.snapshot(), Outcome.success(1), T0)
    outbox.apply(job.id, decision)
    with pytest.raises(StateConflict):
        outbox.apply(job.id, decision)
    assert len(outbox.attempts(job.id)) == 1


def test_401_pauses_the_queue_in_the_same_step(outbox: Outbox):
    a, b = outbox.enqueue([note("a"), note("b")])
    stored = send(outbox, a.id, Outcome(OutcomeKind.AUTH, http_status=401))
    assert (stored.state, stored.attempts) == (JobState.PENDING, 0)
    assert "API keys" in outbox.paused_reason() and outbox.paused_kind() == "account"  # new keys lift it
    assert outbox.due(T0 + timedelta(hours=1), 10) == []
    outbox.resume()
    assert outbox.paused_kind() is None
    assert [j.id for j in outbox.due(T0, 10)] == [a.id, b.id]


def test_success_records_remote_id_and_sent_at(outbox: Outbox, clock: FakeClock):
    (job,) = outbox.enqueue([note()])
    clock.advance(seconds=30)
    stored = send(outbox, job.id, Outcome.success(90210, request_id="r"))
    assert (stored.state, stored.remote_id, stored.sent_at, stored.last_error) == (JobState.SENT, 90210, clock.now, None)


def test_unknown_is_checked_never_sent_blindly(outbox: Outbox, clock: FakeClock):
    (job,) = outbox.enqueue([note()])
    unknown = send(outbox, job.id, Outcome(OutcomeKind.AMBIGUOUS))
    assert unknown.state == JobState.UNKNOWN
    with pytest.raises(InvalidTransition):
        outbox.transition(job.id, expect="unknown", to="sending")
    clock.advance(minutes=1)
    absent = outbox.apply(job.id, policy.decide(unknown.snapshot(), Outcome.absent(), clock.now))
    assert (absent.state, absent.attempts, absent.next_attempt_at) == (JobState.RETRY_WAIT, 1, clock.now + timedelta(minutes=5))
    clock.advance(minutes=5)
    again = send(outbox, job.id, Outcome(OutcomeKind.AMBIGUOUS))
    found = outbox.apply(job.id, policy.decide(again.snapshot(), Outcome.found(4321), clock.now))
    assert (found.state, found.remote_id) == (JobState.SENT, 4321)
    assert [a.outcome for a in outbox.attempts(job.id)] == ["ambiguous", "absent", "ambiguous", "found"]



def test_failures_count_sends_that_did_not_post_the_push(outbox: Outbox, clock: FakeClock):
    """Seen in the demo: the Queue's Failures read 1 (or 2) for a push that ended Sent, "Found on the ticket"
    after a check, and a 401 (sending paused until the keys are fixed) counted as a failure. Failures counts
    the sends that did not post the push: a lost answer whose check finds the note is not one, nor the
    checks, nor a 401; a lost answer whose check finds nothing is one, as is a rate limit."""
    found, absent, keys = outbox.enqueue([note("a"), note("b"), note("c")])
    unknown = send(outbox, found.id, Outcome(OutcomeKind.SERVER, http_status=502, may_have_stored=True))
    clock.advance(minutes=1)
    still = outbox.apply(found.id, policy.decide(unknown.snapshot(), Outcome(OutcomeKind.SERVER, http_status=503), clock.now))
    assert outbox.apply(found.id, policy.decide(still.snapshot(), Outcome.found(4321), clock.now)).state == JobState.SENT
    unknown = send(outbox, absent.id, Outcome(OutcomeKind.AMBIGUOUS))
    outbox.apply(absent.id, policy.decide(unknown.snapshot(), Outcome.absent(), clock.now))
    clock.advance(minutes=5)
    send(outbox, absent.id, Outcome(OutcomeKind.RATE_LIMITED, http_status=429))
    send(outbox, keys.id, Outcome(OutcomeKind.AUTH, http_status=401))
    assert outbox.failure_counts() == {absent.id: 2}
    assert outbox.failure_counts([found.id, keys.id]) == {}


def test_failures_read_only_the_logs_that_hold_a_failed_send(outbox: Outbox, monkeypatch: pytest.MonkeyPatch):
    """A full reload of the Queue read every post log on the GUI thread (~16 ms for 5,000 sent pushes): the logs
    without a failed send's outcome count 0 and are not read, and a batch's look-up reads only its own."""
    posted, offline, limited, absent = outbox.enqueue([note("a"), note("b"), note("c"), note("d")])
    for job_id, outcomes in ((posted.id, ["success"]), (offline.id, ["offline", "success"]),
                             (limited.id, ["rate_limited", "success"]), (absent.id, ["server", "absent", "success"])):
        for outcome in outcomes:
            outbox.log_attempt(job_id, outcome, http_status=503 if outcome == "server" else None)
    read: list[list[str]] = []
    counted = policy.failed_sends
    monkeypatch.setattr(policy, "failed_sends", lambda rows: read.append([o for o, _ in rows]) or counted(rows))
    assert outbox.failure_counts() == {limited.id: 1, absent.id: 1}
    assert read == [["rate_limited", "success"], ["server", "absent", "success"]]  # whole logs, in order
    read.clear()
    assert outbox.failure_counts([posted.id, absent.id]) == {absent.id: 1}
    assert read == [["server", "absent", "success"]]
    others = [k.value for k in OutcomeKind if k.value not in policy.FAILURE_OUTCOMES] + [policy.INTERRUPTED]
    assert all(counted([(a, s), (b, s)]) == 0 for a in others for b in others for s in (None, 408, 503))


def test_log_attempt_by_hand(outbox: Outbox):
    (job,) = outbox.enqueue([note()])
    outbox.log_attempt(job.id, "offline", error="DNS failed", duration_ms=12)
    outbox.log_attempt(job.id, "success", http_status=201, request_id="x")
    assert [(a.outcome, a.error, a.http_status) for a in outbox.attempts(job.id)] == [
        ("offline", "DNS failed", None), ("success", None, 201)]


# -- crash recovery ----------------------------------------------------------------------------------
def test_recover_after_crash_turns_sending_into_unknown(outbox: Outbox, clock: FakeClock):
    a, b, c = outbox.enqueue([note("a"), note("b"), note("c")])
    outbox.transition(a.id, expect="pending", to="sending")
    outbox.transition(b.id, expect="pending", to="sending")
    clock.advance(minutes=2)
    assert outbox.recover_after_crash() == 2
    for job_id in (a.id, b.id):
        job = outbox.get(job_id)
        assert (job.state, job.next_attempt_at) == (JobState.UNKNOWN, clock.now)
        assert "stopped while sending" in job.last_error
        assert outbox.attempts(job_id)[-1].outcome == "interrupted"
    assert outbox.get(c.id).state == JobState.PENDING
    assert outbox.recover_after_crash() == 0


def test_recover_right_after_a_crash_checks_only_a_minute_after_the_send_started(outbox: Outbox, clock: FakeClock):
    [job] = outbox.enqueue([note("a")])
    started = outbox.transition(job.id, expect="pending", to="sending").updated_at
    clock.advance(seconds=20)  # FlowDesk is started again 20 s after it died mid-send
    assert outbox.recover_after_crash() == 1
    due = started + policy.VERIFY_DELAY
    recovered = outbox.get(job.id)
    assert (recovered.state, recovered.next_attempt_at, recovered.attempts) == (JobState.UNKNOWN, due, 0)
    assert f"FlowDesk will check the ticket at {policy.format_clock(due, clock.now, UTC)} before" in recovered.last_error
    assert outbox.due(clock.now, 10) == [] and outbox.next_due_at() == due
    clock.advance(seconds=40)
    assert [j.id for j in outbox.due(clock.now, 10)] == [job.id]


def test_retry_of_a_push_that_may_be_on_its_ticket_waits_for_a_slow_server_then_is_immediate(outbox, clock):
    a, b = outbox.enqueue([note("a"), note("b")])
    for job_id in (a.id, b.id):
        send(outbox, job_id, Outcome(OutcomeKind.AMBIGUOUS))
    settled = clock.now + policy.VERIFY_DELAY
    clock.advance(seconds=5)  # the engineer clicks Retry at once
    retried = outbox.retry(a.id)
    assert (retried.state, retried.next_attempt_at, retried.send_if_absent) == (JobState.UNKNOWN, settled, True)
    assert "at " in retried.last_error and outbox.due(clock.now, 10) == []
    clock.advance(minutes=2)
    assert outbox.retry(b.id).next_attempt_at == clock.now  # the delay has passed: checked at once


# -- the engineer's actions ----------------------------------------------------------------------------
def test_retry_failed_starts_over_and_retry_wait_is_due_now(outbox: Outbox, clock: FakeClock):
    a, b = outbox.enqueue([note("a"), note("b")])
    send(outbox, a.id, Outcome(OutcomeKind.PERMISSION, http_status=403))
    send(outbox, b.id, Outcome(OutcomeKind.SERVER, http_status=502))
    clock.advance(minutes=1)
    ra = outbox.retry(a.id)
    assert (ra.state, ra.attempts, ra.next_attempt_at, ra.last_error) == (JobState.PENDING, 0, clock.now, None)
    rb = outbox.retry(b.id)
    assert (rb.state, rb.attempts, rb.next_attempt_at) == (JobState.PENDING, 1, clock.now)
    assert [j.id for j in outbox.due(clock.now, 10)] == [a.id, b.id]


def test_retry_unknown_checks_first(outbox: Outbox, clock: FakeClock):
    (job,) = outbox.enqueue([note()])
    send(outbox, job.id, Outcome(OutcomeKind.AMBIGUOUS))
    clock.advance(minutes=1)
    r = outbox.retry(job.id)
    assert (r.state, r.next_attempt_at) == (JobState.UNKNOWN, clock.now)
    assert [j.state for j in outbox.due(clock.now, 5)] == [JobState.UNKNOWN]


def test_retry_of_an_unknown_job_keeps_its_error_not_the_clicks_status(outbox: Outbox, clock: FakeClock):
    """Seen in the demo: after Retry the Queue tab's Last error read "Checking ticket #48517 for the note at 16:26,
    once ConnectWise has had time to store it, …", the click's status (the status bar's), not an error."""
    (job,) = outbox.enqueue([note()])
    lost = send(outbox, job.id, Outcome(OutcomeKind.AMBIGUOUS))
    assert lost.last_error and "may have reached" in lost.last_error
    r = outbox.retry(job.id)
    assert (r.state, r.last_error) == (JobState.UNKNOWN, lost.last_error)


def check(outbox: Outbox, job, outcome: Outcome, now=None):
    """What the drainer does for a due unknown job: decide on its check from the snapshot it read first."""
    return outbox.apply(job.id, policy.decide(job.snapshot(), outcome, now or T0), now=now)


@pytest.mark.parametrize("attempts_used", [1, policy.MAX_ATTEMPTS])
def test_a_retried_unknown_job_found_absent_is_due_now_in_the_same_click(outbox: Outbox, clock: FakeClock, attempts_used):
    (job,) = outbox.enqueue([note()])
    for _ in range(attempts_used - 1):
        send(outbox, job.id, Outcome(OutcomeKind.SERVER, http_status=502))
        outbox.retry(job.id)
    send(outbox, job.id, Outcome(OutcomeKind.AMBIGUOUS))
    retried = outbox.retry(job.id)
    assert (retried.state, retried.send_if_absent) == (JobState.UNKNOWN, True)
    after = check(outbox, retried, Outcome.absent())
    # the try the check found absent counts; the schedule starts over only if that was the last of it
    assert (after.state, after.next_attempt_at, after.send_if_absent, after.last_error) == (JobState.PENDING, T0, False, None)
    assert after.attempts == (attempts_used if attempts_used < policy.MAX_ATTEMPTS else 0)
    assert [j.id for j in outbox.due(T0, 5)] == [job.id]
    assert outbox.attempts(job.id)[-1].outcome == "absent"


def test_a_retry_clicked_while_the_check_is_out_is_honoured(outbox: Outbox):
    (job,) = outbox.enqueue([note()])
    unknown = send(outbox, job.id, Outcome(OutcomeKind.AMBIGUOUS))
    seen_by_drainer = unknown  # the drainer reads the job and starts its check...
    outbox.retry(job.id)  # ...the engineer clicks Retry meanwhile
    after = check(outbox, seen_by_drainer, Outcome.absent())
    assert (after.state, after.next_attempt_at) == (JobState.PENDING, T0)


def test_a_check_that_cannot_look_keeps_the_retry_and_found_ends_it(outbox: Outbox, clock: FakeClock):
    (job,) = outbox.enqueue([note()])
    send(outbox, job.id, Outcome(OutcomeKind.AMBIGUOUS))
    retried = outbox.retry(job.id)
    still = check(outbox, retried, Outcome.offline())
    assert (still.state, still.send_if_absent) == (JobState.UNKNOWN, True)
    done = check(outbox, still, Outcome.found(4242))
    assert (done.state, done.remote_id, done.send_if_absent) == (JobState.SENT, 4242, False)


def test_without_retry_a_check_that_finds_it_absent_follows_the_schedule(outbox: Outbox):
    (job,) = outbox.enqueue([note()])
    unknown = send(outbox, job.id, Outcome(OutcomeKind.AMBIGUOUS))
    after = check(outbox, unknown, Outcome.absent())
    assert (after.state, after.send_if_absent) == (JobState.RETRY_WAIT, False)
    assert after.next_attempt_at == T0 + policy.BASE_WAIT


def test_cancelling_a_retried_unknown_job_drops_its_retry(outbox: Outbox):
    (job,) = outbox.enqueue([note()])
    send(outbox, job.id, Outcome(OutcomeKind.AMBIGUOUS))
    outbox.retry(job.id)
    (cancelled,) = outbox.cancel(job.id)
    assert (cancelled.state, cancelled.send_if_absent) == (JobState.CANCELLED, False)


def test_retry_refuses_sent_and_missing_jobs(outbox: Outbox):
    (job,) = outbox.enqueue([note()])
    send(outbox, job.id, Outcome.success(1))
    with pytest.raises(ActionRefused, match="post it twice"):
        outbox.retry(job.id)
    with pytest.raises(JobNotFound):
        outbox.retry(999)


def test_retry_all_failed(outbox: Outbox):
    a, b, c = outbox.enqueue([note("a"), note("b"), note("c")])
    send(outbox, a.id, Outcome(OutcomeKind.NOT_FOUND, http_status=404))
    send(outbox, c.id, Outcome(OutcomeKind.VALIDATION, http_status=400))
    retried = outbox.retry_all_failed()
    assert [j.id for j in retried] == [a.id, c.id]
    assert outbox.counts() == {**dict.fromkeys(("sending", "sent", "retry_wait", "unknown", "failed", "cancelled"), 0), "pending": 3}


def test_cancel_a_note_cancels_its_waiting_time_entry(outbox: Outbox):
    n, t = outbox.enqueue([note(), time_entry(parent=0)])
    changed = outbox.cancel(n.id)
    assert [(j.id, j.state) for j in changed] == [(n.id, JobState.CANCELLED), (t.id, JobState.CANCELLED)]
    assert outbox.cancel(n.id) == []
    assert outbox.due(T0 + timedelta(days=1), 10) == []


def test_cancel_an_unknown_job_warns_it_may_be_on_the_ticket(outbox: Outbox):
    (job,) = outbox.enqueue([note()])
    send(outbox, job.id, Outcome(OutcomeKind.AMBIGUOUS))
    (cancelled,) = outbox.cancel(job.id)
    assert cancelled.state == JobState.CANCELLED
    assert "may already be on ticket #48211" in cancelled.last_error


def test_cancel_refuses_sending_and_sent(outbox: Outbox):
    a, b = outbox.enqueue([note("a"), note("b")])
    outbox.transition(a.id, expect="pending", to="sending")
    with pytest.raises(ActionRefused, match="right now"):
        outbox.cancel(a.id)
    send(outbox, b.id, Outcome.success(2))
    with pytest.raises(ActionRefused, match="already on ticket"):
        outbox.cancel(b.id)
    assert outbox.get(a.id).state == JobState.SENDING
    # a time entry whose note was sent can still be cancelled on its own
    (t,) = outbox.enqueue([time_entry("b", parent_id=b.id)])
    assert [j.state for j in outbox.cancel(t.id)] == [JobState.CANCELLED]


def test_list_filters_and_counts(outbox: Outbox):
    a, b, c = outbox.enqueue([note("a"), note("b"), note("a", ticket=2)])
    send(outbox, b.id, Outcome.success(1))
    assert [j.id for j in outbox.jobs()] == [a.id, b.id, c.id]
    assert [j.id for j in outbox.jobs(states=["sent"])] == [b.id]
    assert [j.id for j in outbox.jobs(session_id="a")] == [a.id, c.id]
    assert outbox.counts()["pending"] == 2 and outbox.counts()["sent"] == 1


def test_an_outbox_is_usable_from_a_worker_thread(outbox: Outbox):
    (job,) = outbox.enqueue([note()])
    result: list[object] = []

    def worker():
        result.append(send(outbox, job.id, Outcome.success(77)).state)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert result == [JobState.SENT]
    assert outbox.get(job.id).remote_id == 77


def test_messages_use_the_display_zone(db: Database, clock: FakeClock):
    from datetime import timezone

    local = Outbox(db, clock=clock, display_tz=timezone(timedelta(hours=-5)))
    local.enqueue([note()])
    with pytest.raises(DuplicatePush, match="at 09:02"):
        local.enqueue([note()])
    assert clock.now.tzinfo is UTC
