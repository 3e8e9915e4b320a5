"""The one push worker: a QObject on its own QThread that owns the Drainer and its ConnectWise client.

The GUI thread only ever asks it to drain (queued signal) and hears back through signals: it never
waits for ConnectWise or the keyring. Job state lives in SQLite, committed before every network call,
so quitting mid-push (or crashing) loses nothing: the job is found in ``sending`` next time, becomes
``unknown``, and is checked against the ticket before anything is re-sent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, Signal, Slot

from flowdesk.logs import get_logger
from flowdesk.push.protocol import DrainerFactory, PushDrainer

log = get_logger("ui")


class PushWorker(QObject):
    # The drainer's job changes (a PushJob after each committed transition) wait in a mailbox that the GUI
    # thread empties with take_changes(); changes_waiting is sent when the first one arrives in an empty
    # mailbox, so a drain of 200 notes wakes the GUI thread once per batch, not 400 times.
    changes_waiting = Signal()
    drain_started = Signal()
    drain_finished = Signal(object, int)  # DrainReport, the newest request the run took (see want_drain)
    # A problem that stopped the run (no account, the keyring, the queue held by another FlowDesk, a bug), and
    # the newest request it answered: all it took if it stopped before any job, none (0) if it stopped partway.
    drain_failed = Signal(str, int)

    def __init__(self, make_drainer: DrainerFactory) -> None:
        super().__init__()
        self._make_drainer = make_drainer
        self._drainer: PushDrainer | None = None
        self._stop = threading.Event()
        self._changes: list[Any] = []
        self._changes_lock = threading.Lock()
        # At most one run waits behind the one in progress: requests made meanwhile join it (a burst of
        # clicks, timers and pushes is one more run, not a run each). Guarded by _request_lock.
        self._request_lock = threading.Lock()
        self._requested = False
        self._requested_fresh = False
        self._requested_first: list[int] = []  # pushes a Retry asked for: the run takes them first
        self._generation = 0  # requests made so far: a run reports the newest one it took

    def _ensure(self) -> PushDrainer:
        if self._drainer is None:
            self._drainer = self._make_drainer(self._job_changed)
        return self._drainer

    def _job_changed(self, job: Any) -> None:
        """The drainer's ``on_change`` (on this thread): into the mailbox; the GUI thread is told once."""
        with self._changes_lock:
            first = not self._changes
            self._changes.append(job)
        if first:
            self.changes_waiting.emit()

    def take_changes(self) -> list[Any]:
        """The job changes since the last call, oldest first (any thread; the GUI thread calls it)."""
        with self._changes_lock:
            changes, self._changes = self._changes, []
        return changes

    def want_drain(self, fresh: bool, first: Iterable[int] = ()) -> tuple[bool, int]:
        """Called from the GUI thread: note a request for a run. Returns whether a new run must be queued
        (not when one is already waiting to start: this request joins it, and ``fresh`` is kept), and the
        request's number. A run that reports a number below it started before the request was made."""
        with self._request_lock:
            self._generation += 1
            self._requested_fresh = self._requested_fresh or fresh
            self._requested_first += first
            queue = not self._requested
            self._requested = True
            return queue, self._generation

    @Slot()
    def run_requested(self) -> None:
        """The queued run: takes every request made since the last one started."""
        with self._request_lock:
            if not self._requested:
                return
            fresh, self._requested, self._requested_fresh = self._requested_fresh, False, False
            first, self._requested_first = self._requested_first, []
            generation = self._generation
        self.drain(fresh, generation, first)

    def drain(self, fresh: bool = False, generation: int = 0, first: Iterable[int] = ()) -> None:
        """Send what is due. ``fresh``: forget hold-offs first (the network came back, or a manual retry)."""
        if self._stop.is_set():
            return
        self.drain_started.emit()
        running = False
        try:
            drainer = self._ensure()
            if fresh:
                drainer.clear_hold_off()
            running = True
            report = drainer.run_due(stop=self._stop, first=list(first))
        except Exception as exc:  # lock held elsewhere, or a bug: reported, and the worker lives on
            from flowdesk.push.lock import DrainLockBusy

            busy = isinstance(exc, DrainLockBusy)  # raised before the run takes any job
            if not busy:
                log.exception("drain failed")
            self.drain_failed.emit(str(exc) or type(exc).__name__, generation if busy or not running else 0)
            return
        self.drain_finished.emit(report, generation)

    @Slot()
    def reset_client(self) -> None:
        """The ConnectWise account changed: build a new client on the next drain."""
        if self._drainer is not None:
            self._drainer.reset_client()

    @Slot()
    def close(self) -> None:
        """On the worker thread, at quit: close the clients and release the drain lock."""
        if self._drainer is not None:
            self._drainer.close()
            self._drainer = None

    def request_stop(self) -> None:
        """Called from the GUI thread at quit: start no new request; the drain in progress gives the requests
        out a short grace, then returns (their jobs stay ``sending`` and are checked at the next start)."""
        self._stop.set()
        drainer = self._drainer
        if drainer is not None:
            drainer.interrupt()


class PushThread(QObject):
    """Owns the QThread and the worker living on it."""

    drain_requested = Signal()  # queued to the worker: one run of what the requests since the last asked for
    reset_requested = Signal()

    def __init__(self, worker: PushWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.qthread = QThread(self)
        self.qthread.setObjectName("flowdesk-push")
        worker.moveToThread(self.qthread)
        self.drain_requested.connect(worker.run_requested)
        self.reset_requested.connect(worker.reset_client)
        self.qthread.finished.connect(worker.deleteLater)

    def start(self) -> None:
        self.qthread.start()

    def request_drain(self, fresh: bool = False, first: Iterable[int] = ()) -> int:
        """Ask for a run (GUI thread). A request made while one waits to start joins that one. Returns the
        request's number (``drain_finished`` carries the newest number its run took)."""
        queue, generation = self.worker.want_drain(fresh, first)
        if queue:
            self.drain_requested.emit()
        return generation

    def stop(self, wait_ms: int = 10_000) -> bool:
        self.worker.request_stop()
        if self.qthread.isRunning():
            QMetaObject.invokeMethod(self.worker, "close", Qt.ConnectionType.BlockingQueuedConnection)
        self.qthread.quit()
        finished = self.qthread.wait(wait_ms)
        if not finished:
            log.warning("the push thread did not stop within %d ms", wait_ms)
        return finished
