"""The window's questions: a modal box whose safe answer is what Escape and the close button give."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

# A question that follows what it is about while it is open: a signal, and what the question says now
# (None: there is nothing left to ask, which answers *yes*).
Follow = tuple[Any, Callable[[], str | None]]


def ask(
    parent: QWidget, title: str, text: str, yes: str, no: str | None = None, *, cancel: bool = False,
    follow: Follow | None = None, safe_default: bool = False,
) -> bool | None:
    """A question: True when *yes* is clicked, False when *no* (or Cancel) is. Escape and the close button
    answer *no* (Cancel without it), so *no* must be the safe answer; with *cancel*, a Cancel button too,
    and a dismissal answers None. With *follow*, its text is asked again each time the signal fires: the
    question says what is true now, and closes itself answering True once there is nothing left to ask.
    With *safe_default*, Enter gives the safe answer too: for a question whose *yes* cannot be taken back
    (a note on another company's ticket, a second copy of a note), which a reflexive Enter must not answer."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    other = box.addButton(no, QMessageBox.ButtonRole.RejectRole) if no else None
    if other is None or cancel:
        box.setEscapeButton(box.addButton(QMessageBox.StandardButton.Cancel))
    else:
        box.setEscapeButton(other)
    safe = box.escapeButton()
    box.setDefaultButton(safe if safe_default and isinstance(safe, QPushButton) else ok)
    settled: list[bool] = []

    def again(*_: Any) -> None:
        now = follow[1]() if follow is not None else None
        if now is None:
            settled.append(True)
            box.done(0)
        elif now != box.text():
            box.setText(now)

    if follow is not None:
        follow[0].connect(again)
    try:
        box.exec()
    finally:
        if follow is not None:
            with contextlib.suppress(RuntimeError):  # its sender deleted meanwhile (the app ending): nothing to undo
                follow[0].disconnect(again)
    if settled:
        return True
    clicked = box.clickedButton()
    if clicked is ok or clicked is other:
        return clicked is ok
    return None if cancel else False  # Cancel, Escape, the close button
