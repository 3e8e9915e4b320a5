"""Blocking work (network, keyring) off the GUI thread; results delivered back on the GUI thread.

``TaskRunner.submit(fn, *args, on_done=..., on_error=...)`` runs ``fn`` on a thread pool. The callbacks
run on the thread that owns the runner (the GUI thread) through a queued signal, so widgets can be
touched there safely. Given an ``owner`` (the widget the answer is for), they are not called once it is gone
(a window closed while the work ran): the answer is dropped, as no one is left to show it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from shiboken6 import isValid

from flowdesk.logs import get_logger

log = get_logger("ui")


class _Relay(QObject):
    """Lives on the runner's (GUI) thread. Its slots are bound methods of a QObject, so a signal emitted on
    a worker thread reaches them through the GUI thread's event loop. (A plain Python callable connected
    to a signal has no thread of its own: PySide6 would call it right there, on the worker thread.)"""

    done = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QObject, on_done: Callable[[Any], None], on_failed: Callable[[BaseException], None]) -> None:
        super().__init__(parent)
        self._on_done = on_done
        self._on_failed = on_failed
        self.done.connect(self.deliver_done)
        self.failed.connect(self.deliver_failed)

    @Slot(object)
    def deliver_done(self, result: Any) -> None:
        self._on_done(result)

    @Slot(object)
    def deliver_failed(self, exc: Any) -> None:
        self._on_failed(exc)


class _Job(QRunnable):
    def __init__(self, relay: _Relay, fn: Callable[..., Any], args: tuple[Any, ...], name: str) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._relay = relay
        self._fn = fn
        self._args = args
        self._name = name

    def run(self) -> None:
        try:
            result = self._fn(*self._args)
        except BaseException as exc:  # delivered to on_error; never lost in a worker thread
            if not isinstance(exc, Exception):
                log.error("task %s ended with %s", self._name, type(exc).__name__)
            self._relay.failed.emit(exc)
        else:
            self._relay.done.emit(result)


class TaskRunner(QObject):
    """A small pool for one-off reads: ticket look-ups, connection tests, sign-in, keyring reads."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._pool.setObjectName("flowdeskTaskPool")
        self._relays: set[_Relay] = set()
        self._closed = False

    def close(self) -> None:
        """The app is closing (its store too): answers still queued for the GUI thread are dropped, not run
        against what is closed."""
        self._closed = True

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        name: str = "",
        owner: QObject | None = None,
    ) -> None:
        def finish() -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            if not self._relays:
                self.busy_changed.emit(False)

        def done(result: Any) -> None:
            try:
                if self._closed:
                    log.info("background task %s answered after FlowDesk closed", name or getattr(fn, "__name__", "?"))
                elif on_done is not None and (owner is None or isValid(owner)):
                    on_done(result)
            finally:
                finish()

        def failed(exc: BaseException) -> None:
            try:
                if self._closed or (owner is not None and not isValid(owner)):
                    gone = "FlowDesk" if self._closed else "its window"
                    log.info("background task %s ended after %s closed", name or getattr(fn, "__name__", "?"), gone)
                elif on_error is not None:
                    on_error(exc)
                else:
                    log.warning("background task %s failed: %s", name or getattr(fn, "__name__", "?"), exc)
            finally:
                finish()

        relay = _Relay(self, done, failed)
        self._relays.add(relay)
        if len(self._relays) == 1:
            self.busy_changed.emit(True)
        self._pool.start(_Job(relay, fn, args, name or getattr(fn, "__name__", "task")))

    @property
    def active(self) -> int:
        return len(self._relays)

    def wait_for_done(self, msecs: int = 5000) -> bool:
        return self._pool.waitForDone(msecs)
