"""The retry policy of the outbox, as pure functions.

``decide(job, outcome, now)`` says what happens to a push job after one try: the next state, how many
failed sends it has used, when it is next due, and a plain-words ``last_error`` for the queue view and
a notification. ``manual_retry``, ``cancel`` and ``recover_interrupted`` do the same for the engineer's
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
* Ambiguous (the request may have been stored: read timeout, reset after sending, 5xx on a POST, an
  unreadable 2xx) makes the job ``unknown``. An unknown job is never sent again blindly: the next drain
  checks the ticket first and reports ``found`` (the job is ``sent``), ``absent`` (that try failed; the
  schedule applies) or why it could not check (the job stays ``unknown``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any


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
        return _STATE_LABELS[self]


_STATE_LABELS = {
    JobState.PENDING: "Waiting",
    JobState.SENDING: "Sending",
    JobState.SENT: "Sent",
    JobState.RETRY_WAIT: "Retrying",
    JobState.UNKNOWN: "Checking",
    JobState.FAILED: "Failed",
    JobState.CANCELLED: "Cancelled",
}

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
        {JobState.SENT, JobState.RETRY_WAIT, JobState.FAILED, JobState.UNKNOWN, JobState.CANCELLED}
    ),
    JobState.FAILED: frozenset({JobState.PENDING, JobState.CANCELLED}),
    JobState.SENT: frozenset(),
    JobState.CANCELLED: frozenset(),
}


class JobKind(StrEnum):
    NOTE = "note"
    TIME_ENTRY = "time_entry"


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


VERIFICATION_KINDS = frozenset({OutcomeKind.FOUND, OutcomeKind.ABSENT})
PERMANENT_KINDS = frozenset({OutcomeKind.VALIDATION, OutcomeKind.PERMISSION, OutcomeKind.NOT_FOUND})

# The seed's schedule: 5, 15, 45 minutes; the fourth failed send is final.
BASE_WAIT = timedelta(minutes=5)
BACKOFF_FACTOR = 3
MAX_ATTEMPTS = 4  # sends per schedule: the first one and three retries
OFFLINE_DELAY = timedelta(minutes=1)  # nothing was sent: try again soon (and when the network returns)
VERIFY_DELAY = timedelta(minutes=1)  # give a slow server time to finish storing before we look
VERIFY_RETRY = timedelta(minutes=5)  # the check itself failed on the server side
MAX_RETRY_AFTER = timedelta(hours=24)  # a Retry-After beyond this is not believed


class PolicyError(ValueError):
    """An outcome or action that cannot apply to the job in its state (a caller's bug, or a refused
    manual action: ``str()`` says why in plain words)."""


@dataclass(frozen=True)
class JobSnapshot:
    """What the policy needs to know about a push job (``PushJob.snapshot()``)."""

    state: JobState
    attempts: int = 0
    kind: JobKind = JobKind.NOTE
    ticket_id: int | None = None
    ticket_kind: str = "service"

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", JobState(self.state))
        object.__setattr__(self, "kind", JobKind(self.kind))
        if self.attempts < 0:
            raise ValueError("attempts cannot be negative")


@dataclass(frozen=True)
class Outcome:
    """What happened when the drainer sent a job (or checked the ticket for an ``unknown`` one)."""

    kind: OutcomeKind
    http_status: int | None = None
    retry_after: float | None = None  # seconds, from Retry-After
    server_message: str | None = None  # ConnectWise's own words (errors[].message or message)
    server_code: str | None = None
    request_id: str | None = None  # x-cw-request-id
    remote_id: int | None = None  # the note's / time entry's id on success or when found
    may_have_stored: bool = False  # a 5xx after the request was sent
    detail: str | None = None  # technical text for the post log

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", OutcomeKind(self.kind))
        if self.retry_after is not None and self.retry_after < 0:
            object.__setattr__(self, "retry_after", 0.0)

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
        )


@dataclass(frozen=True)
class Decision:
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

    def store_fields(self) -> dict[str, Any]:
        """The ``push_jobs`` columns this decision sets."""
        fields: dict[str, Any] = {
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at,
            "last_error": self.last_error,
        }
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


# -- words -----------------------------------------------------------------------------------------
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_clock(when: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """``14:05`` on the same day as ``now`` (in ``tz``, default ``now``'s zone), else ``Tue 19 Nov 14:05``."""
    zone = tz or now.tzinfo
    local = when.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M")
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.strftime('%H:%M')}"


def _thing(job: JobSnapshot) -> str:
    return "note" if job.kind == JobKind.NOTE else "time entry"


def _ticket(job: JobSnapshot) -> str:
    if job.ticket_id is None:
        return "the ticket"
    prefix = "project ticket" if job.ticket_kind == "project" else "ticket"
    return f"{prefix} #{job.ticket_id}"


def _says(outcome: Outcome) -> str:
    msg = (outcome.server_message or "").strip()
    if not msg:
        return ""
    if len(msg) > 300:
        msg = msg[:297] + "..."
    return f' ConnectWise says: "{msg}".'


def _status(outcome: Outcome) -> str:
    return f" (HTTP {outcome.http_status})" if outcome.http_status else ""


def _permanent_message(job: JobSnapshot, outcome: Outcome) -> str:
    thing, ticket = _thing(job), _ticket(job)
    says = _says(outcome)
    if outcome.kind == OutcomeKind.PERMISSION:
        right = "add notes to service tickets" if job.kind == JobKind.NOTE else "add time entries"
        return (
            f"Your ConnectWise account is not allowed to post this {thing} to {ticket}.{says} "
            f"Ask your ConnectWise administrator for permission to {right}, then click Retry."
        )
    if outcome.kind == OutcomeKind.NOT_FOUND:
        return (
            f"ConnectWise cannot find {ticket}, or your account cannot see it.{says} "
            "Check the ticket number: if it is wrong, cancel this push and push the session to the right "
            "ticket; if it is right, ask your administrator for access, then click Retry."
        )
    return (
        f"ConnectWise refused the {thing} for {ticket}{_status(outcome)}.{says} "
        f"Fix what it names (in ConnectWise or in the {thing}), then click Retry, "
        "or cancel this push and push the session again."
    )


def _pause_reason(outcome: Outcome) -> str:
    return (
        f"ConnectWise did not accept your API keys{_status(outcome)}.{_says(outcome)} "
        "Sending is paused: enter your keys again in Settings > ConnectWise account, then resume sending."
    )


# -- decisions -------------------------------------------------------------------------------------
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
        text = (
            f"{why} Gave up after {failures} tries to post the {_thing(job)} to {_ticket(job)}; "
            "click Retry to try again."
        )
        return _base(
            job, outcome, state=JobState.FAILED, attempts=failures, next_attempt_at=None,
            last_error=text, message=text, burned=True,
        )
    when = now + _longer(wait, _retry_after(outcome))
    text = f"{why} Retrying at {format_clock(when, now, tz)}."
    return _base(
        job, outcome, state=JobState.RETRY_WAIT, attempts=failures, next_attempt_at=when,
        last_error=text, message=text, burned=True,
    )


def _transient_why(job: JobSnapshot, outcome: Outcome) -> str:
    if outcome.kind == OutcomeKind.RATE_LIMITED:
        return "ConnectWise is rate limiting FlowDesk."
    if outcome.kind == OutcomeKind.ABSENT:
        return f"The {_thing(job)} did not arrive on {_ticket(job)}."
    return f"ConnectWise had a server error{_status(outcome)}.{_says(outcome)}"


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
    thing, ticket = _thing(job), _ticket(job)

    if outcome.kind == OutcomeKind.SUCCESS:
        if outcome.remote_id is None:
            raise PolicyError("a success must carry the id ConnectWise gave the new record")
        text = f"{thing.capitalize()} posted to {ticket}."
        return _base(
            job, outcome, state=JobState.SENT, next_attempt_at=None, last_error=None, message=text,
            remote_id=outcome.remote_id, sent_at=now,
        )
    if outcome.kind == OutcomeKind.AMBIGUOUS or (outcome.kind == OutcomeKind.SERVER and outcome.may_have_stored):
        when = now + _longer(VERIFY_DELAY, _retry_after(outcome))
        cause = (
            f"ConnectWise answered with a server error{_status(outcome)} after the {thing} was sent"
            if outcome.kind == OutcomeKind.SERVER
            else f"The connection dropped after the {thing} was sent"
        )
        text = (
            f"{cause}, so it may have reached {ticket}. FlowDesk will check the ticket at "
            f"{format_clock(when, now, tz)} before sending it again."
        )
        return _base(job, outcome, state=JobState.UNKNOWN, next_attempt_at=when, last_error=text, message=text)
    if outcome.kind == OutcomeKind.OFFLINE:
        when = now + OFFLINE_DELAY
        text = (
            f"Can't reach ConnectWise (is the network down?). Retrying at {format_clock(when, now, tz)}, "
            "or as soon as the network is back."
        )
        return _base(job, outcome, state=JobState.RETRY_WAIT, next_attempt_at=when, last_error=text, message=text)
    if outcome.kind == OutcomeKind.AUTH:
        reason = _pause_reason(outcome)
        text = "Waiting: sending is paused until your ConnectWise keys are fixed."
        return _base(
            job, outcome, state=JobState.PENDING, next_attempt_at=now, last_error=text, message=reason,
            pause_queue=reason,
        )
    if outcome.kind in PERMANENT_KINDS:
        text = _permanent_message(job, outcome)
        return _base(
            job, outcome, state=JobState.FAILED, attempts=job.attempts + 1, next_attempt_at=None,
            last_error=text, message=text, burned=True,
        )
    # RATE_LIMITED, or SERVER when the request was certainly not stored.
    return _failed_send(job, outcome, now, tz, _transient_why(job, outcome))


def _decide_check(job: JobSnapshot, outcome: Outcome, now: datetime, tz: tzinfo | None) -> Decision:
    thing, ticket = _thing(job), _ticket(job)
    if outcome.kind == OutcomeKind.FOUND:
        if outcome.remote_id is None:
            raise PolicyError("a found record must carry its ConnectWise id")
        text = f"{thing.capitalize()} found on {ticket}: it had arrived; marked as sent."
        return _base(
            job, outcome, state=JobState.SENT, next_attempt_at=None, last_error=None, message=text,
            remote_id=outcome.remote_id, sent_at=now,
        )
    if outcome.kind == OutcomeKind.ABSENT:
        return _failed_send(job, outcome, now, tz, _transient_why(job, outcome))
    if outcome.kind == OutcomeKind.SUCCESS:
        raise PolicyError(
            f"the {thing} may already be on {ticket}: check the ticket before sending it again, never send it blindly"
        )

    def stay(when: datetime | None, text: str, **kw: Any) -> Decision:
        return _base(job, outcome, state=JobState.UNKNOWN, next_attempt_at=when, last_error=text, message=text, **kw)

    if outcome.kind == OutcomeKind.OFFLINE:
        when = now + OFFLINE_DELAY
        return stay(
            when,
            f"Can't reach ConnectWise to check whether the {thing} reached {ticket}. "
            f"Checking again at {format_clock(when, now, tz)}, or as soon as the network is back.",
        )
    if outcome.kind == OutcomeKind.AUTH:
        reason = _pause_reason(outcome)
        return _base(
            job, outcome, state=JobState.UNKNOWN, next_attempt_at=now,
            last_error=f"Checking {ticket} for the {thing} is paused until your ConnectWise keys are fixed.",
            message=reason, pause_queue=reason,
        )
    if outcome.kind in PERMANENT_KINDS:
        return stay(
            None,
            f"FlowDesk cannot check {ticket} for the {thing} it may have posted.{_says(outcome)} "
            f"Open the ticket in ConnectWise: if the {thing} is there, cancel this push; if it is not, "
            "cancel it and push the session again.",
        )
    # RATE_LIMITED, SERVER, AMBIGUOUS (the check itself timed out): look again later.
    when = now + _longer(VERIFY_RETRY, _retry_after(outcome))
    why = (
        "ConnectWise is rate limiting FlowDesk"
        if outcome.kind == OutcomeKind.RATE_LIMITED
        else f"ConnectWise did not answer the check{_status(outcome)}"
    )
    return stay(
        when,
        f"{why}, so FlowDesk could not yet check whether the {thing} reached {ticket}. "
        f"Checking again at {format_clock(when, now, tz)}.",
    )


def manual_retry(job: JobSnapshot, now: datetime) -> Decision:
    """The engineer clicked Retry: due now. A failed job starts a fresh schedule; an unknown job is
    checked first (it stays ``unknown``), never sent again blindly."""
    _require_aware(now)
    thing, ticket = _thing(job), _ticket(job)
    if job.state == JobState.FAILED:
        return _base(
            job, None, state=JobState.PENDING, attempts=0, next_attempt_at=now, last_error=None,
            message=f"Sending the {thing} to {ticket} again.",
        )
    if job.state in (JobState.RETRY_WAIT, JobState.PENDING):
        return _base(
            job, None, state=JobState.PENDING, next_attempt_at=now, last_error=None,
            message=f"Sending the {thing} to {ticket} now.",
        )
    if job.state == JobState.UNKNOWN:
        text = f"Checking {ticket} for the {thing} before sending it again."
        return _base(job, None, state=JobState.UNKNOWN, next_attempt_at=now, last_error=text, message=text)
    if job.state == JobState.SENDING:
        raise PolicyError(f"The {thing} is being sent to {ticket} right now.")
    if job.state == JobState.SENT:
        raise PolicyError(f"The {thing} is already on {ticket}; retrying would post it twice.")
    raise PolicyError(f"This push was cancelled; push the session again to send the {thing} to {ticket}.")


def cancel(job: JobSnapshot, now: datetime) -> Decision:
    """The engineer cancelled the push. Allowed unless it is being sent or already sent."""
    _require_aware(now)
    thing, ticket = _thing(job), _ticket(job)
    if job.state == JobState.SENDING:
        raise PolicyError(f"The {thing} is being sent to {ticket} right now; wait for the result, then cancel.")
    if job.state == JobState.SENT:
        raise PolicyError(
            f"The {thing} is already on {ticket}; cancelling cannot remove it. Delete it in ConnectWise if needed."
        )
    if job.state == JobState.CANCELLED:
        raise PolicyError("This push is already cancelled.")
    if job.state == JobState.UNKNOWN:
        text = (
            f"Cancelled, but the {thing} may already be on {ticket}: the connection dropped while it was "
            "being sent. Check the ticket in ConnectWise."
        )
        return _base(job, None, state=JobState.CANCELLED, next_attempt_at=None, last_error=text, message=text)
    return _base(
        job, None, state=JobState.CANCELLED, next_attempt_at=None, last_error=None,
        message=f"Cancelled the {thing} for {ticket}.",
    )


def recover_interrupted(job: JobSnapshot, now: datetime) -> Decision:
    """A job found ``sending`` at start-up (FlowDesk stopped mid-send): check the ticket before any re-send."""
    _require_aware(now)
    if job.state != JobState.SENDING:
        raise PolicyError(f"only a push left sending is recovered, not one that is {job.state.value}")
    thing, ticket = _thing(job), _ticket(job)
    text = (
        f"FlowDesk stopped while sending the {thing} to {ticket}, so it may have arrived. "
        "FlowDesk will check the ticket before sending it again."
    )
    return _base(
        job, None, state=JobState.UNKNOWN, next_attempt_at=now, last_error=text, message=text
    )


__all__ = [
    "ALLOWED_TRANSITIONS",
    "CANCELLABLE_STATES",
    "DUE_STATES",
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
    "decide",
    "format_clock",
    "manual_retry",
    "recover_interrupted",
    "schedule_wait",
]
