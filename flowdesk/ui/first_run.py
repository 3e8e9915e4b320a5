"""The first run of the real app: a guided setup instead of an empty table.

Three steps, built from the settings dialog's own pieces (its ConnectWise and ResolutionFlow pages, their
Test connection and Sign in, the same checks and the same keyring): 1. ConnectWise keys → Test connection
→ Next saves them; 2. ResolutionFlow sign-in, which starts the first refresh; 3. the sessions arriving.
It opens once the window is on screen when no ConnectWise account is set up and no session is cached;
*Skip for now* leaves the window as it is (Settings has every field).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from shiboken6 import isValid

from flowdesk.core.error_words import said_where
from flowdesk.ui import theme
from flowdesk.ui.account_saving import keep_connectwise_account
from flowdesk.ui.busy import disable_keeping_focus
from flowdesk.ui.controller import AppController
from flowdesk.ui.settings_dialog import SettingsDialog, _status

STEPS = ("1 · ConnectWise keys", "2 · ResolutionFlow sign-in", "3 · Your sessions")


def needs_setup(controller: AppController) -> bool:
    """No ConnectWise account and nothing cached: the real app's very first start."""
    return not controller.settings.connectwise.configured and controller.services.cache.count() == 0


class FirstRunSetup(SettingsDialog):
    step_changed = Signal(int)
    finished_setup = Signal()

    def __init__(self, controller: AppController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.setObjectName("firstRunSetup")
        self.setWindowTitle("Set up FlowDesk")
        self.resize(640, 500)
        while self.tabs.count() > 2:  # the other settings keep their defaults until the engineer opens Settings
            self.tabs.removeTab(2)
        self.tabs.setTabText(0, STEPS[0])
        self.tabs.setTabText(1, STEPS[1])
        self._going = False
        self.tabs.currentChanged.connect(self._on_tab)  # the tabs and the buttons below move between the steps
        self.tabs.setAccessibleName("Setup steps")
        self.sessions_page = QWidget(self)
        page = QVBoxLayout(self.sessions_page)
        self.sessions_status = QLabel("Sign in to ResolutionFlow (step 2) to fetch your sessions.", self.sessions_page)
        self.sessions_status.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        self.sessions_status.setObjectName("setupSessionsStatus")
        self.sessions_status.setWordWrap(True)
        self.sessions_status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        page.addWidget(self.sessions_status, 1)
        self.tabs.addTab(self.sessions_page, STEPS[2])

        self.intro = QLabel(
            "Welcome. FlowDesk turns your FlowPilot sessions into ConnectWise ticket notes and time entries, "
            "posted with your own API keys. Three steps: your ConnectWise keys, your ResolutionFlow account, "
            "then your recent sessions.", self)
        self.intro.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        self.intro.setWordWrap(True)
        theme.tint(self.intro, "muted")
        self.buttons.hide()
        self.skip_button = QPushButton("S&kip for now", self)
        self.skip_button.clicked.connect(self.reject)
        self.back_button = QPushButton("&Back", self)
        self.back_button.clicked.connect(lambda: self.go(self.tabs.currentIndex() - 1))
        self.next_button = QPushButton("&Next", self)
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next_step)
        for b in (self.skip_button, self.back_button, self.next_button):
            b.setAccessibleName(b.text().replace("&", ""))
        row = QHBoxLayout()
        row.addWidget(self.skip_button)
        row.addStretch(1)
        row.addWidget(self.back_button)
        row.addWidget(self.next_button)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, self.intro)
        layout.addLayout(row)

        self.signed_in.connect(self._signed_in)
        controller.sessions_reloaded.connect(self._sessions_arrived)
        self.go(0)

    def _on_tab(self, step: int) -> None:
        if not self._going:
            self.go(step)

    def go(self, step: int) -> None:
        step = max(0, min(step, self.tabs.count() - 1))
        self._going = True
        self.tabs.setCurrentIndex(step)
        self._going = False
        self.back_button.setEnabled(step > 0)
        last = step == self.tabs.count() - 1
        self.next_button.setText("&Finish" if last else "&Next")
        self.next_button.setAccessibleName("Finish" if last else "Next")
        if step == 0:
            self.cw_site.setFocus()
        elif step == 1:
            self.rf_email.setFocus()
        self.step_changed.emit(step)

    def next_step(self) -> None:
        step = self.tabs.currentIndex()
        if step == 0:
            self.save_keys()
        elif step == 1:
            self.go(2)
        else:
            self.finished_setup.emit()
            self.accept()

    def save_keys(self) -> None:
        """Step 1's Next: check and save the typed keys (as Settings → Save does), then step 2."""
        if not self._cw_changed() and self.controller.settings.connectwise.configured:
            self.go(1)
            return
        # lazy: httpx and keyring, not before the first paint
        from flowdesk.connectwise.account import save_account

        enable = disable_keeping_focus(self.next_button)
        _status(self.cw_status, "Checking your ConnectWise keys…", "busy")
        account = self._typed_account()
        controller, services = self.controller, self.controller.services

        def done(saved: Any) -> None:  # the keys are in the keyring: kept even if the setup was closed meanwhile
            profile = saved[0]  # and the ConnectionReport
            problem = keep_connectwise_account(controller, profile)
            if not isValid(self):
                if problem:
                    controller.notify_info(problem)
                return
            enable()
            if problem:
                _status(self.cw_status, problem, "error")
                return
            if saved[1].limited:  # as Settings says it: learnt now, not at the first push; Next goes on
                self.cw_public.clear()  # the keys are saved: Next does not check them again
                self.cw_private.clear()
                _status(self.cw_status, f"Saved, but not everything can be posted: {saved[1].summary()}", "error")
                return
            _status(self.cw_status, f"Saved: {profile.member_name or profile.member_identifier} at {profile.company}.", "ok")
            self.go(1)

        def failed(exc: BaseException) -> None:
            if not isValid(self):  # nothing was saved: only the setup, if still there, has something to say
                return
            enable()
            _status(self.cw_status, f"Not saved: {said_where(exc, 'here')}", "error")  # refused keys: the fields above

        self.controller.tasks.submit(save_account, account, services.settings.connectwise, services.credentials,
                                     on_done=done, on_error=failed, name="setup-account")

    def _signed_in(self, who: str) -> None:
        self.sessions_status.setText(f"Signed in as {who}. Fetching your sessions from ResolutionFlow…")
        self.go(2)

    def _sessions_arrived(self) -> None:
        n = len(self.controller.session_rows())
        if n:
            self.sessions_status.setText(
                f"{n} session{'s are' if n != 1 else ' is'} ready. Select one, read its note, and press Push "
                "to post it to its ticket.")
        else:
            self.sessions_status.setText("Signed in. No sessions yet: they appear here after your next FlowPilot session.")
