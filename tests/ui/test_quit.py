"""Quit quits: File → Quit, Ctrl+Q and the tray's Quit end the app (asking first when pushes are waiting);
only the window's close button hides to the tray, and only while a tray icon is on screen."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from tests.ui.test_window import TICKET, _select, _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture
def quits(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """QApplication.quit, the app's exit path, recorded instead of ending the test run."""
    calls: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", lambda *a: calls.append(True))
    return calls


def _queue_one(fd: Any, qtbot: Any) -> None:
    fd.controller.set_paused(True)  # the push stays waiting
    _select(fd, qtbot, TICKET)
    fd.window.push_current()
    assert fd.controller.pending_count() >= 1


def test_quit_with_nothing_waiting_ends_the_app(make_app, qtbot, quits):  # noqa: F811
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    w = fd.window
    asked: list[str] = []
    w.ask = lambda title, text, yes, **k: asked.append(text) or False
    assert w.quit_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Quit) or w.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    w.quit_action.trigger()
    assert quits == [True] and asked == []
    fd.tray.quit_action.trigger()  # the tray's Quit takes the same path
    assert quits == [True, True]


def test_quit_with_pushes_waiting_asks_no_keeps_running_yes_quits(make_app, qtbot, quits):  # noqa: F811
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    w = fd.window
    _queue_one(fd, qtbot)
    asked: list[str] = []
    answer = [False]
    w.ask = lambda title, text, yes, **k: asked.append(text) or answer[0]
    w.quit_action.trigger()
    assert quits == [] and len(asked) == 1
    # sending is paused (_queue_one): they are not sent at the next start, but once sending is resumed
    assert "still waiting" in asked[0] and "Sending is paused: they will be sent once you resume it." in asked[0]
    fd.tray.quit_action.trigger()  # from the tray too
    assert quits == [] and len(asked) == 2
    answer[0] = True
    w.quit_action.trigger()
    assert quits == [True]


def test_close_hides_to_a_visible_tray_and_says_so_once(make_app, qtbot, quits):  # noqa: F811
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    w = fd.window
    w.tray_visible = lambda: True
    told: list[str] = []
    fd.controller.info.connect(told.append)
    w.close()
    assert not w.isVisible() and quits == []
    assert len(told) == 1 and "Quit" in told[0]
    w.show_and_raise()
    w.close()
    assert not w.isVisible() and len(told) == 1  # explained once (remembered in the window state)
    assert quits == []


def test_close_quits_when_no_tray_icon_is_on_screen(make_app, qtbot, quits):  # noqa: F811
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    w = fd.window
    w.tray_visible = lambda: False  # e.g. the panel dropped the icon
    w.close()
    assert quits == [True]


def test_the_selection_timer_does_not_read_the_closed_store(make_app, qtbot):  # noqa: F811
    """Seen under Wine (a slower machine): the note's load timer fired while FlowDesk shut down and read the
    closed store (StoreError in the event loop)."""
    fd = make_app(has_tray=False)
    _start(fd, qtbot)
    row = fd.services.cache.rows()[0]
    fd.window.load_timer.start()  # a selection resting, as after an arrow key
    fd.shutdown()
    assert not fd.window.load_timer.isActive()
    assert fd.controller.load_session(row.id) is None  # and a late call does not touch the closed store
    fd.window._load_current()


def test_the_quit_question_follows_the_queue_and_quits_once_everything_is_sent(make_app, qtbot, quits):  # noqa: F811
    """Seen in the demo: Ctrl+Q while a note was being sent asked "2 pushes are still waiting" and kept
    asking it after both were sent. The real question box: its count follows the queue, and once nothing
    is waiting it closes itself and the app quits (what the engineer asked for)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from flowdesk.ui.main_window import MainWindow

    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    w = fd.window
    del w.ask  # the real modal question, driven from inside its own event loop
    assert w.ask.__func__ is MainWindow.ask
    _queue_one(fd, qtbot)
    seen: list[str] = []

    def inside() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        QTimer.singleShot(15000, box.reject)  # a guard: a question that never settles fails, not hangs
        fd.controller.set_paused(False)  # the pushes go while the question is open

    QTimer.singleShot(0, inside)
    with qtbot.waitSignal(w.quit_requested, timeout=20000):
        w.quit_action.trigger()
    assert seen and seen[0].startswith("1 note and 1 time entry are still waiting")
    assert fd.controller.pending_count() == 0


def test_quit_in_the_demo_does_not_promise_to_send_the_waiting_pushes_later(make_app, qtbot, quits):  # noqa: F811
    """The demo keeps nothing when it ends, but its quit question said the pushes "will be sent the next time
    FlowDesk starts"."""
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    w.queue_kept = False  # as the demo sets it
    _queue_one(fd, qtbot)
    asked: list[str] = []
    w.ask = lambda title, text, yes, **k: asked.append(text) or False
    w.quit_action.trigger()
    assert quits == [] and len(asked) == 1
    assert "The demo keeps nothing" in asked[0] and "next time" not in asked[0], asked[0]
