"""A ring in the palette's highlight colour around a list or a text area while it has the keyboard focus.

Fusion (and most Linux styles) show the focus of a list only as a dotted, pale frame around its current
cell, and that of a multi-line text box only as its cursor (which stops blinking after a while, see
``blink``): with the keyboard alone nobody could tell whether the session list, the queue or the note had
the focus. A line edit shows it with its frame in the highlight colour; this gives the lists and the note
the same mark, drawn over the widget's own frame (2 px, in ``QPalette.Highlight``, which follows the
platform and the dark palette) and only while the widget or a child of it has the focus, as a native
focus ring is. It hides when the window is not active, as the style's own focus marks do.

Only the focused widget is watched for resizes (an event filter on it while it has the focus), so no
Python runs for the events of the rest of the window.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QRegion
from PySide6.QtWidgets import QApplication, QWidget

RING_WIDTH = 2  # logical pixels: at QT_SCALE_FACTOR=2 it is 4 device pixels, as thick to the eye


class FocusRing(QWidget):
    """The ring around ``target``; shown while ``target`` (or a child of it) has the focus."""

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self.target = target
        self.setObjectName("focusRing")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName("")  # decoration: never a stop for a screen reader
        self.hide()
        self._watching = False
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
            self._on_focus_changed(None, app.focusWidget())

    def _has_focus(self, widget: QWidget | None) -> bool:
        return widget is not None and (widget is self.target or self.target.isAncestorOf(widget))

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        with contextlib.suppress(RuntimeError):  # the target is being deleted
            focused = self._has_focus(new)
            if focused and not self._watching:
                self.target.installEventFilter(self)
                self._watching = True
                self._fit()
                self.show()
                self.raise_()
            elif not focused and self._watching:
                self.target.removeEventFilter(self)
                self._watching = False
                self.hide()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if obj is self.target and event.type() == QEvent.Type.Resize:
            self._fit()
        return False

    def _fit(self) -> None:
        rect = self.target.rect()
        self.setGeometry(rect)
        w = RING_WIDTH
        self.setMask(QRegion(rect).subtracted(QRegion(rect.adjusted(w, w, -w, -w))))

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Highlight))
        painter.end()


def add_focus_rings(*targets: QWidget) -> list[FocusRing]:
    return [FocusRing(t) for t in targets]
