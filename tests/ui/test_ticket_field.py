"""The Ticket field: what an engineer types or pastes there becomes a ticket number, or is refused whole, so a
stray character never unlinks the ticket shown."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from flowdesk.ui.ticket_card import TicketCard

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture
def card(qtbot):
    card = TicketCard()
    qtbot.addWidget(card)
    card.set_ticket_id(48211)
    return card


def _paste(card: TicketCard, text: str) -> None:
    card.number.selectAll()
    QGuiApplication.clipboard().setText(text)
    card.number.paste()


@pytest.mark.parametrize(
    "pasted",
    [
        "#48405",
        " 48405 ",
        "https://na.myconnectwise.net/v4_6_release/services/system_io/Service/fv_sr100_request.rails?service_recid=48405",
        "https://cw.acme.local/v4_6_release/services/system_io/router/openrecord.rails?recordType=ServiceFv&recid=48405",
        "https://na.myconnectwise.net/v2025_1/ConnectWise.aspx?fullscreen=false&routeTo=ServiceFV&srRecID=48405",
    ],
)
def test_a_pasted_number_or_connectwise_address_becomes_the_ticket_number(card, qtbot, pasted):
    _paste(card, pasted)
    assert card.number.text() == "48405"
    with qtbot.waitSignal(card.ticket_changed) as changed:
        card.number.editingFinished.emit()
    assert changed.args == [48405]


@pytest.mark.parametrize("pasted", ["48,405", "Ticket 12 of 48", "99999999999", "https://example.com/page?id=3"])
def test_what_is_not_a_ticket_number_is_refused_and_the_ticket_stays_linked(card, qtbot, pasted):
    _paste(card, pasted)
    assert card.number.text() == "48211"
    card.number.setCursorPosition(2)
    qtbot.keyClick(card.number, Qt.Key.Key_Comma)  # a thousands separator typed mid-number
    assert card.number.text() == "48211"
    with qtbot.assertNotEmitted(card.ticket_changed):
        card.number.editingFinished.emit()
    assert card.ticket_id() == 48211


def test_the_largest_ticket_number_is_the_command_lines(card):
    """One bound for a ticket number everywhere (ConnectWise's 32-bit ids): what `flowdesk push --ticket` and
    the outbox take, the field takes; one more is refused whole."""
    from flowdesk.core.models import MAX_TICKET_ID

    _paste(card, str(MAX_TICKET_ID))
    assert card.number.text() == str(MAX_TICKET_ID)
    _paste(card, str(MAX_TICKET_ID + 1))
    assert card.number.text() == str(MAX_TICKET_ID)
