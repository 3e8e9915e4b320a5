# ruff: noqa: F811 - make_app is the window tests' fixture, imported
"""The note pane's layout, the real window against the sandbox (offscreen; no sleeps).

Seen in the demo: at 1280×800 (a common laptop) showing session #48517 stacked the note under the list, as
its "Log 0.25 h" was wider than other sessions' "Log 1 h"; and Push moved down under the pointer once the
push's line ("Posted to #48211 …") appeared and the time entry's options went away after the push."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt

from flowdesk.ui.layout import side_by_side_width
from tests.ui.test_window import CW_NOTES, TICKET, _select, _start, make_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _rect(w: Any, widget: Any) -> QRect:
    return QRect(widget.mapTo(w, QPoint(0, 0)), widget.size())


@pytest.mark.parametrize("size", [(1280, 800), (1440, 900)])
def test_every_demo_session_keeps_the_list_and_note_side_by_side(make_app, qtbot, size):
    fd = make_app()
    _start(fd, qtbot)
    w, panel = fd.window, fd.window.panel
    widths = set()
    for row in fd.services.cache.rows():
        assert w.select_session(row.id)
        qtbot.waitUntil(lambda r=row: panel.session is not None and panel.session.id == r.id)
        w.resize(size[0] + 40, size[1])  # the window resized with this session shown: laid out again for it
        qtbot.waitUntil(lambda: w.width() == size[0] + 40)
        w.resize(*size)
        qtbot.waitUntil(lambda: w.width() == size[0])
        widths.add(side_by_side_width(w.splitter, w.table))  # once laid out for this session's texts
        assert w.splitter.orientation() == Qt.Orientation.Horizontal, (row.psa_ticket_id, widths)
        table, note = _rect(w, w.table), _rect(w, w.panel_scroll)
        assert table.right() < note.left() and note.top() < table.bottom(), (row.psa_ticket_id, table, note)
        assert panel.width() >= panel.layout().minimumSize().width(), row.psa_ticket_id  # nothing squeezed
        for widget in (panel.push_button, panel.visibility, panel.time_entry):
            assert _rect(w, widget).right() <= note.right(), (row.psa_ticket_id, widget.objectName())
    assert len(widths) == 1 and widths.pop() <= 1280  # the pane's minimum is the same for every session


@pytest.mark.parametrize("size", [(1280, 800), (1440, 900), (880, 700)])
def test_push_stays_put_when_the_push_line_appears_and_changes(make_app, qtbot, sandbox_admin, size):
    """Before the push, once it failed (the line and its Retry), once retried and posted (the time entry's
    options gone, as its time is logged): Push is where it was. Stacked under the list (880 px), the pane
    scrolls; Push is in view under it (it was below the fold, and moved up after the push)."""
    fd = make_app()
    _start(fd, qtbot)
    w, panel = fd.window, fd.window.panel
    w.resize(*size)
    stacked = size[0] < 900
    want = Qt.Orientation.Vertical if stacked else Qt.Orientation.Horizontal
    qtbot.waitUntil(lambda: w.width() == size[0] and w.splitter.orientation() == want)
    _select(fd, qtbot, TICKET)
    qtbot.waitUntil(lambda: panel.time_box.isVisible())
    line = panel.push_line
    assert line.isHidden()
    where = _rect(w, panel.push_button)
    assert _rect(w, w.splitter).contains(where)  # in view
    assert w.panel_scroll.verticalScrollBar().maximum() > 0 if stacked else True  # the pane scrolls, Push stays
    sandbox_admin.add_fault(method="POST", path=CW_NOTES, status=403, times=1)
    with qtbot.waitSignal(fd.controller.notify, timeout=15000):  # raised when the drain run ends
        qtbot.mouseClick(panel.push_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: line.retry_button.isVisible())
    assert panel.post_state.text().startswith(f"Not posted to #{TICKET}")
    assert _rect(w, panel.push_button) == where
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=lambda j: j.kind == "time_entry" and j.state == "sent", timeout=15000):
        qtbot.mouseClick(line.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.post_state.text().endswith(" h logged") and line.retry_button.isHidden())
    assert _rect(w, panel.push_button) == where


def test_the_divider_stops_where_the_note_panes_controls_fit(make_app, qtbot):
    """Dragged to the right, the divider let the note pane go to 320 px: "Work type" and "Role" overlapped and
    the hours' rule went a word a line. It stops at the pane's minimum, the same with or without the time
    entry's options shown."""
    fd = make_app()
    _start(fd, qtbot)
    w, panel = fd.window, fd.window.panel
    w.resize(1440, 900)
    qtbot.waitUntil(lambda: w.width() == 1440 and w.splitter.orientation() == Qt.Orientation.Horizontal)
    _select(fd, qtbot, TICKET)
    qtbot.waitUntil(lambda: panel.time_box.isVisible())
    w.splitter.setSizes([10_000, 1])  # as far right as it goes
    qtbot.waitUntil(lambda: panel.width() == w.panel_scroll.viewport().width())
    assert panel.width() >= panel.layout().minimumSize().width()
    lists = panel.time_box.lists
    for combo in (panel.time_box.work_type, panel.time_box.work_role, panel.time_box.billable):
        assert combo.width() >= combo.minimumWidth()
    assert _rect(w, panel.time_box.billable).right() <= _rect(w, lists).right()
    # the rule beside the hours wraps to lines of its own; "Hours" and its box stay level with "Log 0.75 h"
    from PySide6.QtWidgets import QLabel

    hours_label = panel.time_box.findChild(QLabel, "hoursLabel")
    assert panel.time_box.rule.height() > 2 * panel.time_box.rule.fontMetrics().lineSpacing()
    middles = [_rect(w, x).center().y() for x in (panel.time_entry, hours_label, panel.time_box.hours)]
    assert max(middles) - min(middles) <= 2, middles
    shown = w.splitter.sizes()
    panel.time_entry.click()  # unticked: the options go; the divider stays where it is
    assert panel.time_box.isHidden()
    w.splitter.setSizes([10_000, 1])
    assert w.splitter.sizes() == shown
