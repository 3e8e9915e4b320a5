"""The tray icon: the queue's state at a glance, a menu carrying every action (tray clicks are
unreliable on Linux and macOS), and one notification per transition to failed, coalesced.

Without a system tray FlowDesk is a normal windowed app: the same notifications become a banner in
the window (``NotificationBanner``), and closing the window quits only when nothing is pending.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QSystemTrayIcon

from flowdesk import APP_NAME
from flowdesk.core import held as held_words
from flowdesk.core import present
from flowdesk.core.notify import Notification
from flowdesk.ui.controller import AppController, Banner
from flowdesk.ui.icons import state_icon
from flowdesk.ui.queue_status import show_send_all


class TrayController(QObject):
    open_requested = Signal()
    show_job_requested = Signal(int)
    quit_requested = Signal()

    def __init__(
        self, controller: AppController, tray: QSystemTrayIcon | None = None, parent: QObject | None = None, *, messages: bool = True
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.tray = tray or QSystemTrayIcon(self)
        self.messages = messages  # False: the tray cannot show messages (balloons off by policy): the banner does
        self.state = "ok"
        self.shown: list[Notification] = []  # every notification raised, in order (the window's history)
        self._last_job_ids: tuple[int, ...] = ()

        self.menu = QMenu()
        self.status_action = QAction(self.menu)  # the queue's line (update_state)
        self.status_action.setEnabled(False)
        self.open_action = QAction(f"&Open {APP_NAME}", self.menu)
        self.open_action.triggered.connect(self.open_requested)
        self.retry_action = QAction("&Retry all", self.menu)  # the failed pushes (held off: Send all now, every one)
        self.retry_action.triggered.connect(self._retry_all)
        self.pause_action = QAction("&Pause sending", self.menu)
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(controller.set_paused)
        self.quit_action = QAction("&Quit", self.menu)
        self.quit_action.triggered.connect(self.quit_requested)
        for a in (self.status_action, None, self.open_action, self.retry_action, self.pause_action, None, self.quit_action):
            if a is None:
                self.menu.addSeparator()
            else:
                self.menu.addAction(a)
        self.tray.setContextMenu(self.menu)
        self.tray.setIcon(state_icon("ok"))
        self.tray.setToolTip(present.tray_tooltip())
        self.tray.activated.connect(self._on_activated)
        self.tray.messageClicked.connect(self._on_message_clicked)

        self.status_action.setText(controller.queue_line())  # until the controller publishes (after the first paint)
        controller.queue_status_changed.connect(self.update_state)
        controller.notify.connect(self.show_notification)
        controller.info.connect(self.show_info)

    def show(self) -> None:
        self.tray.show()
        # Some panels drop a tooltip set before the icon exists (seen on Windows 11): set it again.
        self.tray.setToolTip(self.tray.toolTip())

    def hide(self) -> None:
        self.tray.hide()

    def update_state(self, state: str, counts: dict[str, int], line: str) -> None:
        # Called after every batch of a drain: the icon (sent over D-Bus on Linux) and texts are set only
        # when they change.
        if state != self.state:
            self.state = state
            self.tray.setIcon(state_icon(state))
        tip = present.tray_tooltip(line)
        if self.tray.toolTip() != tip:
            self.tray.setToolTip(tip)
        if self.status_action.text() != line:
            self.status_action.setText(line)
        c = self.controller
        label = f"&{held_words.SEND_ALL_NOW}" if c.held is not None else "&Retry all"
        show_send_all(self.retry_action, held_words.send_all(label, counts, c.others, c.resume_as(), held_off=c.held is not None, asks=c.asks))
        self.pause_action.blockSignals(True)
        self.pause_action.setChecked(c.pause.whole(own=True) is not None)  # the engineer's pause, as read with the line
        self.pause_action.blockSignals(False)

    def show_notification(self, n: Notification) -> None:
        self.shown.append(n)
        self._last_job_ids = n.job_ids
        if not self.messages:
            return
        # Errors stay up longer; platforms may cap or ignore the timeout.
        self.tray.showMessage(n.title, n.text, message_icon(n), 15000 if n.error else 5000)

    def show_info(self, text: str) -> None:
        if not self.messages:
            return
        self.tray.showMessage(APP_NAME, text, QSystemTrayIcon.MessageIcon.Information, 5000)

    def _retry_all(self) -> None:
        """The tray's *Retry all* / *Send all now*: what waits for a look on its ticket is said (the window,
        perhaps hidden, says it in its status bar), and the notes for another company's ticket left (Retry on each asks);
        what goes now shows in the icon and the menu's line."""
        done = self.controller.retry_all()
        if done.after_check or done.asks:
            self.show_info(held_words.retried_all(done, self.controller.clock(), present.LOCAL))

    def _on_message_clicked(self) -> None:
        # One messageClicked signal for every message, with no id: remember what the last one was about.
        if self._last_job_ids:
            self.show_job_requested.emit(self._last_job_ids[0])
        else:
            self.open_requested.emit()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()


def message_icon(n: Notification) -> QSystemTrayIcon.MessageIcon:
    """A push that failed is an error (it waits for the engineer); an outage is a warning: its pushes are
    kept and go by themselves when ConnectWise answers again, so it must not look like a failure."""
    if n.kind == "held":
        return QSystemTrayIcon.MessageIcon.Warning
    return QSystemTrayIcon.MessageIcon.Critical if n.error else QSystemTrayIcon.MessageIcon.Information


class NotificationBanner(QObject):
    """No system tray: notifications become a banner in the window (with a button to the job), passing messages
    a line in its status bar."""

    def __init__(self, controller: AppController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.shown: list[Notification] = []
        self._failed_up = False  # the failure banner is up (until no push is failed: posted after all, or cancelled)
        controller.notify.connect(self.show_notification)
        controller.queue_status_changed.connect(self._on_queue_status)
        controller.info.connect(self.show_info)

    def show_info(self, text: str) -> None:
        """A passing message (the demo's *Restore ConnectWise*, an auto-push) in the window's status bar: no tray
        message says it (it went nowhere)."""
        window = self.parent()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, 10000)

    def show_notification(self, n: Notification) -> None:
        self.shown.append(n)
        if n.error and n.kind == "failed":  # an outage has its own banner (the controller's "held")
            text = present.notice_banner(n.title, n.detail or n.text)
            self.controller.show_banner(Banner("failed", "error", text, "Retry all", "retry_all"))
            self._failed_up = True
        elif n.kind == "back":
            self.controller.show_banner(Banner("outage", "info", present.notice_banner(n.title, n.detail)))

    def _on_queue_status(self, _state: str, counts: dict[str, int], _line: str) -> None:
        if self._failed_up and not counts.get("failed"):  # nothing it names is left to retry
            self._failed_up = False
            self.controller.clear_banner("failed")

    def last_job_ids(self) -> Any:
        return self.shown[-1].job_ids if self.shown else ()
