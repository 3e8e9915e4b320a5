"""The keyboard shortcuts dialog (F1, Ctrl+/): every action's keys, and the keys that have no action."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from flowdesk.ui.layout import fit_to_screen

KEYS_WITHOUT_ACTIONS: list[tuple[str, str]] = [
    ("Ctrl+Enter", "Push the note (anywhere on the Sessions tab)"),  # the editor's shortcut is the window's
    ("Down or Enter", "From the search box to the list"),
    ("Escape", "Clear the search"),
    ("Up / Down", "Move through the list (the note follows when you stop)"),
    ("Tab / Shift+Tab", "Next / previous control"),
    ("Delete", "Cancel the selected job (in the queue)"),
]


def action_shortcuts(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(keys, what they do) for each action with a shortcut: "F6 or Ctrl+Tab", "Next pane"."""
    rows = []
    for action in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()]
        if keys:
            rows.append((" or ".join(keys), action.text().replace("&", "").rstrip("…")))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        table = QTableWidget(len(rows), 2, self)
        table.setObjectName("shortcutsTable")
        table.setAccessibleName("Keyboard shortcuts")
        table.setHorizontalHeaderLabels(["Keys", "Does"])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)
        table.verticalHeader().hide()
        for r, (keys, what) in enumerate(rows):
            table.setItem(r, 0, QTableWidgetItem(keys))
            table.setItem(r, 1, QTableWidgetItem(what))
        table.resizeColumnToContents(0)
        table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        for b in buttons.buttons():
            b.setAccessibleName(b.text().replace("&", ""))
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(520, 460)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        fit_to_screen(self)  # at QT_SCALE_FACTOR=2 a 900 px screen is 450 tall: Close was below its edge
