"""The end of the session list's first paint: one notifier for the app and for the start-up benchmark.

The app starts its work (the first drain, the session refresh: they import the network stack and start
threads) only once the window is on screen, so that they do not hold it back. The start-up benchmark
(``bench/startup.py``) measures up to the same point: with ``FLOWDESK_EXIT_AFTER_FIRST_PAINT`` set, the
app prints ``flowdesk-first-paint <time.monotonic()>`` when the first paint pass that painted the session
list is over, then quits as if Quit was chosen.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

FIRST_PAINT_ENV = "FLOWDESK_EXIT_AFTER_FIRST_PAINT"
FIRST_PAINT_MARK = "flowdesk-first-paint"


class FirstPaint(QObject):
    """Emits ``painted`` once, when the first paint pass that painted ``widget`` is over."""

    painted = Signal()

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget
        self.done = False
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if obj is self._widget and event.type() == QEvent.Type.Paint:
            self._widget.removeEventFilter(self)
            QTimer.singleShot(0, self, self._emit)  # runs once this whole paint pass is done
        return False

    def _emit(self) -> None:
        if not self.done:
            self.done = True
            self.painted.emit()


def after_first_paint(first_paint: FirstPaint, callback: Callable[[], None], *, fallback_ms: int = 2000) -> None:
    """Call ``callback`` once: a turn of the event loop after the first paint (not in the middle of what
    that paint queued), or after ``fallback_ms`` if it never comes (a window the platform keeps hidden
    must still start working)."""
    pending: list[Callable[[], None]] = [callback]

    def fire() -> None:
        if pending:
            pending.pop()()

    first_paint.painted.connect(lambda: QTimer.singleShot(0, first_paint, fire))
    QTimer.singleShot(fallback_ms, first_paint, fire)


def exit_after_first_paint(first_paint: FirstPaint, env: Mapping[str, str] | None = None) -> bool:
    """The start-up benchmark's hook: when ``FLOWDESK_EXIT_AFTER_FIRST_PAINT`` is set, report the end of
    the first paint on stdout and quit. Connect it before anything else listens to ``painted``."""
    if not (os.environ if env is None else env).get(FIRST_PAINT_ENV):
        return False

    def report() -> None:
        print(f"{FIRST_PAINT_MARK} {time.monotonic():.6f}", flush=True)
        QApplication.quit()

    first_paint.painted.connect(report)
    return True
