"""The Queue tab's rows stay where the engineer points, and Retry / Cancel act on the push they selected.

Seen in the demo: a push queued while the pointer rested on a row (about to select it for Retry or Cancel)
went in at the top and moved that row down by one; with a short queue, nothing scrolled to hold it. A reload
of the queue (a push from the command line, Refresh) dropped the selection.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QEnterEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from flowdesk.ui.models import QueueTableModel
from flowdesk.ui.queue_view import QueueView
from tests.ui.test_queue_view import T0, Job

pytestmark = pytest.mark.usefixtures("qapp")


def _shown(qtbot, ids=(4, 3, 2, 1)) -> QueueView:
    model = QueueTableModel(clock=lambda: T0)
    model.load([Job(i, state="failed", last_error="ConnectWise refused the note.") for i in ids], titles={})
    view = QueueView(model)
    qtbot.addWidget(view)
    view.resize(1200, 500)
    view.show()
    qtbot.waitExposed(view)
    return view


def _pointer_on(view: QueueView, job_id: int) -> QPoint:
    """The pointer comes onto the list, over ``job_id``'s row: where it is."""
    row = view.model.job_row(job_id)
    assert row is not None
    at = view.table.visualRect(view.model.index(row, 0)).center()
    QApplication.sendEvent(view.table, QEnterEvent(QPointF(at), QPointF(at), QPointF(view.table.mapToGlobal(at))))
    return at


def _pointer_off(view: QueueView) -> None:
    QApplication.sendEvent(view.table, QEvent(QEvent.Type.Leave))


def _under(view: QueueView, at: QPoint) -> int:
    return view.model.job(view.table.indexAt(at).row()).id


def _selected(view: QueueView) -> int | None:
    job = view.current_job()
    rows = view.table.selectionModel().selectedRows()
    assert [view.model.job(r.row()).id for r in rows] == ([job.id] if job else [])  # highlighted is current
    return job.id if job else None


def test_a_push_queued_while_the_pointer_is_on_the_list_moves_no_row(qtbot):
    view = _shown(qtbot)
    at = _pointer_on(view, 2)
    view.model.update_jobs([Job(6, kind="time_entry", parent_id=5), Job(5)])  # a push: its note and time entry
    assert _under(view, at) == 2  # the row under the pointer is the one it was on
    assert view.new_button.isVisible() and view.new_button.text() == "Show 2 new pushes"
    assert {j.id for j in view.model.jobs()} == {1, 2, 3, 4, 5, 6}  # counted all the same (Send all now)
    assert view.model.waiting_for_note(view.model.jobs()[-1]) or view.model.waiting_for_note(view.model.jobs()[-2])
    view.model.update_job(Job(5, state="sending"))  # a change to one waiting: still not listed
    view.model.load([*view.model.jobs(), Job(7)])  # a reload: the listed rows stay
    assert _under(view, at) == 2 and view.new_button.text() == "Show 3 new pushes"

    QTest.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert _selected(view) == 2
    with qtbot.waitSignal(view.retry_requested) as retried:
        view.retry_button.click()
    assert retried.args == [2]

    _pointer_off(view)  # the pointer leaves the list: the new pushes come in at the top
    assert [view.model.job(r).id for r in range(view.model.rowCount())] == [7, 6, 5, 4, 3, 2, 1]
    assert view.model.job(view.model.job_row(5)).state == "sending"
    assert _selected(view) == 2 and not view.new_button.isVisible()


def test_a_push_queued_between_press_and_release_on_a_row_selects_the_row_pressed(qtbot):
    view = _shown(qtbot)
    at = _pointer_on(view, 3)
    QTest.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=at)  # selected: pressed again, Qt
    QTest.mousePress(view.table.viewport(), Qt.MouseButton.LeftButton, pos=at)  # selects on release
    view.model.update_jobs([Job(5)])
    view.model.load([*view.model.jobs(), Job(6)])
    QTest.mouseRelease(view.table.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert _selected(view) == 3
    with qtbot.waitSignal(view.cancel_requested) as cancelled:
        QTest.keyClick(view, Qt.Key.Key_Delete)
    assert cancelled.args == [3]


def test_retry_and_cancel_act_on_the_push_selected_when_rows_come_between_press_and_release(qtbot):
    """The pointer is on the button, not the list: the new rows come in at once, a reload too."""
    view = _shown(qtbot)
    assert view.select_job(2)
    for button, signal in ((view.retry_button, view.retry_requested), (view.cancel_button, view.cancel_requested)):
        QTest.mousePress(button, Qt.MouseButton.LeftButton)
        newest = max(j.id for j in view.model.jobs())
        view.model.update_jobs([Job(newest + 1)])
        view.model.load([*view.model.jobs(), Job(newest + 2)])
        assert view.model.job(0).id == newest + 2
        with qtbot.waitSignal(signal) as acted:
            QTest.mouseRelease(button, Qt.MouseButton.LeftButton)
        assert acted.args == [2]
        assert _selected(view) == 2


def test_a_reload_keeps_the_push_selected_and_where_the_list_was_scrolled(qtbot):
    view = _shown(qtbot, ids=range(60, 0, -1))
    assert view.select_job(10)
    scrolled = view.table.verticalScrollBar().value()
    assert scrolled > 0
    view.model.load(view.model.jobs())
    assert _selected(view) == 10
    assert view.table.verticalScrollBar().value() == scrolled
    assert view.detail.toPlainText().startswith("Note for ticket #48517")
    view.model.load([j for j in view.model.jobs() if j.id != 10])  # gone (cancelled elsewhere, cleared): none
    assert _selected(view) is None


def test_new_pushes_are_shown_when_asked_for_while_the_pointer_stays(qtbot):
    """With the keyboard (the pointer parked on the list) or a tray notification opening a push not listed."""
    view = _shown(qtbot)
    _pointer_on(view, 2)
    view.model.update_jobs([Job(5)])
    view.new_button.click()
    assert view.model.job(0).id == 5 and not view.new_button.isVisible()
    view.model.update_jobs([Job(6)])
    assert view.model.job_row(6) is None
    assert view.select_job(6)
    assert _selected(view) == 6 and view.model.job(0).id == 6


def test_hiding_the_tab_lists_what_waited(qtbot):
    view = _shown(qtbot)
    _pointer_on(view, 2)
    view.model.update_jobs([Job(5)])
    view.hide()
    assert view.model.job(0).id == 5


def test_an_older_push_that_waited_is_listed_in_its_place(qtbot):
    """A reload while the pointer was on the list brought a push older than the newest listed (one the list
    lacked): listed at the top, it would break the newest-first order."""
    view = _shown(qtbot, ids=(4, 2, 1))
    _pointer_on(view, 2)
    view.model.load([Job(i) for i in (5, 4, 3, 2, 1)])
    assert view.model.rowCount() == 3 and view.new_button.text() == "Show 2 new pushes"
    _pointer_off(view)
    assert [view.model.job(r).id for r in range(view.model.rowCount())] == [5, 4, 3, 2, 1]
    assert not view.new_button.isVisible()
    _pointer_on(view, 2)  # likewise with Show, the pointer still on the list
    view.model.load([Job(i) for i in (6, 4, 2, 1)])
    view.model.load([Job(i) for i in (6, 5, 4, 3, 2, 1)])
    view.new_button.click()
    assert [view.model.job(r).id for r in range(view.model.rowCount())] == [6, 5, 4, 3, 2, 1]


def test_in_a_list_scrolled_down_new_pushes_move_no_row_in_view(qtbot):
    """The pointer elsewhere (on a button, the keyboard in use): the rows in view stay; at the top, they show."""
    view = _shown(qtbot, ids=range(60, 0, -1))
    bar = view.table.verticalScrollBar()
    for selected, newest in ((30, 61), (1, 62)):  # scrolled part way, then to the end
        assert view.select_job(selected)
        assert bar.value() > 0
        top = _under(view, QPoint(5, 5))
        view.model.update_jobs([Job(newest)])
        assert _under(view, QPoint(5, 5)) == top and _selected(view) == selected
        QApplication.processEvents()  # the list laid out again (its delayed layout): still
        assert _under(view, QPoint(5, 5)) == top and _selected(view) == selected
    bar.setValue(0)
    view.model.update_jobs([Job(63)])
    assert _under(view, QPoint(5, 5)) == 63
