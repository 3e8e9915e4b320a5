"""What Windows and macOS need beyond Qt's defaults, each decided by a small function a Linux test can drive.

* Notifications: a tray message only where the tray can show one (``QSystemTrayIcon.supportsMessages()``
  is false when Windows' policy disables balloons, ``EnableBalloonTips=0``); otherwise, and on macOS
  (where ``messageClicked`` is never emitted, so "click to open" needs something to click), the window's
  banner as well.
* Dock reactivation (macOS): a click on the Dock icon, or opening FlowDesk again, makes the application
  active with no window on screen; ``applicationStateChanged(ApplicationActive)`` then shows the window.
* App Nap (macOS): while jobs are pending FlowDesk holds an ``NSProcessInfo`` activity, so that a hidden
  FlowDesk's drain timer is not delayed by minutes; it ends when the queue is empty.
* Waking from sleep (Windows): ``WM_POWERBROADCAST`` with ``PBT_APMRESUMEAUTOMATIC``/``PBT_APMRESUMESUSPEND``
  reaches Qt's native event filters. macOS's wake notification is not offered by Qt: there (and wherever no
  OS event comes) the one-minute clock-jump check of ``system_events`` stays the fallback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache
from typing import Any

from PySide6.QtCore import QAbstractNativeEventFilter, QObject, Qt
from PySide6.QtGui import QGuiApplication

from flowdesk.logs import get_logger

log = get_logger("ui")

WM_POWERBROADCAST = 0x0218
PBT_APMRESUMESUSPEND = 0x0007  # resumed after the user did something
PBT_APMRESUMEAUTOMATIC = 0x0012  # resumed (always sent, with or without the user)
APP_NAP_REASON = "FlowDesk is sending queued notes to ConnectWise"
# NSActivityUserInitiatedAllowingIdleSystemSleep: no App Nap, no timer coalescing; the Mac may still sleep
NS_ACTIVITY_USER_INITIATED_ALLOWING_IDLE_SYSTEM_SLEEP = 0x00FFFFFF & ~(1 << 20)


def notification_routes(*, has_tray: bool, supports_messages: bool, platform: str = sys.platform) -> tuple[bool, bool]:
    """(show a tray message, show the window's banner) for a notification."""
    tray = has_tray and supports_messages
    banner = not tray or platform == "darwin"
    return tray, banner


class DockReactivation(QObject):
    """macOS: the application becoming active while the window is hidden (a Dock click) shows the window."""

    def __init__(self, app: QGuiApplication, show: Callable[[], None], is_hidden: Callable[[], bool], platform: str = sys.platform) -> None:
        super().__init__(app)
        self._show = show
        self._is_hidden = is_hidden
        self.enabled = platform == "darwin"
        self._launched = False
        if self.enabled:
            app.applicationStateChanged.connect(self.on_state_changed)

    def on_state_changed(self, state: Qt.ApplicationState) -> None:
        # Qt reports a Dock click as ApplicationActive even when already active (applicationShouldHandleReopen).
        # The first activation is the launch itself: "start minimized" must stay hidden then.
        if state != Qt.ApplicationState.ApplicationActive:
            return
        if not self._launched:
            self._launched = True
            return
        if self._is_hidden():
            log.info("activated while hidden (Dock): showing the window")
            self._show()


class _NSProcessInfoActivity:
    """``[[NSProcessInfo processInfo] beginActivityWithOptions:reason:]`` / ``endActivity:`` over libobjc."""

    def __init__(self) -> None:
        import ctypes  # here, not with the window: only macOS asks for App Nap

        objc = ctypes.cdll.LoadLibrary("/usr/lib/libobjc.A.dylib")
        ctypes.cdll.LoadLibrary("/System/Library/Frameworks/Foundation.framework/Foundation")
        objc.objc_getClass.restype = ctypes.c_void_p
        objc.objc_getClass.argtypes = [ctypes.c_char_p]
        objc.sel_registerName.restype = ctypes.c_void_p
        objc.sel_registerName.argtypes = [ctypes.c_char_p]
        self._objc = objc
        self._info = self._send(objc.objc_getClass(b"NSProcessInfo"), b"processInfo")

    def _send(self, receiver: Any, selector: bytes, *args: tuple[Any, Any]) -> Any:
        import ctypes

        send = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, *(t for t, _ in args))(
            ("objc_msgSend", self._objc)
        )
        return send(receiver, self._objc.sel_registerName(selector), *(v for _, v in args))

    def begin(self, reason: str) -> Any:
        import ctypes

        text = self._send(self._objc.objc_getClass(b"NSString"), b"stringWithUTF8String:", (ctypes.c_char_p, reason.encode("utf-8")))
        token = self._send(
            self._info,
            b"beginActivityWithOptions:reason:",
            (ctypes.c_uint64, NS_ACTIVITY_USER_INITIATED_ALLOWING_IDLE_SYSTEM_SLEEP),
            (ctypes.c_void_p, text),
        )
        return self._send(token, b"retain")

    def end(self, token: Any) -> None:
        import ctypes

        self._send(self._info, b"endActivity:", (ctypes.c_void_p, token))
        self._send(token, b"release")


class AppNapActivity:
    """Holds the activity while jobs are pending (macOS only); ``update(pending)`` after each queue change."""

    def __init__(self, platform: str = sys.platform, backend: Any = None) -> None:
        self._backend = backend
        if backend is None and platform == "darwin":
            try:
                self._backend = _NSProcessInfoActivity()
            except (OSError, AttributeError) as exc:  # no Foundation: App Nap may slow the timer, nothing breaks
                log.info("App Nap activity unavailable: %s", exc)
        self._token: Any = None

    @property
    def active(self) -> bool:
        return self._token is not None

    def update(self, pending: int) -> None:
        if self._backend is None:
            return
        if pending > 0 and self._token is None:
            self._token = self._backend.begin(APP_NAP_REASON)
            log.info("jobs pending: App Nap held off")
        elif pending == 0 and self._token is not None:
            token, self._token = self._token, None
            self._backend.end(token)
            log.info("queue empty: App Nap allowed again")


@cache
def _msg_type() -> Any:
    """Windows' ``MSG``: what ``message`` points to for the ``windows_generic_MSG`` event type (ctypes is
    imported when a native event is first read, not with the window)."""
    import ctypes

    class _MSG(ctypes.Structure):
        _fields_ = [
            ("hwnd", ctypes.c_void_p),
            ("message", ctypes.c_uint),
            ("wParam", ctypes.c_size_t),
            ("lParam", ctypes.c_ssize_t),
            ("time", ctypes.c_uint32),
            ("pt_x", ctypes.c_long),
            ("pt_y", ctypes.c_long),
        ]

    return _MSG


def is_resume_message(message: int, wparam: int) -> bool:
    return message == WM_POWERBROADCAST and wparam in (PBT_APMRESUMEAUTOMATIC, PBT_APMRESUMESUSPEND)


class WindowsPowerEvents(QAbstractNativeEventFilter):
    """Windows: calls ``on_resume`` when the machine wakes (``WM_POWERBROADCAST``), as Qt hands it over."""

    def __init__(self, on_resume: Callable[[], None]) -> None:
        super().__init__()
        self._on_resume = on_resume

    def nativeEventFilter(self, eventType: Any, message: Any) -> Any:  # noqa: N802 -- Qt's name
        if bytes(eventType) == b"windows_generic_MSG" and message:
            msg = _msg_type().from_address(int(message))
            if is_resume_message(msg.message, msg.wParam):
                log.info("woke from sleep (WM_POWERBROADCAST %#x): draining", msg.wParam)
                self._on_resume()
        return False, 0
