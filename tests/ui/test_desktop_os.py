"""Windows and macOS desktop behaviour, simulated on Linux: the platform is a parameter, the OS's part a stand-in.

* notifications reach the window's banner where the tray cannot show messages (balloons off by policy) and
  on macOS (no ``messageClicked`` there);
* a Dock click (``applicationStateChanged(ApplicationActive)``) shows the hidden window, on macOS only;
* an App Nap activity is held while jobs are pending (macOS only);
* ``WM_POWERBROADCAST`` resume messages (Windows) make the queue drain, through a real ``MSG`` in memory.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QApplication

from flowdesk.core.notify import Notification
from flowdesk.paths import AppPaths
from flowdesk.ui import desktop_os
from flowdesk.ui.desktop_os import (
    PBT_APMRESUMEAUTOMATIC,
    PBT_APMRESUMESUSPEND,
    WM_POWERBROADCAST,
    AppNapActivity,
    WindowsPowerEvents,
    notification_routes,
)
from flowdesk.ui.system_events import SystemEvents

pytestmark = pytest.mark.usefixtures("qapp")
FAILED = Notification("Note failed to post", "Ticket #48211: refused. Open FlowDesk.", (7,), True, "Ticket #48211: refused.")


@pytest.mark.parametrize(
    ("has_tray", "supports_messages", "platform", "expected"),
    [
        (True, True, "win32", (True, False)),
        (True, False, "win32", (False, True)),  # EnableBalloonTips=0
        (False, False, "linux", (False, True)),
        (True, True, "linux", (True, False)),
        (True, True, "darwin", (True, True)),  # no messageClicked on macOS: the banner is what can be clicked
        (False, True, "darwin", (False, True)),
    ],
)
def test_notification_routes(has_tray: bool, supports_messages: bool, platform: str, expected: tuple[bool, bool]) -> None:
    assert notification_routes(has_tray=has_tray, supports_messages=supports_messages, platform=platform) == expected


@pytest.fixture
def make_app(qtbot: Any) -> Iterator[Any]:
    from flowdesk.ui.app import FlowDeskApp

    apps: list[FlowDeskApp] = []

    def make(**kwargs: Any) -> FlowDeskApp:
        fd = FlowDeskApp(AppPaths.from_env().ensure(), **kwargs)
        qtbot.addWidget(fd.window)
        apps.append(fd)
        return fd

    yield make
    for fd in apps:
        fd.shutdown()


def _tray_messages(fd: Any) -> list[tuple[Any, ...]]:
    shown: list[tuple[Any, ...]] = []
    fd.tray.tray.showMessage = lambda *a: shown.append(a)
    return shown


def test_balloons_disabled_by_policy_fall_back_to_the_banner(make_app: Any) -> None:
    fd = make_app(has_tray=True, supports_messages=False, platform="win32")
    shown = _tray_messages(fd)
    fd.controller.notify.emit(FAILED)
    assert shown == []
    assert fd.banner_notifications is not None and fd.banner_notifications.shown == [FAILED]
    banner = fd.window.banners.banner("failed")
    assert banner is not None and "refused" in banner.text


def test_balloons_allowed_no_banner(make_app: Any) -> None:
    fd = make_app(has_tray=True, supports_messages=True, platform="win32")
    shown = _tray_messages(fd)
    fd.controller.notify.emit(FAILED)
    assert [a[0] for a in shown] == [FAILED.title]
    assert fd.banner_notifications is None and fd.window.banners.banner("failed") is None


def test_an_outage_is_a_warning_a_failed_push_an_error(make_app: Any) -> None:
    """An outage keeps its pushes and sends them later: its notification must not carry the failure icon."""
    from PySide6.QtWidgets import QSystemTrayIcon

    fd = make_app(has_tray=True, supports_messages=True, platform="win32")
    shown = _tray_messages(fd)
    held = Notification("ConnectWise unreachable", "2 pushes waiting. Open FlowDesk.", (1, 2), True, kind="held")
    back = Notification("ConnectWise is back", "2 pushes sent.", (1, 2), False, kind="back")
    for n in (held, FAILED, back):
        fd.controller.notify.emit(n)
    icon = QSystemTrayIcon.MessageIcon
    assert [(a[0], a[2]) for a in shown] == [
        (held.title, icon.Warning), (FAILED.title, icon.Critical), (back.title, icon.Information)
    ]


def test_macos_shows_the_banner_too_for_click_to_open(make_app: Any) -> None:
    fd = make_app(has_tray=True, supports_messages=True, platform="darwin")
    shown = _tray_messages(fd)
    fd.controller.notify.emit(FAILED)
    assert [a[0] for a in shown] == [FAILED.title]
    banner = fd.window.banners.banner("failed")
    assert banner is not None and banner.action  # something to click in the window


@pytest.mark.parametrize(("platform", "shown"), [("darwin", True), ("win32", False), ("linux", False)])
def test_dock_click_shows_the_hidden_window(make_app: Any, platform: str, shown: bool) -> None:
    fd = make_app(has_tray=True, platform=platform)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationActive)  # the launch: stays as it is
    assert not fd.window.isVisible()
    app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationInactive)
    assert not fd.window.isVisible()
    app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationActive)  # the Dock click
    assert fd.window.isVisible() is shown


def test_dock_click_while_quitting_does_nothing(make_app: Any) -> None:
    fd = make_app(has_tray=True, platform="darwin")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationActive)
    fd.window.quitting = True
    app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationActive)
    assert not fd.window.isVisible()


class FakeActivity:
    """Stands in for NSProcessInfo: records begin/end."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def begin(self, reason: str) -> object:
        token = object()
        self.calls.append(("begin", reason))
        return token

    def end(self, token: object) -> None:
        self.calls.append(("end", token))


def test_app_nap_activity_while_jobs_are_pending() -> None:
    fake = FakeActivity()
    nap = AppNapActivity("darwin", backend=fake)
    nap.update(0)
    assert fake.calls == [] and not nap.active
    nap.update(2)
    nap.update(1)  # still pending: one activity, not two
    assert [c[0] for c in fake.calls] == ["begin"] and nap.active
    assert "sending queued notes" in fake.calls[0][1]
    nap.update(0)
    assert [c[0] for c in fake.calls] == ["begin", "end"] and not nap.active


def test_app_nap_is_macos_only_and_survives_a_missing_foundation(monkeypatch: pytest.MonkeyPatch) -> None:
    assert AppNapActivity("linux")._backend is None
    assert AppNapActivity("win32")._backend is None

    def no_foundation() -> None:
        raise OSError("dlopen(/usr/lib/libobjc.A.dylib): image not found")

    monkeypatch.setattr(desktop_os, "_NSProcessInfoActivity", no_foundation)
    nap = AppNapActivity("darwin")
    nap.update(3)  # nothing to hold, nothing raised
    assert not nap.active


def test_the_window_holds_the_activity_from_the_queue_state(make_app: Any) -> None:
    fd = make_app(has_tray=False, platform="darwin")
    fake = FakeActivity()
    fd.app_nap = AppNapActivity("darwin", backend=fake)
    fd.controller.queue_status_changed.emit("sending", {"pending": 1, "sent": 4}, "1 waiting")
    assert fd.app_nap.active
    fd.controller.queue_status_changed.emit("ok", {"sent": 5}, "all sent")
    assert not fd.app_nap.active and [c[0] for c in fake.calls] == ["begin", "end"]


def _msg(message: int, wparam: int) -> Any:
    msg = desktop_os._msg_type()()
    msg.message = message
    msg.wParam = wparam
    return msg


@pytest.mark.parametrize(
    ("message", "wparam", "resumed"),
    [
        (WM_POWERBROADCAST, PBT_APMRESUMEAUTOMATIC, True),
        (WM_POWERBROADCAST, PBT_APMRESUMESUSPEND, True),
        (WM_POWERBROADCAST, 0x0004, False),  # PBT_APMSUSPEND: going to sleep
        (WM_POWERBROADCAST, 0x000A, False),  # PBT_APMPOWERSTATUSCHANGE
        (0x0112, PBT_APMRESUMEAUTOMATIC, False),  # another message with the same wParam
    ],
)
def test_windows_power_broadcast(qtbot: Any, message: int, wparam: int, resumed: bool) -> None:
    events = SystemEvents(wake_check=False, platform="win32")
    assert events.power_events is not None
    got: list[bool] = []
    events.resumed.connect(lambda: got.append(True))
    msg = _msg(message, wparam)
    result = events.power_events.nativeEventFilter(QByteArray(b"windows_generic_MSG"), ctypes.addressof(msg))
    assert result == (False, 0)  # never swallowed: Qt and Windows see it too
    assert got == ([True] if resumed else [])
    events.deleteLater()


def test_other_platforms_events_are_ignored() -> None:
    called: list[bool] = []
    f = WindowsPowerEvents(lambda: called.append(True))
    msg = _msg(WM_POWERBROADCAST, PBT_APMRESUMEAUTOMATIC)
    assert f.nativeEventFilter(QByteArray(b"xcb_generic_event_t"), ctypes.addressof(msg)) == (False, 0)
    assert called == []
    assert SystemEvents(wake_check=False, platform="linux").power_events is None
    assert SystemEvents(wake_check=False, platform="darwin").power_events is None
