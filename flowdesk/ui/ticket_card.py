"""The ticket a note goes to: number (editable), summary, company, board and status — looked up off the
GUI thread — with a closed ticket and "time entry not allowed" shown before anything is pushed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent, QIntValidator
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QLineEdit, QWidget


def announce(label: QLabel) -> None:
    """Tell assistive technology that a warning appeared (an alert), so it is read without moving focus."""
    if QAccessible.isActive():
        QAccessible.updateAccessibility(QAccessibleEvent(label, QAccessible.Event.Alert))


class TicketCard(QFrame):
    ticket_changed = Signal(object)  # int | None: the engineer typed another ticket number

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ticketCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("ConnectWise ticket")
        self._ticket: Any = None
        self._ticket_id: int | None = None

        self.number = QLineEdit(self)
        self.number.setObjectName("ticketNumber")
        self.number.setAccessibleName("Ticket number")
        self.number.setPlaceholderText("Ticket #")
        self.number.setValidator(QIntValidator(1, 2_000_000_000, self))
        self.number.setMaximumWidth(110)
        self.number.editingFinished.connect(self._on_number_edited)
        number_label = QLabel("&Ticket", self)
        number_label.setBuddy(self.number)

        self.summary = QLabel(self)
        self.summary.setObjectName("ticketSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.details = QLabel(self)
        self.details.setObjectName("ticketDetails")
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setWordWrap(True)
        self.flags = QLabel(self)
        self.flags.setObjectName("ticketFlags")
        self.flags.setWordWrap(True)
        self.flags.setTextFormat(Qt.TextFormat.PlainText)
        self.flags.setAccessibleName("Ticket warning")

        grid = QGridLayout(self)
        grid.setContentsMargins(10, 8, 10, 8)
        grid.addWidget(number_label, 0, 0)
        grid.addWidget(self.number, 0, 1)
        grid.addWidget(self.summary, 0, 2)
        grid.addWidget(self.details, 1, 2)
        grid.addWidget(self.flags, 2, 2)
        grid.setColumnStretch(2, 1)
        self.show_nothing()

    # -- states ------------------------------------------------------------------------------
    def ticket_id(self) -> int | None:
        return self._ticket_id

    def ticket(self) -> Any:
        return self._ticket

    def set_ticket_id(self, ticket_id: int | None) -> None:
        self._ticket_id = ticket_id
        self._ticket = None
        self.number.setText(str(ticket_id) if ticket_id else "")

    def show_nothing(self) -> None:
        self._ticket = None
        self.summary.setText("No ticket linked to this session")
        self.details.setText("Type the ConnectWise ticket number to push the note to.")
        self._flags("", "")

    def show_loading(self) -> None:
        self._ticket = None
        self.summary.setText(f"Looking up ticket #{self._ticket_id}…")
        self.details.setText("")
        self._flags("", "")

    def show_error(self, message: str) -> None:
        self._ticket = None
        self.summary.setText(f"Ticket #{self._ticket_id}")
        self.details.setText("")
        self._flags(message, "warning")

    def show_ticket(self, ticket: Any) -> None:
        self._ticket = ticket
        kind = "Project ticket" if getattr(ticket.ref, "kind", "service") == "project" else "Service ticket"
        self.summary.setText(ticket.summary or f"Ticket #{ticket.ref.id}")
        parts = [p for p in (ticket.company, ticket.board, ticket.status) if p]
        self.details.setText(f"{kind} · " + " · ".join(parts))
        notes = []
        if ticket.closed:
            notes.append("This ticket is closed.")
        if not ticket.time_entry_allowed:
            notes.append("Its status does not allow time entries: only the note will be posted.")
        self._flags(" ".join(notes), "warning" if notes else "")

    def _flags(self, text: str, level: str) -> None:
        self.flags.setText(text)
        self.flags.setVisible(bool(text))
        self.flags.setStyleSheet("color: #8c5a00;" if level == "warning" else "")
        # The ticket field carries the warning as its description, so it is heard where the engineer is.
        self.flags.setAccessibleDescription(text)
        self.number.setAccessibleDescription(text)
        if text and level == "warning":
            announce(self.flags)

    def _on_number_edited(self) -> None:
        text = self.number.text().strip()
        new = int(text) if text.isdigit() else None
        if new != self._ticket_id:
            self._ticket_id = new
            self._ticket = None
            self.ticket_changed.emit(new)
