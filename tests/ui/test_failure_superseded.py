"""A failed push's notification, once that push is sent again and posts: the tray's next message says it posted
(a balloon cannot be withdrawn everywhere), its icon and tooltip no longer say a push failed, and without a tray
the window's failure banner goes.

The real window against the sandbox over a real socket, as in test_window; no sleeps."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.ui.test_window import CW_NOTES, TICKET, _select, _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _fail_then_retry(fd: Any, qtbot: Any, admin: Any) -> None:
    _select(fd, qtbot, TICKET)
    admin.add_fault(method="POST", path=CW_NOTES, status=403, times=1)
    with qtbot.waitSignal(fd.controller.notify, check_params_cb=lambda n: n.kind == "failed", timeout=15000):
        qtbot.mouseClick(fd.window.panel.push_button, Qt.MouseButton.LeftButton)
    failed = next(j for j in fd.services.outbox.jobs() if j.kind == "note")
    assert failed.state == "failed"
    with qtbot.waitSignal(fd.controller.notify, check_params_cb=lambda n: n.kind == "posted", timeout=15000) as posted:
        fd.controller.retry(failed.id)
    assert posted.args[0].job_ids == (failed.id,) and not posted.args[0].error
    qtbot.waitUntil(lambda: all(j.state == "sent" for j in fd.services.outbox.jobs()), timeout=15000)


def test_the_tray_says_a_failed_push_posted_after_all(make_app, qtbot, sandbox_admin):  # noqa: F811
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    tray = fd.tray
    assert tray is not None
    shown: list[tuple[str, Any]] = []
    tray.messages = True  # a desktop that shows tray messages (Wine's tray does not: the banner says it there)
    tray.tray.showMessage = lambda title, text, icon, ms: shown.append((title, icon))  # what the desktop gets
    _fail_then_retry(fd, qtbot, sandbox_admin)
    assert [n.kind for n in tray.shown] == ["failed", "posted"]
    assert shown[-1][0] == f"The note for ticket #{TICKET} posted after all"
    assert shown[-1][1] == tray.tray.MessageIcon.Information  # superseding the critical balloon, not another error
    assert tray.state != "failed" and "failed" not in tray.tray.toolTip()
    with qtbot.waitSignal(tray.show_job_requested) as clicked:  # a click on it opens what posted
        tray.tray.messageClicked.emit()
    assert clicked.args[0] == tray.shown[-1].job_ids[0]


def test_without_a_tray_the_failure_banner_goes_once_the_push_posts(make_app, qtbot, sandbox_admin):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    banners = fd.window.banners
    keys: list[Any] = []
    fd.controller.banner_shown.connect(lambda b: keys.append(b.key))
    _fail_then_retry(fd, qtbot, sandbox_admin)
    assert "failed" in keys
    assert banners.banner("failed") is None


def test_without_a_tray_the_failure_banner_goes_once_the_failed_push_is_cancelled(make_app, qtbot, sandbox_admin):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, TICKET)
    sandbox_admin.add_fault(method="POST", path=CW_NOTES, status=403, times=1)
    with qtbot.waitSignal(fd.controller.notify, check_params_cb=lambda n: n.kind == "failed", timeout=15000):
        qtbot.mouseClick(fd.window.panel.push_button, Qt.MouseButton.LeftButton)
    assert fd.window.banners.banner("failed") is not None
    failed = next(j for j in fd.services.outbox.jobs() if j.kind == "note")
    fd.controller.cancel(failed.id)  # its Retry all would send nothing
    qtbot.waitUntil(lambda: fd.window.banners.banner("failed") is None, timeout=5000)


def test_without_a_tray_a_passing_message_shows_in_the_status_bar(make_app, qtbot, sandbox, sandbox_admin, tmp_path):  # noqa: F811
    """The demo's Restore ConnectWise said what goes now in a tray message only: without a tray, nowhere."""
    from flowdesk.ui.demo import DemoEnvironment

    fd = make_app()
    _start(fd, qtbot)
    assert fd.tray is None
    demo = DemoEnvironment(str(tmp_path), sandbox)
    demo.admin = sandbox_admin
    with qtbot.waitSignal(fd.controller.info, timeout=15000):
        demo._run(demo.restore, fd.controller)
    assert fd.window.statusBar().currentMessage() == "ConnectWise is back to normal."


def _fail(fd: Any, qtbot: Any, admin: Any) -> Any:
    _select(fd, qtbot, TICKET)
    admin.add_fault(method="POST", path=CW_NOTES, status=403, times=1)
    with qtbot.waitSignal(fd.controller.notify, check_params_cb=lambda n: n.kind == "failed", timeout=15000):
        qtbot.mouseClick(fd.window.panel.push_button, Qt.MouseButton.LeftButton)
    return next(j for j in fd.services.outbox.jobs() if j.kind == "note")


def test_a_failure_notified_before_a_restart_posting_after_it_says_posted_after_all(make_app, qtbot, sandbox_admin):  # noqa: F811
    """The engineer quit with the failure's balloon up (a critical one may stay); retried after the next start, the
    push posted and nothing said so: the failures remembered were the running window's only."""
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    failed = _fail(fd, qtbot, sandbox_admin)
    fd.shutdown()

    again = make_app(has_tray=True)
    _start(again, qtbot)
    assert again.tray.state == "failed"
    with qtbot.waitSignal(again.controller.notify, check_params_cb=lambda n: n.kind == "posted", timeout=15000) as posted:
        again.controller.retry(failed.id)
    assert posted.args[0].title == f"The note for ticket #{TICKET} posted after all" and not posted.args[0].error


def test_a_cancelled_failure_raises_no_tray_message_and_the_icon_stops_saying_failed(make_app, qtbot, sandbox_admin):  # noqa: F811
    """The engineer cancels the failed push in the window that says so: no balloon repeats it (see Notices); the
    icon and tooltip no longer say a push failed, and a push that fails later is notified as ever."""
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    tray = fd.tray
    shown: list[str] = []
    tray.messages = True  # a desktop that shows tray messages (Wine's tray does not)
    tray.tray.showMessage = lambda title, text, icon, ms: shown.append(title)
    failed = _fail(fd, qtbot, sandbox_admin)
    assert len(shown) == 1 and tray.state == "failed"
    fd.controller.cancel(failed.id)
    qtbot.waitUntil(lambda: tray.state != "failed", timeout=5000)
    assert "failed" not in tray.tray.toolTip() and len(shown) == 1
    assert fd.controller._notices.failed == set()  # forgotten: nothing to say posted after all
