"""When to drain besides the timer: the network coming back, and the machine waking from sleep.

* Network: ``QNetworkInformation`` (NetworkManager/GLib on Linux, the OS on macOS and Windows).
* Sleep: logind's ``PrepareForSleep(false)`` on the system bus where there is one; on Windows
  ``WM_POWERBROADCAST`` (``desktop_os.WindowsPowerEvents``); besides those, and alone on macOS, a wake
  check: a one-minute timer that notices the wall clock jumped further than it waited (the timer's own
  clock stops while the machine sleeps). It does not touch the queue, so it is not polling it.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QNetworkInformation

from flowdesk.logs import get_logger
from flowdesk.ui.desktop_os import WindowsPowerEvents

log = get_logger("ui")
WAKE_CHECK_MS = 60_000


class SystemEvents(QObject):
    network_online = Signal()
    resumed = Signal()

    def __init__(self, parent: QObject | None = None, *, wake_check: bool = True, platform: str = sys.platform) -> None:
        super().__init__(parent)
        self._network: object | None = None
        self._online: bool | None = None
        self._watch_network()
        self._logind = self._watch_logind()
        self.power_events: WindowsPowerEvents | None = None
        if platform == "win32":
            self.power_events = WindowsPowerEvents(self.resumed.emit)
            app = QCoreApplication.instance()
            if app is not None:
                app.installNativeEventFilter(self.power_events)
                self.destroyed.connect(lambda *_: _remove_filter(self.power_events))
        self._last_wall = time.time()
        self.wake_timer = QTimer(self)
        self.wake_timer.setObjectName("wakeCheckTimer")
        self.wake_timer.setInterval(WAKE_CHECK_MS)
        self.wake_timer.timeout.connect(self._check_wake)
        if wake_check and not self._logind:
            self.wake_timer.start()

    def _watch_network(self) -> None:
        try:
            if not QNetworkInformation.loadDefaultBackend():
                return
            info = QNetworkInformation.instance()
            if info is None:
                return
            self._network = info
            self._online = info.reachability() == QNetworkInformation.Reachability.Online
            info.reachabilityChanged.connect(self._on_reachability)
        except Exception as exc:  # no backend on this system: the drain timer still retries offline jobs
            log.info("network status unavailable: %s", exc)

    def _on_reachability(self, reachability: object) -> None:
        online = reachability == QNetworkInformation.Reachability.Online
        if online and self._online is False:
            log.info("network is back: draining")
            self.network_online.emit()
        self._online = online

    def _watch_logind(self) -> bool:
        try:
            # lazy, inside the try: a PySide6 without QtDBus means no logind watch, not a crash
            from PySide6.QtDBus import QDBusConnection

            bus = QDBusConnection.systemBus()
            if not bus.isConnected():
                return False
            return bool(
                bus.connect(
                    "org.freedesktop.login1",
                    "/org/freedesktop/login1",
                    "org.freedesktop.login1.Manager",
                    "PrepareForSleep",
                    self,
                    b"1on_prepare_for_sleep(bool)",
                )
            )
        except Exception as exc:
            log.info("logind not available: %s", exc)
            return False

    @Slot(bool)
    def on_prepare_for_sleep(self, sleeping: bool) -> None:
        if not sleeping:
            log.info("woke from sleep: draining")
            self.resumed.emit()

    def _check_wake(self) -> None:
        now = time.time()
        gap = now - self._last_wall
        self._last_wall = now
        if gap > 2 * WAKE_CHECK_MS / 1000:
            log.info("the clock jumped %.0f s (sleep or clock change): draining", gap)
            self.resumed.emit()


def _remove_filter(event_filter: WindowsPowerEvents | None) -> None:
    app = QCoreApplication.instance()
    if app is not None and event_filter is not None:
        app.removeNativeEventFilter(event_filter)
