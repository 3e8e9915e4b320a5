"""A right-to-left name (an engineer, a company) inside one of the window's ``·`` lines keeps the parts after
it in their own order. Laid out by Qt's own text engine: the parts' on-screen positions are compared, so
without the isolates the date after an Arabic name comes out as "11:31 22-11-2026" and these fail."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextLayout, QTextOption

from flowdesk.connectwise.models import Ticket, TicketRef
from flowdesk.ui.ticket_card import TicketCard
from tests.ui.test_window import _start, make_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _left_edges(label: Any, *pieces: str) -> list[float]:
    """Where each piece of the label's text starts on screen, left to right, in a left-to-right window."""
    return _edges(label.text(), *pieces, font=label.font())


def test_an_arabic_engineer_name_leaves_the_session_s_date_in_order(make_app, qtbot):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    row = next(r for r in fd.services.cache.rows() if r.psa_ticket_id == 48493)
    assert fd.window.select_session(row.id)
    meta = fd.window.panel.meta
    assert "ليلى حداد" in meta.text() and "Bäckerei" in meta.text()
    date, clock = meta.text().rsplit(" ", 1)[0][-10:], meta.text()[-5:]
    edges = _left_edges(meta, "Escalated", "Bäckerei", "ليلى", date, clock)
    assert edges == sorted(edges) and len(set(edges)) == len(edges), (meta.text(), edges)


def test_a_hebrew_company_leaves_the_board_and_status_after_it_in_order(qtbot):
    card = TicketCard()
    qtbot.addWidget(card)
    card.show_ticket(
        Ticket(ref=TicketRef(48600, "service"), summary="VPN", company="קסלר בע״מ", board="24x7 Desk", status="New")
    )
    edges = _left_edges(card.details, "Service ticket", "קסלר", "24x7", "Desk", "New")
    assert edges == sorted(edges) and len(set(edges)) == len(edges), (card.details.text(), edges)


def _edges(text: str, *pieces: str, font: Any = None) -> list[float]:
    """Where each piece of ``text`` starts on screen in a left-to-right line, laid out by Qt."""
    from PySide6.QtGui import QFont

    layout = QTextLayout(text, font if font is not None else QFont())
    option = QTextOption()
    option.setTextDirection(Qt.LayoutDirection.LeftToRight)
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(100_000)
    layout.endLayout()
    return [line.cursorToX(text.index(p))[0] for p in pieces]


def test_a_notification_keeps_the_ticket_number_after_an_arabic_contact_name():
    """ConnectWise's answer names a contact in Arabic, a number after it: without the isolate the number was
    read as Arabic and shown before the name ("48211 حداد ليلى")."""
    from flowdesk.core.notify import JobChange, notifications_for

    error = "ConnectWise refused it: the contact ليلى حداد 48211 is inactive."
    (n,) = notifications_for([JobChange(1, "note", 48211, "sending", "failed", error)], "errors")
    for text in (n.text, n.detail):
        edges = _edges(text, "the contact", "ليلى", "48211", "is inactive")
        assert edges == sorted(edges) and len(set(edges)) == len(edges), (text, edges)


def test_the_queue_s_what_keeps_a_hebrew_status_before_an_arabic_title():
    """"Status change → סגור — شركة الأمل": without isolates the dash between two right-to-left names joined
    them into one run, and the title came out on the left of the status."""
    from flowdesk.ui.models import QueueTableModel
    from tests.ui.test_models import Job

    m = QueueTableModel()
    m.load([Job(1, kind="status", status_name="סגור")], titles={"s1": "شركة الأمل"})
    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
        text = m.data(m.index(0, m.WHAT), role)
        edges = _edges(text, "Status change", "סגור", "—", "شركة")
        assert edges == sorted(edges) and len(set(edges)) == len(edges), (text, edges)
    assert m.data(m.index(0, m.WHAT)).replace("\u2068", "").replace("\u2069", "") == "Status change → סגור — شركة الأمل"


def test_the_queue_s_last_error_and_detail_keep_the_ticket_number_after_an_arabic_contact():
    from flowdesk.ui.models import QueueTableModel
    from tests.ui.test_models import Job

    error = "ConnectWise refused it: the contact ليلى حداد 48211 is inactive."
    m = QueueTableModel()
    m.load([Job(1, state="failed", last_error=error)], titles={"s1": "Printer"})
    detail = next(line for line in m.detail_text(m.job(0)).splitlines() if "ليلى" in line)
    for text in (m.data(m.index(0, m.ERROR)), m.data(m.index(0, m.ERROR), Qt.ItemDataRole.ToolTipRole), detail):
        edges = _edges(text, "the contact", "ليلى", "48211", "is inactive")
        assert edges == sorted(edges) and len(set(edges)) == len(edges), (text, edges)
