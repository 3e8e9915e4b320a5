"""The ticket finder's results are announced to a screen reader: "3 tickets found", "No open ticket matches
“…”", or why the search failed — as the description of the field the focus stays in and of the list, and as
an announcement (QAccessibleAnnouncementEvent) when assistive technology is listening. The widget alone, its
searches answered by the test; no sleeps."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible

from flowdesk.connectwise.errors import NotFound, ServerError
from flowdesk.connectwise.models import Ticket, TicketRef
from flowdesk.ui.ticket_finder import TicketFinder

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str]]:
    """What assistive technology is told: a screen reader listening (QAccessible active), its events kept."""
    told: list[tuple[Any, str]] = []
    monkeypatch.setattr(QAccessible, "isActive", staticmethod(lambda: True))
    monkeypatch.setattr(
        QAccessible, "updateAccessibility", staticmethod(lambda e: told.append((e.type(), getattr(e, "message", str)()))),
    )
    return told


def _finder(qtbot: Any) -> tuple[TicketFinder, list[Any]]:
    finder = TicketFinder()
    qtbot.addWidget(finder)
    asked: list[Any] = []
    finder.search_fn = lambda text, done, failed: asked.append((text, done, failed))
    return finder, asked


def _search(finder: TicketFinder, text: str) -> None:
    finder.field.setText(text)
    finder.field.textEdited.emit(text)
    finder.timer.timeout.emit()  # the pause in typing


def _ticket(n: int) -> Ticket:
    return Ticket(ref=TicketRef(n, "service"), summary=f"Printer {n}", company="Kessler Precision")


def _announced(heard: list[tuple[Any, str]]) -> list[str]:
    return [message for kind, message in heard if kind == QAccessible.Event.Announcement]


def test_tickets_found_are_announced(qtbot, heard):
    finder, asked = _finder(qtbot)
    _search(finder, "printer")
    asked[-1][1]([_ticket(48397), _ticket(48545), _ticket(48546)])
    assert finder.field.accessibleDescription() == "3 tickets found"
    assert finder.results.accessibleDescription() == "3 tickets found"
    assert _announced(heard) == ["3 tickets found"]
    qtbot.keyClick(finder.field, Qt.Key.Key_Down)  # the focus stays in the field: the ticket now current is said
    assert _announced(heard)[-1].startswith("#48545  Printer 48545, Kessler Precision · ") and "(2 of 3)" in _announced(heard)[-1]
    assert finder.field.accessibleDescription() == "3 tickets found"
    _search(finder, "48397")
    asked[-1][1]([_ticket(48397)])
    assert _announced(heard)[-1] == "1 ticket found"


def test_no_match_and_a_failed_search_are_announced(qtbot, heard):
    finder, asked = _finder(qtbot)
    _search(finder, "zebra")
    asked[-1][1]([])
    assert finder.status.text() == finder.field.accessibleDescription() == "No open ticket matches “zebra”."
    _search(finder, "printer")
    asked[-1][2](ServerError("ConnectWise had a problem answering (HTTP 503). Try again in a few minutes.", status=503))
    said = "ConnectWise cannot be reached right now: search again in a moment."
    assert finder.status.text() == finder.field.accessibleDescription() == said
    assert "HTTP 503" in finder.status.toolTip()
    _search(finder, "48999")
    asked[-1][2](NotFound("ConnectWise has no ticket #48999.", status=404))
    assert finder.field.accessibleDescription() == "ConnectWise has no ticket #48999."
    assert _announced(heard) == ["No open ticket matches “zebra”.", said, "ConnectWise has no ticket #48999."]
    finder.clear()
    assert finder.field.accessibleDescription() == "" and finder.results.accessibleDescription() == ""
