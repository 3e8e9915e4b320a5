"""The drainer: sends what is due in the outbox, one job at a time, and stores every outcome.

Qt-free and synchronous: the UI runs :meth:`Drainer.run_due` on its one push worker thread, the command
line (``flowdesk queue drain``) on the main thread. The promise it keeps is "a note the engineer pushed is
never lost and never posted twice", and these rules carry it:

* **Stored before the next network call.** A job is moved to ``sending`` (a committed compare-and-set that
  also records ``first_sent_at``) before its POST leaves, and the outcome is committed (``Outbox.apply``)
  before the next request. A crash at any point leaves either a job that was never sent, or a ``sending``
  job that :meth:`Drainer.recover` turns into ``unknown`` at the next start.
* **Unknown is checked, never re-sent blindly.** A job whose POST may have reached ConnectWise without an
  answer (timeout, reset, 5xx, unreadable answer, crash) is ``unknown``. The drainer reads the ticket first:
  a note is found by its normalised text (CRLF → LF, trailing whitespace per line and surrounding
  whitespace dropped), its author (``createdBy`` = the key owner's member identifier) and ``dateCreated``
  not earlier than the job's ``first_sent_at`` minus :data:`CLOCK_SKEW`; a time entry by
  ``find_time_entries(ticket, member, timeStart)`` plus its hours and notes. Records another job already
  owns are never taken. Found → ``sent`` with its id; absent → the policy's schedule (it is sent again).
* **Serial, polite.** One job in flight at a time (per site, and in fact overall: one thread). A time entry
  is sent only after its note is ``sent`` (``Outbox.due`` enforces it). After an outcome that says
  ConnectWise is unreachable or struggling (offline, 429, 5xx, no answer) the drainer stops sending to that
  site until that job's next attempt, instead of hammering it with the rest of the queue. A 401 pauses the
  whole queue (the policy says so) and ends the run.
* **Project tickets.** A note POST to a *service* ticket that answers 404 stored nothing, so it is safe to
  look the ticket up (``get_ticket`` falls back to project tickets): when it is a project ticket, the kind
  is recorded — and the linked time entry's ``chargeToType`` fixed, before its first send — in one
  transaction, and the note is posted to the project path.
* **No client, no change.** ``client_provider(site)`` returns a ready :class:`ConnectWiseClient` (or a
  :class:`Connection` with the member identifier from the saved profile) or raises an exception whose text
  says what is wrong (no account, no keys, keyring locked). The jobs of that site are then not touched and
  the report says why (``DrainReport.blocked``).
* ``on_change(job)`` is called after each committed change (the Qt layer turns it into signals); an error
  in it is logged, never allowed to stop the drain.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from flowdesk.connectwise.bodies import TicketRef
from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.connectwise.errors import ConnectWiseError, NotFound, PermissionDenied
from flowdesk.core import policy
from flowdesk.core.policy import JobKind, JobState, Outcome, OutcomeKind
from flowdesk.logs import get_logger, mask_secrets
from flowdesk.store.db import utcnow
from flowdesk.store.outbox import InvalidTransition, Outbox, PushJob, QueuePaused, StateConflict

log = get_logger("outbox")

# How much earlier than FlowDesk's own send time ConnectWise's ``dateCreated`` may be and still be this
# job's note: the PC's clock and the server's drift apart. Too small a margin re-posts a note that did
# arrive (a duplicate); too large a one can only match an identical note by the same member that no other
# push owns, which is on the ticket anyway.
CLOCK_SKEW = timedelta(minutes=30)
NOTE_CHECK_WINDOW = 100  # newest notes read first; more only if all of them are newer than the send
NOTE_CHECK_MAX = 1000
HOURS_TOLERANCE = 0.005
# Outcomes after which the site is left alone until that job's next attempt (no point hammering it).
HOLD_OFF_KINDS = frozenset({OutcomeKind.OFFLINE, OutcomeKind.RATE_LIMITED, OutcomeKind.SERVER, OutcomeKind.AMBIGUOUS})


class ClientUnavailable(Exception):
    """What a client provider raises when it cannot give a client: ``str()`` says what to do."""


@dataclass(frozen=True)
class Connection:
    """What a client provider may return: the client, and whose keys they are when the saved profile
    knows (else the drainer asks ``who_am_i`` once per run, when it first needs to check a ticket)."""

    client: ConnectWiseClient
    member_identifier: str | None = None


ClientProvider = Callable[[str], "ConnectWiseClient | Connection"]


def normalise_text(text: str) -> str:
    """How a note's text is compared with what ConnectWise stored: NFC, CRLF/CR → LF, trailing whitespace
    of every line and the whitespace around the whole text dropped."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


# -- the report ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobResult:
    """One job handled in a run: where it ended up and the one-line message for it."""

    job_id: int
    kind: JobKind
    ticket_id: int
    from_state: JobState
    state: JobState
    message: str


@dataclass
class DrainReport:
    """What one run (or, merged, one ``flowdesk queue drain``) did.

    ``stopped`` says why it ended before everything due was handled (``paused``, ``offline``,
    ``rate_limited``, ``server``, ``ambiguous``, ``no_client``, ``deadline``, ``stopped``, ``max_jobs``) with
    ``reason`` in plain words; ``blocked`` maps a site whose client could not be had to why; ``paused`` is
    the queue's pause reason at the end; ``next_due_at`` when something is next due (hold-offs included).
    """

    started_at: datetime
    finished_at: datetime | None = None
    results: list[JobResult] = field(default_factory=list)
    recovered: int = 0
    stopped: str | None = None
    reason: str | None = None
    blocked: dict[str, str] = field(default_factory=dict)
    paused: str | None = None
    conflicts: int = 0
    next_due_at: datetime | None = None

    def count(self, state: JobState | str) -> int:
        return sum(1 for r in self.results if r.state == JobState(state))

    @property
    def sent(self) -> int:
        return self.count(JobState.SENT)

    @property
    def failed(self) -> int:
        return self.count(JobState.FAILED)

    @property
    def ok(self) -> bool:
        """Nothing failed, nothing is blocked, sending is not paused."""
        return not self.failed and not self.blocked and not self.paused

    def _stop(self, why: str, reason: str | None) -> None:
        self.stopped = why
        self.reason = reason

    def merge(self, later: DrainReport) -> DrainReport:
        """This report followed by ``later`` (the next run of the same drain)."""
        self.results.extend(later.results)
        self.recovered += later.recovered
        self.stopped, self.reason = later.stopped, later.reason
        self.blocked.update(later.blocked)
        self.paused = later.paused
        self.conflicts += later.conflicts
        self.next_due_at = later.next_due_at
        self.finished_at = later.finished_at
        return self

    def summary(self, tz: tzinfo | None = None) -> str:
        """One line: ``Sent 3 · retrying 1 · checking 0 · failed 0 · next at 14:07.``"""
        parts = [
            f"Sent {self.sent}",
            f"retrying {self.count(JobState.RETRY_WAIT)}",
            f"checking {self.count(JobState.UNKNOWN)}",
            f"failed {self.failed}",
        ]
        if self.recovered:
            parts.append(f"{self.recovered} found interrupted")
        text = " · ".join(parts)
        if self.paused:
            text += f". Sending is paused: {self.paused}"
        elif self.blocked:
            text += ". Not sent: " + " ".join(dict.fromkeys(self.blocked.values()))
        elif self.stopped and self.reason and self.stopped not in ("deadline", "stopped", "max_jobs"):
            text += f". Stopped early: {self.reason}"
        if self.next_due_at is not None and not self.paused:
            now = self.finished_at or utcnow()
            when = "now" if self.next_due_at <= now else policy.format_clock(self.next_due_at, now, tz)
            text += f"{'' if text.endswith('.') else '.'} Next attempt: {when}."
        elif not text.endswith("."):
            text += "."
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "sent": self.sent,
            "retrying": self.count(JobState.RETRY_WAIT),
            "checking": self.count(JobState.UNKNOWN),
            "failed": self.failed,
            "recovered": self.recovered,
            "stopped": self.stopped,
            "reason": self.reason,
            "blocked": dict(self.blocked),
            "paused": self.paused,
            "conflicts": self.conflicts,
            "next_due_at": _iso(self.next_due_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "jobs": [
                {
                    "id": r.job_id,
                    "kind": r.kind.value,
                    "ticket": r.ticket_id,
                    "from": r.from_state.value,
                    "state": r.state.value,
                    "message": r.message,
                }
                for r in self.results
            ],
        }


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).isoformat().replace("+00:00", "Z")


# -- one run's connections -------------------------------------------------------------------------
class _Run:
    """Per run: one provider call per site (its failure too), one member look-up per site."""

    def __init__(self, provider: ClientProvider) -> None:
        self._provider = provider
        self._connections: dict[str, Connection] = {}
        self._failures: dict[str, str] = {}
        self._members: dict[str, str] = {}

    def connection(self, site: str) -> Connection:
        if site in self._failures:
            raise ClientUnavailable(self._failures[site])
        if site not in self._connections:
            try:
                got = self._provider(site)
            except Exception as exc:  # the provider is a boundary: keyring, settings, anything
                reason = mask_secrets(str(exc).strip()) or f"no ConnectWise client ({type(exc).__name__})"
                self._failures[site] = reason
                raise ClientUnavailable(reason) from None
            self._connections[site] = got if isinstance(got, Connection) else Connection(got)
        return self._connections[site]

    def member(self, site: str, conn: Connection) -> str:
        if site not in self._members:
            identifier = (conn.member_identifier or "").strip()
            self._members[site] = identifier or conn.client.who_am_i().identifier
        return self._members[site]


# -- the drainer -----------------------------------------------------------------------------------
class Drainer:
    def __init__(
        self,
        outbox: Outbox,
        client_provider: ClientProvider,
        *,
        clock: Callable[[], datetime] = utcnow,
        tz: tzinfo | None = None,
        on_change: Callable[[PushJob], None] | None = None,
    ) -> None:
        """``clock`` gives aware UTC times (inject one in tests); ``tz`` is the zone of the times in messages
        (default: the computer's)."""
        self._outbox = outbox
        self._provider = client_provider
        self._clock = clock
        self._tz = tz
        self._on_change = on_change
        self._run_lock = threading.Lock()
        self._hold_off: dict[str, datetime] = {}

    # -- public ---------------------------------------------------------------------------------------
    def recover(self) -> int:
        """Jobs left ``sending`` by a crash become ``unknown`` (checked before any re-send). Call once at
        start-up, holding the :class:`~flowdesk.push.lock.DrainLock`."""
        with self._run_lock:
            left = self._outbox.list(states=[JobState.SENDING])
            n = self._outbox.recover_after_crash(self._clock())
            for job in left:
                current = self._outbox.get(job.id)
                if current is not None:
                    self._changed(current)
            return n

    def next_due_at(self) -> datetime | None:
        """When to run again (maybe in the past: now); None when nothing will be due. Accounts for the
        sites this drainer is leaving alone after an offline / rate-limited / server-error outcome."""
        times = []
        for site, when in self._outbox.next_due_by_site().items():
            held = self._hold_off.get(site)
            times.append(max(when, held) if held is not None else when)
        return min(times) if times else None

    def clear_hold_off(self) -> None:
        """Forget the hold-offs (the network came back, or the engineer clicked Retry)."""
        self._hold_off.clear()

    def run_due(
        self,
        *,
        max_jobs: int | None = None,
        deadline: datetime | None = None,
        stop: threading.Event | None = None,
    ) -> DrainReport:
        """Send (or check) every job that is due now, one at a time, until none is left, ``max_jobs`` were
        handled, the clock passes ``deadline``, ``stop`` is set, the queue is paused, or no site can be
        sent to. A second call while one runs waits for it."""
        with self._run_lock:
            report = DrainReport(started_at=self._clock())
            try:
                self._drain(report, _Run(self._provider), max_jobs, deadline, stop)
            finally:
                report.finished_at = self._clock()
                report.paused = self._outbox.paused_reason()
                report.next_due_at = self.next_due_at()
            return report

    # -- the loop -------------------------------------------------------------------------------------
    def _drain(
        self,
        report: DrainReport,
        run: _Run,
        max_jobs: int | None,
        deadline: datetime | None,
        stop: threading.Event | None,
    ) -> None:
        handled: set[int] = set()
        while True:
            if stop is not None and stop.is_set():
                report._stop("stopped", "stopped before everything due was sent")
                return
            now = self._clock()
            if deadline is not None and now >= deadline:
                report._stop("deadline", "the time limit was reached")
                return
            if max_jobs is not None and len(handled) >= max_jobs:
                report._stop("max_jobs", None)
                return
            paused = self._outbox.paused_reason()
            if paused is not None:
                report._stop("paused", paused)
                return
            job = self._next(now, handled, run)
            if job is None:
                return
            handled.add(job.id)
            try:
                conn = run.connection(job.site)
            except ClientUnavailable as exc:
                report.blocked[job.site] = str(exc)
                report._stop("no_client", str(exc))
                log.warning("not sending push %d: %s", job.id, exc)
                continue  # another site's jobs may still go
            kind: OutcomeKind | str | None
            if job.state == JobState.UNKNOWN:
                kind = self._check(job, conn, run, report)
            else:
                kind = self._send(job, conn, report)
            if kind == OutcomeKind.AUTH or kind == "paused":
                report._stop("paused", self._outbox.paused_reason())
                return
            if kind in HOLD_OFF_KINDS:
                current = self._outbox.get(job.id)
                until = current.next_attempt_at if current is not None else None
                if until is not None:
                    self._hold_off[job.site] = until
                report._stop(str(kind), current.last_error if current is not None else None)

    def _next(self, now: datetime, handled: set[int], run: _Run) -> PushJob | None:
        """The next job to handle: not handled in this run, its site neither held off nor blocked. Due
        checks come first (a job that may already be on a ticket is settled before anything new is sent:
        after a crash, that is the job that was in flight), then the earliest due job."""

        def eligible(job: PushJob) -> bool:
            held = self._hold_off.get(job.site)
            return job.id not in handled and not (held is not None and held > now) and job.site not in run._failures

        for job in self._outbox.list(states=[JobState.UNKNOWN]):
            if job.next_attempt_at is not None and job.next_attempt_at <= now and eligible(job):
                return job
        # Jobs handled in this run have normally left the due list (sent, or waiting for a later attempt), so
        # the first few due jobs hold the next one; read more only when they are all held off or handled.
        # (Reading len(handled) + 8 rows each time parsed O(n) rows per job: a fifth of a 200-note drain.)
        limit = 8
        while True:
            batch = self._outbox.due(now, limit)
            for job in batch:
                if eligible(job):
                    return job
            if len(batch) < limit:
                return None
            limit *= 4

    # -- sending ---------------------------------------------------------------------------------------
    def _send(self, job: PushJob, conn: Connection, report: DrainReport) -> OutcomeKind | str | None:
        # Find the API (companyinfo, cached per client) before the job is marked sending: a failure or a
        # crash here has sent nothing, so the job needs no check afterwards.
        unreachable: Outcome | None = None
        try:
            conn.client.discover()
        except ConnectWiseError as exc:
            unreachable = Outcome.from_error(exc)
        try:
            sending = self._outbox.transition(job.id, expect=job.state, to=JobState.SENDING, now=self._clock())
        except QueuePaused:
            return "paused"
        except (StateConflict, InvalidTransition) as exc:  # the engineer cancelled it meanwhile, or similar
            report.conflicts += 1
            log.info("push %d skipped: %s", job.id, exc)
            return None
        self._changed(sending)
        started = time.monotonic()
        if unreachable is not None:  # nothing was sent: store why, as the policy says
            return self._store(sending, unreachable, report, started)
        outcome, sending = self._post(sending, conn)
        return self._store(sending, outcome, report, started)

    def _post(self, job: PushJob, conn: Connection) -> tuple[Outcome, PushJob]:
        ref = TicketRef(job.ticket_id, job.ticket_kind)  # type: ignore[arg-type]
        body = job.body_json()
        try:
            if job.kind == JobKind.NOTE:
                return Outcome.success(conn.client.post_note(ref, body).id), job
            return Outcome.success(conn.client.create_time_entry(body).id), job
        except NotFound as exc:
            if job.kind == JobKind.NOTE and job.ticket_kind == "service":
                return self._post_to_project(job, conn, exc)
            return Outcome.from_error(exc), job
        except ConnectWiseError as exc:
            return Outcome.from_error(exc), job
        except Exception as exc:  # a bug after the request may have left: check before any re-send
            log.exception("push %d: unexpected error while sending", job.id)
            return Outcome.from_error(exc), job

    def _project_ticket(self, job: PushJob, conn: Connection, missing: NotFound) -> Outcome | None:
        """After a 404 on the service path: None when the ticket is a project ticket (the kind is then
        recorded), else the outcome to store."""
        try:
            ticket = conn.client.get_ticket(job.ticket_id)
        except (NotFound, PermissionDenied):
            return Outcome.from_error(missing)
        except ConnectWiseError as exc:
            return Outcome.from_error(exc)
        if ticket.ref.kind != "project":
            return Outcome.from_error(missing)
        return None

    def _post_to_project(self, job: PushJob, conn: Connection, missing: NotFound) -> tuple[Outcome, PushJob]:
        outcome = self._project_ticket(job, conn, missing)
        if outcome is not None:
            return outcome, job
        job = self._outbox.set_ticket_kind(
            job.id,
            "project",
            expect=JobState.SENDING,
            child_fields={"chargeToType": TicketRef(job.ticket_id, "project").charge_to_type},
            reason=f"Ticket #{job.ticket_id} is a project ticket, not a service ticket: posting there.",
            now=self._clock(),
        )
        self._changed(job)
        try:
            return Outcome.success(conn.client.post_note(TicketRef(job.ticket_id, "project"), job.body_json()).id), job
        except ConnectWiseError as exc:
            return Outcome.from_error(exc), job

    # -- checking an unknown job -------------------------------------------------------------------------
    def _check(self, job: PushJob, conn: Connection, run: _Run, report: DrainReport) -> OutcomeKind | None:
        started = time.monotonic()
        try:
            if job.kind == JobKind.NOTE:
                outcome, job = self._find_note(job, conn, run)
            else:
                outcome = self._find_time_entry(job, conn, run)
        except ConnectWiseError as exc:
            outcome = Outcome.from_error(exc)
        except ValueError as exc:  # e.g. a member identifier FlowDesk cannot put in a query
            outcome = Outcome(OutcomeKind.VALIDATION, server_message=str(exc), detail=str(exc))
        return self._store(job, outcome, report, started)

    def _find_note(self, job: PushJob, conn: Connection, run: _Run) -> tuple[Outcome, PushJob]:
        member = run.member(job.site, conn).casefold()
        ref = TicketRef(job.ticket_id, job.ticket_kind)  # type: ignore[arg-type]
        want = normalise_text(str(job.body_json().get("text") or ""))
        since = job.first_sent_at - CLOCK_SKEW if job.first_sent_at is not None else None
        claimed = self._outbox.claimed_remote_ids(site=job.site, kind=JobKind.NOTE, exclude=job.id)
        limit = NOTE_CHECK_WINDOW
        while True:
            try:
                notes = conn.client.recent_notes(ref, limit=limit)
            except NotFound as exc:
                if job.ticket_kind != "service":
                    raise
                # Not a service ticket: every POST of this job went to the service path and a 404 stores
                # nothing, so the note is not there. If it is a project ticket, send it there from now on.
                outcome = self._project_ticket(job, conn, exc)
                if outcome is not None:
                    return outcome, job
                job = self._outbox.set_ticket_kind(
                    job.id,
                    "project",
                    expect=JobState.UNKNOWN,
                    child_fields={"chargeToType": TicketRef(job.ticket_id, "project").charge_to_type},
                    reason=f"Ticket #{job.ticket_id} is a project ticket, not a service ticket: the note "
                    "cannot have been stored on the service path.",
                    now=self._clock(),
                )
                self._changed(job)
                return Outcome.absent(), job
            for note in sorted(notes, key=lambda n: n.id):
                if note.id in claimed or normalise_text(note.text) != want:
                    continue
                author = (note.created_by or note.member_identifier or "").casefold()
                if author != member:
                    continue
                created = note.date_created
                if created is not None and created.tzinfo is None:
                    created = created.replace(tzinfo=UTC)
                if since is not None and created is not None and created < since:
                    continue
                return Outcome.found(note.id), job
            if len(notes) < limit or limit >= NOTE_CHECK_MAX:
                return Outcome.absent(), job
            oldest = min(notes, key=lambda n: n.id).date_created
            if since is not None and oldest is not None and oldest.replace(tzinfo=oldest.tzinfo or UTC) < since:
                return Outcome.absent(), job
            limit = min(limit * 10, NOTE_CHECK_MAX)

    def _find_time_entry(self, job: PushJob, conn: Connection, run: _Run) -> Outcome:
        member = run.member(job.site, conn)
        body = job.body_json()
        start = datetime.fromisoformat(str(body["timeStart"]).replace("Z", "+00:00"))
        ref = TicketRef(job.ticket_id, job.ticket_kind)  # type: ignore[arg-type]
        claimed = self._outbox.claimed_remote_ids(site=job.site, kind=JobKind.TIME_ENTRY, exclude=job.id)
        hours = body.get("actualHours")
        notes = body.get("notes")
        for entry in sorted(conn.client.find_time_entries(ref, member, start), key=lambda e: e.id):
            if entry.id in claimed:
                continue
            if entry.charge_to_id is not None and entry.charge_to_id != job.ticket_id:
                continue
            other_hours = isinstance(hours, int | float) and entry.actual_hours is not None and (
                abs(entry.actual_hours - hours) > HOURS_TOLERANCE
            )
            other_notes = isinstance(notes, str) and entry.notes is not None and (
                normalise_text(entry.notes) != normalise_text(notes)
            )
            if other_hours or other_notes:
                continue
            return Outcome.found(entry.id)
        return Outcome.absent()

    # -- storing -----------------------------------------------------------------------------------------
    def _store(self, job: PushJob, outcome: Outcome, report: DrainReport, started: float) -> OutcomeKind | None:
        now = self._clock()
        decision = policy.decide(job.snapshot(), outcome, now, tz=self._tz or _local_zone())
        duration_ms = round((time.monotonic() - started) * 1000)
        try:
            stored = self._outbox.apply(job.id, decision, now=now, duration_ms=duration_ms)
        except (StateConflict, InvalidTransition) as exc:  # e.g. cancelled while being checked
            report.conflicts += 1
            log.warning("push %d: outcome %s not stored: %s", job.id, outcome.kind.value, exc)
            return None
        level = log.info if stored.state == JobState.SENT else log.warning
        level(
            "push %d (%s, ticket %d): %s -> %s (%s)%s",
            stored.id, stored.kind.value, stored.ticket_id, job.state.value, stored.state.value, outcome.kind.value,
            f" remote id {stored.remote_id}" if stored.remote_id else "",
        )
        report.results.append(
            JobResult(stored.id, stored.kind, stored.ticket_id, job.state, stored.state, decision.message)
        )
        self._changed(stored)
        return outcome.kind

    def _changed(self, job: PushJob) -> None:
        if self._on_change is None:
            return
        try:
            self._on_change(job)
        except Exception:  # a listener's bug must not stop the drain (the change is committed already)
            log.exception("on_change failed for push %d", job.id)


def _local_zone() -> tzinfo:
    return datetime.now().astimezone().tzinfo or UTC


# -- draining until empty (the command line) ---------------------------------------------------------
def drain_until(
    drainer: Drainer,
    *,
    until_empty: bool,
    max_seconds: float | None,
    clock: Callable[[], datetime] = utcnow,
    wait: Callable[[float], object] | None = None,
    stop: threading.Event | None = None,
) -> DrainReport:
    """Run ``drainer`` over what is due now; with ``until_empty`` keep going while jobs are due. When the
    next job is not due yet, wait for it — with ONE timed wait on ``wait(seconds)`` — only if it falls
    within ``max_seconds`` of the start; otherwise return. Never polls. Stops at once when the queue is
    paused or no client can be had."""
    start = clock()
    deadline = start + timedelta(seconds=max_seconds) if max_seconds is not None else None
    event = stop or threading.Event()
    waiter = wait or event.wait
    report = last = drainer.run_due(deadline=deadline, stop=event)
    while until_empty:
        if last.paused or last.stopped in ("paused", "no_client", "stopped", "deadline") or event.is_set():
            break
        nxt = drainer.next_due_at()
        if nxt is None:
            break
        now = clock()
        if nxt > now:
            if deadline is None or nxt > deadline:
                break
            waiter((nxt - now).total_seconds())
            if event.is_set():
                break
        elif not last.results:
            break  # due, yet the last run could handle none of it: do not spin
        last = drainer.run_due(deadline=deadline, stop=event)
        report.merge(last)
    return report


__all__ = [
    "CLOCK_SKEW",
    "ClientProvider",
    "ClientUnavailable",
    "Connection",
    "DrainReport",
    "Drainer",
    "JobResult",
    "drain_until",
    "normalise_text",
]
