"""The window's composition root: QApplication, single instance, services, controller, window, tray."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from flowdesk import APP_ID, APP_NAME, __version__
from flowdesk.commands.base import EXIT_FAILURE, EXIT_OK, Context
from flowdesk.logs import get_logger, rotate_log
from flowdesk.paths import AppPaths
from flowdesk.services import Services
from flowdesk.ui.account_saving import account_saved_elsewhere
from flowdesk.ui.blink import CursorBlinkTimeout
from flowdesk.ui.controller import AppController, Banner
from flowdesk.ui.desktop_os import AppNapActivity, DockReactivation, notification_routes
from flowdesk.ui.firstpaint import FirstPaint, after_first_paint, exit_after_first_paint
from flowdesk.ui.icons import app_icon
from flowdesk.ui.main_window import MainWindow
from flowdesk.ui.queue_banners import TRY_AGAIN
from flowdesk.ui.single_instance import AlreadyRunning, claim_instance
from flowdesk.ui.tray import NotificationBanner, TrayController

if TYPE_CHECKING:
    from flowdesk.ui.system_events import SystemEvents

log = get_logger("ui")
qt_log = get_logger("ui.qt")


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
    app.setWindowIcon(app_icon())
    return app


SESSION_END_WAIT_S = 3.0  # Windows gives a program 5 s to answer the end of the session


class FlowDeskApp:
    """Everything the running window needs, built in order and torn down in reverse."""

    def __init__(
        self,
        paths: AppPaths,
        *,
        demo: Any = None,
        has_tray: bool | None = None,
        supports_messages: bool | None = None,
        platform: str = sys.platform,
    ) -> None:
        self.paths = paths
        self.demo = demo
        self._stopped = False
        self.services = Services.open(paths)
        self._use_proxy_setting(demo is not None)
        if demo is not None:
            demo.configure(self.services)
        self.controller = AppController(self.services)
        self.has_tray = QSystemTrayIcon.isSystemTrayAvailable() if has_tray is None else has_tray
        if supports_messages is None:
            supports_messages = QSystemTrayIcon.supportsMessages()
        tray_messages, banner = notification_routes(has_tray=self.has_tray, supports_messages=supports_messages, platform=platform)
        self.window = MainWindow(self.controller, has_tray=self.has_tray)
        self.first_paint = FirstPaint(self.window.table.viewport())  # the session list's
        self.tray: TrayController | None = None
        self.banner_notifications: NotificationBanner | None = None
        if self.has_tray:
            self.tray = TrayController(self.controller, parent=self.window, messages=tray_messages)
            self.tray.open_requested.connect(self.window.show_and_raise)
            self.tray.show_job_requested.connect(self.window.show_job)
            self.tray.quit_requested.connect(self.window.request_quit)
            self.tray.show()
            self.window.tray_visible = self.tray_visible
        if banner:  # no tray, a tray that cannot show messages, or macOS (no "click to open" there)
            self.banner_notifications = NotificationBanner(self.controller, self.window)
        self.platform = platform
        self.app_nap = AppNapActivity(platform)
        self.controller.queue_status_changed.connect(self._queue_changed)
        app = QApplication.instance()
        self.dock = (
            DockReactivation(app, self.window.show_and_raise, self._window_hidden, platform)
            if isinstance(app, QApplication)
            else None
        )
        self.window.quit_requested.connect(self.quit)
        self.window.banners.action_triggered.connect(self._on_banner_action)
        self.window.settings_requested.connect(self.open_settings)
        self.window.refresh_requested.connect(self.controller.refresh_sessions)
        self.window.import_requested.connect(self.controller.import_files)
        self.system_events: SystemEvents | None = None  # watched from the end of the first paint (QtNetwork)
        self.after_start: list[Callable[[], object]] = []  # more to do then (run(): the single-instance server)
        self._settings_dialog_cls: Any = None  # SettingsDialog, imported when first opened (it loads the settings' models)
        app = QApplication.instance()
        self.cursor_blink = CursorBlinkTimeout(app, self.window) if isinstance(app, QApplication) else None
        if isinstance(app, QApplication):  # the OS session ends (log off, restart for updates)
            app.commitDataRequest.connect(self.session_ending)
        if demo is not None:
            demo.attach(self.window, self.controller)
        self._previous_hook = sys.excepthook
        sys.excepthook = self._excepthook

    def _excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        """An error no slot turned into words is logged, as before (the traceback in the log only). One from the
        database, damaged or locked after it opened (a read meets a bad page: the start-up's work stopped there,
        the window looked fine), is also said in the window: which file is wrong, and what to do."""
        self._previous_hook(exc_type, exc, tb)
        from flowdesk.logs import mask_secrets
        from flowdesk.store.db import trouble_words

        words = trouble_words(exc, self.paths.database_file)
        # the window only from its own thread (a slot run on a worker thread: the log only, as before)
        if words is not None and not self._stopped and threading.current_thread() is threading.main_thread():
            self.controller.show_banner(Banner("database", "error", mask_secrets(words)))

    def session_ending(self, _manager: object = None) -> None:
        """The OS is ending the session (Windows: log off, or a restart for updates). Windows may end the
        process as soon as this returns, without ``app.exec()`` returning and so without :meth:`shutdown`:
        the edit typed in the last half second and the drafts still waiting for their thread are written
        now (a short wait on the GUI thread, at the one moment nobody is using the window). Nothing else
        needs it: pushes are committed to the queue before anything is sent. The session end may still
        be cancelled (another program refuses it), so FlowDesk keeps running as it was."""
        if self._stopped:
            return
        self.window.save_geometry()
        panel = self.window.built_panel  # (none yet: nothing was typed)
        if panel is not None and panel.draft_timer.isActive():
            panel.save_draft_now()
        if not self.controller.drafts.flush(SESSION_END_WAIT_S):
            log.warning("the OS session is ending and a draft could not be written in time")

    def _queue_changed(self, _state: str, counts: dict[str, int], _line: str) -> None:
        self.app_nap.update(sum(counts.get(s, 0) for s in ("pending", "sending", "retry_wait", "unknown")))

    def _window_hidden(self) -> bool:
        return not self._stopped and not self.window.quitting and not self.window.isVisible()

    def _use_proxy_setting(self, demo: bool) -> None:
        """The application's proxy: the setting (read at each use), the keyring, and the OS's proxy via Qt.
        The demo's sandbox is on this computer: never through a proxy."""
        from flowdesk import network
        from flowdesk.ui.system_proxy import system_proxy

        services = self.services
        if demo:

            def no_proxy() -> Any:
                from flowdesk.core.settings import ProxyMode, ProxySettings  # lazy: pydantic

                return ProxySettings(mode=ProxyMode.NONE)

            network.use_settings(no_proxy)
        else:
            network.use_settings(lambda: services.settings.proxy, lambda: services.credentials)
        network.set_system_resolver(system_proxy)

    def start(self, *, show: bool = True) -> None:
        # the one setting the first paint needs, read without validating the file (done right after the paint)
        if show and not (self.has_tray and self.services.flag("start_minimized")):
            self.window.show()
            # The first drain and the session refresh import the network stack and start worker threads:
            # begin them as soon as the window is on screen, so that they do not hold it back.
            after_first_paint(self.first_paint, self._start_work)
        else:
            self._start_work()

    def _start_work(self) -> None:
        gc.enable()  # paused by flowdesk.__main__ until the window is up
        rotate_log()  # the log file was plain until now (flowdesk.cli)
        if self._stopped:
            return
        self.window.panel  # noqa: B018 - the note pane, built now: the first paint showed "No session selected"
        self._watch_system_events()
        for work in self.after_start:
            work()
        self.controller.start()
        if self.demo is None:
            self._sign_in_entry()
            self.controller.refresh_sessions(quiet=True)
            from flowdesk.ui.first_run import needs_setup

            if needs_setup(self.controller):  # the very first start: a guided setup, not an empty table
                self.open_setup()

    def _sign_in_entry(self) -> None:
        """Start at sign-in (Settings › General): an entry left by a FlowDesk since moved or updated now starts
        this one."""
        from flowdesk import autostart  # lazy: after the first paint

        entry = self.controller.autostart = autostart.for_app()
        try:
            if entry is not None and autostart.refresh(entry, autostart.launch_command()):
                log.info("the sign-in entry now starts this FlowDesk")
        except autostart.AutostartError as exc:
            log.warning("%s", exc)

    def _watch_system_events(self) -> None:
        """The network coming back and the machine waking drain the queue (QNetworkInformation, logind), and read
        again, on a worker, the tickets whose look-up met the outage: a card "As last read" is checked again."""
        from flowdesk.ui.system_events import SystemEvents  # lazy: QtNetwork, after the first paint

        self.system_events = SystemEvents(self.window, platform=self.platform)
        for back in (self.system_events.network_online, self.system_events.resumed):
            back.connect(self.controller.network_back)
            back.connect(self.controller.look_up_again_after_an_outage)

    def _on_banner_action(self, action: str) -> None:
        """Every banner's button (its ``Banner.action_id``), answered here and nowhere else."""
        window, controller = self.window, self.controller
        if action == "settings":  # no keys, refused keys, an unknown company ID
            self.open_settings()
        elif action == "resolutionflow_settings":  # "Could not refresh your sessions: Not signed in …"
            self.open_settings("resolutionflow")
        elif action == "setup":
            self.open_setup()
        elif action == "refresh":  # "Could not refresh your sessions: …" → Try again
            controller.refresh_sessions()
        elif action == TRY_AGAIN:  # "Pushes are waiting: Your keyring is locked: unlock it …" → Try again
            controller.read_keyring_again()
        elif action == "resume":  # the engineer's pause, or a member pause
            controller.resume()
        elif action in ("retry_failed", "retry_all", "send_now"):  # failed pushes; Send all now in an outage
            window.retry_all()
        elif action == "queue":
            window.tabs.setCurrentWidget(window.queue_view)

    def open_setup(self) -> None:
        """The first-run setup (ConnectWise keys, Test connection, ResolutionFlow sign-in, first refresh)."""
        from flowdesk.ui.first_run import FirstRunSetup

        dialog = FirstRunSetup(self.controller, self.window)
        dialog.rejected.connect(lambda: self.controller.show_banner(Banner(
            "setup", "info", "FlowDesk is not set up yet: it needs your ConnectWise keys and your ResolutionFlow "
            "account to fetch sessions and post notes.", "Set up", "setup")))
        dialog.accepted.connect(lambda: self.controller.clear_banner("setup"))
        dialog.open()
        self.setup_dialog = dialog

    def open_settings(self, page: str = "") -> None:
        """The settings dialog: the one already open is brought to the front (Settings from the tray while
        it is open); a closed one is deleted (its answers still on their way are dropped or kept by their
        owner guards), not left alive until quit. ``page`` "resolutionflow": on its ResolutionFlow page."""
        from shiboken6 import isValid

        old = getattr(self, "settings_dialog", None)
        if old is not None and isValid(old):
            if old.isVisible():
                old.raise_()
                old.activateWindow()
                if page == "resolutionflow":
                    old.show_resolutionflow()
                return
            old.deleteLater()
        if self._settings_dialog_cls is None:
            from flowdesk.ui.settings_dialog import SettingsDialog

            self._settings_dialog_cls = SettingsDialog
        dialog = self._settings_dialog_cls(self.controller, self.window)
        if page == "resolutionflow":
            dialog.show_resolutionflow()
        dialog.open()
        self.settings_dialog = dialog

    def tray_visible(self) -> bool:
        """A tray icon is on screen now: ours is shown and a tray still hosts it."""
        return self.tray is not None and self.tray.tray.isVisible() and QSystemTrayIcon.isSystemTrayAvailable()

    def quit(self) -> None:
        # Qt 6's quit() first asks every window to close: the main window knows it is quitting
        # (window.quitting) and accepts, instead of hiding to the tray and so cancelling the quit.
        self.window.quitting = True
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def shutdown(self) -> None:
        was_stopped, self._stopped = self._stopped, True
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._previous_hook
        app = QApplication.instance()
        if isinstance(app, QApplication) and not was_stopped:
            app.commitDataRequest.disconnect(self.session_ending)
        # The note follows the selection after a pause (load_timer): it must not read the store once it closes
        # (seen under Wine, where the suite runs slower: the timer fired during shutdown)
        self.window.load_timer.stop()
        self.window.save_geometry()
        if (panel := self.window.built_panel) is not None:
            panel.flush_draft()  # edits typed just before quitting are kept
        self.window.quitting = True  # closing the window from now on must not ask (the store is closing)
        if self.cursor_blink is not None:
            self.cursor_blink.stop()
        if self.tray is not None:
            self.tray.hide()
        self.controller.shutdown()
        self.services.close()
        from flowdesk import network

        network.use_settings(None)
        network.set_system_resolver(None)
        if self.demo is not None:
            self.demo.cleanup()


def run(ctx: Context, *, demo: bool = False, tray: bool = False) -> int:
    demo_env = None
    if demo:
        # lazy: the demo module loads httpx, keyring (and later the sandbox): only with --demo
        from flowdesk.ui.demo import DemoEnvironment

        demo_env = DemoEnvironment.create()  # a private FLOWDESK_HOME, before any folder is chosen
        ctx = Context(verbose=ctx.verbose)
    qInstallMessageHandler(_qt_message)
    app = make_application()
    paths = ctx.paths
    instance = None
    if demo_env is None:
        try:
            # the lock now; the server that answers later launches listens from the end of the first paint
            instance = claim_instance(paths.data_dir, paths.instance_lock_file, listen=False)
        except AlreadyRunning as exc:
            print(exc, file=sys.stderr)
            return EXIT_OK
    try:
        flowdesk = FlowDeskApp(paths, demo=demo_env)
    except Exception as exc:  # the store cannot be opened, or a bug: say so, in a window and on stderr
        # lazy: only when the start fails
        from PySide6.QtWidgets import QMessageBox

        from flowdesk.cli import last_resort
        from flowdesk.logs import log_file, mask_secrets

        # a known trouble in its words (a full disk, a locked database), else "unexpected" naming the log that
        # holds the (masked) traceback: never an exception's own text, which may quote anything
        line = mask_secrets(last_resort(exc, log_file()))
        print(f"flowdesk: {line}", file=sys.stderr)
        QMessageBox.critical(None, APP_NAME, f"{APP_NAME} could not start:\n\n{line}")
        if demo_env is not None:
            demo_env.cleanup()
        if instance is not None:
            instance.close()
        return EXIT_FAILURE
    app.setQuitOnLastWindowClosed(not flowdesk.has_tray)
    if instance is not None:
        instance.raise_requested.connect(flowdesk.window.show_and_raise)
        instance.queue_changed.connect(flowdesk.controller.queue_changed_elsewhere)
        instance.account_changed.connect(lambda: account_saved_elsewhere(flowdesk.controller))
        flowdesk.after_start.append(instance.listen)
    exit_after_first_paint(flowdesk.first_paint)  # the start-up benchmark's hook (bench/startup.py)
    interrupt: list[Any] = []

    def quit_on_ctrl_c() -> None:
        from flowdesk.ui.interrupt import quit_on_interrupt  # lazy: socket, after the first paint

        interrupt.append(quit_on_interrupt(flowdesk.quit, flowdesk.window))

    flowdesk.after_start.append(quit_on_ctrl_c)
    flowdesk.start(show=not (tray and flowdesk.has_tray))  # --tray, at sign-in: the window stays closed
    try:
        return app.exec()
    finally:
        gc.enable()  # when the window quit before its work started
        for handler in interrupt:
            if handler is not None:
                handler.close()
        flowdesk.shutdown()
        if instance is not None:
            instance.close()
