"""The window's questions: a modal box whose safe answer is what Escape and the close button give."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def ask(parent: QWidget, title: str, text: str, yes: str, no: str | None = None, *, cancel: bool = False) -> bool | None:
    """A question: True when *yes* is clicked, False when *no* (or Cancel) is. Escape and the close button
    answer *no* (Cancel without it), so *no* must be the safe answer; with *cancel*, a Cancel button too,
    and a dismissal answers None."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    other = box.addButton(no, QMessageBox.ButtonRole.RejectRole) if no else None
    if other is None or cancel:
        box.setEscapeButton(box.addButton(QMessageBox.StandardButton.Cancel))
    else:
        box.setEscapeButton(other)
    box.setDefaultButton(ok)
    box.exec()
    clicked = box.clickedButton()
    if clicked is ok or clicked is other:
        return clicked is ok
    return None if cancel else False  # Cancel, Escape, the close button
