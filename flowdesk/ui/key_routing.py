"""The window's Ctrl and Alt shortcuts stay the window's in its line edits (apart from the F1 dialog's module,
:mod:`flowdesk.ui.shortcuts`, which loads when F1 is first pressed, not before the first paint)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLineEdit, QWidget


class LetShortcutsThrough(QObject):
    """On a line edit: the window's shortcuts (``keys``, as ``QKeySequence.toString`` says them) stay the
    window's. On X11 a QLineEdit takes Ctrl+E as its own "end of line": seen, Ctrl+E in the ticket finder did
    not go to the note, and the note's next words were typed into the search."""

    def __init__(self, keys: Iterable[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.keys = frozenset(keys)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        # filtered, a ShortcutOverride stays unaccepted: the shortcut, not the line edit, gets the key
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            return QKeySequence(event.keyCombination()).toString() in self.keys
        return False


def let_shortcuts_through(window: QWidget, actions: Iterable[QAction]) -> LetShortcutsThrough:
    """Install :class:`LetShortcutsThrough` on the window's line edits, for its actions' Ctrl and Alt keys."""
    keys = [seq.toString() for a in actions for seq in a.shortcuts() if seq.count() == 1]  # "Ctrl+E" (portable)
    keys = [k for k in keys if k.startswith(("Ctrl+", "Alt+"))]  # Ctrl+Shift+R too; never a plain key
    through = LetShortcutsThrough(keys, window)
    for edit in window.findChildren(QLineEdit):
        edit.installEventFilter(through)
    return through
