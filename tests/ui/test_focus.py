"""Where the keyboard focus is can be seen, and Tab goes through the note pane in the order it reads."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QWidget

from flowdesk.ui.focus_ring import RING_WIDTH, FocusRing
from tests.ui.test_keyboard import _focus, _ready
from tests.ui.test_window import TICKET, _select, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _ring(widget: QWidget) -> FocusRing:
    rings = [r for r in widget.findChildren(FocusRing) if r.target is widget]
    assert len(rings) == 1, widget
    return rings[0]


def test_the_list_and_the_note_show_a_ring_in_the_highlight_colour_while_they_have_the_focus(make_app, qtbot):  # noqa: F811
    """Fusion marked a focused list with a pale dotted cell and the note with its cursor alone (which stops
    blinking): with the keyboard alone nobody could see which had the focus."""
    fd = _ready(make_app, qtbot)
    w = fd.window
    _select(fd, qtbot, TICKET)
    table_ring, note_ring = _ring(w.table), _ring(w.panel.editor.edit)
    _focus(qtbot, w.search)
    assert table_ring.isHidden() and note_ring.isHidden()
    _focus(qtbot, w.table)
    assert table_ring.isVisible() and note_ring.isHidden()
    assert table_ring.geometry() == w.table.rect()
    image = w.table.grab().toImage()
    highlight = w.table.palette().color(QPalette.ColorRole.Highlight)
    middle = w.table.height() // 2
    for x in range(RING_WIDTH):  # the ring is drawn over the list's own left edge
        assert image.pixelColor(QPoint(x, middle)).name() == highlight.name()
    qtbot.keyClick(w.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is w.panel.editor.edit
    assert note_ring.isVisible() and table_ring.isHidden()
    w.panel.editor.edit.resize(w.panel.editor.edit.width() - 40, w.panel.editor.edit.height())
    assert note_ring.geometry() == w.panel.editor.edit.rect()  # follows the note's size while it has the focus
    # the queue's list too
    w.tabs.setCurrentIndex(1)
    _focus(qtbot, w.queue_view.table)
    assert _ring(w.queue_view.table).isVisible() and note_ring.isHidden()


def _chain(start: QWidget, count: int) -> list[QWidget]:
    """The next ``count`` widgets Tab reaches from ``start`` (visible, enabled, taking Tab)."""
    seen: list[QWidget] = []
    x = start
    while len(seen) < count:
        x = x.nextInFocusChain()
        if x is start:
            break
        if x.isVisible() and x.isEnabled() and x.focusPolicy() & Qt.FocusPolicy.TabFocus:
            seen.append(x)
    return seen


def test_tab_goes_through_the_time_entry_before_the_buttons(make_app, qtbot):  # noqa: F811
    """Tab went visibility → Log time → status → Changes → Reset → Push, and only then to the hours, work
    type, role and billable: past Push, and out of the order they read in."""
    fd = _ready(make_app, qtbot)
    p = fd.window.panel
    _select(fd, qtbot, TICKET)
    p.time_entry.setChecked(True)
    qtbot.waitUntil(lambda: p.time_box.isVisible() and p.status_choice.combo.isEnabled())
    p.editor.edit.setPlainText(p.editor.edit.toPlainText() + "\nedited")  # Changes and Reset on
    qtbot.waitUntil(p.reset_button.isEnabled)
    box = p.time_box
    expected = [p.time_entry, box.hours, box.work_type, box.work_role, box.billable, p.status_choice.combo,
                p.diff_button, p.reset_button, p.push_button]
    got = _chain(p.visibility, len(expected))
    assert got == expected, [(type(x).__name__, x.objectName(), getattr(x, "text", lambda: "")()) for x in got]


def test_push_does_not_look_focused_when_it_is_not(make_app, qtbot):  # noqa: F811
    """A default button's frame (Fusion: the highlight colour) looked like the focus, on Push all the time;
    outside a dialog Enter never presses a default button anyway."""
    fd = _ready(make_app, qtbot)
    assert not fd.window.panel.push_button.isDefault()



def test_the_note_pane_scrolls_to_the_focus_however_it_gets_there(make_app, qtbot):  # noqa: F811
    """At QT_SCALE_FACTOR=2 on a 1400×900 screen (700×450) the note pane scrolls: Ctrl+E, F6 or a mnemonic put
    the focus below the fold, where nothing showed it (Qt scrolls only for Tab)."""
    fd = _ready(make_app, qtbot)
    w = fd.window
    w.resize(700, 430)
    _select(fd, qtbot, TICKET)
    area = w.panel_scroll
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0)  # stacked, and the pane scrolls
    area.verticalScrollBar().setValue(0)
    _focus(qtbot, w.table)
    qtbot.keyClick(w.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    edit = w.panel.editor.edit
    assert QApplication.focusWidget() is edit

    def shown(widget: QWidget, rect: QRect) -> bool:
        top_left = widget.mapTo(area.viewport(), rect.topLeft())
        return area.viewport().rect().contains(QRect(top_left, rect.size()))

    assert shown(edit, edit.cursorRect())  # the cursor, on screen
    area.verticalScrollBar().setValue(0)
    qtbot.keyClick(edit, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # Log time, at the pane's foot
    assert QApplication.focusWidget() is w.panel.time_entry
    assert shown(w.panel.time_entry, w.panel.time_entry.rect())


def test_tabbing_into_a_list_with_nothing_selected_selects_the_row_it_shows(make_app, qtbot):  # noqa: F811
    """A search that filtered the selected session away, then Tab: the first row became current, its note
    loaded, and Push would push it, with no row highlighted. The queue's first visit did the same with Retry."""
    fd = _ready(make_app, qtbot)
    w = fd.window
    _select(fd, qtbot, TICKET)
    _focus(qtbot, w.search)
    qtbot.keyClicks(w.search, "kessler")  # the selected session (another client's) is filtered away
    assert not w.table.selectionModel().hasSelection()
    qtbot.keyClick(w.search, Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # past the filter, into the list
    assert QApplication.focusWidget() is w.table
    w.load_timer.timeout.emit()
    row = w.table.currentIndex().row()
    assert w.panel.session is not None and w.panel.session.id == w.current_session_id()
    assert w.table.selectionModel().isRowSelected(row)
    # the queue: a push, then its tab with nothing selected
    w.push_current()
    qtbot.waitUntil(lambda: w.queue_model.rowCount() > 0)
    q = w.queue_view
    q.table.clearSelection()
    q.table.setCurrentIndex(q.table.model().index(0, 0))
    assert q.table.selectionModel().isRowSelected(0)
    assert q.current_job() is not None and q.detail.toPlainText()


def test_a_short_window_gives_the_queue_list_more_room_than_its_detail(make_app, qtbot):  # noqa: F811
    """At QT_SCALE_FACTOR=2 on a 1400×900 screen (700×450) the detail pane kept its 160 px and the queue's
    list showed a row and a half."""
    fd = _ready(make_app, qtbot)
    w = fd.window
    w.resize(700, 430)
    w.tabs.setCurrentIndex(1)
    q = w.queue_view
    qtbot.waitUntil(lambda: q.table.isVisible() and q.table.height() > 0)
    qtbot.waitUntil(lambda: q.table.height() > q.detail.height())  # it was 70 px to the detail's 160


def test_a_selected_rows_status_mark_is_ringed_in_the_selections_text_colour(make_app, qtbot):  # noqa: F811
    """A green, blue or grey mark on the selection's blue could hardly be seen (a blue 'active' one: 1.1:1)."""
    from flowdesk.ui.models import SessionTableModel

    fd = _ready(make_app, qtbot)
    w = fd.window
    _select(fd, qtbot, TICKET)
    row = w.table.currentIndex().row()
    rect = w.table.visualRect(w.proxy.index(row, SessionTableModel.STATUS))
    image = w.table.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    ink = w.table.palette().color(QPalette.ColorRole.HighlightedText)
    c = rect.center()
    near = 0
    for x in range(c.x() - 7, c.x() + 8):
        for y in range(c.y() - 7, c.y() + 8):
            px = image.pixelColor(QPoint(int(x * ratio), int(y * ratio)))
            near += abs(px.red() - ink.red()) + abs(px.green() - ink.green()) + abs(px.blue() - ink.blue()) < 90
    assert near >= 8, near  # a ring of the selection's text colour around the mark


def test_open_ticket_is_reached_where_it_reads_after_the_ticket_not_after_push(make_app, qtbot):  # noqa: F811
    """'Open ticket' (shown once the note is posted) sits above Format, but Tab reached it after Push."""
    fd = _ready(make_app, qtbot)
    p = fd.window.panel
    _select(fd, qtbot, TICKET)
    p.show_push_state(f"Posted to #{TICKET}", (TICKET, "service"))
    assert _chain(p.ticket_card.finder.field, 2) == [p.open_ticket_button, p.format_box]
