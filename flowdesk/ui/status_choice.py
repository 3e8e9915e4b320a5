"""The push option "Set status after posting": a ticket status to set once the note is posted (a status change
queued after the note), chosen from the ticket's board statuses; "Leave as is" by default. It never waits on
the network: the statuses arrive with :meth:`StatusChoice.set_statuses` (read off the GUI thread). A status
chosen asks (``notice_wanted``) whom ConnectWise e-mails when a ticket is set to it, and shows the answer
(:meth:`StatusChoice.show_notice`) under the choice, so that a status change never e-mails a customer by surprise."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from flowdesk.ui.layout import narrow_words, steady_combo

LEAVE = "Leave as is"
LABEL = "Set st&atus after posting"


class StatusChoice(QWidget):
    notice_wanted = Signal(int, int, str)  # board id, status id, its name: whom does ConnectWise e-mail?

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.board_id: int | None = None  # the board whose statuses are wanted (or shown)
        self.combo = QComboBox(self)
        self.combo.setObjectName("setStatus")
        self.combo.setAccessibleName("Set the ticket's status after posting")
        self.combo.setToolTip("After the note is posted, FlowDesk sets the ticket's status and reads it back")
        label = QLabel(LABEL, self)
        label.setBuddy(self.combo)
        self.notice = QLabel(self)  # whom ConnectWise e-mails about the status chosen
        self.notice.setObjectName("statusNotice")
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        narrow_words(self.notice)
        self.notice.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.combo)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(self.notice)
        self.combo.currentIndexChanged.connect(self._on_chosen)
        self.reset(None)
        steady_combo(self.combo)  # as wide as "Leave as is" at least; a board's long status names never widen the pane

    def reset(self, board_id: int | None) -> None:
        """A new ticket (None: none, or no board): only "Leave as is" until its board's statuses arrive."""
        self.board_id = board_id
        self.combo.clear()
        self.combo.addItem(LEAVE, None)
        self.combo.setEnabled(False)

    def set_statuses(self, board_id: int, statuses: Sequence[tuple[int, str]], current: int | None = None) -> None:
        """The board's statuses (the ticket's ``current`` one left out); ignored when another board is wanted."""
        if board_id != self.board_id:
            return
        self.combo.clear()
        self.combo.addItem(LEAVE, None)
        for sid, name in statuses:
            if sid != current:
                self.combo.addItem(name, (sid, name))
        self.combo.setEnabled(self.combo.count() > 1)

    def select(self, status: tuple[int, str] | None) -> None:
        """Select this status (by id) if the board offers it, else "Leave as is"."""
        index = 0
        if status is not None:
            for i in range(1, self.combo.count()):
                data = self.combo.itemData(i)
                if data and int(data[0]) == status[0]:
                    index = i
                    break
        self.combo.setCurrentIndex(index)

    def chosen(self) -> tuple[int, str] | None:
        """``(status id, name)`` to set after the note, or None: leave the status as it is."""
        data = self.combo.currentData()
        return (int(data[0]), str(data[1])) if data else None

    def _on_chosen(self, _index: int) -> None:
        self.notice.hide()
        self.notice.clear()
        status = self.chosen()
        if status is not None and self.board_id is not None:
            self.notice_wanted.emit(self.board_id, *status)

    def show_notice(self, board_id: int, status_id: int, text: str) -> None:
        """Whom ConnectWise e-mails about a status, in words; dropped when that status is no longer the one chosen."""
        chosen = self.chosen()
        if board_id == self.board_id and chosen is not None and chosen[0] == status_id:
            self.notice.setText(text)
            self.notice.show()
