"""The drainer: sends what is due in the outbox, a few jobs at a time, and stores every outcome.

Qt-free and synchronous: the UI runs :meth:`Drainer.run_due` on its one push worker thread, the command
line (``flowdesk queue drain``) on the main thread. The promise it keeps is "a note the engineer pushed is
never lost and never posted twice", and these rules carry it:

* **Stored before the next network call.** A job is moved to ``sending`` (a committed compare-and-set that
  also records ``first_sent_at``) before its POST leaves, and the outcome is committed (``Outbox.apply``)
  before the next request for that ticket. A crash at any point leaves jobs that were never sent, and
  ``sending`` jobs (as many as were in flight) that :meth:`Drainer.recover` turns into ``unknown`` at the
  next start.
* **Unknown is checked, never re-sent blindly.** A job whose POST may have reached ConnectWise without an
  answer (timeout, reset, 5xx, unreadable answer, crash) is ``unknown``. The drainer reads the ticket first:
  a note is found by its normalised text (CRLF → LF, trailing whitespace per line and surrounding
  whitespace dropped), its author (``createdBy`` = the key owner's member identifier) and ``dateCreated``
  not earlier than the job's ``first_sent_at`` minus :data:`CLOCK_SKEW`; a time entry by
  ``find_time_entries(ticket, member, timeStart)`` plus its hours and notes. Records another job already
  owns are never taken. Found → ``sent`` with its id; absent → the policy's schedule (it is sent again).
* **A few at a time, one per ticket, polite.** Up to ``max_in_flight`` (:data:`MAX_IN_FLIGHT`) POSTs are
  in flight at once, never two for the same ticket (``(site, ticket_id)``): a ticket's jobs go one after
  the other in queue order, and a time entry is sent only after its note is ``sent`` (``Outbox.due``
  enforces it; they share the ticket anyway). Checks of ``unknown`` jobs run one at a time with nothing
  else in flight. After an outcome that says ConnectWise is unreachable or struggling (offline, 429, 5xx,
  no answer) the drainer sends nothing new to that site until that job's next attempt, instead of
  hammering it with the rest of the queue; the requests already in flight finish and their outcomes are
  stored. A 401 pauses the whole queue (the policy says so): nothing new is sent, what is in flight
  finishes and is stored, and the run ends. ``stop``, ``deadline`` and ``max_jobs`` likewise stop new
  sends only. ``max_in_flight=1`` is the serial drainer: every request on the calling thread.
* **Which thread does what.** Everything but the HTTP requests runs on the thread that called
  :meth:`Drainer.run_due`: picking jobs, discovery (cached per client), every SQLite write (``sending``
  before the request, the outcome after it, a project ticket's kind before its project POST) and every
  ``on_change`` call. Only the requests of a send (the POST, and after a 404 the ticket look-up) run on a
  :class:`~concurrent.futures.ThreadPoolExecutor` made for the run and shut down before it returns; the
  ConnectWise client is thread-safe (one ``httpx.Client``, whose pool allows 100 connections).
* **Project tickets.** A note POST to a *service* ticket that answers 404 stored nothing, so it is safe to
  look the ticket up (``get_ticket`` falls back to project tickets): when it is a project ticket, the kind
  is recorded — and the linked time entry's ``chargeToType`` fixed, before its first send — in one
  transaction (on the drain thread, the ticket still counted as in flight), and only then is the note
  posted to the project path.
* **No client, no change.** ``client_provider(site)`` returns a ready :class:`ConnectWiseClient` (or a
  :class:`Connection` with the member identifier from the saved profile) or raises an exception whose text
  says what is wrong (no account, no keys, keyring locked). The jobs of that site are then not touched and
  the report says why (``DrainReport.blocked``).
* ``on_change(job)`` is called after each committed change, always on the thread that called ``run_due``
  (or ``recover``) — the UI's push worker thread, whose ``job_changed`` signal reaches the GUI queued; an
  error in it is logged, never allowed to stop the drain.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Callable
from concurrent import futures
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
# How many POSTs a run keeps in flight (never two for one ticket). ConnectWise's API serves concurrent
# requests; a handful hides most of the latency of a serial loop without looking like a flood.
MAX_IN_FLIGHT = 4


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


# -- sends in flight ------------------------------------------------------------------------------
@dataclass
class _Flight:
    """A job whose request is out: the job as stored (``sending``), its client, when it was marked."""

    job: PushJob
    conn: Connection
    started: float

    @property
    def ticket(self) -> tuple[str, int]:
        return self.job.site, self.job.ticket_id


# What a send's requests come back with (to the drain thread): the outcome to store, or None: the note's
# service path answered 404 and the ticket is a project ticket (record that, then post there).
_Posted = Outcome | None


class _Inline(futures.Executor):
    """The serial drainer's executor: runs the call at once on the calling thread, as before there was a pool."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> futures.Future[Any]:
        future: futures.Future[Any] = futures.Future()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # raised from future.result() on the same thread, right after
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future


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
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        """``clock`` gives aware UTC times (inject one in tests); ``tz`` is the zone of the times in messages
        (default: the computer's); ``max_in_flight`` how many POSTs may be out at once (1: serial, every
        request on the calling thread)."""
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._max_in_flight = max_in_flight
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
            left = self._outbox.jobs(states=[JobState.SENDING])
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
        """Send (or check) every job that is due now, up to ``max_in_flight`` at a time (one per ticket), until
        none is left, ``max_jobs`` were handled, the clock passes ``deadline``, ``stop`` is set, the queue is
        paused, or no site can be sent to; the last four stop new sends, and the run returns once what is in
        flight has finished and its outcome is stored. A second call while one runs waits for it."""
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
        flights: dict[futures.Future[_Posted], _Flight] = {}
        # Why no new job is started any more (stop, deadline, max_jobs, paused); the run ends when the
        # requests in flight are stored.
        halt: tuple[str, str | None] | None = None
        pool: futures.Executor = (
            _Inline()
            if self._max_in_flight == 1
            else futures.ThreadPoolExecutor(self._max_in_flight, thread_name_prefix="flowdesk-push")
        )
        try:
            while True:
                for future in [f for f in flights if f.done()]:
                    flight = flights.pop(future)
                    posted = future.result()  # a bug in a send (not a ConnectWiseError) ends the run, as ever
                    if posted is None:  # a project ticket: its kind is committed before the project POST
                        flights[pool.submit(self._post_project, self._to_project(flight), flight.conn)] = flight
                        continue
                    kind = self._store(flight.job, posted, report, flight.started)
                    if self._after(flight.job, kind, report):
                        halt = ("paused", self._outbox.paused_reason())
                if halt is None and len(flights) < self._max_in_flight:
                    halt = self._halt(len(handled), max_jobs, deadline, stop)
                    if halt is None:
                        busy = {f.ticket for f in flights.values()}
                        job = self._next(self._clock(), handled, run, busy)
                        if job is not None and not (job.state == JobState.UNKNOWN and flights):
                            handled.add(job.id)
                            if self._start(job, run, report, pool, flights):
                                halt = ("paused", self._outbox.paused_reason())
                            continue
                        # nothing to start now, or a check waiting for the sends in flight to finish
                if not flights:
                    if halt is not None:
                        report._stop(*halt)
                    return
                futures.wait(flights, return_when=futures.FIRST_COMPLETED)
        finally:
            self._land(flights, report)
            pool.shutdown(wait=True)

    def _halt(
        self, started: int, max_jobs: int | None, deadline: datetime | None, stop: threading.Event | None
    ) -> tuple[str, str | None] | None:
        """Why no new job may start (the run's limits, a paused queue), or None."""
        if stop is not None and stop.is_set():
            return ("stopped", "stopped before everything due was sent")
        if deadline is not None and self._clock() >= deadline:
            return ("deadline", "the time limit was reached")
        if max_jobs is not None and started >= max_jobs:
            return ("max_jobs", None)
        paused = self._outbox.paused_reason()
        if paused is not None:
            return ("paused", paused)
        return None

    def _start(
        self,
        job: PushJob,
        run: _Run,
        report: DrainReport,
        pool: futures.Executor,
        flights: dict[futures.Future[_Posted], _Flight],
    ) -> bool:
        """Check ``job`` (unknown: here and now, nothing else in flight) or mark it sending and hand its
        requests to ``pool``. True when the queue is paused: nothing new may start."""
        try:
            conn = run.connection(job.site)
        except ClientUnavailable as exc:
            report.blocked[job.site] = str(exc)
            report._stop("no_client", str(exc))
            log.warning("not sending push %d: %s", job.id, exc)
            return False  # another site's jobs may still go
        if job.state == JobState.UNKNOWN:
            return self._after(job, self._check(job, conn, run, report), report)
        sending = self._send(job, conn, report)
        if not isinstance(sending, _Flight):
            return self._after(job, sending, report)
        flights[pool.submit(self._post, sending.job, conn)] = sending
        return False

    def _after(self, job: PushJob, kind: OutcomeKind | str | None, report: DrainReport) -> bool:
        """What an outcome means for the rest of the run: True when the queue is paused (401); a hold-off
        kind leaves the job's site alone until its next attempt."""
        if kind == OutcomeKind.AUTH or kind == "paused":
            return True
        if kind in HOLD_OFF_KINDS:
            current = self._outbox.get(job.id)
            until = current.next_attempt_at if current is not None else None
            if until is not None:
                held = self._hold_off.get(job.site)
                # several sends to the site may come back struggling: the latest next attempt wins
                self._hold_off[job.site] = until if held is None or held < until else held
            report._stop(str(kind), current.last_error if current is not None else None)
        return False

    def _land(self, flights: dict[futures.Future[_Posted], _Flight], report: DrainReport) -> None:
        """After an error on the drain thread: let the requests in flight finish and store their outcomes
        (no new request: a project ticket's note stays ``sending``, then ``unknown``, and is checked)."""
        for future in futures.as_completed(list(flights)):
            flight = flights.pop(future)
            try:
                posted = future.result()
                if posted is not None:
                    self._store(flight.job, posted, report, flight.started)
            except Exception:
                log.exception("push %d: its outcome could not be stored; it will be checked", flight.job.id)

    def _next(self, now: datetime, handled: set[int], run: _Run, busy: set[tuple[str, int]]) -> PushJob | None:
        """The next job to handle: not handled in this run, its site neither held off nor blocked, its ticket
        not ``busy`` (a job of that ticket is in flight). Due checks come first (a job that may already be
        on a ticket is settled before anything new is sent: after a crash, those are the jobs that were in
        flight), whatever is in flight: the caller lets that finish first. Then the earliest due job."""

        def eligible(job: PushJob) -> bool:
            held = self._hold_off.get(job.site)
            return job.id not in handled and not (held is not None and held > now) and job.site not in run._failures

        for job in self._outbox.jobs(states=[JobState.UNKNOWN]):
            if job.next_attempt_at is not None and job.next_attempt_at <= now and eligible(job):
                return job
        # Jobs handled in this run have normally left the due list (sent, or waiting for a later attempt;
        # those in flight are sending), so the first few due jobs hold the next one; read more only when
        # they are all held off, handled or of a busy ticket. (Reading len(handled) + 8 rows each time
        # parsed O(n) rows per job: a fifth of a 200-note drain.)
        limit = 8
        while True:
            batch = self._outbox.due(now, limit)
            for job in batch:
                if eligible(job) and (job.site, job.ticket_id) not in busy:
                    return job
            if len(batch) < limit:
                return None
            limit *= 4

    # -- sending (drain thread: the outbox; pool: the requests) -----------------------------------------
    def _send(self, job: PushJob, conn: Connection, report: DrainReport) -> _Flight | OutcomeKind | str | None:
        """Mark ``job`` sending (committed) and return it as a flight whose request may now leave; or what
        came of it when no request may leave (paused, a conflict, the API not found: stored)."""
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
        return _Flight(sending, conn, started)

    def _post(self, job: PushJob, conn: Connection) -> _Posted:
        """The job's POST (on a pool thread; no outbox, no clock, no listener). After a 404 on a note to a
        service ticket, the ticket is looked up: None when it is a project ticket."""
        ref = TicketRef(job.ticket_id, job.ticket_kind)  # type: ignore[arg-type]
        body = job.body_json()
        try:
            if job.kind == JobKind.NOTE:
                return Outcome.success(conn.client.post_note(ref, body).id)
            return Outcome.success(conn.client.create_time_entry(body).id)
        except NotFound as exc:
            if job.kind == JobKind.NOTE and job.ticket_kind == "service":
                return self._project_ticket(job, conn, exc)
            return Outcome.from_error(exc)
        except ConnectWiseError as exc:
            return Outcome.from_error(exc)
        except Exception as exc:  # a bug after the request may have left: check before any re-send
            log.exception("push %d: unexpected error while sending", job.id)
            return Outcome.from_error(exc)

    def _project_ticket(self, job: PushJob, conn: Connection, missing: NotFound) -> Outcome | None:
        """After a 404 on the service path: None when the ticket is a project ticket, else the outcome to
        store. Requests only (any thread)."""
        try:
            ticket = conn.client.get_ticket(job.ticket_id)
        except (NotFound, PermissionDenied):
            return Outcome.from_error(missing)
        except ConnectWiseError as exc:
            return Outcome.from_error(exc)
        if ticket.ref.kind != "project":
            return Outcome.from_error(missing)
        return None

    def _to_project(self, flight: _Flight) -> PushJob:
        """Record (drain thread, committed) that the flight's ticket is a project ticket, before the note is
        posted there: a crash after that POST leaves a job whose check reads the project path."""
        job = flight.job
        flight.job = self._outbox.set_ticket_kind(
            job.id,
            "project",
            expect=JobState.SENDING,
            child_fields={"chargeToType": TicketRef(job.ticket_id, "project").charge_to_type},
            reason=f"Ticket #{job.ticket_id} is a project ticket, not a service ticket: posting there.",
            now=self._clock(),
        )
        self._changed(flight.job)
        return flight.job

    @staticmethod
    def _post_project(job: PushJob, conn: Connection) -> _Posted:
        try:
            return Outcome.success(conn.client.post_note(TicketRef(job.ticket_id, "project"), job.body_json()).id)
        except ConnectWiseError as exc:
            return Outcome.from_error(exc)

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
