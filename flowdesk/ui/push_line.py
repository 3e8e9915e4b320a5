"""The note pane's line about the session's latest push, under the ticket card: ``Queued for #48405``, then
``Posted to #48405 (note 1200001) at 14:02, 0.25 h logged``, with *Open ticket*; a failed push (or part: its time
entry, its status change) with *Retry* too, so it is retried where the engineer is (as the queue's *Retry*: ``MainWindow.retry_job``)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from flowdesk.ui.layout import narrow_words


class PushLine(QWidget):
    open_ticket_requested = Signal(int, str)  # ticket id, kind
    retry_requested = Signal(int)  # the failed note's push job id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setObjectName("postState")
        narrow_words(self.label)  # wrapped; a long word never widens the note pane
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAccessibleName("Push state")
        self.open_button = QPushButton("Open tic&ket", self)
        self.open_button.setObjectName("openTicketButton")
        self.open_button.setAccessibleName("Open ticket")
        self.open_button.clicked.connect(self._open)
        self.retry_button = QPushButton("Retry", self)  # no mnemonic: R is Role's, the others are taken
        self.retry_button.setObjectName("retryPushButton")
        self.retry_button.setAccessibleName("Retry")
        self.retry_button.setToolTip("Send this session's failed push again now")
        self.retry_button.clicked.connect(self._retry)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.retry_button)
        row.addWidget(self.open_button)
        self._ticket: tuple[int, str] | None = None
        self._retry_job: int | None = None
        self.show_state("")

    def show_state(self, text: str, ticket: tuple[int, str] | None = None, retry_job: int | None = None) -> None:
        """``text`` (none: the line hides), *Open ticket* for ``ticket``, *Retry* for the failed ``retry_job``."""
        self._ticket, self._retry_job = ticket, retry_job
        self.label.setText(text)
        self.label.setVisible(bool(text))
        self.open_button.setVisible(ticket is not None)
        self.retry_button.setVisible(retry_job is not None)
        self.setVisible(bool(text) or ticket is not None)

    def _open(self) -> None:
        if self._ticket is not None:
            self.open_ticket_requested.emit(*self._ticket)

    def _retry(self) -> None:
        if self._retry_job is not None:
            self.retry_requested.emit(self._retry_job)
