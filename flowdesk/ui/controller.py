"""The app controller: the one place the widgets talk to, and the only one that talks to the core.

Widgets call its methods and listen to its signals. Anything that may wait on the network or the
keyring goes to the ``TaskRunner`` (one-off reads) or the ``PushWorker`` (the queue); SQLite reads and
writes stay on the GUI thread (they are local and short).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from flowdesk.connectwise.bodies import EmailChoice, TicketRef
from flowdesk.core import held as held_words
from flowdesk.core import present
from flowdesk.core.held import HeldOff
from flowdesk.core.notify import JobChange, Notices, Notification, notifications_for, outage_notification
from flowdesk.core.present import PushSummary
from flowdesk.logs import get_logger
from flowdesk.push.enqueue import auto_push_skip, enqueue_push
from flowdesk.push.prepare import NotePreview, PushRefused, prepare_note
from flowdesk.push.protocol import DrainerFactory, PushDrainer
from flowdesk.services import Services
from flowdesk.store import ActionRefused, DuplicatePush, PushJob
from flowdesk.store.drafts import Drafts, DraftWriter
from flowdesk.ui.lookups import TicketLookups
from flowdesk.ui.push_worker import PushThread, PushWorker
from flowdesk.ui.queue_banners import Banner, blocked_banner, paused_banner
from flowdesk.ui.queue_pause import QueuePause
from flowdesk.ui.queue_status import push_summaries, queue_line, queue_status
from flowdesk.ui.tasks import TaskRunner

if TYPE_CHECKING:  # the models load pydantic, used only after the window's first paint
    from flowdesk.core.models import Session
    from flowdesk.core.settings import Settings

_AGAIN_STATES = ("retry_wait", "unknown", "failed")  # a push in flight at Send all now, answered with a failure
log = get_logger("ui")

# QTimer takes a 32-bit millisecond interval; re-arm at least hourly so a clock change or a long sleep
# never leaves a due job waiting (the timer measures monotonic time, which stops while suspended).
MAX_TIMER_MS = 60 * 60 * 1000
# The push worker's job changes (its mailbox, PushWorker.take_changes) reach the window in batches, at most
# this long after they happen: a drain then wakes the GUI thread and costs it one model update and one
# repaint per batch, not per change (bench "responsiveness": the longest stall while 200 notes drain).
JOB_BATCH_MS = 50


class AppController(TicketLookups, QueuePause, QObject):
    sessions_reloaded = Signal()
    session_push_changed = Signal(dict)  # {session_id: PushSummary | None}
    jobs_reloaded = Signal()
    job_changed = Signal(object)  # PushJob
    jobs_changed = Signal(list)  # [PushJob]: the same changes, once per batch (emitted before job_changed)
    queue_status_changed = Signal(str, dict, str)  # tray state, counts, status line
    notify = Signal(object)  # Notification
    banner_shown = Signal(object)  # Banner
    banner_cleared = Signal(str)  # key
    banner_updated = Signal(object)  # Banner: new words for a banner still shown (a dismissed one stays away)
    ticket_loaded = Signal(int, object)  # ticket id, Ticket
    ticket_failed = Signal(int, str)
    time_lists_loaded = Signal(list, list)  # work types, work roles: [(id, name)]
    board_statuses_loaded = Signal(int, list)  # board id, [(id, name)]
    busy_changed = Signal(bool)
    info = Signal(str)  # a passing message for the tray (or the status bar)
    settings_changed = Signal()
    drain_finished = Signal(object)  # DrainReport, or None when the run could not start (GUI thread)
    held_changed = Signal(object)  # HeldOff while sending is held off after an outage, else None
    drafts_trouble = Signal(str)  # drafts cannot be written: the line to show; "": they are written again

    DuplicatePush = DuplicatePush

    def __init__(
        self, services: Services, *, make_drainer: DrainerFactory | None = None,
        clock: Callable[[], datetime] | None = None, parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.clock = clock or (lambda: datetime.now(UTC))
        self.autostart: Any = None  # the sign-in entry (flowdesk.autostart), known after the first paint
        self.tasks = TaskRunner(self)
        self.tasks.busy_changed.connect(self.busy_changed)
        self._init_lookups()
        self._job_states: dict[int, str] = {}
        self._changes: list[JobChange] = []
        self._notices = Notices()  # the failures notified, until each posts after all (its notification says so)
        self.started_at = self.clock()
        self._closed = False
        self.last_report: Any = None
        self._sending = False
        self._offline = False
        self.held: HeldOff | None = None  # sending held off after an outage (the last drain's word)
        self._back_at: int | None = None  # the drain request that said the network is back (forgets ``held``)
        self._next_try: datetime | None = None  # when the next waiting push is due (the last drain's word)
        self._outage = False  # an outage was announced; one more notification when every waiting push is sent
        self._sent_in_outage: list[str] = []  # the kind of each push sent since the outage began
        self._outage_why = "server"  # what held sending off last in it (a rate limit is not said as an outage)
        self.others: list[PushJob] = []  # the pushes a member pause holds (as the queue's line last said them)
        self.asks = 0  # failed notes for another company's ticket, as the queue's line last counted them
        self.drafts = DraftWriter(Drafts(services.db))  # written off the GUI thread
        self.drafts.on_trouble = self.drafts_trouble.emit  # from the writer's thread: queued to _on_drafts_trouble
        self.drafts_trouble.connect(self._on_drafts_trouble)
        # "Keep this one": per session, the values the engineer kept as written, for this run of the app.
        self.kept_values: dict[str, frozenset[str]] = {}

        self.drain_timer = QTimer(self)
        self.drain_timer.setObjectName("drainTimer")
        self.drain_timer.setSingleShot(True)
        self.drain_timer.timeout.connect(self.drain_now)

        # Pushes a Retry / Send all now asked to go now, with the number of the drain request it made: a
        # run that started before that request and failed them does not answer the click (see _answer_clicks)
        self._send_now: dict[int, int] = {}
        self._pending_jobs: dict[int, Any] = {}  # the worker's changes not yet shown, by job id (latest)
        self.job_batch_timer = QTimer(self)
        self.job_batch_timer.setObjectName("jobBatchTimer")
        self.job_batch_timer.setSingleShot(True)
        self.job_batch_timer.setInterval(JOB_BATCH_MS)
        self.job_batch_timer.timeout.connect(self.flush_job_changes)

        worker = PushWorker(make_drainer or self._default_drainer_factory)
        self.push = PushThread(worker, self)
        worker.changes_waiting.connect(self._on_worker_changes)
        worker.drain_started.connect(self._on_drain_started)
        worker.drain_finished.connect(self._on_drain_finished)
        worker.drain_failed.connect(self._on_drain_failed)

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self.services.settings

    def start(self) -> None:
        for w in self.services.warnings:
            self.show_banner(Banner("settings", "warning", w))
        jobs = self.services.outbox.jobs()
        self._job_states = {j.id: j.state for j in jobs}
        self._notices = Notices(j.id for j in jobs if j.state == "failed")  # said before a restart: posted after all
        self.push.start()
        self._publish_queue_status()
        self.drain_now()  # drain on start (the first drain also recovers jobs a crash left "sending")

    def shutdown(self) -> None:
        self.drain_timer.stop()
        self.job_batch_timer.stop()
        self.push.stop()
        self.tasks.wait_for_done(5000)
        self.tasks.close()  # an answer still queued for the GUI thread must not read the store once it closes
        self.drafts.close()  # the edits typed just before quitting reach the disk before the store closes
        self._drop_search_client()
        # Signals the worker queued before it stopped may still be delivered: from now on they are ignored.
        self._closed = True

    # -- sessions ------------------------------------------------------------------------------
    def session_rows(self) -> list[Any]:
        return self.services.cache.rows()

    def push_summaries(
        self, session_ids: Iterable[str] | None = None, *, rows: Iterable[Any] | None = None
    ) -> dict[str, PushSummary]:
        """The Push column of ``session_ids``, or of every cached session (pass ``rows`` when the caller
        has just listed them: the list is not read again)."""
        listed = self.session_rows() if session_ids is None and rows is None else rows or ()
        return push_summaries(self.services.outbox, self.clock(), self.resume_as, session_ids, rows=listed, held_off=self.held)

    def load_session(self, session_id: str) -> Session | None:
        if self._closed:  # a selection timer that fires while FlowDesk shuts down: the store is closing
            return None
        from flowdesk.core.models import SessionFormatError

        try:
            return self.services.cache.get(session_id)
        except SessionFormatError as exc:
            self.show_banner(Banner("session", "error", f"This cached session cannot be read: {exc}"))
            return None

    def reload_sessions(self) -> None:
        self.sessions_reloaded.emit()

    def refresh_sessions(self, quiet: bool = False) -> None:
        """Fetch what changed from ResolutionFlow (off the GUI thread), then reload the list.

        ``quiet``: at start-up, not being signed in is normal and needs no banner.
        """
        # lazy: httpx, not before the first paint
        from flowdesk.credentials import CredentialError
        from flowdesk.http.errors import Offline, RateLimited, ServerError
        from flowdesk.resolutionflow.account import NotSignedIn, refresh, refresh_failed

        def done(report: Any) -> None:
            self.clear_banner("resolutionflow")
            self.reload_sessions()
            self.auto_push_new(report)

        def failed(exc: BaseException) -> None:
            if quiet and isinstance(exc, NotSignedIn):
                return
            again = isinstance(exc, Offline | ServerError | RateLimited | CredentialError)  # not fixed in Settings
            self.show_banner(Banner("resolutionflow", "warning", refresh_failed(exc),
                                    *(("Try again", "refresh") if again else ("Open Settings", "resolutionflow_settings"))))

        services = self.services
        profile = services.settings.resolutionflow.model_copy()
        self.tasks.submit(refresh, profile, services.credentials, services.cache, on_done=done, on_error=failed,
                          name="refresh")

    def import_files(self, paths: list[str]) -> None:
        def done(report: Any) -> None:
            self.reload_sessions()
            bad = report.bad  # the summary the CLI prints, then each file that was not imported
            lines = [report.summary(), *(f.line() for f in bad[:5])]
            if len(bad) > 5:
                lines.append(f"(and {len(bad) - 5} more files)")
            level = "info" if not bad else "warning" if report.good else "error"
            self.show_banner(Banner("import", level, "\n".join(lines)))

        def failed(exc: BaseException) -> None:
            self.show_banner(Banner("import", "error", f"Import failed: {exc}"))

        from flowdesk.resolutionflow.importer import import_paths  # lazy: the session models (pydantic)

        self.tasks.submit(import_paths, [Path(p) for p in paths], self.services.cache, on_done=done, on_error=failed, name="import")

    def auto_push_new(self, report: Any) -> None:
        """With ``auto_push`` on, queue the generated note of each session that arrived resolved or
        escalated with a linked ticket, and say so once. One with a draft is left for the engineer to push:
        their edits, not the generated note. Off (the default): nothing leaves without Push."""
        if not self.settings.auto_push:
            return
        # lazy: httpx, not before the first paint
        from flowdesk.connectwise.account import AccountError

        queued: list[int] = []
        edited: list[int] = []  # sessions with a draft: the engineer's edits are pushed by the engineer
        drafted = self.drafts.session_ids()
        since = self.settings.auto_push_since or self.started_at
        for session_id in report.changed_ids:
            session = self.load_session(session_id)
            if session is None or session.psa_ticket_id is None:
                continue
            skip = auto_push_skip(session, drafted=drafted, since=since)
            if skip == "draft":
                log.info("auto-push left session %s: it has a draft", session_id)
                edited.append(session.psa_ticket_id)
            if skip is not None:
                continue
            try:
                preview = self.prepare_note(session)
                self.enqueue(  # its ticket never looked up: its company is checked before the note is sent
                    preview, TicketRef(session.psa_ticket_id), time_entry=self.settings.time_entry_enabled,
                    check_client=session.client_name,
                )
            except (DuplicatePush, PushRefused, AccountError) as exc:
                log.info("auto-push skipped session %s: %s", session_id, exc)
                continue
            queued.append(session.psa_ticket_id)
        if queued or edited:
            self.notify_info(present.auto_pushed(queued, edited))

    def remember_time_choices(self, plan: Any) -> None:
        """The work type, role and billable option chosen for a time entry: preselected next time. The settings
        file is written only when the choice changed (not on every push: the write is on the GUI thread, and
        on Windows it may wait for an antivirus holding the file)."""
        s = self.settings
        chosen = (plan.work_type_id, plan.work_role_id, plan.billable)
        if (s.work_type_id, s.work_role_id, s.billable_option) == chosen:
            return
        s.work_type_id, s.work_role_id, s.billable_option = chosen
        with contextlib.suppress(OSError):
            self.services.save_settings()

    # -- the queue -----------------------------------------------------------------------------
    def _default_drainer_factory(self, on_change: Callable[[PushJob], None]) -> PushDrainer:
        # lazy: the drainer and httpx load after the first paint
        from flowdesk.push.runtime import make_drainer

        return make_drainer(self.services, on_change=on_change)

    def drain_now(self, fresh: bool = False) -> int:
        """Drain now; ``fresh`` also forgets hold-offs (network back, a manual retry). Returns the request's
        number (a run reports the newest it took)."""
        self.drain_timer.stop()
        return self.push.request_drain(fresh)

    def _send_now_clicked(self, job_ids: list[int], *, first: bool = False) -> None:
        """The engineer asked for these pushes to go now: a run (``first``: taking them before the others due),
        remembering which request asked."""
        self.drain_timer.stop()
        generation = self.push.request_drain(True, job_ids if first else ())
        for job_id in job_ids:
            self._send_now[job_id] = generation

    def network_back(self) -> None:  # or, in the demo, ConnectWise (Restore): the hold-off and its banner go
        self._back_at = self.drain_now(fresh=True)

    def read_keyring_again(self) -> None:
        """*Try again* on the banner of a locked keyring: a run now reads the keys again (on the push worker,
        never here), not in NO_CLIENT_RECHECK; an outage's hold-off stays."""
        self.push.reset_requested.emit()  # queued to the worker before the run: forgets the site had no client
        self.drain_now()

    def queue_changed_elsewhere(self) -> None:  # `flowdesk push`, `queue retry`… while this window holds the queue
        if not self._closed:
            self._publish_jobs([j for j in self.services.outbox.jobs() if self._job_states.get(j.id) != j.state])
            self.drain_now()

    def _on_drain_started(self) -> None:
        if self._closed:
            return
        self._sending = True
        self._publish_queue_status()

    def _held_after(self, report: Any, generation: int) -> HeldOff | None:
        """Sending held off after a run (:func:`held_words.held_after`); not once the network is back (Restore)."""
        back = self._back_at is not None and (generation == 0 or generation >= self._back_at)
        self._back_at = None if back else self._back_at
        return held_words.held_after(None if back else self.held, report.held_until, report.held_why,
                                     tried=bool(report.results), due=report.next_due_at, now=self.clock())

    def _answer_clicks(self, generation: int, handled: Collection[int]) -> None:
        """A run that took drain requests up to ``generation`` has ended, having handled the pushes ``handled``.
        A Retry / Send all now made after it started may have had its pushes taken and failed by it all the
        same (they were being sent at the click, or due, and the run still met the outage the click was made
        to end): those go again now, so a click is never lost to a run already going. They go again once: the
        next run answers the click whatever it brings (a click never starts a run after run in an outage).
        Pushes whose click this run answered are forgotten."""
        outbox, later = self.services.outbox, {i: g for i, g in self._send_now.items() if g > generation}
        again = [i for i in later if i in handled and (job := outbox.get(i)) is not None and job.state in _AGAIN_STATES]
        for job_id in again:
            del later[job_id]
        self._send_now = later
        for job_id in again:
            with contextlib.suppress(ActionRefused):
                self._on_job_changed(outbox.retry(job_id, self.clock()))
        if again:
            self.drain_now(fresh=True)

    def _on_drain_finished(self, report: Any, generation: int = 0) -> None:
        if self._closed:
            return
        self.flush_job_changes()  # what the run changed is shown before it is reported finished
        if self._send_now:
            self._answer_clicks(generation, {r.job_id for r in report.results})
        if self.ticket_failures and (any(r.state == "sent" for r in report.results) or self._account_refused(report)):
            self.look_up_again_after_an_outage(keyring=True)  # ConnectWise answered: a card does not say it cannot
        self._sending = False
        self._flush_notifications()
        self._offline = report.stopped == "offline"
        self.last_report = report
        self._next_try = report.next_due_at
        self._set_held(self._held_after(report, generation))
        if report.blocked:
            self.show_banner(blocked_banner(report))
        elif (report.paused or report.member_pause) and (paused := self.services.outbox.paused_reason()):
            self.show_banner(paused_banner(self.services.outbox, paused))
        else:
            self.clear_banner("queue")
        self._publish_queue_status()
        self.arm_drain_timer(report.next_due_at)
        self.drain_finished.emit(report)

    def _account_refused(self, report: Any) -> bool:
        """The run ended with ConnectWise refusing the account (its keys, 401; its company ID): it answered, so it
        can be reached again, whatever a ticket card read during an outage says."""
        return bool(report.results and report.paused) and self.services.outbox.paused_kind() == "account"

    def _on_drain_failed(self, message: str, answered: int = 0) -> None:
        if self._closed:
            return
        self.flush_job_changes()
        # A run that stopped before any job answered the clicks it took (up to ``answered``): their pushes are
        # due as the clicks left them and wait for the next run (in a minute, below). One a bug stopped partway
        # answered none (0): the next run that ends answers them.
        self._send_now = {i: g for i, g in self._send_now.items() if g > answered}
        self._sending = False
        self._flush_notifications()
        self.show_banner(Banner("queue", "warning", f"Not sending: {message.rstrip('.')}. Trying again in a minute."))
        self._publish_queue_status()
        # Another FlowDesk holds the queue (or a bug stopped the run): look again in a minute.
        self.drain_timer.start(60_000)
        self.drain_finished.emit(None)

    def arm_drain_timer(self, due: datetime | None = None) -> None:
        """Arm the timer for the next due job (no polling)."""
        outbox = self.services.outbox
        if outbox.sending_paused():  # a member pause lets the member signed in send: their retries are timed
            self.drain_timer.stop()
            return
        due = due or outbox.next_due_at()
        if due is None and self.held is not None:  # nothing waits, but the hold-off's words stay: a run at its end
            due = self.held.until  # ends them (the status bar read "ConnectWise unreachable" until the next push)
        if due is None:
            self.drain_timer.stop()
            return
        ms = int(max(0.0, (due - self.clock()).total_seconds()) * 1000)
        self.drain_timer.start(min(ms, MAX_TIMER_MS))

    def _on_worker_changes(self) -> None:  # taken from the worker's mailbox when the batch timer fires
        if not self.job_batch_timer.isActive() and not self._closed:
            self.job_batch_timer.start()

    def _on_job_changed(self, job: Any, *, batch: bool = False) -> None:
        if self._closed:
            return
        old = self._job_states.get(job.id)
        self._job_states[job.id] = job.state
        if self._outage and job.state == "sent" and old != "sent":
            self._sent_in_outage.append(str(job.kind))
        if job.kind == "status" and job.state == "sent" and old != "sent":
            self.ticket_changed(job.ticket_id)
        if old != job.state:
            # Held until the drain run ends, so that several failures together make one notification.
            self._changes.append(JobChange(job.id, job.kind, job.ticket_id, old, job.state, job.last_error))
            if not self._sending:
                self._flush_notifications()
        if batch:
            self._pending_jobs[job.id] = job
            if not self.job_batch_timer.isActive():
                self.job_batch_timer.start()
        else:
            self._publish_jobs([job])

    def flush_job_changes(self) -> None:
        """Show the worker's pending job changes now (the batch timer does this on its own)."""
        for job in self.push.worker.take_changes():
            self._on_job_changed(job, batch=True)
        self.job_batch_timer.stop()
        jobs, self._pending_jobs = list(self._pending_jobs.values()), {}
        if jobs and not self._closed:
            self._publish_jobs(jobs)

    def _publish_jobs(self, jobs: list[Any]) -> None:
        self._show_jobs(jobs)
        self._publish_queue_status()

    def _show_jobs(self, jobs: list[Any]) -> None:
        self.jobs_changed.emit(jobs)
        for job in jobs:
            self.job_changed.emit(job)
        self._publish_push_column(dict.fromkeys(job.session_id for job in jobs))

    def _publish_push_column(self, sessions: Iterable[str]) -> None:
        """The session list's Push column of ``sessions`` (None: nothing to show) as the queue says it now."""
        sessions = list(sessions)
        if sessions:
            summaries = self.push_summaries(sessions)
            self.session_push_changed.emit({sid: summaries.get(sid) for sid in sessions})

    def _flush_notifications(self) -> None:
        changes, self._changes = self._changes, []
        for n in self._notices.of(changes, self.settings.notification_level.value):
            self.notify.emit(n)

    def note_changes(self, changes: list[JobChange]) -> list[Notification]:
        return notifications_for(changes, self.settings.notification_level.value)

    def _set_held(self, held: HeldOff | None) -> None:
        """The last drain says whether sending is held off: announce an outage once, show its banner; the Push
        column of what waits says when it goes."""
        changed, self.held, outbox = held != self.held, held, self.services.outbox
        if changed:
            self._publish_push_column({j.session_id for j in outbox.jobs(states=held_words.WAITING_STATES)})
        if held is not None:
            self._outage_why = held.why
            kinds, others, now = outbox.kind_counts(), outbox.held_by_member_pause(), self.clock()  # others: their keys'
            counts = outbox.state_counts(kinds)  # one query for both
            if not self._outage:
                self._outage, self._sent_in_outage, theirs = True, [], {j.id for j in others}
                ids = tuple(j.id for j in outbox.jobs(states=held_words.WAITING_STATES) if j.id not in theirs)
                notice = held_words.held_notice(held, counts, now, present.LOCAL, others, kinds)
                self._notify(outage_notification(notice, ids, self.settings.notification_level.value, began=True))
            self.show_banner(self._held_banner(held, counts, others, kinds))
        else:
            self.clear_banner("held")
        self.held_changed.emit(held)

    def _held_banner(self, held: HeldOff, counts: dict[str, int], others: list[Any], kinds: Any) -> Banner:
        text = held_words.held_banner(held, counts, self.clock(), present.LOCAL, others, kinds, paused=self.pause.sending_paused)
        return Banner("held", "warning", text, held_words.SEND_ALL_NOW, "send_now")

    def _notify(self, n: Notification | None) -> None:
        if n is not None:
            self.notify.emit(n)

    def _publish_queue_status(self) -> None:
        status = queue_status(self.services.outbox, held=self.held, offline=self._offline, sending=self._sending,
                              next_try=self._next_try, now=self.clock())
        lifted = self._pause_read(status.pause)  # the pushes a refused account's pause left waiting, if it lifted
        was = {j.id: j.session_id for j in self.others}
        self.others, self.asks = status.others, status.asks
        if was.keys() != {j.id for j in status.others}:  # a member pause now holds other pushes: their Push column
            now_held = {j.id: j.session_id for j in status.others}
            self._publish_push_column({sid for i, sid in (was | now_held).items() if (i in was) != (i in now_held)})
        waiting = held_words.waiting(status.counts, status.others)  # not those a member pause holds: they stay
        if self._outage and status.held is None and not self._sending and not waiting:
            self._outage = False  # every waiting push is sent after the outage: say so once
            if self._sent_in_outage:
                notice = held_words.back_notice(self._sent_in_outage, status.others, self._outage_why)
                self._notify(outage_notification(notice, (), self.settings.notification_level.value, began=False))
        if status.held is not None and waiting:  # a push cancelled or retried: the banner counts what still waits
            self.banner_updated.emit(self._held_banner(status.held, status.counts, status.others, status.kinds))
        elif status.held is not None:  # every waiting push cancelled: no banner about what nothing waits for
            self.clear_banner("held")
        self.queue_status_changed.emit(status.state, status.counts, status.line)
        if lifted:  # their words were the pause's: shown again at once (the list, the queue, the note pane)
            self._show_jobs(lifted)

    def queue_line(self) -> str:
        """The queue's line now (but in an outage), as the status line and the tray say it."""
        return queue_line(self.services.outbox, offline=self._offline, sending=self._sending)

    def retry(self, job_id: int, *, other_company: bool = False) -> str:
        """Send ``job_id`` now; a push that may be on its ticket is checked first and, if it is not
        there, sent in the same click (the outbox keeps that request: ``send_if_absent``). Returns what the
        click does, for the status bar (not the push's last error: it is no error). ``other_company``: the
        engineer confirmed another company's ticket (its company is not checked again)."""
        said: list[str] = []
        self.services.outbox.retry(job_id, self.clock(), said, other_company=other_company)
        self.services.outbox.lift_whole_pause()  # not a member pause: Retry does not give others' pushes away
        self._refresh_job(job_id)
        self._send_now_clicked([job_id], first=True)  # in an outage, others due first ended the run before it
        return said[0]

    def retry_all(self, *, everything: bool | None = None) -> held_words.Retried:
        """*Send all now* while held off (or ``everything``): every waiting or failed push now (one that may be on its
        ticket is checked first; one being sent goes again if its answer is a failure); else *Retry all*: the failed
        ones. Not those a member pause holds (their keys or Resume send them). Returns what goes, what waits for
        that check (no sooner than ``VERIFY_DELAY`` after the lost answer) and until when, the pushes left."""
        outbox, now, retried = self.services.outbox, self.clock(), []
        everything = self.held is not None if everything is None else everything
        states = held_words.send_states(everything)
        asked = [j.id for j in outbox.jobs(states=("sending",))] if everything else []
        left = held_words.left_alone(outbox.held_by_member_pause(), states)
        held = {j.id for j in left}
        asks = outbox.other_company_failures()  # Retry on each asks first: never retried without that answer
        for job in (j for j in outbox.jobs(states=states) if j.id not in held and j.id not in asks):
            asked.append(job.id)  # even if a run takes it meanwhile: that run's failure does not answer the click
            try:
                changed = outbox.retry(job.id, now)
            except ActionRefused:  # it changed meanwhile (being sent, sent, cancelled)
                continue
            self._on_job_changed(changed)
            retried.append(changed)
        outbox.lift_whole_pause()  # not a member pause: Send all now does not give others' pushes away
        self._send_now_clicked(asked)
        checks = {j.id: j.next_attempt_at for j in retried if j.state == "unknown" and j.next_attempt_at and j.next_attempt_at > now}
        later = [j.kind for j in retried if j.id in checks or j.parent_id in checks]  # the parts, as the words name them
        return held_words.Retried(len(retried), len(later), min(checks.values(), default=None), left, self.resume_as(),
                                  not everything, [j.kind for j in retried], later, len(asks - held))

    def cancel(self, job_id: int) -> None:
        for job in self.services.outbox.cancel(job_id, self.clock()):
            self._on_job_changed(job)
        self.arm_drain_timer()

    def _refresh_job(self, job_id: int) -> None:
        job = self.services.outbox.get(job_id)
        if job is not None:
            self._on_job_changed(job)

    def jobs(self) -> list[Any]:
        return self.services.outbox.jobs()

    def next_attempt_in(self) -> timedelta | None:
        due = self.services.outbox.next_due_at()
        return None if due is None else due - self.clock()

    def pending_count(self) -> int:
        """The pushes still to be sent while the app runs: not those a member pause holds (their keys or Resume
        send them, whether the app runs or not)."""
        outbox = self.services.outbox
        return held_words.waiting(outbox.counts(), outbox.held_by_member_pause())

    def resume_as(self) -> str:
        """The member the banner's Resume sends held pushes as: the one whose keys are saved."""
        profile = self.settings.connectwise
        return present.member_signed_in(profile.member_name, profile.member_identifier)

    def connectwise_client(self) -> Any:
        """A client for the saved account. Reads the keyring: call it on a worker thread only."""
        # lazy: httpx, not before the first paint
        from flowdesk.connectwise.account import open_client

        return open_client(self.settings.connectwise, self.services.credentials)

    def prepare_note(
        self,
        session: Session,
        *,
        visibility: str | None = None,
        note_format: str | None = None,
        edited_text: str | None = None,
        include_steps: bool | None = None,
        keep: frozenset[str] | None = None,
    ) -> NotePreview:
        """The note as it would be posted with the current settings: rendered (or ``edited_text``),
        redacted for its visibility, checked, with its time entry plan. ``keep``: the values the engineer
        kept as written in this note (default: those recorded for the session). Raises ``PushRefused``
        (plain words: empty, too long) or ``RedactionError`` (nothing may be posted)."""
        return prepare_note(
            session,
            self.settings,
            visibility=visibility,
            note_format=note_format,
            edited_text=edited_text,
            include_steps=include_steps,
            keep=self.kept_values.get(session.id or "", frozenset()) if keep is None else keep,
        )

    def email_choice(self) -> EmailChoice:
        """Whom Settings → E-mail about notes asks ConnectWise to e-mail about a Discussion or Resolution note."""
        s = self.settings
        return EmailChoice(s.email_contact, s.email_resources, s.email_cc)

    def enqueue(
        self, preview: Any, ticket: Any, *, time_entry: bool, force: bool = False, status: tuple[int, str] | None = None,
        check_client: str | None = None,
    ) -> list[Any]:
        """Queue a prepared note (its time entry, and ``status`` to set after it) and start sending. Raises
        ``AccountError`` when no ConnectWise account is set up, ``DuplicatePush`` when this session was pushed before.
        ``check_client``: the session's client when the ticket's company is not known yet (see ``enqueue_push``)."""
        # lazy: httpx, not before the first paint
        from flowdesk.connectwise.account import profile_key

        profile = self.settings.connectwise
        if time_entry and getattr(preview, "time_plan", None) is not None and profile.license_class == "A":
            raise PushRefused(present.API_MEMBER_NO_TIME)  # the time would be billed to the API member
        site = profile_key(profile)
        jobs = enqueue_push(
            self.services.outbox,
            preview,
            ticket=ticket,
            site=site,
            time_entry=time_entry,
            send_end=bool(getattr(profile, "require_start_end", False)),
            force=force,
            now=self.clock(),
            email=self.email_choice(),
            status=status,
            member=profile.member_identifier,
            member_name=profile.member_name,
            check_client=check_client,
        )
        for job in jobs:
            self._on_job_changed(job)
        self.drain_now()
        return jobs

    def notify_info(self, text: str) -> None:
        self.info.emit(text)

    # -- banners -------------------------------------------------------------------------------
    def _on_drafts_trouble(self, line: str) -> None:
        """The disk refuses the drafts (full, read-only): one line says so; the edits stay in memory meanwhile."""
        if self._closed:
            return
        if line:
            self.show_banner(Banner("drafts", "error", line))
        else:
            self.clear_banner("drafts")

    def show_banner(self, banner: Banner) -> None:
        self.banner_shown.emit(banner)

    def clear_banner(self, key: str) -> None:
        self.banner_cleared.emit(key)
