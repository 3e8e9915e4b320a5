"""The status bar's queue line: the whole of it when there is room, else cut with "…" (its tooltip has all of
it), and while a temporary message shows (a click's answer: "1 note and 1 time entry go at 07:25, …") it makes
way for the message, which would otherwise be cut off under it. ``text()`` is always the whole line."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

MESSAGE_MARGIN = 48  # the status bar's margins, the size grip and a gap between the message and the line


class QueueLine(QLabel):
    def __init__(self, bar: QStatusBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bar = bar
        self._room: int | None = None  # the width a temporary message leaves the line; None: no message
        bar.messageChanged.connect(self._make_room)
        bar.installEventFilter(self)

    def set_line(self, line: str) -> None:
        self.setText(line)
        self.setToolTip(line)  # the whole of it: a narrow window, or a message beside it, cuts its end

    def _full_width(self) -> int:
        m = self.contentsMargins()
        return self.fontMetrics().horizontalAdvance(self.text()) + m.left() + m.right() + 2 * self.margin() + 2

    def sizeHint(self) -> QSize:  # noqa: N802
        width = self._full_width() if self._room is None else min(self._full_width(), self._room)
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, super().minimumSizeHint().height())

    def _make_room(self, message: str = "") -> None:
        message = message or self._bar.currentMessage()
        if message:
            wanted = self._bar.fontMetrics().horizontalAdvance(message) + MESSAGE_MARGIN
            self._room = max(0, self._bar.width() - wanted)
            self._bar.setToolTip(message)  # the whole message, if even the line's room was not enough
        else:
            self._room = None
            self._bar.setToolTip("")
        self.updateGeometry()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self._bar and event.type() == QEvent.Type.Resize and self._room is not None:
            self._make_room()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        rect = self.contentsRect().adjusted(self.margin(), self.margin(), -self.margin(), -self.margin())
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter = QPainter(self)
        self.style().drawItemText(
            painter, rect, int(self.alignment()), self.palette(), self.isEnabled(), shown, self.foregroundRole()
        )
