"""The window's composition root: QApplication, single instance, services, controller, window, tray."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from flowdesk import APP_ID, APP_NAME, __version__
from flowdesk.commands.base import EXIT_FAILURE, EXIT_OK, Context
from flowdesk.logs import get_logger
from flowdesk.paths import AppPaths

log = get_logger("ui")
qt_log = get_logger("ui.qt")

# Benchmark hook (bench/startup.py): when set, the app prints "flowdesk-first-paint <time.monotonic()>" on
# stdout once the session list has been painted for the first time, then quits as if Quit was chosen.
FIRST_PAINT_ENV = "FLOWDESK_EXIT_AFTER_FIRST_PAINT"
FIRST_PAINT_MARK = "flowdesk-first-paint"


class _AfterFirstPaint(QObject):
    """Calls ``callback`` once, when ``widget`` has been painted for the first time (or after
    ``fallback_ms`` if it never is: a window the platform keeps hidden must still start working)."""

    def __init__(self, widget: Any, callback: Any, fallback_ms: int = 2000) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback: Any = callback
        widget.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self._fire)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and self._callback is not None:
            # After this paint pass and what it queued (two turns of the event loop), not in the middle of it.
            QTimer.singleShot(0, self, lambda: QTimer.singleShot(0, self, self._fire))
        return False

    def _fire(self) -> None:
        callback, self._callback = self._callback, None
        if callback is not None:
            self._widget.removeEventFilter(self)
            callback()


class _FirstPaintProbe(QObject):
    """Reports the end of the first paint pass that painted ``widget``, then quits the app."""

    def __init__(self, widget: Any) -> None:
        super().__init__(widget)
        self._widget = widget
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            self._widget.removeEventFilter(self)
            QTimer.singleShot(0, self._report)  # runs once this whole paint pass is done
        return False

    def _report(self) -> None:
        print(f"{FIRST_PAINT_MARK} {time.monotonic():.6f}", flush=True)
        QApplication.quit()


def _qt_message(mode: QtMsgType, context: Any, message: str) -> None:
    level = {
        QtMsgType.QtDebugMsg: 10,
        QtMsgType.QtInfoMsg: 20,
        QtMsgType.QtWarningMsg: 30,
        QtMsgType.QtCriticalMsg: 40,
        QtMsgType.QtFatalMsg: 50,
    }.get(mode, 30)
    qt_log.log(level, "%s", message)


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    from flowdesk.ui.icons import app_icon

    app.setWindowIcon(app_icon())
    return app


class FlowDeskApp:
    """Everything the running window needs, built in order and torn down in reverse."""

    def __init__(self, paths: AppPaths, *, demo: Any = None, has_tray: bool | None = None) -> None:
        from flowdesk.services import Services
        from flowdesk.ui.controller import AppController
        from flowdesk.ui.main_window import MainWindow
        from flowdesk.ui.settings_dialog import SettingsDialog
        from flowdesk.ui.system_events import SystemEvents
        from flowdesk.ui.tray import NotificationBanner, TrayController

        self.paths = paths
        self.demo = demo
        self._stopped = False
        self.services = Services.open(paths)
        self._use_proxy_setting(demo is not None)
        if demo is not None:
            demo.configure(self.services)
        self.controller = AppController(self.services)
        self.has_tray = QSystemTrayIcon.isSystemTrayAvailable() if has_tray is None else has_tray
        self.window = MainWindow(self.controller, has_tray=self.has_tray)
        self.tray: TrayController | None = None
        self.banner_notifications: NotificationBanner | None = None
        if self.has_tray:
            self.tray = TrayController(self.controller, parent=self.window)
            self.tray.open_requested.connect(self.window.show_and_raise)
            self.tray.show_job_requested.connect(self.window.show_job)
            self.tray.quit_requested.connect(self.quit)
            self.tray.show()
        else:
            self.banner_notifications = NotificationBanner(self.controller, self.window)
        self.window.quit_requested.connect(self.quit)
        self.window.settings_requested.connect(self.open_settings)
        self.window.refresh_requested.connect(self.controller.refresh_sessions)
        self.window.import_requested.connect(self.controller.import_files)
        self._settings_dialog_cls = SettingsDialog
        self.system_events = SystemEvents(self.window)
        self.system_events.network_online.connect(self.controller.network_back)
        self.system_events.resumed.connect(self.controller.network_back)
        if demo is not None:
            demo.attach(self.window, self.controller)

    def _use_proxy_setting(self, demo: bool) -> None:
        """The application's proxy: the setting (read at each use), the keyring, and the OS's proxy via Qt.
        The demo's sandbox is on this computer: never through a proxy."""
        from flowdesk import network
        from flowdesk.core.settings import ProxyMode, ProxySettings
        from flowdesk.ui.system_proxy import system_proxy

        services = self.services
        if demo:
            network.use_settings(lambda: ProxySettings(mode=ProxyMode.NONE))
        else:
            network.use_settings(lambda: services.settings.proxy, lambda: services.credentials)
        network.set_system_resolver(system_proxy)

    def start(self, *, show: bool = True) -> None:
        settings = self.services.settings
        if show and not (settings.start_minimized and self.has_tray):
            self.window.show()
            # The first drain and the session refresh import the network stack and start worker threads:
            # begin them as soon as the window is on screen, so that they do not hold it back.
            self._after_paint = _AfterFirstPaint(self.window, self._start_work)
        else:
            self._start_work()

    def _start_work(self) -> None:
        if self._stopped:
            return
        self.controller.start()
        if self.demo is None:
            self.controller.refresh_sessions(quiet=True)

    def open_settings(self) -> None:
        dialog = self._settings_dialog_cls(self.controller, self.window)
        dialog.open()
        self.settings_dialog = dialog

    def quit(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def shutdown(self) -> None:
        self._stopped = True
        self.window.save_geometry()
        if self.tray is not None:
            self.tray.hide()
        self.controller.shutdown()
        self.services.close()
        from flowdesk import network

        network.use_settings(None)
        network.set_system_resolver(None)
        if self.demo is not None:
            self.demo.cleanup()


def run(ctx: Context, *, demo: bool = False) -> int:
    from flowdesk.ui.single_instance import InstanceServer, ask_running_instance_to_raise, server_name

    demo_env = None
    if demo:
        from flowdesk.ui.demo import DemoEnvironment

        demo_env = DemoEnvironment.create()  # a private FLOWDESK_HOME, before any folder is chosen
        ctx = Context(verbose=ctx.verbose)
    qInstallMessageHandler(_qt_message)
    app = make_application()
    paths = ctx.paths
    instance = None
    if demo_env is None:
        name = server_name(str(paths.data_dir))
        if ask_running_instance_to_raise(name):
            print(f"{APP_NAME} is already running: its window was brought forward.", file=sys.stderr)
            return EXIT_OK
        instance = InstanceServer(name)
        instance.listen()
    try:
        flowdesk = FlowDeskApp(paths, demo=demo_env)
    except Exception as exc:  # the store or settings cannot be opened: say so, in a window and on stderr
        log.exception("start-up failed")
        print(f"flowdesk: {exc}", file=sys.stderr)
        QMessageBox.critical(None, APP_NAME, f"{APP_NAME} could not start:\n\n{exc}")
        if demo_env is not None:
            demo_env.cleanup()
        return EXIT_FAILURE
    app.setQuitOnLastWindowClosed(not flowdesk.has_tray)
    if instance is not None:
        instance.raise_requested.connect(flowdesk.window.show_and_raise)
    if os.environ.get(FIRST_PAINT_ENV):
        _FirstPaintProbe(flowdesk.window.table.viewport())
    flowdesk.start()
    try:
        return app.exec()
    finally:
        flowdesk.shutdown()
        if instance is not None:
            instance.close()
