"""The words a person reads about a push, its state and the queue: one function per thing shown.

The window (queue tab, session list, status bar, detail pane), the tray (tooltip, notifications) and the
command line (``flowdesk queue ...``) all call these, and the retry policy takes its ``last_error`` and
notification texts from here and from :mod:`flowdesk.core.policy_words`, so one idea has one wording
everywhere (the glossary in ``docs/architecture.md``: Waiting, Sending, Sent, Retrying at HH:MM, Checking,
Failed, Cancelled).

Plain data in, text out: no Qt, no I/O, no clock. Every function that shows a time takes ``now`` (an
aware datetime) and ``tz`` (the zone to show times in; ``None``: ``now``'s zone; :data:`LOCAL`: the
computer's zone, daylight saving included). A job is anything with the attributes of ``PushJob``
(:class:`JobView`); states and kinds are compared as strings (``JobState`` and ``JobKind`` are
``StrEnum``). Which state a job moves to, and when, is the policy's business (:mod:`flowdesk.core.policy`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, NamedTuple, Protocol

from flowdesk import APP_NAME
from flowdesk.core.email_words import (  # noqa: F401 - present's words too
    API_MEMBER_KEYS,
    API_MEMBER_NO_TIME,
    EMAIL_EXPLAIN,
    EMAIL_LABEL,
    EMAIL_WHO,
    INTERNAL_NEVER_EMAILED,
    emailing,
    status_notice,
    status_notice_unknown,
)
from flowdesk.core.error_words import with_request_id
from flowdesk.core.localtime import LOCAL, format_clock, format_date_time, format_timestamp, format_when
from flowdesk.core.next_try import without_next_try
from flowdesk.core.parts import KindCounts, count_parts, parts, thing, things
from flowdesk.core.parts import and_ as _and
from flowdesk.core.posted import note_posted, posted_detail, status_after_note, time_entry_after_note  # noqa: F401 - present's words too
from flowdesk.core.timing import format_hours, whole_minutes


class Addressed(Protocol):
    """What a push is and where it goes (``JobSnapshot``, ``PushJob``)."""

    @property
    def kind(self) -> str: ...
    @property
    def ticket_id(self) -> int | None: ...
    @property
    def ticket_kind(self) -> str: ...


class JobView(Addressed, Protocol):
    """A push job as the queue shows it (``PushJob``)."""

    @property
    def id(self) -> int: ...
    @property
    def state(self) -> str: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def attempts(self) -> int: ...
    @property
    def next_attempt_at(self) -> datetime | None: ...
    @property
    def sent_at(self) -> datetime | None: ...
    @property
    def remote_id(self) -> int | None: ...
    @property
    def last_error(self) -> str | None: ...


# -- nouns (thing, things: flowdesk.core.parts) ----------------------------------------------------
def job_what(job: Addressed) -> str:
    """``note`` / ``time entry`` / ``status change → Resolved`` (``queue list``'s What column)."""
    name = getattr(job, "status_name", "") if job.kind == "status" else ""  # PushJob.status_name
    return f"{thing(job.kind)} → {name}" if name else thing(job.kind)


def ticket_words(ticket_id: int | None, ticket_kind: str = "service") -> str:
    """``ticket #48211`` / ``project ticket #48211`` / ``the ticket``."""
    if ticket_id is None:
        return "the ticket"
    prefix = "project ticket" if ticket_kind == "project" else "ticket"
    return f"{prefix} #{ticket_id}"


def _where(job: Addressed) -> tuple[str, str]:
    return thing(job.kind), ticket_words(job.ticket_id, job.ticket_kind)


def push_name(job: JobView) -> str:
    """``push 3 (note for ticket #48211)``: a job named on the command line."""
    what, ticket = _where(job)
    return f"push {job.id} ({what} for {ticket})"


# -- states ----------------------------------------------------------------------------------------
STATE_LABELS = {
    "pending": "Waiting",
    "sending": "Sending",
    "sent": "Sent",
    "retry_wait": "Retrying",
    "unknown": "Checking",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
WAITING_FOR_NOTE = "Waiting for its note"
CHECK_PAUSED, RETRY_PAUSED = "Check paused", "Retry paused"  # sending paused: nothing is tried, whatever time was due


def waits_for_note(job: JobView, note_state: str | None) -> bool:
    """A time entry goes only after its note is sent (``note_state``: its note's state, None if unknown)."""
    return job.parent_id is not None and note_state != "sent"


def state_label(state: str) -> str:
    """One word for a state (no time): ``Waiting``, ``Sending``, ``Sent``, ``Retrying``, ``Checking``, …"""
    return STATE_LABELS.get(str(state), str(state))


class HeldFor(NamedTuple):
    """A member pause holds a push: it waits for ``whose`` keys (the member who queued it, by name when known),
    or for Resume, which sends it as ``resume_as`` (the member signed in)."""

    whose: str
    resume_as: str


def held_for(job: QueuedBy, resume_as: str) -> HeldFor:
    return HeldFor(job.member_name or job.member or "another member", resume_as)


def member_signed_in(name: str | None, identifier: str | None) -> str:
    """The member whose keys are saved, as the words name them: by name, else by identifier."""
    return name or identifier or "the member signed in"


def _due(job: JobView, not_before: datetime | None) -> datetime | None:
    """When the job goes next: its own time, or the end of a hold-off after an outage (``not_before``) if later."""
    due = job.next_attempt_at
    return not_before if not_before is not None and due is not None and due < not_before else due


def state_text(
    job: JobView, now: datetime, tz: tzinfo | None = None, *, waiting_for_note: bool = False, held: HeldFor | None = None,
    not_before: datetime | None = None, paused: bool = False,
) -> str:
    """The state as the queue, the session list and ``queue list`` show it: the label, ``Retrying at
    14:05`` (``Retrying now`` once due; no sooner than ``not_before``, the end of a hold-off after an outage),
    ``Checking at 14:06`` for a push that may be on its ticket, looked for then,
    ``Waiting for its note`` for a time entry whose note is not sent yet (``waiting_for_note``: the caller
    knows the note's state), or ``Waiting for Jo Smith's keys`` for a push a member pause holds (``held``).
    ``paused``: nothing at all is sent (the engineer's own pause, a refused account's): ``Check paused``,
    ``Retry paused`` rather than a time nothing happens at."""
    if held is not None and job.state in _WAITING_STATES:
        return f"Waiting for {held.whose}'s keys"
    if waiting_for_note and job.state in ("pending", "retry_wait"):
        return WAITING_FOR_NOTE
    if paused and job.state in ("unknown", "retry_wait"):
        return CHECK_PAUSED if job.state == "unknown" else RETRY_PAUSED
    if job.state == "retry_wait" and (due := _due(job, not_before)) is not None:
        when = format_when(due, now, tz)
        return "Retrying now" if when == "now" else f"Retrying at {when}"
    if job.state == "unknown" and (due := _due(job, not_before)) is not None:  # nothing happens until then
        when = format_when(due, now, tz)
        return "Checking now" if when == "now" else f"Checking at {when}"
    return state_label(job.state)


def state_detail(
    job: JobView, now: datetime, tz: tzinfo | None = None, *, waiting_for_note: bool = False, held: HeldFor | None = None,
    not_before: datetime | None = None, timed: bool = True, paused: bool = False,
) -> str:
    """One sentence on what happens next (the session list's tooltip, the queue's detail pane); ``timed`` False:
    the next try's time is said already (the detail pane's first line), so it is not said again; ``paused``:
    sending is paused, so nothing happens until it resumes."""
    state, due = job.state, _due(job, not_before)
    what, ticket = _where(job)
    if held is not None and state in _WAITING_STATES:
        return (
            f"Queued as {held.whose}: it waits for their keys. Save {held.whose}'s keys in Settings to send it as "
            f"theirs, or Resume to send it as {held.resume_as}."
        )
    if waiting_for_note and state in ("pending", "retry_wait"):
        return "Waiting for its note to be sent first."
    if paused and state == "unknown":
        return f"Sending is paused: FlowDesk will check {ticket} for the {what} once sending resumes, before sending it again."
    if paused and state == "retry_wait":
        return "Sending is paused: it is sent again once sending resumes."
    if state == "pending":
        return "Waiting to be sent."
    if state == "sending":
        return f"Being sent to {ticket} now."
    if state == "sent":
        at = f" at {format_clock(job.sent_at, now, tz)}" if job.sent_at is not None else ""
        if job.kind == "status":
            return f"Status of {ticket} changed{at}, and read back."
        rid = f" (ConnectWise id #{job.remote_id})" if job.remote_id is not None else ""
        return f"Posted to {ticket}{at}{rid}."
    if state == "retry_wait":
        if not timed:
            return "It is sent again by itself then, or at once when you click Retry."
        return "Next attempt now." if due is None else f"Next attempt: {format_when(due, now, tz)}."
    if state == "unknown":
        if due is None:
            return f"FlowDesk will not check {ticket} again by itself: look at the ticket in ConnectWise."
        when = f" ({format_when(due, now, tz)})" if timed else " then,"
        return f"FlowDesk will check {ticket} for the {what}{when} before sending it again."
    if state == "failed":
        return "Not sent: click Retry to send it again, or Cancel push."
    if state == "cancelled":
        return "Cancelled: it will not be sent."
    return state_label(state)


# An attempt's outcome (``OutcomeKind``) as the queue's history of attempts says it.
ATTEMPT_OUTCOMES = {
    "success": "Sent",
    "found": "Found on the ticket",
    "absent": "Not on the ticket",
    "auth": "Keys refused",
    "permission": "Not allowed",
    "not_found": "Not found",
    "validation": "Refused",
    "rate_limited": "Rate limited",
    "server": "Server error",
    "offline": "Could not connect",
    "ambiguous": "No usable answer",
    "no_company": "No such company ID",
    "other_company": "Another company's ticket: not sent",
    "interrupted": "FlowDesk stopped while sending",  # policy.INTERRUPTED: found sending at the next start
}


def job_detail(
    job: JobView, now: datetime, tz: tzinfo | None = None, *, waiting_for_note: bool = False,
    attempts: Iterable[Any] = (), held: HeldFor | None = None, not_before: datetime | None = None, paused: bool = False,
) -> str:
    """The queue's detail pane: what and where, the state, what happens next, the last error, and the
    history of attempts (``Attempt``: ``at``, ``outcome``, ``http_status``, ``request_id``). ``held``: a member
    pause holds it; ``not_before``: sending is held off until then. The next try's time is said once, on the
    first line (``Checking at 16:25``): not again in what happens next, nor by the last error's last sentence
    (written when it failed: ``Checking again at 16:25``, perhaps a time a hold-off has since moved). A note
    whose last try (``attempts`` are oldest first) found another company's ticket has no general next step:
    its error says what Retry does there (it asks first)."""
    what, ticket = _where(job)
    state = state_text(job, now, tz, waiting_for_note=waiting_for_note, held=held, not_before=not_before, paused=paused)
    timed = state.startswith(("Retrying ", "Checking "))  # the first line says when ("Retrying now": no "then")
    history = list(attempts)
    lines = [f"{job_title(job)} for {ticket} — {state}"]  # the What column's words: "Status change → Closed"
    if not (job.state == "failed" and history and history[-1].outcome == "other_company"):  # its error says what next
        lines.append(state_detail(job, now, tz, waiting_for_note=waiting_for_note, held=held, not_before=not_before,
                                  timed=" at " not in state, paused=paused))
    if error := (without_next_try(job.last_error or "") if timed else job.last_error):
        lines.append(error)
    if history:
        lines += ["", "Attempts:"]
        for a in history:
            status = f" (HTTP {a.http_status})" if a.http_status else ""  # its request id as an error line says it
            outcome = with_request_id(ATTEMPT_OUTCOMES.get(a.outcome, a.outcome) + status, a.request_id)
            lines.append(f"  {format_timestamp(a.at, tz)}  {outcome}")
    return "\n".join(lines)


def job_title(job: Addressed, session_title: str = "") -> str:
    """The queue's What column: ``Note — Outlook prompts``."""
    what = job_what(job)
    what = what[0].upper() + what[1:]
    return f"{what} — {session_title}" if session_title else what


# -- the session list's Push column ----------------------------------------------------------------
class PushSummary(NamedTuple):
    """What the session list shows in its Push column for one session."""

    state: str  # a job state, or "posted_by_resolutionflow"
    text: str
    tooltip: str = ""
    ticket: int | None = None  # the latest note's ticket (the list names it when it is not the session's own)


POSTED_BY_RESOLUTIONFLOW = "Posted by ResolutionFlow"


def session_push(
    jobs: Sequence[JobView], posted_by_resolutionflow: bool, now: datetime, tz: tzinfo | None = None,
    held: Mapping[int, HeldFor] | None = None, not_before: datetime | None = None, paused: bool = False,
) -> PushSummary | None:
    """The session's latest note decides; a failed time entry of that note shows too. ``held``: the pushes a
    member pause holds, by id (they wait for their member's keys); ``not_before``: the end of a hold-off;
    ``paused``: nothing at all is sent."""
    notes = [j for j in jobs if j.kind == "note" and j.state != "cancelled"]
    if not notes:
        if posted_by_resolutionflow:
            return PushSummary(
                "posted_by_resolutionflow",
                POSTED_BY_RESOLUTIONFLOW,
                "ResolutionFlow already posted a note for this session; pushing would add a second one.",
            )
        cancelled = [j for j in jobs if j.kind == "note"]
        return PushSummary("cancelled", state_label("cancelled")) if cancelled else None
    job = max(notes, key=lambda j: j.id)
    waits_for = (held or {}).get(job.id)
    text = state_text(job, now, tz, held=waits_for, not_before=not_before, paused=paused)
    if job.state == "sent" and job.sent_at is not None:  # when, with its date: the list spans days
        text = f"{text} {format_date_time(job.sent_at, tz or now.tzinfo)}"
    if job.state == "sent" and job.sent_at is not None:  # what each part did
        tooltip = posted_detail(job, jobs, now, tz)
    elif " at " in text:  # the cell says when: the tooltip says why, and what happens then (as the queue's detail pane)
        why = without_next_try(job.last_error or "")
        tooltip = " ".join(p for p in (why, state_detail(job, now, tz, held=waits_for, not_before=not_before, timed=False)) if p)
    elif text in (CHECK_PAUSED, RETRY_PAUSED):  # what went wrong (not its next try's time) and what waits for
        why = without_next_try(job.last_error or "")
        tooltip = why if " is paused until " in why else " ".join(p for p in (why, state_detail(job, now, tz, paused=True)) if p)
    else:
        tooltip = job.last_error or state_detail(job, now, tz, held=waits_for, not_before=not_before)
    for te in jobs:
        if te.kind != "note" and te.parent_id == job.id and te.state == "failed":
            return PushSummary("failed", f"{text} ({thing(te.kind)} failed)", te.last_error or tooltip, job.ticket_id)
    return PushSummary(str(job.state), text, tooltip, job.ticket_id)


# -- the queue as a whole: status bar, tray --------------------------------------------------------
def queue_line(
    counts: dict[str, int], *, paused: bool, offline: bool, sending: bool, others: Sequence[HeldPush] = (),
    kinds: KindCounts | None = None,
) -> str:
    """``Queue: sending, 1 note and 1 time entry waiting, 1 status change failed`` (the status bar, the tray's
    menu and tooltip; ``kinds``: the counts by kind too, to name the parts of a push rather than count them as
    pushes). ``paused``: nothing at all is sent. ``others``: the pushes a member pause holds (queued under other
    members' keys), said apart: ``Queue: 1 waiting, 2 queued as Jo Smith wait for their keys``."""
    held = waiting_for_keys(others)
    parts_ = []
    waiting = counts.get("pending", 0) + counts.get("retry_wait", 0) + counts.get("unknown", 0) - len(held)
    if counts.get("sending", 0) or sending:
        parts_.append("sending")
    if waiting > 0:
        named = parts(count_parts(kinds, _WAITING_STATES, held)) if kinds is not None else ""
        parts_.append(f"{named or waiting} waiting")
    if counts.get("failed", 0):
        parts_.append(f"{(parts(count_parts(kinds, ('failed',))) if kinds is not None else '') or counts['failed']} failed")
    if held:
        parts_.append(wait_for_their_keys(held))
    if paused:
        parts_.append("sending paused")
    elif offline:
        parts_.append("ConnectWise unreachable")
    return "Queue: " + (", ".join(parts_) if parts_ else "all sent")


def tray_tooltip(line: str | None = None) -> str:
    """``FlowDesk — Queue: 2 waiting`` (just the name before the queue's state is known)."""
    return f"{APP_NAME} — {line}" if line else APP_NAME


def paused_line(reason: str) -> str:  # ``queue list`` when sending is paused
    return f"Sending is paused: {reason}"


class QueuedBy(Protocol):
    """Whose keys queued a push (``PushJob``): their identifier, and their name when it was known."""

    @property
    def member(self) -> str | None: ...
    @property
    def member_name(self) -> str | None: ...


def member_names(jobs: Iterable[QueuedBy]) -> list[str]:
    """The members who queued ``jobs``, once each (identifiers compared without case), in queue order: each
    by name when a push of theirs knew it (the latest), else by identifier."""
    names: dict[str, str] = {}
    for job in jobs:
        if job.member:
            key = job.member.casefold()
            names[key] = job.member_name or (names.get(key) or job.member)
    return list(names.values())


class HeldPush(QueuedBy, Protocol):
    """A push a member pause holds (``PushJob``): whose keys queued it, and its state."""

    @property
    def state(self) -> str: ...


_WAITING_STATES = ("pending", "retry_wait", "unknown")  # still to send, or to check


def waiting_for_keys(others: Iterable[HeldPush]) -> list[HeldPush]:
    """Of the pushes a member pause holds (``others``), those still to send or check: they wait for their own
    member's keys, not for ConnectWise (a failed one is said as failed)."""
    return [j for j in others if j.state in _WAITING_STATES]


def wait_for_their_keys(held: Sequence[QueuedBy], *, still: bool = False) -> str:
    """``2 queued as Jo Smith wait for their keys`` (``still``: ``... still wait ...``): the pushes of
    :func:`waiting_for_keys`, said apart from those waiting to be sent."""
    wait = f"still {_wait(len(held))}" if still else _wait(len(held))
    counted: dict[str, int] = {}
    for j in held:  # by part (``1 note and 1 time entry queued as …``), as the queue's line counts the waiting
        kind = getattr(j, "kind", "")
        counted[kind] = counted.get(kind, 0) + 1
    what = parts(counted) if "" not in counted else f"{len(held):,}"
    return f"{what} queued as {_and(member_names(held))} {wait} for their keys"


def _wait(n: int) -> str:
    return "waits" if n == 1 else "wait"


# -- the command line's ways out of a member pause: save the member's keys, or ``queue resume`` (the banner's Resume)
RESUME_COMMAND = "flowdesk queue resume"


def _ways_out(it: str, now: str) -> str:
    return f"save them with `flowdesk connect` and drain again, or run `{RESUME_COMMAND}` to send {it} as {now}."


def members_wait(held: Sequence[QueuedBy], now: str) -> str:
    """``queue drain`` / ``queue list`` while a member pause holds ``held`` (queued under other members' keys)
    and sends the pushes of ``now``, the member signed in: whose they are, and the two ways to send them."""
    names = member_names(held)
    them, it = ("1 push", "it") if len(held) == 1 else (f"{len(held):,} pushes", "them")
    keys = f"{names[0]}'s keys" if len(names) == 1 else "their own members' keys"
    return f"{them} queued as {_and(names)} {_wait(len(held))} for {keys}: {_ways_out(it, now)}"


class HeldJob(QueuedBy, Addressed, Protocol):
    """A push a member pause holds, named on the command line (``PushJob``)."""

    @property
    def id(self) -> int: ...


def retry_held(job: HeldJob, now: str, *, others: int) -> str:
    """``queue retry ID`` refused: ``job`` waits for its own member's keys (``others``: how many more pushes the
    member pause holds, which ``queue resume`` also hands to ``now``, the member signed in)."""
    what, ticket = _where(job)
    whose = job.member_name or job.member
    it = "it" if not others else "it and the other held push" if others == 1 else f"it and the {others:,} other held pushes"
    return f"Push {job.id} ({what} for {ticket}) waits for {whose}'s keys: {_ways_out(it, now)}"


def handed_over(moved: Sequence[QueuedBy], now: str) -> str:
    """After ``queue resume`` (the banner's Resume): ``moved``, queued under other members' keys, are ``now``'s."""
    them = "1 push" if len(moved) == 1 else f"{len(moved):,} pushes"
    return f"{them} queued as {_and(member_names(moved))} will be sent as {now}."


# A member pause that does not say which member's pushes still go (written before it kept its site and member):
# it holds every push until the engineer's Resume, or until keys are saved (the window then tells it whose).
MEMBER_KEYS_LIFT = (
    "Saving the keys of the member who queued them (Settings > ConnectWise account) lifts this pause too: they are "
    "then sent as theirs."
)


def other_member_waiting(waiting: Sequence[QueuedBy], now: str) -> str:
    """The keys signed in now are ``now``'s (their name, else identifier), and ``waiting`` were queued under
    other members' keys."""
    them = "1 push was" if len(waiting) == 1 else f"{len(waiting):,} pushes were"
    return f"{them} queued as {_and(member_names(waiting))}; FlowDesk now signs in to ConnectWise as {now}. Resume to send them as {now}, or cancel in the Queue tab those that are not {now}'s."  # noqa: E501


PAUSED_BY_YOU = "Sending is paused: pushes wait until you resume."
PAUSE_TIP = "Hold every push until you resume"  # *Pause sending*: the engineer's own pause
# *Pause sending* while ConnectWise's refusal of the keys or company ID holds sending (saving the account lifts it)
PAUSE_TIP_ACCOUNT = ("Not paused by you: sending waits until ConnectWise accepts your account in Settings. "
                     "Press to hold every push until you resume")
USER_PAUSE = "Sending paused by you."  # the reason the engineer's own pause is stored with
QUEUE_PAUSED = "Sending paused: pushes wait until `flowdesk queue resume` (or Resume in the window)."
QUEUE_EMPTY = "The queue is empty."


def not_sent_banner(why: str) -> str:  # A run that could not send a site's pushes (no keys, no account).
    return f"Pushes are waiting: {why}"


# -- what the engineer did -------------------------------------------------------------------------
def queued(jobs: Sequence[Addressed]) -> str:
    """After Push: ``Queued the note and time entry for ticket #48211.``"""
    kinds = [thing(k) for k in dict.fromkeys(j.kind for j in jobs)] or ["note"]
    what = _and(kinds)
    ticket = ticket_words(jobs[0].ticket_id, jobs[0].ticket_kind) if jobs else "the ticket"
    return f"Queued the {what} for {ticket}."


def retried_failed(n: int, *, job_ids: Sequence[int] | None = None) -> str:
    """After *Retry failed* in the window (sent now), or ``queue retry --failed`` (``job_ids``: the next drain)."""
    if not n:
        return "Nothing has failed."
    pushes = "push" if n == 1 else "pushes"
    if job_ids is not None:
        return f"{n} failed {pushes} will be sent at the next drain: {', '.join(str(i) for i in job_ids)}."
    return f"Sending {n} failed {pushes} again."


def retried(job: JobView, now: datetime | None = None, tz: tzinfo | None = None, *, waiting_for_note: bool = False) -> str:
    """After ``queue retry ID``; an ``unknown`` job's check waits for ConnectWise to finish storing."""
    then = "sent once its note is on the ticket" if waiting_for_note else "sent at the next drain"
    if job.state == "unknown" and not waiting_for_note:
        due = job.next_attempt_at
        at = f" from {format_clock(due, now, tz)}" if now is not None and due is not None and due > now else ""
        then = f"checked on the ticket at the next drain{at} (it may be there already) and sent if it is not"
    name = push_name(job)
    return f"{name[0].upper()}{name[1:]} will be {then}."


def cancel_question(job: JobView, *, also: Sequence[str] = ()) -> str:
    """The window asks before *Cancel push*, naming all it cancels (``also``: its time entry, status change)."""
    what, ticket = _where(job)
    things = _and([f"this {what}", *(f"its {thing(k)}" for k in also)])
    text = f"Stop trying to send {things} to {ticket}?"
    if job.state == "unknown":
        text += " It may already be on the ticket: check it in ConnectWise."
    return text


def cancelled(job: JobView) -> str:
    """After ``queue cancel ID``, one line per cancelled job (with the policy's warning, if any)."""
    return f"Cancelled {push_name(job)}." + (f" {job.last_error}" if job.last_error else "")


def _some_tickets(ticket_ids: Sequence[int]) -> str:
    return ", ".join(f"#{t}" for t in ticket_ids[:5]) + (" …" if len(ticket_ids) > 5 else "")


def auto_pushed(ticket_ids: Sequence[int], edited: Sequence[int] = ()) -> str:
    """Auto-push queued the notes of sessions that just arrived, and left those with a draft (the engineer's
    edits) for Push: one passing message in the tray."""
    said = []
    if ticket_ids:
        said.append(f"queued {len(ticket_ids)} {things('note', len(ticket_ids))} ({_some_tickets(ticket_ids)})")
    if edited:
        said.append(f"left {len(edited)} edited {things('note', len(edited))} for you to push ({_some_tickets(edited)})")
    return f"Auto-push {'; '.join(said)}."


def waiting_on_quit(n: int, *, kept: bool = True, paused: bool = False, what: str = "") -> str:
    """The window asks before quitting with ``n`` pushes not sent yet (``what``: named by part, ``1 note and 1 time
    entry``); ``kept``: the queue outlives the app (the demo's does not: it keeps nothing when it ends); ``paused``:
    sending is paused (they wait for Resume)."""
    subject = what or f"{n} {'push' if n == 1 else 'pushes'}"
    are, they = f"{subject} {'is' if n == 1 else 'are'}", "It" if n == 1 else "They"
    after = f"{they} will be sent the next time {APP_NAME} starts." if kept else f"The demo keeps nothing: {they.lower()} will not be sent."
    after = f"Sending is paused: {they.lower()} will be sent once you resume it." if kept and paused else after
    return f"{are} still waiting to be sent. Quit anyway? {after}"


# -- notifications ---------------------------------------------------------------------------------
class Notice(NamedTuple):
    title: str
    text: str  # for a desktop notification (ends by pointing to FlowDesk)
    detail: str = ""  # the same without the pointer, for a banner inside the window


def failed_notice(kind: str, ticket_id: int, error: str | None) -> Notice:
    """One push failed."""
    reason = error or "ConnectWise did not accept it."
    return Notice(
        title=f"The {thing(kind)} for ticket #{ticket_id} failed to post",
        text=f"{reason} Click to open it in {APP_NAME}.",
        detail=reason,
    )


def failed_many_notice(kinds: Sequence[str], ticket_ids: Iterable[int]) -> Notice:
    """Several pushes failed in one run: one notification."""
    what = parts({k: list(kinds).count(k) for k in kinds})  # "1 note and 1 status change", as the queue's line
    tickets = sorted(set(ticket_ids))
    shown = ", ".join(f"#{t}" for t in tickets[:4]) + (" …" if len(tickets) > 4 else "")
    return Notice(
        title=f"{what} failed to post",
        text=f"Tickets {shown}. Click to see why in {APP_NAME}.",
        detail=f"Tickets {shown}: the queue says why for each.",
    )


def notice_banner(title: str, detail: str) -> str:
    """A failure notification shown as a banner in the window (no system tray)."""
    return f"{title}. {detail}"


def posted_after_all_notice(kinds: Sequence[str], ticket_ids: Sequence[int]) -> Notice:
    """Pushes a failure notification named, sent again and posted: that notification no longer holds."""
    one, shown = len(kinds) == 1, ", ".join(f"#{t}" for t in sorted(set(ticket_ids)))
    what = f"The {thing(kinds[0])} for ticket {shown}" if one else parts({k: list(kinds).count(k) for k in kinds})
    return Notice(f"{what} posted after all", "It failed earlier; sent again, it posted." if one else f"Tickets {shown}: they failed earlier; sent again, they posted.")


def sent_notice(kinds: Sequence[str], ticket_ids: Sequence[int]) -> Notice:
    """Pushes posted (notification level ``all``)."""
    if len(kinds) == 1:
        return Notice(f"Posted the {thing(kinds[0])} to ticket #{ticket_ids[0]}", "")
    return Notice(f"Posted {parts({k: list(kinds).count(k) for k in kinds})} to ConnectWise", "")


# -- tickets: the finder, the other-company guard, the note after a push, drafts ------------------
FINDER_HINT = "Number, ConnectWise link, words of the summary or company"
FINDER_SEARCHING = "Searching ConnectWise…"
FINDER_NOTHING = "No open ticket matches."
DRAFT_MARK = "Draft"
DRAFT_TIP = "Your changes to this note or its push are kept in a draft until you push it."  # the Push column's tooltip
DRAFT_KEEP_QUESTION = "You edited this note. Keep your edits, or regenerate the note (your edits are lost)?"
DRAFT_RESET_QUESTION = "Discard your edits to this note and regenerate it? (Ctrl+Z in the note brings them back.)"


def ticket_row(t: Any, now: datetime, tz: tzinfo | None = LOCAL) -> tuple[str, str, str, str, str, str]:
    """A found ticket's number, summary, company, board, status and last update (``Ticket`` attributes)."""
    number = f"#{t.ref.id}" + (" (project)" if t.ref.kind == "project" else "")
    when = format_clock(t.updated, now, tz) if t.updated else "—"
    return number, t.summary or "", t.company or "—", t.board or "—", t.status or "—", when


def no_tickets(include_closed: bool) -> str:
    return "No ticket matches." if include_closed else "No open ticket matches (closed tickets: --all)."


def other_company(ticket_id: int, company: str, client: str) -> str:
    return f"Ticket #{ticket_id} belongs to {company}, not to this session's client {client}."


def other_company_refused(ticket_id: int, company: str, client: str) -> str:
    return f"{other_company(ticket_id, company, client)} Nothing was queued; use --allow-other-company to queue it anyway."


def retry_other_company(job_id: int) -> str:
    return (
        f"Push {job_id} failed because its ticket belongs to another company than the session's client: nothing was "
        f"retried; `flowdesk queue retry {job_id} --allow-other-company` posts it to that ticket anyway, or cancel it."
    )


def other_company_question(ticket_id: int, company: str, client: str) -> str:
    return f"{other_company(ticket_id, company, client)} Post {client}'s note to {company}'s ticket?"


def no_client(ticket_id: int, company: str) -> str:
    return f"This session names no client: check that ticket #{ticket_id} ({company or 'no company'}) is the right one."


def ticket_unusable(ticket_id: int, why: str) -> str:
    return f"Ticket #{ticket_id} cannot be pushed to: {why}. Nothing was queued."


def ticket_pending(ticket_id: int) -> str:
    return f"Ticket #{ticket_id} is still being looked up: push again once its company shows."


def note_queued(ticket_id: int, state: str = "") -> str:  # "Queued for #48479 — Checking at 13:00": the list's words
    return f"Queued for #{ticket_id} — {state}" if state else f"Queued for #{ticket_id}"


def note_failed(ticket_id: int) -> str:  # the note pane's line, next to its Retry
    return f"Not posted to #{ticket_id}: the push failed (the Queue tab says why). Retry sends it again."


def push_again_question(ticket_id: int, hours: float | None, *, logged_before: bool = True) -> str:  # hours: this push's
    twice, once = (f" and {format_hours(hours)} of time", "") if hours and logged_before else ("", f", and logs {format_hours(hours)}" if hours else "")
    only = f" To post only the note, cancel and untick Log {format_hours(hours)}." if hours and logged_before else ""  # the box's name
    return f"This session was pushed to #{ticket_id} before. Posting again adds the note{twice} to ticket #{ticket_id} a second time{once}.{only}"


# -- the time entry, a status ConnectWise kept (who is e-mailed, whose keys: flowdesk.core.email_words) -------
def long_time_entry(hours: float) -> str:
    return f"the time entry is {format_hours(hours)}, more than a working day (8 h): check it before it is sent"


def whole_minutes_logged(typed: float) -> str:
    """Hours that are not whole minutes (``0.26`` h): what is logged instead."""
    logged = whole_minutes(typed)
    return (f"{format_hours(typed)} is {typed * 60:g} minutes: {round(logged * 60)} minutes ({format_hours(logged)}) "
            "will be logged (ConnectWise logs time in whole minutes)")


TIME_RULES = {
    "pauses": "active time: the session's pause left out",
    "gaps": "active time: gaps of more than 30 minutes between steps left out",
    "wall": "from the session's start to its end",
    "manual": "no start and end time: as you typed it",
}


STATUS_KEPT = "status kept: "  # how the client's ValidationFailed names the status ConnectWise kept


def status_kept(ticket_id: int, kept: str) -> str:
    return (
        f"ConnectWise answered the status change of ticket #{ticket_id} but kept it at “{kept}” (read back after "
        "the change): a workflow rule or a required field may block that status. Change it in ConnectWise."
    )
