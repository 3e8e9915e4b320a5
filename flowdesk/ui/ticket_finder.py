"""The ticket finder in the ticket card: type a number, ``#number``, a pasted ConnectWise link, words of the
summary or a company; results appear as you type (after a short pause, looked up off the GUI thread; a newer
look-up supersedes an older one, whose answer is ignored); Up/Down move through them, Enter or a click links
the ticket."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from flowdesk.core import present
from flowdesk.core import ticket_words as words
from flowdesk.core.bidi import joined

FINDER_DEBOUNCE_MS = 60  # a pause between keys this long starts a look-up (bench: keystroke to results)
TicketRole = Qt.ItemDataRole.UserRole + 1
SearchFn = Callable[[str, Callable[[Any], None], Callable[[BaseException], None]], None]


class TicketFinder(QWidget):
    ticket_chosen = Signal(object)  # Ticket
    results_shown = Signal(int)  # how many tickets are listed (also 0), once per answered look-up

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search_fn: SearchFn | None = None
        self._generation = 0
        self.field = QLineEdit(self)
        self.field.setObjectName("ticketFinder")
        self.field.setAccessibleName("Find a ticket")
        self.field.setPlaceholderText(present.FINDER_HINT)
        self.field.setClearButtonEnabled(True)
        self.field.textEdited.connect(self._on_edited)
        self.field.installEventFilter(self)
        self.results = QListWidget(self)
        self.results.setObjectName("ticketResults")
        self.results.setAccessibleName("Tickets found")
        self.results.setUniformItemSizes(True)  # every item is two lines
        # A click picks, as in a completer's list (a list's "activated" is a double-click on Windows and in
        # Fusion); styles that activate on a single click send both for one click, and it picks once.
        self.results.itemClicked.connect(self._choose_item)
        self.results.itemActivated.connect(self._choose_item)
        self.results.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Up/Down in the field move through it: no extra Tab stop
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.results.hide()
        self.status = QLabel(self)
        self.status.setObjectName("ticketFinderStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.hide()
        self.timer = QTimer(self)
        self.timer.setObjectName("ticketFinderTimer")
        self.timer.setSingleShot(True)
        self.timer.setInterval(FINDER_DEBOUNCE_MS)
        self.timer.timeout.connect(self._search)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.field)
        box.addWidget(self.status)
        box.addWidget(self.results)

    def clear(self) -> None:
        self._generation += 1  # an answer still on its way is ignored
        self.timer.stop()
        self.field.clear()
        self.results.clear()
        self.results.hide()
        self.status.hide()
        self._announce("")

    # -- looking up ----------------------------------------------------------------------------
    def _on_edited(self, _text: str) -> None:
        self._generation += 1
        self.timer.start()  # restarted by every key: one look-up once typing pauses

    def _search(self) -> None:
        text = self.field.text().strip()
        if not text or self.search_fn is None:
            self.results.clear()
            self.results.hide()
            self.status.hide()
            return
        from flowdesk.connectwise.search import (  # lazy: not before the first paint
            SECRET_SEARCH,
            looks_secret,
        )

        if looks_secret(text):  # typed where the note was meant to be (or pasted): never sent as a search
            self.results.clear()
            self.results.hide()
            self._say(SECRET_SEARCH)
            self.results_shown.emit(0)
            return
        generation = self._generation
        self.status.setText(present.FINDER_SEARCHING)
        self.status.show()

        def done(tickets: Any) -> None:
            if generation == self._generation:  # superseded by newer typing: ignored
                self._show(list(tickets))

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.results.clear()
                self.results.hide()
                # ConnectWise's own words (a request id…) in the tooltip; one line for an outage
                self._say(f"{words.unreachable(exc)}: search again in a moment." if words.passes(exc) else str(exc), str(exc))
                self.results_shown.emit(0)

        self.search_fn(text, done, failed)

    def _show(self, tickets: list[Any]) -> None:
        self.results.clear()
        now = datetime.now(UTC)
        for t in tickets:
            number, summary, company, board, status, updated = present.ticket_row(t, now)
            # two lines: what it is, then whose it is and where it stands
            item = QListWidgetItem(f"{number}  {summary}\n{joined((company, board, status, updated))}", self.results)
            item.setData(TicketRole, t)
            item.setToolTip(t.summary)
        self.results.setVisible(bool(tickets))
        if tickets:  # as tall as its rows, up to four
            rows = min(len(tickets), 4)
            self.results.setFixedHeight(self.results.sizeHintForRow(0) * rows + 2 * self.results.frameWidth() + 2)
            self.results.setCurrentRow(0)
            self.status.hide()
            self._announce(words.tickets_found(len(tickets)))
        else:
            self._say(words.nothing_found(self.field.text().strip()))
        self.results_shown.emit(len(tickets))

    def _say(self, text: str, detail: str = "") -> None:
        """The look-up's answer when no ticket is listed, under the field and to assistive technology."""
        self.status.setText(text)
        self.status.setToolTip(detail if detail != text else "")
        self.status.show()
        self._announce(text)

    def _announce(self, text: str, *, describe: bool = True) -> None:
        """What the look-up found ("3 tickets found", "No open ticket matches “x”"), as a screen reader says it:
        the description of the field (where the focus stays) and of the list, and an announcement now.
        ``describe=False``: the announcement only (the ticket Up/Down made current)."""
        if describe:
            self.field.setAccessibleDescription(text)
            self.results.setAccessibleDescription(text)
            self.status.setAccessibleName(text)
        if not text:
            return
        from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent  # lazy: as the card's alerts

        if QAccessible.isActive():
            QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self.field, text))

    # -- keyboard ----------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if obj is self.field and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            count = self.results.count()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and count:
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(count - 1, self.results.currentRow() + step))
                self.results.setCurrentRow(row)
                # the focus stays in the field: the ticket now current is said, as a completer's list would
                self._announce(words.ticket_at(self.results.item(row).text(), row, count), describe=False)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
                if self.timer.isActive() or not count:
                    self.timer.stop()
                    self._search()  # Enter before the pause: look up now; Enter again links
                    return True
                self._choose_item(self.results.currentItem() or self.results.item(0))
                return True
            if key == Qt.Key.Key_Escape and self.field.text():
                self.clear()
                return True
        return super().eventFilter(obj, event)

    def _choose_item(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        # Chosen once the view's click handling is over: the list is cleared then (the view still holds the
        # clicked row while it sends "clicked" and then "activated"), and a second signal for the same
        # results finds them superseded.
        ticket, generation = item.data(TicketRole), self._generation
        QTimer.singleShot(0, self, lambda: self._choose(ticket, generation))

    def _choose(self, ticket: Any, generation: int) -> None:
        if generation != self._generation:  # chosen already, or typed over since
            return
        self.clear()
        self.ticket_chosen.emit(ticket)
