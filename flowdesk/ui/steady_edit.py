"""A plain-text editor that keeps the engineer's place when it gets shorter.

A line appearing above the note ("Queued for #48405", then "Posted to #48405 …", a ticket card that wraps
once more) takes its height from the editor. Qt keeps the top line where it was, so the note's last lines —
where the engineer usually was, having just added a line at the end — slid out of view. Here a view that
was at the note's end stays at its end, and a cursor that was in view stays in view (the end is given up
before the cursor is)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QPlainTextEdit

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent


class SteadyPlainTextEdit(QPlainTextEdit):
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        # Qt calls this for the viewport's resize (the scroll area's own goes to its layout first): the
        # scroll bar still has its old range here, and the cursor's place is still where it was shown.
        old, new = event.oldSize(), event.size()
        shorter = old.isValid() and new.height() < old.height() and new == self.viewport().size()
        if not shorter:
            super().resizeEvent(event)
            return
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum()
        cursor = self.cursorRect()
        cursor_seen = cursor.top() >= 0 and cursor.bottom() <= old.height()
        super().resizeEvent(event)
        if at_end:
            bar.setValue(bar.maximum())
        if cursor_seen:
            self.ensureCursorVisible()
