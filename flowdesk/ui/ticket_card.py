"""The ticket a note goes to: number (editable) or the ticket finder, summary, company, board and status —
looked up off the GUI thread — with a closed ticket, "time entry not allowed" and another company than the
session's client shown before anything is pushed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette, QValidator
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QLineEdit, QWidget

from flowdesk.core import present
from flowdesk.core.bidi import joined
from flowdesk.ui.layout import narrow_words
from flowdesk.ui.ticket_finder import TicketFinder

if TYPE_CHECKING:
    from flowdesk.core.companies import CompanyCheck


class TicketNumberValidator(QValidator):
    """The Ticket field takes a number only; what is pasted or dropped there as ``#48211``, `` 48211 `` or a
    ConnectWise ticket address becomes its number (as in the finder), and anything else is refused whole,
    so that a stray character never unlinks the ticket."""

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if not text:
            return QValidator.State.Intermediate, text, pos
        if not (text.isascii() and text.isdigit()):
            from flowdesk.connectwise.search import parse_ticket_text  # lazy: only for what is not a number

            number = parse_ticket_text(text).number
            if number is None:
                return QValidator.State.Invalid, text, pos
            text = str(number)
            pos = len(text)
        # lazy: pydantic's module (loaded with the first session shown), not before the first paint
        from flowdesk.core.models import MAX_TICKET_ID

        value = int(text)
        if value > MAX_TICKET_ID:  # the same bound as the command line and the outbox
            return QValidator.State.Invalid, text, pos
        return (QValidator.State.Acceptable if value >= 1 else QValidator.State.Intermediate), text, pos


def announce(label: QLabel) -> None:
    """Tell assistive technology that a warning appeared (an alert), so it is read without moving focus."""
    from PySide6.QtGui import QAccessible, QAccessibleEvent  # lazy: ~2 ms of enums, not before the paint

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
        self._client: str | None = None
        self.company_check: CompanyCheck | None = None  # the shown ticket's company against the session's client
        # ConnectWise could not be reached for this ticket: shown as last read (or not at all), not checked just
        # now; Enter in the ticket number looks it up again.
        self.unchecked = False
        self.pushed_to: int | None = None  # the ticket this session's latest push went to (queued or sent)
        self._not_read: tuple[bool, str, str] | None = None  # a ticket never read shown: (own, ConnectWise's words, why)

        self.number = QLineEdit(self)
        self.number.setObjectName("ticketNumber")
        self.number.setAccessibleName("Ticket number")
        self.number.setPlaceholderText("Ticket #")
        self.number.setValidator(TicketNumberValidator(self))
        self.number.setMaximumWidth(110)
        self.number.editingFinished.connect(self._on_number_edited)
        number_label = QLabel("&Ticket", self)
        number_label.setBuddy(self.number)

        self.summary = QLabel(self)
        self.summary.setObjectName("ticketSummary")
        narrow_words(self.summary)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.details = QLabel(self)
        self.details.setObjectName("ticketDetails")
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        narrow_words(self.details)
        self.flags = QLabel(self)
        self.flags.setObjectName("ticketFlags")
        narrow_words(self.flags)
        self.flags.setTextFormat(Qt.TextFormat.PlainText)
        self.flags.setAccessibleName("Ticket warning")
        # Another client's ticket: said in the theme's own attention colours (the tooltip's base and text
        # roles, readable in light and dark themes alike), not a colour of our own.
        self.company = QLabel(self)
        self.company.setObjectName("ticketCompanyWarning")
        narrow_words(self.company)
        self.company.setTextFormat(Qt.TextFormat.PlainText)
        self.company.setAccessibleName("Other company warning")
        self.company.setAutoFillBackground(True)
        self.company.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.company.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.company.setMargin(4)
        bold = self.company.font()
        bold.setBold(True)
        self.company.setFont(bold)
        self.company.hide()
        self.finder = TicketFinder(self)
        self.finder.ticket_chosen.connect(self._on_found)
        find_label = QLabel("Fi&nd", self)
        find_label.setBuddy(self.finder.field)

        grid = QGridLayout(self)
        grid.setContentsMargins(10, 8, 10, 8)
        grid.addWidget(number_label, 0, 0)
        grid.addWidget(self.number, 0, 1)
        grid.addWidget(self.summary, 0, 2)
        grid.addWidget(self.details, 1, 2)
        grid.addWidget(self.flags, 2, 2)
        grid.addWidget(self.company, 3, 2)
        grid.addWidget(find_label, 4, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.finder, 4, 1, 1, 2)
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
        self.unchecked = False
        self.number.setText(str(ticket_id) if ticket_id else "")
        self._company(None)

    def set_client(self, client_name: str | None) -> None:
        """The session's client, whose tickets the finder lists first and the company check compares with."""
        self._client = client_name
        self.finder.clear()

    def client(self) -> str | None:
        return self._client

    def show_nothing(self) -> None:
        self._ticket = None
        self._company(None)
        self.summary.setText("No ticket linked to this session")
        self._details("Type the ConnectWise ticket number, or find the ticket below.")
        self._flags("", "")

    def show_loading(self) -> None:
        if self.unchecked and self._ticket is not None and self._ticket.ref.id == self._ticket_id:
            # looked up again after an outage: the ticket as last read stays until the answer comes
            from flowdesk.core.ticket_words import as_last_read

            self._flags(as_last_read(checking=True), "")
            return
        self._ticket = None
        self.unchecked = False
        self._company(None)
        self.summary.setText(f"Looking up ticket #{self._ticket_id}…")
        self._details("")
        self._flags("", "")

    def show_error(self, message: str, failure: BaseException | None = None, *, own: bool = True) -> None:
        """The ticket could not be read. Only because ConnectWise cannot be reached right now (``failure``): one
        line saying so and what to do, ConnectWise's own words (``message``) in its tooltip. ``own``: the
        session's own ticket, which may be pushed to unchecked."""
        from flowdesk.core import ticket_words as words

        self._ticket = None
        self._company(None)
        self.summary.setText(f"Ticket #{self._ticket_id}")
        self._details("")
        self.unchecked = words.passes(failure)
        if self.unchecked:
            why = words.unreachable(failure)  # a rate limit is said as one
            self._flags(words.not_read(own=own, pushed=self.pushed_to == self._ticket_id, why=why), "warning", message)
            self._not_read = (own, message, why)
        else:
            self._flags(words.in_one_line(failure, message), "warning", message)

    def set_pushed_to(self, ticket_id: int | None) -> None:
        """This session's latest push went to ``ticket_id``: a ticket never read no longer advises pushing to it."""
        from flowdesk.core.ticket_words import not_read

        self.pushed_to = ticket_id
        if self._not_read is not None and self.unchecked and self._ticket is None:
            own, message, why = self._not_read
            text = not_read(own=own, pushed=ticket_id == self._ticket_id, why=why)
            if text != self.flags.text():
                self._flags(text, "warning", message)
                self._not_read = (own, message, why)

    def show_unchecked(self, message: str, failure: BaseException | None = None) -> None:
        """The ticket shown (as last read) could not be read again just now (``failure``): said first, over the
        ticket's own warnings (closed, no time entries); ConnectWise's words (``message``) in the tooltip."""
        from flowdesk.core.ticket_words import as_last_read, unreachable

        said = as_last_read(why=unreachable(failure))
        self._flags(" ".join(p for p in (said, self.flags.text()) if p), "warning", message)
        self.unchecked = True

    def show_ticket(self, ticket: Any) -> None:
        self._ticket = ticket
        self.unchecked = False
        kind = "Project ticket" if getattr(ticket.ref, "kind", "service") == "project" else "Service ticket"
        self.summary.setText(ticket.summary or f"Ticket #{ticket.ref.id}")
        self._details(joined((kind, ticket.company, ticket.board, ticket.status)))
        notes = []
        if ticket.closed:
            notes.append("This ticket is closed.")
        if not ticket.time_entry_allowed:
            notes.append("Its status does not allow time entries: only the note will be posted.")
        self._flags(" ".join(notes), "warning" if notes else "")
        # lazy: the company check (unicodedata) when a ticket is shown, not for the first paint
        from flowdesk.core.companies import check_company

        self._company(check_company(self._client, ticket.company, getattr(ticket, "company_identifier", None)))

    def _company(self, check: CompanyCheck | None) -> None:
        self.company_check = check
        text = ""
        if check is not None and check.same is False and self._ticket is not None:
            text = present.other_company(self._ticket.ref.id, check.company, check.client)
        elif check is not None and check.same is None and self._ticket is not None:
            text = present.no_client(self._ticket.ref.id, check.company)
        self.company.setText(text)
        self.company.setVisible(bool(text))
        self.company.setAccessibleDescription(text)
        self.number.setAccessibleDescription(" ".join(p for p in (self.flags.text(), text) if p))
        if text:
            announce(self.company)

    def _on_found(self, ticket: Any) -> None:
        """The finder's Enter: link that ticket (looked up again, for its board status)."""
        self._ticket_id = ticket.ref.id
        self._ticket = None
        self.number.setText(str(ticket.ref.id))
        self.ticket_changed.emit(ticket.ref.id)

    def _details(self, text: str) -> None:
        self.details.setText(text)
        self.details.setVisible(bool(text))  # no blank line between the summary and a warning

    def _flags(self, text: str, level: str, detail: str = "") -> None:
        self._not_read = None  # show_error sets it again after this, for its own line
        self.flags.setText(text)
        self.flags.setToolTip(detail)
        self.flags.setVisible(bool(text))
        self.flags.setStyleSheet("color: #8c5a00;" if level == "warning" else "")
        # The ticket field carries the warning as its description, so it is heard where the engineer is.
        self.flags.setAccessibleDescription(text)
        self.number.setAccessibleDescription(" ".join(p for p in (text, self.company.text()) if p))
        if text and level == "warning":
            announce(self.flags)

    def _on_number_edited(self) -> None:
        text = self.number.text().strip()
        new = int(text) if text.isdigit() else None
        if new != self._ticket_id or (new is not None and self.unchecked):  # Enter: a look-up that met an outage again
            if new != self._ticket_id:
                self._ticket = None
            self._ticket_id = new
            self.ticket_changed.emit(new)
