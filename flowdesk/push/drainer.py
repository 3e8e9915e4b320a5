"""The drainer: sends what is due in the outbox, a few jobs at a time, and stores every outcome.

Qt-free and synchronous: the UI runs :meth:`Drainer.run_due` on its one push worker thread, the command
line (``flowdesk queue drain``) on the main thread. The promise it keeps is "a note the engineer pushed is
never lost and never posted twice"; this module is the scheduler that keeps it, with the requests in
:mod:`~flowdesk.push.sending`, the rules that recognise a job already on its ticket in
:mod:`~flowdesk.push.reconcile`, and the report in :mod:`~flowdesk.push.report`. Its rules:

* **Stored before the next network call.** A job is moved to ``sending`` (a committed compare-and-set that
  also records ``first_sent_at``) before its POST leaves, and the outcome is committed (``Outbox.apply``)
  before the next request for that ticket. A crash at any point leaves jobs that were never sent, and
  ``sending`` jobs (as many as were in flight) that :meth:`Drainer.recover` turns into ``unknown`` at the
  next start, to be checked once ConnectWise has had ``policy.VERIFY_DELAY`` since that send started.
* **Unknown is checked, never re-sent blindly.** A job whose POST may have reached ConnectWise without an
  answer (timeout, reset, 5xx, unreadable answer, crash) is ``unknown``: the drainer reads the ticket first
  and :mod:`~flowdesk.push.reconcile` decides. Found → ``sent`` with its id; absent → the policy's schedule
  (it is sent again).
* **A few at a time, one per ticket, polite.** Up to ``max_in_flight`` (:data:`MAX_IN_FLIGHT`) jobs have
  requests out at once, never two for the same ticket (``(site, ticket_id)``): a ticket's jobs go one after
  the other in queue order, and a time entry is sent only after its note is ``sent`` (``Outbox.due``
  enforces it). A check of an ``unknown`` job runs alone, after what was in flight. After an outcome that
  says ConnectWise is unreachable or struggling (offline, 429, 5xx, no answer) nothing new goes to that
  site until that job's next attempt; the requests already out finish and their outcomes are stored. A 401
  pauses the whole queue: nothing new is sent, what is out finishes and is stored, and the run ends.
  ``max_jobs`` likewise stops new sends only.
* **Stopping.** ``stop`` (SIGTERM, SIGINT, the window quitting) and ``deadline`` stop new sends, then give
  the requests out :data:`STOP_GRACE` seconds to answer, and then stop waiting: a job whose POST got no
  answer stays ``sending`` in SQLite — exactly as after a crash — and is checked on the ticket at the next
  start (``DrainReport.left_sending`` counts them). The pool's threads are daemon threads, so a request the
  server never answers does not keep the process alive. While requests are out, the drain thread looks at
  ``stop`` and the clock every :data:`WAKE_EVERY` seconds.
* **Which thread does what.** Everything but HTTP runs on the thread that called :meth:`Drainer.run_due`:
  picking jobs, every SQLite write (``sending`` before the POST, the outcome after it, a project ticket's
  kind before its project POST) and every ``on_change`` call. Every request — finding the API, the POST,
  the ticket look-up after a 404, reading a ticket for a check — runs on the run's
  :class:`~flowdesk.push.pool.DaemonPool`; the ConnectWise client is thread-safe. ``max_in_flight=1`` is
  the serial drainer: every request on the calling thread (it cannot stop in the middle of one).
* **No client, no change.** ``client_provider(site)`` returns a ready :class:`ConnectWiseClient` (or a
  :class:`Connection` with the member identifier from the saved profile) or raises an exception whose text
  says what is wrong (no account, no keys, keyring locked). The jobs of that site are then not touched and
  the report says why (``DrainReport.blocked``).
* **Sent as the member who queued it.** A job records whose keys queued it (``PushJob.member``). One queued
  under another member's keys than the connection's is never sent (ConnectWise would record it as the
  member signed in now): the queue pauses, kind ``member``, naming whose those pushes are
  (:func:`~flowdesk.push.members.hold_for_member`); they wait, while the pushes of the member signed in
  still go. The engineer's Resume (``Outbox.resume`` with the member signed in) makes that member their
  owner; or their own member's keys come back, and each run starts by lifting a member pause that no push
  waits for any more. A check only reads, so an ``unknown`` job is checked whoever is signed in, for the
  notes of the member who queued it.
* ``on_change(job)`` is called after each committed change, always on the thread that called ``run_due``
  (or ``recover``); an error in it is logged, never allowed to stop the drain.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent import futures
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from flowdesk.connectwise.bodies import TicketRef
from flowdesk.core import policy
from flowdesk.core.policy import JobState, Outcome, OutcomeKind
from flowdesk.logs import get_logger
from flowdesk.push import sending
from flowdesk.push.members import hold_for_member
from flowdesk.push.pool import DaemonPool, InlinePool
from flowdesk.push.reconcile import CLOCK_SKEW, normalise_text
from flowdesk.push.report import DrainReport, JobResult
from flowdesk.push.run import Flight, Halt, HaltWhy, NoOutcome, Phase, Run, Step, Stored
from flowdesk.push.sending import (
    ClientProvider,
    ClientUnavailable,
    Connection,
    ProjectTicket,
)
from flowdesk.store import InvalidTransition, Outbox, PushJob, QueuePaused, StateConflict
from flowdesk.store.db import utcnow

log = get_logger("outbox")

# Outcomes after which the site is left alone until that job's next attempt (no point hammering it).
HOLD_OFF_KINDS = frozenset({OutcomeKind.OFFLINE, OutcomeKind.RATE_LIMITED, OutcomeKind.SERVER, OutcomeKind.AMBIGUOUS})
# How many jobs a run keeps in flight (never two for one ticket). ConnectWise's API serves concurrent
# requests; a handful hides most of the latency of a serial loop without looking like a flood.
MAX_IN_FLIGHT = 4
STOP_GRACE = 2.0  # seconds the requests out may still answer once a run is stopped
WAKE_EVERY = 0.2  # seconds between looks at ``stop`` and the deadline while requests are out


# -- the drainer --------------------------------------------------------------------------------------------
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
        stop_grace: float = STOP_GRACE,
    ) -> None:
        """``clock`` gives aware UTC times (inject one in tests); ``tz`` is the zone of the times in messages
        (default: the computer's); ``max_in_flight`` how many jobs may have requests out at once (1: serial,
        every request on the calling thread); ``stop_grace`` how long a stopped run waits for them."""
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._max_in_flight = max_in_flight
        self._stop_grace = stop_grace
        self._outbox = outbox
        self._provider = client_provider
        self._clock = clock
        self._tz = tz
        self._on_change = on_change
        self._run_lock = threading.Lock()
        self._hold_off: dict[str, datetime] = {}
        self._hold_off_why: dict[str, str] = {}  # the outcome kind that started a site's hold-off
        # Sites whose client could not be had (no keys, a locked keyring, another account saved), and when to ask
        # again: their jobs stay due, and without this the next run would be armed for now, again and again.
        self._no_client: dict[str, datetime] = {}

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
        sites this drainer is leaving alone after an offline / rate-limited / server-error outcome, and those
        it could not have a client for (asked again after ``NO_CLIENT_RECHECK``)."""
        times = []
        for site, when in self._outbox.next_due_by_site().items():
            times.append(max([when, *(t for t in (self._hold_off.get(site), self._no_client.get(site)) if t)]))
        return min(times) if times else None

    def clear_hold_off(self) -> None:
        """Forget the hold-offs and the sites without a client (the network came back, or the engineer clicked
        Retry)."""
        self._hold_off.clear()
        self._hold_off_why.clear()
        self._no_client.clear()

    def forget_no_client(self) -> None:
        """The account changed: ask again for the clients of the sites that had none."""
        self._no_client.clear()

    def held_off(self, now: datetime) -> tuple[datetime, str] | None:
        """Until when the sites left alone are held off (the earliest end) and why (an outcome kind:
        ``offline``, ``server``, ``rate_limited``, ``ambiguous``); None when no site is."""
        held = [(until, self._hold_off_why.get(site, "server")) for site, until in self._hold_off.items() if until > now]
        return min(held) if held else None

    def run_due(
        self,
        *,
        max_jobs: int | None = None,
        deadline: datetime | None = None,
        stop: threading.Event | None = None,
        first: Iterable[int] = (),
    ) -> DrainReport:
        """Send (or check) every job that is due now, up to ``max_in_flight`` at a time (one per ticket), until
        none is left, ``max_jobs`` were handled, the clock passes ``deadline``, ``stop`` is set, the queue is
        paused, or no site can be sent to. All of these stop new sends; the run returns once what is out has
        come back and is stored — after ``stop`` or ``deadline``, at most ``stop_grace`` seconds later.
        ``first``: the pushes an engineer's Retry asked for, taken before the others due (in an outage the run's
        first failures end it: the push clicked was left waiting while others went). A second call while one
        runs waits for it."""
        with self._run_lock:
            pool = (
                InlinePool() if self._max_in_flight == 1 else DaemonPool(self._max_in_flight, "flowdesk-push")
            )
            run = Run(
                self._provider, pool, max_jobs=max_jobs, deadline=deadline, stop=stop, started_at=self._clock(),
                first=first,
            )
            report = run.report
            try:
                self._drain(run)
            finally:
                report.finished_at = self._clock()
                reason = self._outbox.paused_reason()
                whole = reason is not None and self._outbox.sending_paused()  # not a member pause alone
                report.paused, report.member_pause = (reason, None) if whole else (None, reason)
                report.next_due_at = self.next_due_at()
                held = self.held_off(report.finished_at)
                report.held_until, report.held_why = held if held is not None else (None, None)
            return report

    # -- the loop -------------------------------------------------------------------------------------
    def _drain(self, run: Run) -> None:
        try:
            self._member_signed_in(run)
            while True:
                if run.flights and run.stopping(self._clock()):
                    run.halt = run.halt or self._halt(run)
                    break  # what is out gets its grace in _land, and no further request
                done = next((f for f in run.flights if f.done()), None)
                if done is not None:  # one at a time: an on_change may set ``stop`` while it is stored
                    flight = run.flights.pop(done)
                    # a bug in a request (not a ConnectWiseError) ends the run, as ever
                    self._follow(run, flight.job, self._landed(run, flight, done.result()))
                    continue
                if self._start_next(run):
                    continue
                if not run.flights:
                    break
                timeout = WAKE_EVERY if run.stop is not None or run.deadline is not None else None
                futures.wait(run.flights, timeout=timeout, return_when=futures.FIRST_COMPLETED)
        finally:
            self._land(run)
            run.pool.shutdown(wait=False)  # no thread is busy now but an abandoned one, and nothing waits for it
        if run.halt is not None:
            run.report.record_stop(run.halt.why.value, run.halt.reason)

    def _start_next(self, run: Run) -> bool:
        """Start the next job when the run may: True when one was started (or tried)."""
        if run.halt is not None or len(run.flights) >= self._max_in_flight or run.checking:
            return False
        run.halt = self._halt(run)
        if run.halt is not None:
            return False
        job = self._next(self._clock(), run)
        if job is None or (job.state == JobState.UNKNOWN and run.flights):
            return False  # nothing to start now, or a check waiting for what is out to come back first
        if job.state == JobState.UNKNOWN:
            run.checked.add(job.id)
        elif job.id in run.checked:  # Retry on a push that may have been on its ticket: it was not; sent now
            run.checked.discard(job.id)
        run.handled.add(job.id)
        self._follow(run, job, self._start(run, job))
        return True

    def _halt(self, run: Run) -> Halt | None:
        """Why no new job may start (the run's limits, a paused queue), or None."""
        if run.stop is not None and run.stop.is_set():
            return Halt(HaltWhy.STOPPED, "stopped before everything due was sent")
        if run.deadline is not None and self._clock() >= run.deadline:
            return Halt(HaltWhy.DEADLINE, "the time limit was reached")
        if run.max_jobs is not None and len(run.handled) >= run.max_jobs:
            return Halt(HaltWhy.MAX_JOBS)
        if self._outbox.sending_paused():  # not a member pause: that one holds only other members' pushes
            return Halt(HaltWhy.PAUSED, self._outbox.paused_reason())
        return None

    def _next(self, now: datetime, run: Run) -> PushJob | None:
        """The next job to handle: not handled in this run (but a check may be followed by its send: Retry
        on a push that may be on its ticket sends it in the same run if the check finds it absent), its site neither held off nor blocked, its ticket
        not busy (a job of that ticket is in flight). Due checks come first (a job that may already be on a
        ticket is settled before anything new is sent: after a crash, those are the jobs that were in
        flight, due VERIFY_DELAY after their send started), whatever is in flight: the caller lets that finish first. Then the earliest due job."""
        busy = {f.ticket for f in run.flights.values()}

        def eligible(job: PushJob) -> bool:
            new = job.id not in run.handled or (job.id in run.checked and job.state != JobState.UNKNOWN)
            return new and not self._held_off(job.site, now) and not run.connections.blocked(job.site)

        for job in self._outbox.jobs(states=[JobState.UNKNOWN]):
            if job.next_attempt_at is not None and job.next_attempt_at <= now and eligible(job):
                return job
        if run.first:  # looked for once, among the due pushes only (a time entry still waits for its note)
            wanted, run.first = run.first, set()
            for job in self._outbox.due(now, -1):  # SQLite: no limit
                if job.id in wanted and eligible(job) and (job.site, job.ticket_id) not in busy:
                    return job
        # Jobs handled in this run have normally left the due list (sent, or waiting for a later attempt;
        # those in flight are sending), so the first few due jobs hold the next one; read more only when
        # they are all held off, handled or of a busy ticket. (Reading len(handled) + 8 rows each time
        # parsed O(n) rows per job: a fifth of a 200-note drain.) One more than the busy tickets is
        # normally enough: each row read is a whole job, body and all.
        limit = len(busy) + 1
        while True:
            batch = self._outbox.due(now, limit)
            for job in batch:
                if eligible(job) and (job.site, job.ticket_id) not in busy:
                    return job
            if len(batch) < limit:
                return None
            limit *= 4

    def _held_off(self, site: str, now: datetime) -> bool:
        held = self._hold_off.get(site)
        return held is not None and held > now

    def _follow(self, run: Run, job: PushJob, step: Step) -> None:
        """What a step of ``job`` means for the rest of the run: a 401 or a paused queue halts it; a
        hold-off outcome (or a failed company look-up: a 404 or junk from a site mid-upgrade counts as the
        server struggling) leaves the job's site alone until its next attempt."""
        if step == NoOutcome.QUEUE_PAUSED or (isinstance(step, Stored) and step.paused):
            run.halt = Halt(HaltWhy.PAUSED, self._outbox.paused_reason())
        elif isinstance(step, Stored) and (step.kind in HOLD_OFF_KINDS or step.company_lookup):
            current = self._outbox.get(job.id)
            until = current.next_attempt_at if current is not None else None
            if until is not None:
                held = self._hold_off.get(job.site)
                # several sends to the site may come back struggling: the latest next attempt wins
                self._hold_off[job.site] = until if held is None or held < until else held
                self._hold_off_why[job.site] = str(step.kind if step.kind in HOLD_OFF_KINDS else OutcomeKind.SERVER)
            run.report.record_stop(str(step.kind), current.last_error if current is not None else None)

    # -- the steps of a job (drain thread: the outbox; pool: the requests) -------------------------------
    def _start(self, run: Run, job: PushJob) -> Step:
        """Hand ``job``'s first request to the pool: reading its ticket (unknown) or finding the API."""
        try:
            conn = run.connections.connection(job.site)
        except ClientUnavailable as exc:
            run.report.blocked[job.site] = str(exc)
            if exc.keyring is not None:
                run.report.keyring[job.site] = exc.keyring
            self._no_client[job.site] = self._clock() + policy.NO_CLIENT_RECHECK
            run.report.record_stop("no_client", str(exc))
            log.warning("not sending push %d: %s", job.id, exc)
            return NoOutcome.NO_CLIENT  # another site's jobs may still go
        self._no_client.pop(job.site, None)
        if job.state == JobState.UNKNOWN:
            claimed = self._outbox.claimed_remote_ids(site=job.site, kind=job.kind, exclude=job.id)
            member = job.member or run.connections.member(job.site)  # whose keys sent it: whose note to look for
            flight = Flight(job, conn, Phase.CHECK, time.monotonic())
            return self._launch(run, flight, sending.check, job, conn, member, claimed)
        if self._queued_by_other(run, job):
            return NoOutcome.HELD
        return self._launch(run, Flight(job, conn, Phase.DISCOVER, time.monotonic()), sending.prepare, job, conn)

    def _queued_by_other(self, run: Run, job: PushJob) -> bool:
        """``job`` was queued under another member's keys than the site's connection: ConnectWise would record
        it as the member signed in now. Nothing is sent: the queue pauses (kind ``member``) for the pushes of
        other members than the one signed in, until the engineer's Resume makes that member their owner
        (:meth:`Outbox.resume`), their own member's keys are back, or they are cancelled."""
        signed_in = run.connections.member(job.site)
        if signed_in is None or not job.queued_by_other(signed_in):
            return False
        hold_for_member(self._outbox, job.site, signed_in, run.connections.member_name(job.site), self._clock())
        log.warning("push %d not sent: queued as %s, the keys are %s's; the queue is paused", job.id, job.member, signed_in)
        return True

    def _member_signed_in(self, run: Run) -> None:
        """A member pause learns who is signed in at its site now: lifted when no push of another member waits
        any more (their own keys are back), or naming again those that do. One written before it kept its site
        (and member) holds every push: its site is that of the pushes of known members waiting (only the saved
        account's site can be connected to), and with none waiting it holds nothing and is lifted."""
        held = self._outbox.member_pause()
        if held is None:
            return
        if held.site is not None:
            sites = [held.site]
        else:
            sites = list(dict.fromkeys(job.site for job in self._outbox.waiting_for_other_member(None)))
            if not sites:
                self._outbox.lift_member_pause(self._clock())
                return
        for site in sites:
            try:
                run.connections.connection(site)
            except ClientUnavailable:
                continue  # no keys to tell whose they are: as it was (the run says why if a push of it is due)
            signed_in = run.connections.member(site)
            if signed_in is not None:
                hold_for_member(self._outbox, site, signed_in, run.connections.member_name(site), self._clock())
            return

    def _launch(self, run: Run, flight: Flight, request: Callable[..., Any], *args: Any) -> Step:
        run.flights[run.pool.submit(request, *args)] = flight
        return NoOutcome.IN_FLIGHT

    def _landed(self, run: Run, flight: Flight, answer: Any) -> Step:
        """A request of ``flight`` came back with ``answer``: store it, or send the next request."""
        job = flight.job
        if flight.phase is Phase.DISCOVER:
            return self._mark_sending(run, flight, answer)
        if flight.phase is Phase.CHECK:
            return self._checked(run, flight, answer)
        if isinstance(answer, ProjectTicket):  # the kind is committed before the project POST leaves
            project = Flight(self._to_project(job, JobState.SENDING), flight.conn, Phase.PROJECT_POST, flight.started)
            return self._launch(run, project, sending.post_to_project, project.job, flight.conn)
        return self._store(run.report, job, answer, flight.started)

    def _mark_sending(self, run: Run, flight: Flight, prepared: sending.Prepared) -> Step:
        """The API was looked for (and, before a first send, what is on the ticket): mark the job sending
        with that boundary (committed, before the POST leaves) and send its POST; or store why it cannot go
        (the API not found), or what stopped it (paused, a conflict, its site held off now)."""
        job = flight.job
        unreachable = prepared.unreachable
        if self._held_off(job.site, self._clock()):
            return NoOutcome.NOT_SENT
        seen: dict[str, Any] = {}
        if prepared.boundary is not None:
            seen = {"seen_before_id": prepared.boundary.highest_id, "server_date_before": prepared.boundary.server_date}
        try:
            marked = self._outbox.transition(job.id, expect=job.state, to=JobState.SENDING, now=self._clock(), **seen)
        except QueuePaused:
            return NoOutcome.QUEUE_PAUSED
        except (StateConflict, InvalidTransition) as exc:  # the engineer cancelled it meanwhile, or similar
            run.report.conflicts += 1
            log.info("push %d skipped: %s", job.id, exc)
            return NoOutcome.CONFLICT
        self._changed(marked)
        started = time.monotonic()
        if unreachable is not None:  # nothing was sent: store why, as the policy says
            return self._store(run.report, marked, unreachable, started)
        return self._launch(run, Flight(marked, flight.conn, Phase.POST, started), sending.post, marked, flight.conn)

    def _checked(self, run: Run, flight: Flight, checked: sending.Checked) -> Step:
        job = flight.job
        if checked.member is not None:
            run.connections.learnt_member(job.site, checked.member)
        outcome = checked.result
        if isinstance(outcome, ProjectTicket):
            # Every POST of this job went to the service path and a 404 stores nothing, so the note is not
            # there; it is sent to the project path from now on.
            try:
                job = self._to_project(job, JobState.UNKNOWN)
            except (StateConflict, InvalidTransition) as exc:  # the engineer cancelled it while it was checked
                run.report.conflicts += 1
                log.info("push %d: its check not stored: %s", job.id, exc)
                return NoOutcome.CONFLICT
            outcome = Outcome.absent()
        return self._store(run.report, job, outcome, flight.started)

    def _to_project(self, job: PushJob, expect: JobState) -> PushJob:
        """Record (committed) that ``job``'s ticket is a project ticket, with its never-sent time entry's
        ``chargeToType``: a crash after a project POST leaves a job whose check reads the project path."""
        if expect == JobState.SENDING:
            reason = f"Ticket #{job.ticket_id} is a project ticket, not a service ticket: posting there."
        else:
            reason = (
                f"Ticket #{job.ticket_id} is a project ticket, not a service ticket: the note cannot have been "
                "stored on the service path."
            )
        changed = self._outbox.set_ticket_kind(
            job.id,
            "project",
            expect=expect,
            child_fields={"chargeToType": TicketRef(job.ticket_id, "project").charge_to_type},
            reason=reason,
            now=self._clock(),
        )
        self._changed(changed)
        return changed

    # -- stopping ------------------------------------------------------------------------------------------
    def _land(self, run: Run) -> None:
        """The run is over (stopped, past its deadline, or an error on the drain thread): give the requests
        out ``stop_grace`` seconds, store what comes back without sending anything more, and stop waiting.
        A job whose POST is still out stays ``sending`` (the next start makes it ``unknown`` and checks it);
        a job still finding the API was not sent; a check still reading leaves its job ``unknown``."""
        grace_ends = time.monotonic() + self._stop_grace
        while run.flights:
            remaining = grace_ends - time.monotonic()
            if remaining <= 0:
                break
            done, _ = futures.wait(run.flights, timeout=remaining, return_when=futures.FIRST_COMPLETED)
            for future in done:
                flight = run.flights.pop(future)
                try:
                    self._follow(run, flight.job, self._settle(run, flight, future.result()))
                except Exception:
                    log.exception("push %d: its outcome could not be stored; it will be checked", flight.job.id)
        for flight in run.flights.values():
            if flight.phase in (Phase.POST, Phase.PROJECT_POST):
                run.report.left_sending += 1
                log.warning(
                    "push %d: no answer from ConnectWise when the drain stopped; left sending, it will be "
                    "checked on ticket #%d before any re-send",
                    flight.job.id,
                    flight.job.ticket_id,
                )
        run.flights.clear()

    def _settle(self, run: Run, flight: Flight, answer: Any) -> Step:
        """Store what a request came back with, sending nothing more."""
        if flight.phase is Phase.CHECK:
            return self._checked(run, flight, answer)
        if flight.phase is Phase.DISCOVER:
            return NoOutcome.NOT_SENT  # never marked sending: it goes at the next drain
        if isinstance(answer, ProjectTicket):  # its note was not stored: the check finds that out next time
            run.report.left_sending += 1
            return NoOutcome.LEFT_SENDING
        return self._store(run.report, flight.job, answer, flight.started)

    # -- storing -----------------------------------------------------------------------------------------
    def _store(self, report: DrainReport, job: PushJob, outcome: Outcome, started: float) -> Step:
        now = self._clock()
        decision = policy.decide(job.snapshot(), outcome, now, tz=self._tz or _local_zone())
        duration_ms = round((time.monotonic() - started) * 1000)
        try:
            stored = self._outbox.apply(job.id, decision, now=now, duration_ms=duration_ms)
        except (StateConflict, InvalidTransition) as exc:  # e.g. cancelled while being checked
            report.conflicts += 1
            log.warning("push %d: outcome %s not stored: %s", job.id, outcome.kind.value, exc)
            return NoOutcome.CONFLICT
        level = log.info if stored.state == JobState.SENT else log.warning
        level(
            "push %d (%s, ticket %d): %s -> %s (%s)%s",
            stored.id, stored.kind.value, stored.ticket_id, job.state.value, stored.state.value, outcome.kind.value,
            f" remote id {stored.remote_id}" if stored.remote_id else "",
        )  # fmt: skip
        report.results.append(
            JobResult(stored.id, stored.kind, stored.ticket_id, job.state, stored.state, decision.message)
        )
        self._changed(stored)
        return Stored(outcome.kind, paused=decision.pause_queue is not None, company_lookup=outcome.company_lookup)

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
    paused or no client can be had; ``stop`` and the ``max_seconds`` deadline end a run in flight too
    (after :data:`STOP_GRACE`)."""
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
    "MAX_IN_FLIGHT",
    "STOP_GRACE",
    "ClientProvider",
    "ClientUnavailable",
    "Connection",
    "DrainReport",
    "Drainer",
    "JobResult",
    "drain_until",
    "normalise_text",
]
