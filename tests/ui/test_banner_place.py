"""A banner moves nothing under the pointer: it shows under the shown tab's list, which gives it its bottom, so
the rows, the note pane and the queue's buttons stay where the engineer is about to click."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QPushButton, QToolButton, QWidget

from flowdesk.ui.queue_banners import Banner
from tests.ui.test_window import _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")

LONG = "Sending is paused: ConnectWise refused the keys. " * 3  # wraps: a banner two or three lines high


def _at(widget: Any, window: Any) -> QPoint:
    return widget.mapTo(window, QPoint(0, 0))


def _shown(fd: Any, qtbot: Any, banner: Banner, bar: Any = None) -> None:
    fd.controller.show_banner(banner)
    bar = bar or fd.window.banners
    qtbot.waitUntil(lambda: bar.isVisible() and bar.height() > 0 and bar.banner(banner.key) is not None)
    QApplication.sendPostedEvents()  # the layouts' requests: everything has its new place
    QApplication.processEvents()


@pytest.mark.parametrize("size", [(1280, 760), (800, 560)])  # side by side; the note stacked under the list
def test_a_banner_moves_no_session_row_nor_the_push_button(make_app, qtbot, size):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    w.resize(*size)
    qtbot.waitUntil(lambda: (w.width(), w.height()) == size)
    QApplication.processEvents()
    viewport, push = w.table.viewport(), w.panel.push_button
    first_row = w.table.visualRect(w.proxy.index(1, 1)).topLeft()
    before = (_at(viewport, w), viewport.mapTo(w, first_row), _at(push, w), _at(w.panel.editor, w))

    _shown(fd, qtbot, Banner("queue", "warning", LONG, "Resume", "resume"))

    assert (_at(viewport, w), viewport.mapTo(w, first_row), _at(push, w), _at(w.panel.editor, w)) == before
    assert w.banners.isVisible() and w.banners.isVisibleTo(w.splitter.widget(0))  # under the list
    assert _at(w.banners, w).y() >= _at(viewport, w).y() + viewport.height()


def test_on_the_queue_tab_the_same_banners_are_under_the_queue_and_move_nothing(make_app, qtbot):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    _shown(fd, qtbot, Banner("held", "warning", LONG, "Send all now", "send_now"))
    w.tabs.setCurrentIndex(1)
    view = w.queue_view
    bar = view.banners
    qtbot.waitUntil(lambda: view.isVisible() and bar.isVisible())  # shown before the page was built
    assert bar.keys() == ["held"] and not w.banners.isVisible()  # the Sessions tab's copy is hidden with its tab
    QApplication.sendPostedEvents()
    QApplication.processEvents()
    viewport = view.table.viewport()
    before = (_at(viewport, w), _at(view.retry_button, w), _at(view.retry_all_button, w))

    _shown(fd, qtbot, Banner("queue", "error", LONG, "Open Settings", "settings"), bar)

    assert (_at(viewport, w), _at(view.retry_button, w), _at(view.retry_all_button, w)) == before
    assert _at(bar, w).y() >= _at(viewport, w).y() + viewport.height()
    with qtbot.waitSignal(w.banners.action_triggered) as pressed:  # its buttons are the window's banners' own
        next(b for b in bar.findChildren(QPushButton) if b.text() == "Open Settings").click()
    assert pressed.args == ["settings"]
    next(b for b in bar.findChildren(QToolButton)).click()  # ✕ on the first, "held": gone from both places
    assert bar.keys() == w.banners.keys() == ["queue"]
    fd.controller.banner_cleared.emit("queue")
    assert bar.keys() == w.banners.keys() == [] and not bar.isVisible()


def test_in_a_short_window_the_list_gives_way_and_no_banner_is_cut(make_app, qtbot):  # noqa: F811
    """Seen at 800×600 with the note under the list: the demo's two banners squeezed into the list's pane, each
    cut after a line and a half, while the list kept its own minimum."""
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    w.resize(800, 480)
    qtbot.waitUntil(lambda: (w.width(), w.height()) == (800, 480))
    _shown(fd, qtbot, Banner("demo", "info", LONG))
    _shown(fd, qtbot, Banner("keyring", "warning", LONG, "Open Settings", "settings"))
    _shown(fd, qtbot, Banner("queue", "error", LONG, "Resume", "resume"))
    QApplication.sendPostedEvents()
    QApplication.processEvents()
    bars = [b for b in w.banners.findChildren(QWidget) if b.objectName().startswith("banner-")]
    assert len(bars) == 3
    for bar in bars:
        assert bar.height() >= bar.heightForWidth(bar.width()), (bar.objectName(), bar.height())
    assert w.table.viewport().height() > 0  # the list keeps its header and a row
    fd.controller.banner_cleared.emit("demo")
    fd.controller.banner_cleared.emit("keyring")
    fd.controller.banner_cleared.emit("queue")
    qtbot.waitUntil(lambda: not w.banners.isVisible())
    assert w.table.minimumHeight() == 0  # its own minimum again
