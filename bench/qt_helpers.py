"""Qt measuring tools for the benchmark children: when paint passes end, event-loop heartbeats, waiting."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication


class PaintClock(QObject):
    """Notes when each paint pass that touched one of ``widgets`` has finished, and which of them it painted.

    A Paint event on a watched widget posts a zero timer; it fires once the whole synchronous paint pass
    (every dirty widget of the window, then the flush) is done, and records ``perf_counter()``."""

    def __init__(self, widgets: Iterable[Any]) -> None:
        super().__init__()
        self.ends: list[float] = []
        self.passes: list[tuple[float, frozenset[int]]] = []  # (end, ids of the watched widgets painted)
        self._painted: set[int] = set()
        for w in widgets:
            w.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            if not self._painted:
                QTimer.singleShot(0, self._done)
            self._painted.add(id(obj))
        return False

    def _done(self) -> None:
        t = time.perf_counter()
        self.ends.append(t)
        self.passes.append((t, frozenset(self._painted)))
        self._painted = set()

    def last_since(self, t0: float) -> float | None:
        """Seconds from ``t0`` to the end of the last paint pass after it, or None when nothing was painted."""
        after = [t for t in self.ends if t >= t0]
        return (after[-1] - t0) if after else None

    def shown_since(self, t0: float, target: Any, echo: Any = None) -> float | None:
        """Seconds from ``t0`` until the effect was on screen: the end of the last pass after ``t0`` that
        painted ``target`` (the table), or, when the table did not change, of the first pass that painted
        ``echo`` (the line edit showing the key). Later passes that only repaint ``echo`` are animation
        frames (the clear button of a QLineEdit fades in and out for ~150 ms), not latency."""
        after = [(t, ids) for t, ids in self.passes if t >= t0]
        with_target = [t for t, ids in after if id(target) in ids]
        if with_target:
            return with_target[-1] - t0
        if echo is not None:
            with_echo = [t for t, ids in after if id(echo) in ids]
            if with_echo:
                return with_echo[0] - t0
        return None


def spin(ms: int) -> None:
    """Run the event loop for ``ms`` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(cond: Callable[[], bool], timeout_ms: int, step_ms: int = 10) -> bool:
    """Run the event loop until ``cond()`` holds (checked every ``step_ms``) or the time is up."""
    t = QElapsedTimer()
    t.start()
    while not cond():
        if t.elapsed() > timeout_ms:
            return False
        spin(step_ms)
    return True


def wait_for(signal: Any, cond: Callable[[], bool], timeout_ms: int) -> bool:
    """Run the event loop until ``cond()`` holds, looking at it only when ``signal`` is emitted (no polling:
    the loop does nothing of its own while it waits, so a heartbeat measured meanwhile is the app's)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not cond():
        left_ms = int((deadline - time.monotonic()) * 1000)
        if left_ms <= 0:
            return False
        loop = QEventLoop()
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        signal.connect(loop.quit)
        timer.start(left_ms)
        loop.exec()
        timer.stop()
        signal.disconnect(loop.quit)
    return True


def timed_interaction(
    clock: PaintClock, action: Callable[[], None], settle_ms: int, target: Any = None, echo: Any = None
) -> float:
    """Milliseconds from just before ``action()`` to the end of the repaint it caused (the event loop runs
    ``settle_ms`` after the action, so deferred layouts and their repaints are included). With ``target``:
    the last repaint of ``target`` (else the first of ``echo``), see :meth:`PaintClock.shown_since`;
    without: the last paint pass of any watched widget."""
    QApplication.processEvents()
    t0 = time.perf_counter()
    action()
    spin(settle_ms)
    took = clock.shown_since(t0, target, echo) if target is not None else clock.last_since(t0)
    if took is None:  # nothing needed repainting: the action itself is the whole latency
        return 0.0
    return took * 1000


class Heartbeat(QObject):
    """A 5 ms precise timer on the GUI thread; the gaps between its ticks are how long the loop was busy."""

    def __init__(self, interval_ms: int = 5) -> None:
        super().__init__()
        self.ticks: list[float] = []
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def start(self) -> None:
        self.ticks.clear()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def gaps_ms(self, since: float | None = None, until: float | None = None) -> list[float]:
        t = [x for x in self.ticks if (since is None or x >= since) and (until is None or x <= until)]
        return [(b - a) * 1000 for a, b in zip(t, t[1:], strict=False)]


def use_memory_keyring() -> Any:
    """Keys in this process only: the benchmarks never touch the engineer's OS keyring."""
    import keyring

    from flowdesk.ui.demo import MemoryKeyring

    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


def app_with_keys(public_key: str, private_key: str) -> Any:
    """The real ``FlowDeskApp`` over ``FLOWDESK_HOME`` (its account the sandbox's), with the sandbox's keys in
    an in-memory keyring (never the engineer's)."""
    use_memory_keyring()
    from flowdesk.connectwise.account import profile_key
    from flowdesk.credentials import CredentialStore
    from flowdesk.paths import AppPaths
    from flowdesk.ui.app import FlowDeskApp, make_application

    make_application(["flowdesk"])
    fd = FlowDeskApp(AppPaths.from_env(), has_tray=False)
    CredentialStore().save_connectwise_keys(profile_key(fd.services.settings.connectwise), public_key, private_key)
    return fd
