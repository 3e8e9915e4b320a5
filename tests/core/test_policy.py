"""The retry policy: one test per transition, with an injected ``now`` (no clock, no sleeps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowdesk.core import policy, policy_words
from flowdesk.core.policy import (
    ALLOWED_TRANSITIONS,
    LOOKUP_RETRY,
    MAX_ATTEMPTS,
    VERIFY_DELAY,
    JobKind,
    JobSnapshot,
    JobState,
    Outcome,
    OutcomeKind,
    PolicyError,
    after_check_of_retried,
    cancel,
    decide,
    format_clock,
    manual_retry,
    recover_interrupted,
    schedule_wait,
)

NOW = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def job(state: JobState = JobState.SENDING, attempts: int = 0, kind: JobKind = JobKind.NOTE) -> JobSnapshot:
    return JobSnapshot(state=state, attempts=attempts, kind=kind, ticket_id=48211)


def server_error(status: int = 502, **kw) -> Outcome:
    return Outcome(OutcomeKind.SERVER, http_status=status, **kw)


def rate_limited(retry_after: float | None = None) -> Outcome:
    return Outcome(OutcomeKind.RATE_LIMITED, http_status=429, retry_after=retry_after)


# -- the seed schedule ------------------------------------------------------------------------------
def test_schedule_is_5_15_45_then_spent():
    assert [schedule_wait(n) for n in (1, 2, 3, 4)] == [5 * MIN, 15 * MIN, 45 * MIN, None]
    with pytest.raises(ValueError):
        schedule_wait(0)


@pytest.mark.parametrize("outcome", [server_error(), rate_limited()], ids=["server", "rate_limited"])
def test_full_ladder_5_15_45_then_failed_after_four_sends(outcome: Outcome):
    j, now = job(), NOW
    expected_waits = [5, 15, 45]
    for n, minutes in enumerate(expected_waits, start=1):
        d = decide(j, outcome, now)
        assert d.state == JobState.RETRY_WAIT
        assert d.attempts == n
        assert d.burned
        assert d.next_attempt_at == now + timedelta(minutes=minutes)
        assert d.next_attempt_at.strftime("%H:%M") in d.last_error
        now = d.next_attempt_at  # the drainer sends again exactly when due
        j = j._replace(attempts=d.attempts)
    assert now == NOW + timedelta(minutes=5 + 15 + 45)
    final = decide(j, outcome, now)
    assert final.state == JobState.FAILED
    assert final.attempts == MAX_ATTEMPTS == 4
    assert final.next_attempt_at is None
    assert "Gave up after 4 tries" in final.last_error and "Retry" in final.last_error


def test_rate_limit_message_names_the_retry_time():
    d = decide(job(), rate_limited(), NOW)
    assert d.last_error == "ConnectWise is rate limiting FlowDesk. Retrying at 14:05."
    assert d.message == d.last_error


# -- Retry-After -----------------------------------------------------------------------------------
def test_retry_after_longer_than_schedule_wins():
    d = decide(job(), rate_limited(retry_after=600), NOW)
    assert d.state == JobState.RETRY_WAIT
    assert d.next_attempt_at == NOW + timedelta(minutes=10)
    assert "14:10" in d.last_error


def test_retry_after_shorter_than_schedule_loses():
    d = decide(job(attempts=1), rate_limited(retry_after=30), NOW)
    assert d.next_attempt_at == NOW + timedelta(minutes=15)
    assert d.attempts == 2


def test_503_with_retry_after_not_stored_waits_the_longer():
    d = decide(job(), server_error(503, retry_after=1200), NOW)
    assert (d.state, d.attempts, d.next_attempt_at) == (JobState.RETRY_WAIT, 1, NOW + timedelta(minutes=20))


def test_absurd_retry_after_is_capped_at_a_day():
    d = decide(job(), rate_limited(retry_after=30 * 24 * 3600), NOW)
    assert d.next_attempt_at == NOW + timedelta(hours=24)
    assert "Thu 19 Nov 14:00" in d.last_error


def test_retry_after_does_not_save_a_spent_schedule():
    d = decide(job(attempts=3), rate_limited(retry_after=60), NOW)
    assert d.state == JobState.FAILED and d.attempts == 4


# -- permanent errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "status", "server_message", "todo"),
    [
        (OutcomeKind.VALIDATION, 400, "The text field is required.", "Fix what it names"),
        (OutcomeKind.PERMISSION, 403, "You do not have security permission to perform this action.", "administrator"),
        (OutcomeKind.NOT_FOUND, 404, "Ticket 48211 not found", "Check the ticket number"),
    ],
)
def test_permanent_errors_fail_at_once_with_the_server_message(kind, status, server_message, todo):
    d = decide(job(attempts=1), Outcome(kind, http_status=status, server_message=server_message), NOW)
    assert d.state == JobState.FAILED
    assert d.next_attempt_at is None
    assert f'ConnectWise says: "{server_message}"' in d.last_error
    assert todo in d.last_error
    assert "#48211" in d.last_error
    assert d.http_status == status and d.outcome == kind


def test_permission_message_names_the_right_permission_for_a_time_entry():
    d = decide(job(kind=JobKind.TIME_ENTRY), Outcome(OutcomeKind.PERMISSION, http_status=403), NOW)
    assert "add time entries" in d.last_error and "time entry" in d.last_error


# -- 401 and offline do not use up a try --------------------------------------------------------------
def test_401_pauses_the_queue_and_puts_the_job_back_without_burning():
    d = decide(job(attempts=2), Outcome(OutcomeKind.AUTH, http_status=401), NOW)
    assert d.state == JobState.PENDING
    assert d.attempts == 2 and not d.burned
    assert d.next_attempt_at == NOW
    assert d.pause_queue and "API keys" in d.pause_queue and "enter your keys again in Settings" in d.pause_queue
    assert "paused" in d.last_error


# -- the company look-up (companyinfo) failed: no try is used ------------------------------------------
def lookup(kind: OutcomeKind, status: int | None = None, **kw) -> Outcome:
    return Outcome(kind, http_status=status, company_lookup=True, **kw)


@pytest.mark.parametrize("state", [JobState.SENDING, JobState.UNKNOWN])
def test_no_such_company_pauses_the_queue_once_and_uses_no_try(state):
    d = decide(job(state, attempts=2), Outcome(OutcomeKind.NO_COMPANY, http_status=200, company_lookup=True), NOW)
    back = JobState.PENDING if state == JobState.SENDING else JobState.UNKNOWN
    assert (d.state, d.attempts, d.burned, d.next_attempt_at) == (back, 2, False, NOW)
    assert d.pause_queue == d.message == policy_words.NO_COMPANY
    assert "company ID in Settings" in d.pause_queue and "save it again in Settings" in d.pause_queue
    assert d.last_error == (
        policy_words.PAUSED_FOR_COMPANY if state == JobState.SENDING
        else "Checking ticket #48211 for the note is paused until the company ID in Settings is fixed."
    )


@pytest.mark.parametrize(
    "outcome",
    [lookup(OutcomeKind.NOT_FOUND, 404), lookup(OutcomeKind.SERVER, 503), lookup(OutcomeKind.SERVER, 200),
     lookup(OutcomeKind.VALIDATION, 400), lookup(OutcomeKind.AUTH, 401), lookup(OutcomeKind.PERMISSION, 403)],
    ids=["404", "503", "unreadable", "400", "401", "403"],
)
def test_a_failed_company_look_up_waits_and_uses_no_try(outcome):
    """A site mid-upgrade answers 404s or junk: nothing was sent (or stored), so the job waits, its tries untouched."""
    d = decide(job(attempts=3), outcome, NOW)
    assert (d.state, d.attempts, d.burned, d.pause_queue) == (JobState.RETRY_WAIT, 3, False, None)
    assert d.next_attempt_at == NOW + LOOKUP_RETRY
    assert d.last_error == d.message == (
        f"ConnectWise could not look up your company (HTTP {outcome.http_status}), so FlowDesk could not yet send "
        "the note to ticket #48211. Trying again at 14:05."
    )
    check = decide(job(JobState.UNKNOWN, attempts=1), outcome, NOW)
    assert (check.state, check.attempts, check.next_attempt_at) == (JobState.UNKNOWN, 1, NOW + LOOKUP_RETRY)
    assert "could not yet check whether the note reached ticket #48211" in check.last_error


def test_a_failed_company_look_up_honours_a_longer_retry_after_and_offline_stays_offline():
    d = decide(job(), lookup(OutcomeKind.RATE_LIMITED, 429, retry_after=900), NOW)
    assert (d.state, d.attempts, d.next_attempt_at) == (JobState.RETRY_WAIT, 0, NOW + 15 * MIN)
    offline = decide(job(), lookup(OutcomeKind.OFFLINE), NOW)
    assert (offline.state, offline.next_attempt_at, offline.burned) == (JobState.RETRY_WAIT, NOW + MIN, False)
    assert offline.last_error == decide(job(), Outcome.offline(), NOW).last_error


def test_the_same_answers_from_the_api_itself_are_unchanged():
    """Only the look-up is spared: a 404 from the ticket still fails the push, a 503 uses a try."""
    assert decide(job(), Outcome(OutcomeKind.NOT_FOUND, http_status=404), NOW).state == JobState.FAILED
    assert decide(job(), Outcome(OutcomeKind.SERVER, http_status=503), NOW).burned


def test_offline_retries_after_a_minute_without_burning():
    d = decide(job(attempts=2), Outcome.offline("ConnectError: [Errno -3]"), NOW)
    assert (d.state, d.attempts, d.burned) == (JobState.RETRY_WAIT, 2, False)
    assert d.next_attempt_at == NOW + MIN
    assert "network" in d.last_error and "14:01" in d.last_error
    assert d.detail == "ConnectError: [Errno -3]"


def test_many_offline_outcomes_never_fail_the_job():
    j = job(attempts=3)
    for _ in range(50):
        d = decide(j, Outcome.offline(), NOW)
        assert d.state == JobState.RETRY_WAIT and d.attempts == 3
        j = j._replace(state=JobState.SENDING, attempts=d.attempts)


# -- ambiguous -> unknown -> verified ------------------------------------------------------------------
def test_ambiguous_goes_unknown_without_a_resend():
    d = decide(job(attempts=1), Outcome(OutcomeKind.AMBIGUOUS), NOW)
    assert (d.state, d.attempts, d.burned) == (JobState.UNKNOWN, 1, False)
    assert d.next_attempt_at == NOW + MIN
    assert "may have reached ticket #48211" in d.last_error and "check the ticket" in d.last_error


def test_5xx_on_post_that_may_have_stored_goes_unknown_and_honours_retry_after():
    d = decide(job(), server_error(503, may_have_stored=True, retry_after=300), NOW)
    assert d.state == JobState.UNKNOWN
    assert d.next_attempt_at == NOW + timedelta(minutes=5)
    assert "HTTP 503" in d.last_error


def test_verified_found_is_sent_with_its_remote_id():
    d = decide(job(JobState.UNKNOWN, attempts=1), Outcome.found(9001), NOW)
    assert (d.state, d.remote_id, d.sent_at, d.last_error) == (JobState.SENT, 9001, NOW, None)
    assert d.store_fields()["remote_id"] == 9001


def test_verified_absent_counts_as_that_attempts_failure():
    d = decide(job(JobState.UNKNOWN, attempts=1), Outcome.absent(), NOW)
    assert (d.state, d.attempts, d.burned) == (JobState.RETRY_WAIT, 2, True)
    assert d.next_attempt_at == NOW + timedelta(minutes=15)
    assert "did not arrive" in d.last_error


def test_verified_absent_on_the_last_try_fails():
    d = decide(job(JobState.UNKNOWN, attempts=3), Outcome.absent(), NOW)
    assert (d.state, d.attempts) == (JobState.FAILED, 4)


def test_verification_offline_stays_unknown():
    d = decide(job(JobState.UNKNOWN, attempts=2), Outcome.offline(), NOW)
    assert (d.state, d.attempts, d.burned) == (JobState.UNKNOWN, 2, False)
    assert d.next_attempt_at == NOW + MIN
    assert "check whether" in d.last_error


@pytest.mark.parametrize(
    ("outcome", "wait"),
    [
        (server_error(500), timedelta(minutes=5)),
        (Outcome(OutcomeKind.AMBIGUOUS), timedelta(minutes=5)),
        (rate_limited(retry_after=900), timedelta(minutes=15)),
    ],
)
def test_verification_failure_stays_unknown_and_checks_later(outcome, wait):
    d = decide(job(JobState.UNKNOWN), outcome, NOW)
    assert (d.state, d.attempts, d.next_attempt_at) == (JobState.UNKNOWN, 0, NOW + wait)


def test_verification_401_pauses_and_stays_unknown():
    d = decide(job(JobState.UNKNOWN, attempts=1), Outcome(OutcomeKind.AUTH, http_status=401), NOW)
    assert d.state == JobState.UNKNOWN and d.pause_queue and d.attempts == 1


def test_verification_forbidden_stays_unknown_and_tells_the_engineer_what_to_do():
    d = decide(job(JobState.UNKNOWN), Outcome(OutcomeKind.PERMISSION, http_status=403, server_message="No"), NOW)
    assert d.state == JobState.UNKNOWN and d.next_attempt_at is None
    assert "Open the ticket" in d.last_error and "cancel" in d.last_error


def test_an_unknown_job_cannot_take_a_send_result():
    with pytest.raises(PolicyError, match="never send it blindly"):
        decide(job(JobState.UNKNOWN), Outcome.success(1), NOW)


def test_a_sending_job_cannot_take_a_check_result():
    with pytest.raises(PolicyError):
        decide(job(), Outcome.found(1), NOW)
    with pytest.raises(PolicyError):
        decide(job(), Outcome.absent(), NOW)


@pytest.mark.parametrize("state", [JobState.PENDING, JobState.RETRY_WAIT, JobState.FAILED])
def test_outcomes_need_a_job_that_was_sent(state):
    with pytest.raises(PolicyError, match="sending"):
        decide(job(state), Outcome.success(1), NOW)


def test_success_is_sent_with_remote_id():
    d = decide(job(attempts=2), Outcome.success(777, request_id="r-1"), NOW)
    assert (d.state, d.remote_id, d.attempts, d.last_error, d.sent_at) == (JobState.SENT, 777, 2, None, NOW)
    assert d.message == "Note posted to ticket #48211."
    assert d.store_fields() == {
        "attempts": 2, "next_attempt_at": None, "last_error": None, "last_http_status": 201,
        "last_request_id": "r-1", "remote_id": 777, "sent_at": NOW, "send_if_absent": False,
    }


def test_success_without_an_id_is_refused():
    with pytest.raises(PolicyError):
        decide(job(), Outcome(OutcomeKind.SUCCESS), NOW)


@pytest.mark.parametrize("state", [JobState.SENT, JobState.CANCELLED])
def test_terminal_jobs_take_nothing(state):
    for outcome in (Outcome.success(1), Outcome.found(1), Outcome.absent(), Outcome.offline()):
        with pytest.raises(PolicyError):
            decide(job(state), outcome, NOW)
    with pytest.raises(PolicyError):
        manual_retry(job(state), NOW)
    with pytest.raises(PolicyError):
        cancel(job(state), NOW)


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        decide(job(), Outcome.offline(), NOW.replace(tzinfo=None))


# -- the engineer's actions --------------------------------------------------------------------------
def test_manual_retry_of_failed_starts_a_fresh_schedule_due_now():
    d = manual_retry(job(JobState.FAILED, attempts=4), NOW)
    assert (d.state, d.attempts, d.next_attempt_at, d.last_error) == (JobState.PENDING, 0, NOW, None)
    # ...and the first failure after it waits 5 minutes again
    again = decide(job(attempts=d.attempts), server_error(), NOW)
    assert again.next_attempt_at == NOW + 5 * MIN


def test_manual_retry_of_retry_wait_bypasses_the_wait_and_keeps_the_count():
    d = manual_retry(job(JobState.RETRY_WAIT, attempts=2), NOW)
    assert (d.state, d.attempts, d.next_attempt_at) == (JobState.PENDING, 2, NOW)


def test_manual_retry_of_unknown_checks_first_and_asks_to_send_if_absent():
    unknown = job(JobState.UNKNOWN, attempts=1)._replace(updated_at=NOW - 2 * MIN, next_attempt_at=NOW - MIN)
    d = manual_retry(unknown, NOW)
    assert (d.state, d.attempts, d.next_attempt_at, d.send_if_absent) == (JobState.UNKNOWN, 1, NOW, True)
    assert d.message == "Checking ticket #48211 for the note before sending it again."
    assert d.store_fields()["send_if_absent"] is True
    assert "last_error" not in d.store_fields()  # the click's status is no error: the push keeps its own


def test_manual_retry_of_unknown_never_checks_before_the_server_had_time_to_store():
    """A slow server may still be storing the push whose answer was lost: a check now would find nothing
    and send it again (two copies). Retry keeps the check at VERIFY_DELAY after the send ended."""
    ended = NOW - timedelta(seconds=10)
    after_send = decide(job(), Outcome(OutcomeKind.AMBIGUOUS), ended)
    unknown = job(JobState.UNKNOWN)._replace(updated_at=ended, next_attempt_at=after_send.next_attempt_at)
    d = manual_retry(unknown, NOW)
    assert d.next_attempt_at == ended + VERIFY_DELAY and d.send_if_absent
    assert d.message.startswith("Checking ticket #48211 for the note at 14:00,")  # 13:59:50 + 1 min
    # a check that failed long after the send: Retry is immediate
    failed_check = unknown._replace(updated_at=NOW - 2 * MIN, next_attempt_at=NOW + 3 * MIN)
    assert manual_retry(failed_check, NOW).next_attempt_at == NOW
    # no times known: the delay is kept
    assert manual_retry(job(JobState.UNKNOWN), NOW).next_attempt_at == NOW + VERIFY_DELAY


@pytest.mark.parametrize(("attempts", "fresh"), [(0, False), (MAX_ATTEMPTS - 1, True)])
def test_after_a_retry_a_check_that_finds_it_absent_sends_now(attempts, fresh):
    unknown = job(JobState.UNKNOWN, attempts=attempts)
    d = after_check_of_retried(unknown, decide(unknown, Outcome.absent(), NOW), NOW)
    assert (d.state, d.next_attempt_at, d.last_error, d.send_if_absent) == (JobState.PENDING, NOW, None, False)
    assert d.attempts == (0 if fresh else attempts + 1)
    assert (d.outcome, d.burned) == (OutcomeKind.ABSENT, True)  # the post log still says what the check found
    assert d.message == "The note is not on ticket #48211: sending it now."
    assert d.state in ALLOWED_TRANSITIONS[JobState.UNKNOWN]


@pytest.mark.parametrize(
    ("outcome", "state", "keeps"),
    [
        (Outcome.found(7), JobState.SENT, False),
        (Outcome.offline(), JobState.UNKNOWN, True),
        (server_error(503), JobState.UNKNOWN, True),
        (Outcome(OutcomeKind.PERMISSION, http_status=403), JobState.UNKNOWN, True),
    ],
)
def test_after_a_retry_a_check_that_settles_nothing_keeps_the_request(outcome, state, keeps):
    unknown = job(JobState.UNKNOWN)
    d = after_check_of_retried(unknown, decide(unknown, outcome, NOW), NOW)
    assert (d.state, d.send_if_absent) == (state, keeps)


def test_only_a_checks_result_follows_a_retry():
    with pytest.raises(PolicyError, match="check"):
        after_check_of_retried(job(), decide(job(), server_error(), NOW), NOW)
    with pytest.raises(PolicyError, match="check"):
        after_check_of_retried(job(JobState.UNKNOWN), manual_retry(job(JobState.UNKNOWN), NOW), NOW)


def test_manual_retry_of_sending_is_refused():
    with pytest.raises(PolicyError, match="right now"):
        manual_retry(job(JobState.SENDING), NOW)


@pytest.mark.parametrize("state", [JobState.PENDING, JobState.RETRY_WAIT, JobState.FAILED])
def test_cancel_allowed(state):
    d = cancel(job(state, attempts=1), NOW)
    assert (d.state, d.next_attempt_at, d.last_error) == (JobState.CANCELLED, None, None)
    assert d.from_state == state


def test_cancel_unknown_warns_it_may_be_on_the_ticket():
    """Seen in the demo: a note whose send ConnectWise answered with HTTP 503, cancelled, read "the connection
    dropped while it was being sent": a push is uncertain after a 5xx, a time-out, a crash as well. The queue's
    detail said "Cancelled" twice ("Cancelled: it will not be sent." then "Cancelled, but the note …")."""
    d = cancel(job(JobState.UNKNOWN), NOW)
    assert d.state == JobState.CANCELLED
    assert d.last_error == (
        "The note may already be on ticket #48211: ConnectWise never confirmed its last send. "
        "Check the ticket in ConnectWise."
    )


def test_cancel_sending_is_refused():
    with pytest.raises(PolicyError, match="being sent"):
        cancel(job(JobState.SENDING), NOW)


INTERRUPTED = "FlowDesk stopped while sending the note to ticket #48211, so it may have arrived. FlowDesk will check the ticket"


def test_recover_interrupted_checks_no_sooner_than_verify_delay_after_the_send_started():
    """A restart seconds after a crash mid-POST: a slow server may still be storing the note, so the check
    waits until VERIFY_DELAY after the send started (checking now would find nothing and send it twice)."""
    started = NOW - timedelta(seconds=10)
    d = recover_interrupted(job(attempts=2)._replace(updated_at=started), NOW)
    assert (d.state, d.attempts, d.next_attempt_at, d.burned) == (JobState.UNKNOWN, 2, started + VERIFY_DELAY, False)
    assert d.last_error == d.message == f"{INTERRUPTED} at 14:00 before sending it again."
    plus2 = timezone(timedelta(hours=2))
    later = recover_interrupted(job()._replace(updated_at=NOW), NOW + timedelta(seconds=5), tz=plus2)
    assert later.next_attempt_at == NOW + VERIFY_DELAY
    assert later.last_error == f"{INTERRUPTED} at 16:01 before sending it again."
    with pytest.raises(PolicyError):
        recover_interrupted(job(JobState.PENDING), NOW)


@pytest.mark.parametrize("started", [NOW - VERIFY_DELAY, NOW - timedelta(hours=3)])
def test_recover_interrupted_after_a_crash_long_enough_ago_checks_at_once(started):
    d = recover_interrupted(job()._replace(updated_at=started), NOW)
    assert (d.state, d.next_attempt_at) == (JobState.UNKNOWN, NOW)
    assert d.last_error == f"{INTERRUPTED} before sending it again."


@pytest.mark.parametrize("started", [None, NOW + timedelta(hours=1)])
def test_recover_interrupted_with_no_or_a_future_start_waits_verify_delay_from_now(started):
    """No start recorded, or one after ``now`` (the clock was set back): as if the send started now."""
    d = recover_interrupted(job()._replace(updated_at=started), NOW)
    assert d.next_attempt_at == NOW + VERIFY_DELAY


# -- words and adapters ----------------------------------------------------------------------------
def test_format_clock_same_day_other_day_and_zone():
    assert format_clock(NOW + 5 * MIN, NOW) == "14:05"
    assert format_clock(NOW + timedelta(days=1), NOW) == "Thu 19 Nov 14:00"
    plus2 = timezone(timedelta(hours=2))
    assert format_clock(NOW + 5 * MIN, NOW, plus2) == "16:05"
    d = decide(job(), rate_limited(), NOW, tz=plus2)
    assert "16:05" in d.last_error and d.next_attempt_at == NOW + 5 * MIN


def test_project_tickets_are_named_as_such():
    j = JobSnapshot(state=JobState.SENDING, ticket_id=9, ticket_kind="project")
    assert "project ticket #9" in decide(j, Outcome(OutcomeKind.AMBIGUOUS), NOW).last_error


class _FakeCWError(Exception):
    def __init__(self, kind, **kw):
        super().__init__("boom")
        self.kind = kind
        for k, v in kw.items():
            setattr(self, k, v)


def test_outcome_from_error_reads_the_client_error():
    o = Outcome.from_error(_FakeCWError("rate_limited", status=429, retry_after=12, request_id="abc", server_message="slow"))
    assert (o.kind, o.http_status, o.retry_after, o.request_id, o.server_message) == (
        OutcomeKind.RATE_LIMITED, 429, 12.0, "abc", "slow",
    )
    s = Outcome.from_error(_FakeCWError("server", status=502, may_have_stored=True))
    assert s.kind == OutcomeKind.SERVER and s.may_have_stored and not s.company_lookup
    assert decide(job(), s, NOW).state == JobState.UNKNOWN
    looked = Outcome.from_error(_FakeCWError("no_company", status=200, company_lookup=True))
    assert (looked.kind, looked.company_lookup) == (OutcomeKind.NO_COMPANY, True)


def test_outcome_from_an_unexpected_error_is_ambiguous():
    assert Outcome.from_error(RuntimeError("bug")).kind == OutcomeKind.AMBIGUOUS
    assert Outcome.from_error(_FakeCWError("success")).kind == OutcomeKind.AMBIGUOUS


# -- property: any sequence of outcomes ----------------------------------------------------------------
_simple = st.sampled_from(
    [Outcome(k) for k in OutcomeKind if k not in (OutcomeKind.SUCCESS, OutcomeKind.FOUND, OutcomeKind.SERVER)]
)
_server = st.builds(
    Outcome, kind=st.just(OutcomeKind.SERVER), http_status=st.sampled_from([500, 502, 503]),
    may_have_stored=st.booleans(), retry_after=st.none() | st.floats(0, 10_000),
)
_limited = st.builds(Outcome, kind=st.just(OutcomeKind.RATE_LIMITED), retry_after=st.none() | st.floats(0, 100_000))
_events = st.lists(
    st.one_of(
        _simple, _simple, _simple, _server, _server, _limited,
        st.integers(1, 10**6).map(Outcome.success),
        st.integers(1, 10**6).map(Outcome.found),
        st.sampled_from(["retry", "retry", "crash", "crash", "cancel"]),  # cancel ends a run: keep it rare
    ),
    max_size=80,
)


@settings(max_examples=400)
@given(_events)
def test_any_sequence_keeps_the_promises(events):
    j = JobSnapshot(state=JobState.PENDING, ticket_id=1)
    now = NOW
    burned_in_schedule = 0
    unverified = False  # the job went unknown and has not been checked since

    def apply(d, from_state):
        nonlocal j, burned_in_schedule, unverified, now
        assert d.from_state == from_state
        assert d.state in ALLOWED_TRANSITIONS[from_state]
        assert d.attempts <= MAX_ATTEMPTS
        if d.next_attempt_at is not None:
            assert d.next_attempt_at >= now
            now = max(now, d.next_attempt_at)
        if d.state == JobState.UNKNOWN and from_state == JobState.SENDING:
            unverified = True
        j = j._replace(state=d.state, attempts=d.attempts)

    for ev in events:
        now += MIN
        before = j.state
        if before in (JobState.SENT, JobState.CANCELLED):
            # nothing moves a sent (or cancelled) job
            with pytest.raises(PolicyError):
                manual_retry(j, now)
            with pytest.raises(PolicyError):
                cancel(j, now)
            for outcome in (Outcome.success(1), Outcome.absent(), Outcome.offline()):
                with pytest.raises(PolicyError):
                    decide(j, outcome, now)
            continue
        if ev == "retry":
            d = manual_retry(j, now)
            if before == JobState.FAILED:
                burned_in_schedule = 0
                assert d.attempts == 0
            apply(d, before)
            continue
        if ev == "cancel":
            apply(cancel(j, now), before)
            continue
        if before == JobState.FAILED:
            with pytest.raises(PolicyError):  # a failed job is not due; nothing is sent until Retry
                decide(j, ev if isinstance(ev, Outcome) else Outcome.offline(), now)
            continue
        if before == JobState.UNKNOWN:
            if ev == "crash":
                continue  # checking sends nothing; a crash while checking leaves it unknown
            try:
                d = decide(j, ev, now)
            except PolicyError:
                assert ev.kind == OutcomeKind.SUCCESS  # only a blind send is refused
                continue
            if ev.kind in (OutcomeKind.FOUND, OutcomeKind.ABSENT):
                unverified = False
            else:
                assert d.state == JobState.UNKNOWN
            if d.state in (JobState.PENDING, JobState.RETRY_WAIT):
                assert ev.kind == OutcomeKind.ABSENT
            burned_in_schedule += d.burned
            apply(d, before)
            assert j.attempts == burned_in_schedule
            continue
        # pending / retry_wait: the drainer sends it
        assert before in (JobState.PENDING, JobState.RETRY_WAIT)
        assert not unverified, "a job that may be on the ticket was sent again without a check"
        assert JobState.SENDING in ALLOWED_TRANSITIONS[before]
        sending = j._replace(state=JobState.SENDING)
        if ev == "crash":
            apply(recover_interrupted(sending, now), JobState.SENDING)
            unverified = True
            continue
        try:
            d = decide(sending, ev, now)
        except PolicyError:
            assert ev.kind in (OutcomeKind.FOUND, OutcomeKind.ABSENT)
            continue
        burned_in_schedule += d.burned
        assert burned_in_schedule <= MAX_ATTEMPTS, "more than four failed sends in one schedule"
        apply(d, JobState.SENDING)
        assert j.attempts == burned_in_schedule
        if j.attempts == MAX_ATTEMPTS:
            assert j.state == JobState.FAILED


@pytest.mark.parametrize(
    ("history", "failures"),
    [
        ([("ambiguous", None), ("server", 503), ("rate_limited", 429), ("found", None)], 0),  # the checks are not sends
        ([("interrupted", None), ("absent", None), ("success", 201)], 1),
        ([("server", 502), ("absent", None), ("rate_limited", 429), ("validation", 400)], 3),
        ([("auth", 401), ("no_company", None), ("offline", None), ("ticket_kind", None), ("success", 201)], 0),
        ([("server", 408), ("server", 503), ("success", 201), ("rate_limited", 429)], 2),  # a 408 stored nothing
    ],
)
def test_failed_sends_count_what_did_not_post_the_push(history, failures):
    assert policy.failed_sends(history) == failures
