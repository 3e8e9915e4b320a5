"""The retry policy of the outbox, as pure functions.

``decide(job, outcome, now)`` says what happens to a push job after one try: the next state, how many
failed sends it has used, when it is next due, and a plain-words ``last_error`` for the queue view and
a notification (its words come from :mod:`flowdesk.core.present`, like every text a person reads about a
push). ``manual_retry``, ``cancel`` and ``recover_interrupted`` do the same for the engineer's
actions and for a job found ``sending`` after a crash. Nothing here reads a clock or does I/O: the
caller passes ``now`` (an aware datetime) and stores the :class:`Decision` (``Outbox.apply``).

The rules (the seed's ``retry_failed_push`` plus what a desktop client needs):

* Schedule: the first failed send waits 5 minutes, then 15, then 45 (``5 * 3**n``); the fourth failed
  send (the third failed retry) makes the job ``failed``. ``job.attempts`` counts failed sends.
* ``Retry-After`` (a 429, or a 5xx that carries one) wins when it is longer than the schedule's wait.
* 400 (validation), 403 (permission) and 404 (not found) fail at once, with ConnectWise's own message
  and what to do about it.
* 401 pauses the whole queue (``Decision.pause_queue``) and puts the job back to waiting, without
  using up a try.
* Offline (nothing was sent) uses up no try either; the job is due again after a minute (and the app
  drains as soon as the network is back).
* A failed company look-up (companyinfo, before the send or after a 404 that stored nothing) uses up no
  try: ``no_company`` (ConnectWise has no such company ID) pauses the queue until the settings are fixed,
  anything else waits :data:`LOOKUP_RETRY` (a site mid-upgrade answers 404s or junk for a while).
* Ambiguous (the request may have been stored: read timeout, reset after sending, 5xx on a POST, an
  unreadable 2xx) makes the job ``unknown``. An unknown job is never sent again blindly: the next drain
  checks the ticket first and reports ``found`` (the job is ``sent``), ``absent`` (that try failed; the
  schedule applies) or why it could not check (the job stays ``unknown``).
* Retry on an ``unknown`` job checks first and sends in the same click: the job keeps ``send_if_absent``
  until a check settles it, and a check that finds it absent makes it due at once
  (``after_check_of_retried``; the outbox applies it in the transaction that stores the check).
* Retry never brings a check sooner than :data:`VERIFY_DELAY` after the send that may have stored the
  push ended: a slow server may still be storing it, and a check that looked too early would find nothing
  and send it again in the same click (:func:`check_due`).
* A job a crash left ``sending`` is checked no sooner than :data:`VERIFY_DELAY` after that send started, for
  the same reason (at once when that is past; :func:`recover_interrupted`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, NamedTuple, Self

from flowdesk.core import policy_words, present
from flowdesk.core.localtime import format_clock


class JobState(StrEnum):
    PENDING = "pending"  # UI: Waiting
    SENDING = "sending"  # UI: Sending
    SENT = "sent"  # UI: Sent
    RETRY_WAIT = "retry_wait"  # UI: Retrying at HH:MM
    UNKNOWN = "unknown"  # UI: Checking
    FAILED = "failed"  # UI: Failed
    CANCELLED = "cancelled"  # UI: Cancelled

    @property
    def label(self) -> str:
        """The state in one word, as a person reads it (:func:`flowdesk.core.present.state_label`)."""
        return present.state_label(self)

TERMINAL_STATES = frozenset({JobState.SENT, JobState.CANCELLED})
# States a drain may pick up: send pending / retry_wait jobs, verify unknown ones.
DUE_STATES = frozenset({JobState.PENDING, JobState.RETRY_WAIT, JobState.UNKNOWN})
CANCELLABLE_STATES = frozenset({JobState.PENDING, JobState.RETRY_WAIT, JobState.FAILED, JobState.UNKNOWN})
RETRYABLE_STATES = frozenset({JobState.PENDING, JobState.RETRY_WAIT, JobState.FAILED, JobState.UNKNOWN})

# Every move the outbox accepts (a state to itself only where listed). The policy never asks for
# another one; ``Outbox.transition`` refuses anything else.
ALLOWED_TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.PENDING: frozenset({JobState.SENDING, JobState.PENDING, JobState.CANCELLED}),
    JobState.SENDING: frozenset(
        {JobState.SENT, JobState.RETRY_WAIT, JobState.UNKNOWN, JobState.FAILED, JobState.PENDING}
    ),
    JobState.RETRY_WAIT: frozenset({JobState.SENDING, JobState.PENDING, JobState.CANCELLED}),
    JobState.UNKNOWN: frozenset(
        {JobState.SENT, JobState.RETRY_WAIT, JobState.FAILED, JobState.UNKNOWN, JobState.CANCELLED, JobState.PENDING}
    ),
    JobState.FAILED: frozenset({JobState.PENDING, JobState.CANCELLED}),
    JobState.SENT: frozenset(),
    JobState.CANCELLED: frozenset(),
}


class JobKind(StrEnum):
    NOTE = "note"
    TIME_ENTRY = "time_entry"
    STATUS = "status"  # a ticket's status change, after its note (a PATCH, verified by reading the ticket)


class OutcomeKind(StrEnum):
    # Results of sending (the job was ``sending``):
    SUCCESS = "success"
    # Results of checking the ticket for an ``unknown`` job:
    FOUND = "found"
    ABSENT = "absent"
    # Errors, of a send or of a check; the names are ConnectWiseError.kind:
    AUTH = "auth"  # 401
    PERMISSION = "permission"  # 403
    NOT_FOUND = "not_found"  # 404
    VALIDATION = "validation"  # 400
    RATE_LIMITED = "rate_limited"  # 429
    SERVER = "server"  # 5xx; ``may_have_stored`` for a POST
    OFFLINE = "offline"  # nothing was sent
    AMBIGUOUS = "ambiguous"  # sent, no usable answer
    NO_COMPANY = "no_company"  # the company look-up answered null: no such company ID on the site (Settings)
    OTHER_COMPANY = "other_company"  # a note's ticket is not its session's client's: not sent (``detail`` says)


# The post log's outcome for a send FlowDesk stopped in the middle of (a crash, a kill): found ``sending`` at
# the next start (``recover_interrupted``). A record of what happened, never an Outcome a send returns.
INTERRUPTED = "interrupted"
VERIFICATION_KINDS = frozenset({OutcomeKind.FOUND, OutcomeKind.ABSENT})
PERMANENT_KINDS = frozenset({OutcomeKind.VALIDATION, OutcomeKind.PERMISSION, OutcomeKind.NOT_FOUND})

# The seed's schedule: 5, 15, 45 minutes; the fourth failed send is final.
BASE_WAIT = timedelta(minutes=5)
BACKOFF_FACTOR = 3
MAX_ATTEMPTS = 4  # sends per schedule: the first one and three retries
OFFLINE_DELAY = timedelta(minutes=1)  # nothing was sent: try again soon (and when the network returns)
VERIFY_DELAY = timedelta(minutes=1)  # give a slow server time to finish storing before we look
VERIFY_RETRY = timedelta(minutes=5)  # the check itself failed on the server side
LOOKUP_RETRY = timedelta(minutes=5)  # the company look-up failed on the server side (e.g. an upgrade)
NO_CLIENT_RECHECK = timedelta(minutes=5)  # no usable keys (missing, a locked keyring): asked for again then
MAX_RETRY_AFTER = timedelta(hours=24)  # a Retry-After beyond this is not believed


class PolicyError(ValueError):
    """An outcome or action that cannot apply to the job in its state (a caller's bug, or a refused
    manual action: ``str()`` says why in plain words)."""


# The records below are named tuples whose __new__ checks what they are given, and whose _make goes through
# __new__ (so that _replace checks too): a frozen dataclass costs ~1 ms to create, and this module loads
# before the window's first paint.
class _SnapshotFields(NamedTuple):
    state: JobState
    attempts: int = 0
    kind: JobKind = JobKind.NOTE
    ticket_id: int | None = None
    ticket_kind: str = "service"
    next_attempt_at: datetime | None = None
    updated_at: datetime | None = None  # its last change (for a job ``sending``: when the send started)


class JobSnapshot(_SnapshotFields):
    """What the policy needs to know about a push job (``PushJob.snapshot()``)."""

    __slots__ = ()

    def __new__(
        cls, state: JobState | str, attempts: int = 0, kind: JobKind | str = JobKind.NOTE, ticket_id: int | None = None,
        ticket_kind: str = "service", next_attempt_at: datetime | None = None, updated_at: datetime | None = None,
    ) -> JobSnapshot:
        if attempts < 0:
            raise ValueError("attempts cannot be negative")
        return super().__new__(cls, JobState(state), attempts, JobKind(kind), ticket_id, ticket_kind, next_attempt_at, updated_at)

    @classmethod
    def _make(cls, iterable: Iterable[Any]) -> Self:  # type: ignore[override]  # (typeshed: generic in the tuple)
        return cls(*iterable)


class _OutcomeFields(NamedTuple):
    kind: OutcomeKind
    http_status: int | None = None
    retry_after: float | None = None  # seconds, from Retry-After
    server_message: str | None = None  # ConnectWise's own words (errors[].message or message)
    server_code: str | None = None
    request_id: str | None = None  # x-cw-request-id
    remote_id: int | None = None  # the note's / time entry's id on success or when found
    may_have_stored: bool = False  # a 5xx after the request was sent
    detail: str | None = None  # technical text for the post log
    company_lookup: bool = False  # the company look-up failed: the request was not sent, or not stored
    missing_right: str | None = None  # a 403's right, in ConnectWise's words, when the refused request names it


class Outcome(_OutcomeFields):
    """What happened when the drainer sent a job (or checked the ticket for an ``unknown`` one)."""

    __slots__ = ()

    def __new__(
        cls, kind: OutcomeKind | str, http_status: int | None = None, retry_after: float | None = None,
        server_message: str | None = None, server_code: str | None = None, request_id: str | None = None,
        remote_id: int | None = None, may_have_stored: bool = False, detail: str | None = None,
        company_lookup: bool = False, missing_right: str | None = None,
    ) -> Outcome:
        if retry_after is not None and retry_after < 0:
            retry_after = 0.0
        return super().__new__(cls, OutcomeKind(kind), http_status, retry_after, server_message, server_code, request_id,
                               remote_id, may_have_stored, detail, company_lookup, missing_right)

    @classmethod
    def _make(cls, iterable: Iterable[Any]) -> Self:  # type: ignore[override]  # (typeshed: generic in the tuple)
        return cls(*iterable)

    @classmethod
    def success(cls, remote_id: int, *, http_status: int | None = 201, request_id: str | None = None) -> Outcome:
        return cls(OutcomeKind.SUCCESS, http_status=http_status, request_id=request_id, remote_id=remote_id)

    @classmethod
    def found(cls, remote_id: int) -> Outcome:
        return cls(OutcomeKind.FOUND, remote_id=remote_id)

    @classmethod
    def absent(cls) -> Outcome:
        return cls(OutcomeKind.ABSENT)

    @classmethod
    def offline(cls, detail: str | None = None) -> Outcome:
        return cls(OutcomeKind.OFFLINE, detail=detail)

    @classmethod
    def from_error(cls, exc: BaseException) -> Outcome:
        """An outcome from a ``ConnectWiseError`` (read by attribute, so core does not import the client).

        Anything that is not one (no known ``kind``) is treated as ambiguous: after an unexpected error
        FlowDesk cannot know whether the request went out, so it checks before sending again.
        """
        raw_kind = getattr(exc, "kind", None)
        try:
            kind = OutcomeKind(str(raw_kind))
        except ValueError:
            kind = OutcomeKind.AMBIGUOUS
        if kind in (OutcomeKind.SUCCESS, *VERIFICATION_KINDS):
            kind = OutcomeKind.AMBIGUOUS
        retry_after = getattr(exc, "retry_after", None)
        return cls(
            kind,
            http_status=getattr(exc, "status", None),
            retry_after=float(retry_after) if isinstance(retry_after, int | float) else None,
            server_message=getattr(exc, "server_message", None),
            server_code=getattr(exc, "server_code", None),
            request_id=getattr(exc, "request_id", None),
            may_have_stored=bool(getattr(exc, "may_have_stored", False)),
            detail=f"{type(exc).__name__}: {exc}"[:500],
            company_lookup=getattr(exc, "company_lookup", False) is True,
            missing_right=right if isinstance(right := getattr(exc, "missing_right", None), str) else None,
        )


class Decision(NamedTuple):
    """What to store after an outcome or an action (``Outbox.apply`` does it in one transaction).

    ``from_state`` is the state the decision was made from: the outbox applies it only if the job is
    still in that state (compare-and-set). ``last_error`` is None when nothing is wrong; ``message`` is
    always a one-line summary for a notification. ``pause_queue``, when set, pauses the whole queue with
    that reason. ``burned`` says whether this counted as a failed send.
    """

    from_state: JobState
    state: JobState
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    message: str
    remote_id: int | None = None
    sent_at: datetime | None = None
    pause_queue: str | None = None
    burned: bool = False
    outcome: OutcomeKind | None = None  # for the post log; None for the engineer's actions
    http_status: int | None = None
    request_id: str | None = None
    detail: str | None = None
    send_if_absent: bool = False  # an unknown job the engineer retried: sent at once if its check finds it absent
    keep_error: bool = False  # the job's stored last error stays (``last_error`` is not stored): a click's status is no error

    def store_fields(self) -> dict[str, Any]:
        """The ``push_jobs`` columns this decision sets."""
        fields: dict[str, Any] = {
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at,
            "send_if_absent": self.send_if_absent,
        }
        if not self.keep_error:
            fields["last_error"] = self.last_error
        if self.outcome is not None:
            fields["last_http_status"] = self.http_status
            fields["last_request_id"] = self.request_id
        if self.remote_id is not None:
            fields["remote_id"] = self.remote_id
        if self.sent_at is not None:
            fields["sent_at"] = self.sent_at
        return fields


# -- the schedule ----------------------------------------------------------------------------------
def schedule_wait(failures: int) -> timedelta | None:
    """The wait after ``failures`` failed sends (1 -> 5 min, 2 -> 15, 3 -> 45), None once they are spent."""
    if failures < 1:
        raise ValueError("failures starts at 1")
    if failures >= MAX_ATTEMPTS:
        return None
    return BASE_WAIT * BACKOFF_FACTOR ** (failures - 1)


def _retry_after(outcome: Outcome) -> timedelta | None:
    seconds = outcome.retry_after
    if seconds is None or math.isnan(seconds):
        return None
    # clamp before building the timedelta: timedelta(seconds=1e14) raises OverflowError
    return timedelta(seconds=min(max(seconds, 0.0), MAX_RETRY_AFTER.total_seconds()))


def _longer(a: timedelta, b: timedelta | None) -> timedelta:
    return a if b is None or a >= b else b


# -- decisions (the words come from flowdesk.core.present) ------------------------------------------
def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime (pass the injected clock's UTC time)")


def _base(job: JobSnapshot, outcome: Outcome | None, **kw: Any) -> Decision:
    fields: dict[str, Any] = {"from_state": job.state, "attempts": job.attempts}
    if outcome is not None:
        fields.update(
            outcome=outcome.kind,
            http_status=outcome.http_status,
            request_id=outcome.request_id,
            detail=outcome.detail or outcome.server_message,
        )
    fields.update(kw)
    return Decision(**fields)


def _failed_send(job: JobSnapshot, outcome: Outcome, now: datetime, tz: tzinfo | None, why: str) -> Decision:
    """A send that did not store the job: one try used; wait per schedule (Retry-After if longer)."""
    failures = job.attempts + 1
    wait = schedule_wait(failures)
    if wait is None:
        text = policy_words.gave_up(job, why, failures)
        return _base(
            job, outcome, state=JobState.FAILED, attempts=failures, next_attempt_at=None,
            last_error=text, message=text, burned=True,
        )
    when = now + _longer(wait, _retry_after(outcome))
    text = policy_words.retrying(why, format_clock(when, now, tz))
    return _base(
        job, outcome, state=JobState.RETRY_WAIT, attempts=failures, next_attempt_at=when,
        last_error=text, message=text, burned=True,
    )


def _transient_why(job: JobSnapshot, outcome: Outcome) -> str:
    if outcome.kind == OutcomeKind.RATE_LIMITED:
        return policy_words.rate_limited()
    if outcome.kind == OutcomeKind.ABSENT:
        return policy_words.did_not_arrive(job)
    return policy_words.server_error(outcome.http_status, outcome.server_message)


def decide(job: JobSnapshot, outcome: Outcome, now: datetime, *, tz: tzinfo | None = None) -> Decision:
    """The next state of ``job`` after ``outcome``. ``job`` is ``sending`` (it was just sent) or
    ``unknown`` (the ticket was just checked). Times in messages are shown in ``tz`` (default: ``now``'s
    zone; the drainer passes the local zone)."""
    _require_aware(now)
    if job.state in TERMINAL_STATES:
        raise PolicyError(f"this push is {job.state.value}; nothing can change it any more")
    if job.state == JobState.UNKNOWN:
        return _decide_check(job, outcome, now, tz)
    if job.state != JobState.SENDING:
        raise PolicyError(
            f"an outcome applies to a push being sent or checked, not to one that is {job.state.value} "
            "(move it to sending first)"
        )
    if outcome.kind in VERIFICATION_KINDS:
        raise PolicyError("a push being sent gets a send result, not a check result")
    if _lookup_failed(outcome):
        return _after_failed_lookup(job, outcome, now, tz)

    if outcome.kind == OutcomeKind.OTHER_COMPANY:  # read before the send: nothing was sent, no try used
        text = outcome.detail or "This ticket belongs to another company than the session's client: not sent."
        return _base(job, outcome, state=JobState.FAILED, next_attempt_at=None, last_error=text, message=text)
    if outcome.kind == OutcomeKind.SUCCESS:
        return _sent(job, outcome, now, policy_words.posted(job), "a success must carry the id ConnectWise gave it")
    if outcome.kind == OutcomeKind.AMBIGUOUS or (outcome.kind == OutcomeKind.SERVER and outcome.may_have_stored):
        when = now + _longer(VERIFY_DELAY, _retry_after(outcome))
        text = policy_words.may_have_arrived(
            job, server_error=outcome.kind == OutcomeKind.SERVER, http_status=outcome.http_status,
            check_at=format_clock(when, now, tz),
        )
        return _base(job, outcome, state=JobState.UNKNOWN, next_attempt_at=when, last_error=text, message=text)
    if outcome.kind == OutcomeKind.OFFLINE:
        when = now + OFFLINE_DELAY
        text = policy_words.offline_retry(format_clock(when, now, tz))
        return _base(job, outcome, state=JobState.RETRY_WAIT, next_attempt_at=when, last_error=text, message=text)
    if outcome.kind == OutcomeKind.AUTH:
        reason = policy_words.keys_refused(outcome.http_status, outcome.server_message)
        return _base(
            job, outcome, state=JobState.PENDING, next_attempt_at=now, last_error=policy_words.PAUSED_FOR_KEYS,
            message=reason, pause_queue=reason,
        )
    if outcome.kind in PERMANENT_KINDS:
        text = policy_words.refused(job, outcome.kind, outcome.http_status, outcome.server_message, outcome.missing_right)
        return _base(
            job, outcome, state=JobState.FAILED, attempts=job.attempts + 1, next_attempt_at=None,
            last_error=text, message=text, burned=True,
        )
    # RATE_LIMITED, or SERVER when the request was certainly not stored.
    return _failed_send(job, outcome, now, tz, _transient_why(job, outcome))


def _lookup_failed(outcome: Outcome) -> bool:
    """The company look-up failed, other than by the network being down (that is :data:`OFFLINE` as ever)."""
    return outcome.kind == OutcomeKind.NO_COMPANY or (outcome.company_lookup and outcome.kind != OutcomeKind.OFFLINE)


def _after_failed_lookup(job: JobSnapshot, outcome: Outcome, now: datetime, tz: tzinfo | None) -> Decision:
    """The company look-up failed, so nothing of ``job`` was sent this time (or stored, after a 404 that made
    the client look again): no try is used, whatever the answer, and the job keeps its state's meaning (a
    job to send waits, one that may be on its ticket stays ``unknown``). ConnectWise saying it has no such
    company is the settings: the queue pauses with one message (not one failed push each). Anything else
    (a 404, an unreadable answer, a 5xx, no answer: a site being upgraded or struggling) is tried again
    after :data:`LOOKUP_RETRY`, or a longer Retry-After."""
    unknown = job.state == JobState.UNKNOWN
    if outcome.kind == OutcomeKind.NO_COMPANY:
        return _base(
            job, outcome, state=JobState.UNKNOWN if unknown else JobState.PENDING, next_attempt_at=now,
            last_error=policy_words.check_paused(job, for_company=True) if unknown else policy_words.PAUSED_FOR_COMPANY,
            message=policy_words.NO_COMPANY, pause_queue=policy_words.NO_COMPANY,
        )
    when = now + _longer(LOOKUP_RETRY, _retry_after(outcome))
    text = policy_words.lookup_failed(job, outcome.http_status, format_clock(when, now, tz), checking=unknown)
    return _base(
        job, outcome, state=JobState.UNKNOWN if unknown else JobState.RETRY_WAIT, next_attempt_at=when,
        last_error=text, message=text,
    )


def _sent(job: JobSnapshot, outcome: Outcome, now: datetime, message: str, without_id: str) -> Decision:
    """The record is on the ticket: sent, with the id ConnectWise gave it (a policy error without one)."""
    if outcome.remote_id is None:
        raise PolicyError(without_id)
    return _base(
        job, outcome, state=JobState.SENT, next_attempt_at=None, last_error=None, message=message,
        remote_id=outcome.remote_id, sent_at=now,
    )


def _decide_check(job: JobSnapshot, outcome: Outcome, now: datetime, tz: tzinfo | None) -> Decision:
    if outcome.kind == OutcomeKind.FOUND:
        return _sent(job, outcome, now, policy_words.found(job), "a found record must carry its ConnectWise id")
    if outcome.kind == OutcomeKind.ABSENT:
        return _failed_send(job, outcome, now, tz, _transient_why(job, outcome))
    if outcome.kind == OutcomeKind.SUCCESS:
        raise PolicyError(policy_words.never_blindly(job))
    if _lookup_failed(outcome):
        return _after_failed_lookup(job, outcome, now, tz)

    def stay(when: datetime | None, text: str, **kw: Any) -> Decision:
        return _base(job, outcome, state=JobState.UNKNOWN, next_attempt_at=when, last_error=text, message=text, **kw)

    if outcome.kind == OutcomeKind.OFFLINE:
        when = now + OFFLINE_DELAY
        return stay(when, policy_words.check_offline(job, format_clock(when, now, tz)))
    if outcome.kind == OutcomeKind.AUTH:
        reason = policy_words.keys_refused(outcome.http_status, outcome.server_message)
        return _base(
            job, outcome, state=JobState.UNKNOWN, next_attempt_at=now, last_error=policy_words.check_paused(job),
            message=reason, pause_queue=reason,
        )
    if outcome.kind in PERMANENT_KINDS:
        return stay(None, policy_words.cannot_check(job, outcome.server_message))
    # RATE_LIMITED, SERVER, AMBIGUOUS (the check itself timed out): look again later.
    when = now + _longer(VERIFY_RETRY, _retry_after(outcome))
    return stay(
        when,
        policy_words.check_later(
            job, rate_limited=outcome.kind == OutcomeKind.RATE_LIMITED, http_status=outcome.http_status,
            check_at=format_clock(when, now, tz),
        ),
    )


def manual_retry(job: JobSnapshot, now: datetime) -> Decision:
    """The engineer clicked Retry: due now. A failed job starts a fresh schedule; an unknown job is
    checked first (it stays ``unknown``), never sent again blindly, and no sooner than :func:`check_due`."""
    _require_aware(now)
    if job.state == JobState.FAILED:
        return _base(
            job, None, state=JobState.PENDING, attempts=0, next_attempt_at=now, last_error=None,
            message=policy_words.sending_again(job, fresh=True),
        )
    if job.state in (JobState.RETRY_WAIT, JobState.PENDING):
        return _base(
            job, None, state=JobState.PENDING, next_attempt_at=now, last_error=None,
            message=policy_words.sending_again(job, fresh=False),
        )
    if job.state == JobState.UNKNOWN:
        when = check_due(job, now)
        text = policy_words.checking_first(job, format_clock(when, now) if when > now else None)
        # what the click does is its message (the status bar) and the state ("Checking at 16:26"), not an error:
        # the push keeps the error that made it uncertain
        return _base(
            job, None, state=JobState.UNKNOWN, next_attempt_at=when, last_error=None, message=text, send_if_absent=True,
            keep_error=True,
        )
    if job.state == JobState.SENDING:
        raise PolicyError(policy_words.being_sent(job))
    if job.state == JobState.SENT:
        raise PolicyError(policy_words.already_on_ticket(job))
    raise PolicyError(policy_words.was_cancelled(job))


def check_due(job: JobSnapshot, now: datetime) -> datetime:
    """When Retry on the ``unknown`` ``job`` may check: when it was due already, or :data:`VERIFY_DELAY` after
    its last change if that is sooner; never before ``now``. A job becomes ``unknown`` when its send ends, due
    no sooner than VERIFY_DELAY later, and nothing moves that due time earlier, so neither time is before the
    slow server had that delay to finish storing."""
    settled = (job.updated_at or now) + VERIFY_DELAY
    if job.next_attempt_at is not None:
        settled = min(settled, job.next_attempt_at)
    return max(now, settled)


def after_check_of_retried(job: JobSnapshot, decision: Decision, now: datetime) -> Decision:
    """``decision`` (the result of checking ``job``, ``unknown``) for a job the engineer retried: Retry on a
    push that may be on its ticket checks first and sends in the same click if it is not there. So a check
    that finds it absent makes it due now (a fresh schedule if that used its last try) instead of waiting; a
    check that could not look keeps the request for the next check; a found one is sent, and that is that."""
    if decision.from_state != JobState.UNKNOWN or decision.outcome is None:
        raise PolicyError("only the result of a check can follow a retry of a push that may be on its ticket")
    if decision.outcome == OutcomeKind.ABSENT:
        fresh = decision.state == JobState.FAILED
        return decision._replace(
            state=JobState.PENDING, attempts=0 if fresh else decision.attempts, next_attempt_at=now,
            last_error=None, message=policy_words.not_there_sending(job), send_if_absent=False,
        )
    return decision._replace(send_if_absent=decision.state == JobState.UNKNOWN)


def cancel(job: JobSnapshot, now: datetime) -> Decision:
    """The engineer cancelled the push. Allowed unless it is being sent or already sent."""
    _require_aware(now)
    if job.state == JobState.SENDING:
        raise PolicyError(policy_words.being_sent(job, then_cancel=True))
    if job.state == JobState.SENT:
        raise PolicyError(policy_words.already_on_ticket(job, cancelling=True))
    if job.state == JobState.CANCELLED:
        raise PolicyError(policy_words.ALREADY_CANCELLED)
    if job.state == JobState.UNKNOWN:
        text = policy_words.cancelled_maybe_posted(job)
        return _base(job, None, state=JobState.CANCELLED, next_attempt_at=None, last_error=text, message=text)
    return _base(
        job, None, state=JobState.CANCELLED, next_attempt_at=None, last_error=None,
        message=policy_words.cancelled_push(job),
    )


def recover_interrupted(job: JobSnapshot, now: datetime, *, tz: tzinfo | None = None) -> Decision:
    """A job found ``sending`` at start-up (FlowDesk stopped mid-send): check the ticket before any re-send,
    and no sooner than :data:`VERIFY_DELAY` after that send started (a slow server may still be storing what
    it sent; a check that looked too early would find nothing and send it again). The send started at the
    job's last change, ``updated_at`` (the move to ``sending``); after a crash long ago it is checked at once."""
    _require_aware(now)
    if job.state != JobState.SENDING:
        raise PolicyError(f"only a push left sending is recovered, not one that is {job.state.value}")
    # Not known, or "in the future" (the clock was set back): as if it started now.
    started = min(job.updated_at or now, now)
    when = max(now, started + VERIFY_DELAY)
    text = policy_words.interrupted(job, format_clock(when, now, tz) if when > now else None)
    return _base(job, None, state=JobState.UNKNOWN, next_attempt_at=when, last_error=text, message=text)


# What a send reports when it may have stored the push (the job becomes ``unknown`` and is checked): its answer
# was lost, a 5xx to a write (but a 408, which stored nothing), or FlowDesk stopped mid-send.
_IN_DOUBT = frozenset({OutcomeKind.AMBIGUOUS.value, INTERRUPTED})
# A send ConnectWise refused or did not store, known at once.
_FAILED_SEND = frozenset({OutcomeKind.RATE_LIMITED.value, OutcomeKind.SERVER.value, *(k.value for k in PERMANENT_KINDS)})


# A post log without one of these has no failed send (``failed_sends`` counts only them): the outbox reads
# the logs of those that have one, not every log.
FAILURE_OUTCOMES = frozenset({*_FAILED_SEND, OutcomeKind.ABSENT.value})


def failed_sends(history: Iterable[tuple[str, int | None]]) -> int:
    """The Failures a push shows: how many of its sends did not post it, from its post log's ``(outcome,
    http_status)`` in order. A send whose answer was lost counts once the check finds it absent, never when the
    check finds it on the ticket (that send posted it); the checks themselves are not sends. A 401 (sending
    paused for the keys), a missing company, no network, a failed company look-up that sent nothing: none of
    them is a failed send, as none uses up a try of the schedule."""
    failures, checking = 0, False
    for outcome, status in history:
        if checking:  # a check's result: only found or absent settles it (a success is a send: none was in doubt)
            if outcome in (OutcomeKind.FOUND, OutcomeKind.ABSENT, OutcomeKind.SUCCESS):
                checking = False
                failures += outcome == OutcomeKind.ABSENT
        elif outcome in _IN_DOUBT or (outcome == OutcomeKind.SERVER and status != 408):
            checking = True
        elif outcome in _FAILED_SEND:
            failures += 1
    return failures


__all__ = [
    "ALLOWED_TRANSITIONS",
    "CANCELLABLE_STATES",
    "DUE_STATES",
    "FAILURE_OUTCOMES",
    "LOOKUP_RETRY",
    "MAX_ATTEMPTS",
    "OFFLINE_DELAY",
    "VERIFY_DELAY",
    "VERIFY_RETRY",
    "Decision",
    "JobKind",
    "JobSnapshot",
    "JobState",
    "Outcome",
    "OutcomeKind",
    "PolicyError",
    "cancel",
    "check_due",
    "decide",
    "failed_sends",
    "format_clock",
    "manual_retry",
    "recover_interrupted",
    "schedule_wait",
]
