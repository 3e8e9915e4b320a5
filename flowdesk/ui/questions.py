"""The window's questions: a modal box whose safe answer is what Enter, Escape and the close button give."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

# A question that follows what it is about while it is open: a signal, and what the question says now
# (None: there is nothing left to ask, which answers *yes*).
Follow = tuple[Any, Callable[[], str | None]]


def ask(
    parent: QWidget, title: str, text: str, yes: str, no: str | None = None, *, cancel: bool = False,
    follow: Follow | None = None,
) -> bool | None:
    """A question: True when *yes* is clicked, False when *no* (or Cancel) is. Escape and the close button
    answer *no* (Cancel without it), so *no* must be the safe answer; with *cancel*, a Cancel button too,
    and a dismissal answers None. With *follow*, its text is asked again each time the signal fires: the
    question says what is true now, and closes itself answering True once there is nothing left to ask.
    Enter gives the safe answer too (see below)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    other = box.addButton(no, QMessageBox.ButtonRole.RejectRole) if no else None
    safe = box.addButton(QMessageBox.StandardButton.Cancel) if other is None or cancel else other
    box.setEscapeButton(safe)
    # Enter gives the safe answer, as Escape does: every question here guards something that sends (a second
    # note, another company's ticket) or throws away (a push, edits, the demo's waiting pushes), and a user
    # still pressing Enter, or Ctrl+Enter that pushed, must not answer it by surprise.
    box.setDefaultButton(safe)
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


def tell(parent: QWidget, title: str, text: str) -> None:
    """Something that could not be done, and what to do about it."""
    QMessageBox.warning(parent, title, text)


def about(parent: QWidget) -> None:
    from flowdesk import APP_NAME, __version__

    QMessageBox.about(parent, f"About {APP_NAME}",
                      f"{APP_NAME} {__version__}\n\nReview FlowPilot sessions as ConnectWise notes and post them with your own keys.")
