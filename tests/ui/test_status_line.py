"""The status bar's queue line makes way for a temporary message in a narrow window."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMainWindow

from flowdesk.ui.status_line import QueueLine

pytestmark = pytest.mark.usefixtures("qapp")
LINE = "ConnectWise unreachable — 2 notes and 1 time entry waiting, next try 20:31, 1 note queued as Jordan Blake waits"
MESSAGE = "1 note and 1 time entry go at 20:31, after FlowDesk has looked on the ticket (an answer was lost): nothing is posted twice."


def test_a_message_is_not_cut_off_by_the_queue_line_at_900_px(qtbot):
    """Seen in the demo at 900 px: Send all now's answer ran under the queue line and was cut off. While a
    message shows, the line is cut ("…") to the room the message leaves (its tooltip has all of it), and takes
    its room back once the message goes; ``text()`` stays the whole line."""
    w = QMainWindow()
    qtbot.addWidget(w)
    bar = w.statusBar()
    line = QueueLine(bar, w)
    bar.addPermanentWidget(line)
    line.set_line(LINE)
    w.resize(900, 300)
    w.show()
    qtbot.waitExposed(w)
    full = line.width()
    bar.showMessage(MESSAGE, 10000)
    room = lambda: bar.width() - line.width() - 40  # noqa: E731 - the size grip and the margins
    qtbot.waitUntil(lambda: bar.fontMetrics().horizontalAdvance(MESSAGE) <= room(), timeout=2000)
    assert line.width() < full and (line.text(), line.toolTip()) == (LINE, LINE)
    bar.clearMessage()
    qtbot.waitUntil(lambda: line.width() == full, timeout=2000)
