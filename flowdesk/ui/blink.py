"""Text cursors stop blinking after a while without input, as Windows (``CaretTimeout``, 5 s) and GTK
(``cursor-blink-timeout``, 10 s) do.

A blinking cursor in the focused search box woke the whole app twice a second (a timer, a repaint of
the box, a flush of the window) for as long as the window was open: it was nearly all of FlowDesk's
idle CPU (``bench/gui_idle.py``: 0.041 s per 30 s idle before, 0.001 s after). After
``BLINK_TIMEOUT_MS`` without a key press, a click or a focus change the cursor stays on, steadily;
the next input makes it blink again.

Only the focused widget is watched (an event filter on it, moved when the focus moves), so no Python
runs for the events of the rest of the window.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

BLINK_TIMEOUT_MS = 5_000  # Windows' default CaretTimeout
_INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.InputMethod, QEvent.Type.FocusIn}
_PLATFORM_FLASH = "flowdeskPlatformCursorFlashMs"  # the platform's flash time, kept on the application


class CursorBlinkTimeout(QObject):
    """Sets the application's cursor flash time to 0 after ``timeout_ms`` without input, and back to the
    platform's on the next input. ``stop()`` gives the platform's value back for good."""

    def __init__(self, app: QApplication, parent: QObject | None = None, timeout_ms: int = BLINK_TIMEOUT_MS) -> None:
        super().__init__(parent)
        self._app = app
        if app.property(_PLATFORM_FLASH) is None:  # the first one reads it, before anyone changed it
            app.setProperty(_PLATFORM_FLASH, app.cursorFlashTime())
        self._flash_ms = int(app.property(_PLATFORM_FLASH))  # 0: the platform never blinks
        self._watched: QWidget | None = None
        self._stopped = False
        self.timer = QTimer(self)
        self.timer.setObjectName("cursorBlinkTimer")
        self.timer.setSingleShot(True)
        self.timer.setInterval(timeout_ms)
        self.timer.timeout.connect(self._stop_blinking)
        app.focusChanged.connect(self._on_focus_changed)
        self._on_focus_changed(None, app.focusWidget())

    @property
    def blinking(self) -> bool:
        return self._app.cursorFlashTime() != 0

    def _watch(self, widget: QWidget | None) -> None:
        if self._watched is not None:
            with contextlib.suppress(RuntimeError):  # already deleted
                self._watched.removeEventFilter(self)
        self._watched = widget
        if widget is not None:
            widget.installEventFilter(self)

    def _on_focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if self._stopped:
            return
        self._watch(new)
        self.wake()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _INPUT:
            self.wake()
        return False

    def wake(self) -> None:
        """Input: blink again (if the platform blinks), and stop again after the timeout."""
        if self._flash_ms and not self.blinking:
            self._app.setCursorFlashTime(self._flash_ms)
        self.timer.start()

    def _stop_blinking(self) -> None:
        if self._flash_ms:
            self._app.setCursorFlashTime(0)

    def stop(self) -> None:
        self.timer.stop()
        self._stopped = True  # the focus connection ends with this object (its parent, the window)
        self._watch(None)
        if self._flash_ms:
            self._app.setCursorFlashTime(self._flash_ms)
