"""The one push worker: a QObject on its own QThread that owns the Drainer and its ConnectWise client.

The GUI thread only ever asks it to drain (queued signal) and hears back through signals: it never
waits for ConnectWise or the keyring. Job state lives in SQLite, committed before every network call,
so quitting mid-push (or crashing) loses nothing: the job is found in ``sending`` next time, becomes
``unknown``, and is checked against the ticket before anything is re-sent.
"""

from __future__ import annotations

import threading
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
    drain_finished = Signal(object)  # DrainReport
    drain_failed = Signal(str)  # a problem that stopped the run before any job (no account, keyring…)

    def __init__(self, make_drainer: DrainerFactory) -> None:
        super().__init__()
        self._make_drainer = make_drainer
        self._drainer: PushDrainer | None = None
        self._stop = threading.Event()
        self._changes: list[Any] = []
        self._changes_lock = threading.Lock()

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

    @Slot(bool)
    def drain(self, fresh: bool = False) -> None:
        """Send what is due. ``fresh``: forget hold-offs first (the network came back, or a manual retry)."""
        if self._stop.is_set():
            return
        self.drain_started.emit()
        try:
            drainer = self._ensure()
            if fresh:
                drainer.clear_hold_off()
            report = drainer.run_due(stop=self._stop)
        except Exception as exc:  # lock held elsewhere, or a bug: reported, and the worker lives on
            from flowdesk.push.lock import DrainLockBusy

            if not isinstance(exc, DrainLockBusy):
                log.exception("drain failed")
            self.drain_failed.emit(str(exc) or type(exc).__name__)
            return
        self.drain_finished.emit(report)

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

    drain_requested = Signal(bool)
    reset_requested = Signal()

    def __init__(self, worker: PushWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.qthread = QThread(self)
        self.qthread.setObjectName("flowdesk-push")
        worker.moveToThread(self.qthread)
        self.drain_requested.connect(worker.drain)
        self.reset_requested.connect(worker.reset_client)
        self.qthread.finished.connect(worker.deleteLater)

    def start(self) -> None:
        self.qthread.start()

    def stop(self, wait_ms: int = 10_000) -> bool:
        self.worker.request_stop()
        if self.qthread.isRunning():
            QMetaObject.invokeMethod(self.worker, "close", Qt.ConnectionType.BlockingQueuedConnection)
        self.qthread.quit()
        finished = self.qthread.wait(wait_ms)
        if not finished:
            log.warning("the push thread did not stop within %d ms", wait_ms)
        return finished
