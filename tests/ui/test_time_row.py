"""The time entry's row of a session without timestamps (hours typed by hand) fits the note pane."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.test_keyboard import _focus, _ready
from tests.ui.test_window import _select, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")
NO_TIMESTAMPS = 48531  # the demo's "Warehouse can't reach the ERP": paused, no start and end time


def test_ticking_log_time_by_hand_leaves_room_for_the_hours_and_lists(make_app, qtbot):  # noqa: F811
    """Ticked, the check box kept "Log time (no start and end time: type the hours)" beside the hours, work
    type, role and billable: it was cut, and the three lists were squeezed to "D" ("Work t", "Billabl")."""
    fd = _ready(make_app, qtbot)
    w = fd.window
    w.resize(1400, 860)
    p = w.panel
    _select(fd, qtbot, NO_TIMESTAMPS)
    assert not p.time_box.has_plan() and "type the hours" in p.time_entry.text()
    _focus(qtbot, p.time_entry)
    qtbot.keyClick(p.time_entry, Qt.Key.Key_Space)
    assert p.time_entry.isChecked() and p.time_entry.text() == "&Log time"
    assert "no start and end time" in p.time_box.rule.text()  # the reason, beside the hours
    qtbot.keyClicks(p.time_box.hours, "0:45")
    assert p.time_entry.text() == "&Log 0.75 h" and "0.75 h" in p.time_entry.accessibleName()
    box = p.time_box
    qtbot.waitUntil(lambda: p.time_entry.width() >= p.time_entry.sizeHint().width())  # its text whole, once laid out
    for combo in (box.work_type, box.work_role, box.billable):  # at least "Default" and the arrow
        qtbot.waitUntil(lambda c=combo: c.width() >= c.fontMetrics().horizontalAdvance("Default") + 16)
    qtbot.keyClick(p.time_entry, Qt.Key.Key_Space)  # unticked: it asks for the hours again
    assert "type the hours" in p.time_entry.text()
