"""The window's questions answered from the keyboard. Seen in the demo: a note linked through the ticket
finder to another company's ticket asked "Post Summit Ridge Orthopedics's note to Kessler Precision
Machining's ticket?" with *Push to this ticket* as the default button, so the Enter that follows Ctrl+Enter
by habit posted the note on another client's ticket. Every question gives the safe answer to Enter."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from flowdesk.ui.questions import ask

pytestmark = pytest.mark.usefixtures("qapp")


def _answer_with_enter(qtbot: Any, parent: QWidget, **kwargs: Any) -> tuple[bool | None, list[str]]:
    defaults: list[str] = []

    def inside() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        QTimer.singleShot(15000, box.reject)  # a guard: a question that never settles fails, not hangs
        default = box.defaultButton()
        defaults.append(default.text() if default is not None else "")
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(0, inside)
    return ask(parent, "Another company's ticket", "Post it there?", "Push to this ticket", **kwargs), defaults


def test_enter_gives_the_safe_answer_as_escape_does(qtbot):
    """Every question guards something that sends or throws away: Enter answers as Escape does."""
    parent = QWidget()
    qtbot.addWidget(parent)
    answer, defaults = _answer_with_enter(qtbot, parent)
    assert answer is False and defaults == ["Cancel"]
    answer, defaults = _answer_with_enter(qtbot, parent, no="Keep it")
    assert answer is False and defaults == ["Keep it"]
    answer, defaults = _answer_with_enter(qtbot, parent, no="Regenerate", cancel=True)
    assert answer is None and defaults == ["Cancel"]
