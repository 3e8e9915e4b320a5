"""Settings: the ConnectWise account ("Test connection" says who you are and what you may do),
ResolutionFlow sign-in, the push options, redaction, notifications, start-up and the proxy.

Keys go only to the OS keyring, written off the GUI thread; the settings file never holds a secret.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from flowdesk.core import present
from flowdesk.core.error_words import said_where
from flowdesk.core.settings import (
    ALWAYS_REDACTED_NAMES,
    REDACTION_CATEGORIES,
    ConnectWiseProfile,
    NotificationLevel,
    ProxyMode,
    ProxySettings,
    Settings,
    TimeRounding,
    Visibility,
)
from flowdesk.logs import register_secret
from flowdesk.ui import theme
from flowdesk.ui.account_saving import (
    keep_connectwise_account,
    keep_proxy,
    proxy_now,
    proxy_problem,
    write_settings,
)
from flowdesk.ui.busy import disable_keeping_focus
from flowdesk.ui.controller import AppController
from flowdesk.ui.editor import CATEGORY_WORDS
from flowdesk.ui.layout import fit_to_screen, scrolling
from flowdesk.ui.names import name_choice_lists
from flowdesk.ui.rf_signin import ResolutionFlowSignIn
from flowdesk.ui.rf_signin import status as _status

ROUNDING_LABELS = {
    TimeRounding.QUARTER_HOUR: "Up to the next 15 minutes",
    TimeRounding.HALF_HOUR: "Up to the next 30 minutes",
    TimeRounding.EXACT: "Exact (to the hundredth of an hour)",
    TimeRounding.NONE: "Never log time",
}
LEVEL_LABELS = {
    NotificationLevel.ERRORS: "Only when something fails",
    NotificationLevel.ALL: "Failures and successes",
    NotificationLevel.NONE: "Never (the queue still shows everything)",
}

PROXY_LABELS = {
    ProxyMode.SYSTEM: "The system's proxy settings",
    ProxyMode.ENVIRONMENT: "HTTPS_PROXY / NO_PROXY variables",
    ProxyMode.MANUAL: "This proxy:",
    ProxyMode.NONE: "No proxy",
}


DEMO_IN_MEMORY = ("With no OS keyring, the demo holds its keys in memory for this run only; FlowDesk itself keeps "
                  "them in your operating system's keyring, never in a file.")


WHY_ABOVE = "see why above, under Test connection."
REFUSED = " ConnectWise refused it, so sending is paused: enter keys it accepts (or the right company ID) and Save."
SAVED_STILL_PAUSED = f"Saved, but sending stays paused until ConnectWise accepts the account: {WHY_ABOVE}"


class SettingsDialog(ResolutionFlowSignIn):
    saved = Signal()
    connection_tested = Signal(bool, str)

    def __init__(self, controller: AppController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self.resize(620, 520)
        settings = controller.settings
        self._saving = False

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._connectwise_tab(settings.connectwise), "&ConnectWise")
        self.tabs.addTab(self._resolutionflow_tab(), "&ResolutionFlow")
        self.tabs.addTab(self._push_tab(), "&Notes and time")
        self.redaction_page = self._redaction_tab()
        self.tabs.addTab(self.redaction_page, "Re&daction")
        self.tabs.addTab(self._general_tab(), "&General")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.save_status = QLabel(self)
        self.save_status.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        self.save_status.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_status, 1)
        bottom.addWidget(self.buttons)
        self.tabs.setAccessibleName("Settings pages")
        # Taller than the screen (QT_SCALE_FACTOR=2 on a 900 px screen: 450) the pages scroll, Save and Cancel
        # stay in view; they were below the screen's edge.
        pages = scrolling(self.tabs)
        layout = QVBoxLayout(self)
        layout.addWidget(pages, 1)
        layout.addLayout(bottom)
        self.tabs.tabBar().setAccessibleName("Settings pages")
        name_choice_lists(self)
        # Typing goes to the first field: on the tab bar the focus is not drawn until a key is pressed.
        self.cw_site.setFocus()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        fit_to_screen(self)  # never taller or wider than the screen, now that its frame is known

    # -- ConnectWise -----------------------------------------------------------------------------
    def _connectwise_tab(self, profile: ConnectWiseProfile) -> QWidget:
        w = QWidget(self)
        form = QFormLayout(w)
        self.cw_site = QLineEdit(profile.site, w)
        self.cw_site.setPlaceholderText("na.myconnectwise.net, your login URL, or your server's address")
        self.cw_company = QLineEdit(profile.company, w)
        self.cw_company.setPlaceholderText("the company ID you type when you sign in")
        saved = f"{self._kept_where()} — type to replace"  # an empty key keeps the saved one (AccountInput)
        self.cw_public = QLineEdit(w)
        self.cw_public.setPlaceholderText(saved if profile.configured else "from My Account → API Keys")
        self.cw_private = QLineEdit(w)
        self.cw_private.setEchoMode(QLineEdit.EchoMode.Password)
        self.cw_private.setPlaceholderText(saved if profile.configured else "shown once when you create the key")
        self.cw_client_id = QLineEdit(profile.client_id or "", w)
        self.cw_client_id.setPlaceholderText("optional: FlowDesk's own clientId is used when empty")
        self.cw_ca = QLineEdit(profile.ca_file or "", w)
        self.cw_ca.setPlaceholderText("optional: for an on-premise server with a private certificate authority")
        self.cw_test = QPushButton("&Test connection", w)
        self.cw_test.clicked.connect(self.test_connection)
        self.cw_status = QLabel(w)
        self.cw_status.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        self.cw_status.setObjectName("connectionStatus")
        self.cw_status.setWordWrap(True)
        self.cw_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if profile.configured and profile.member_identifier:  # refused: "Open Settings" on the banner came here
            refused = self.controller.services.outbox.paused_kind() == "account"
            _status(self.cw_status, f"Saved account: {profile.member_name or profile.member_identifier} "
                                    f"({profile.member_identifier}) at {profile.company}.{REFUSED if refused else ''}",
                    "error" if refused else "")
        for label, field in (
            ("&Site", self.cw_site), ("C&ompany ID", self.cw_company), ("&Public key", self.cw_public),
            ("Pri&vate key", self.cw_private), ("Client &ID", self.cw_client_id),
        ):
            field.setAccessibleName(label.replace("&", ""))
            form.addRow(label, field)
        self._add_ca_row(form, self.cw_ca)
        form.addRow("", self.cw_test)
        form.addRow("", self.cw_status)
        note = QLabel(
            "FlowDesk posts with your own ConnectWise API keys, so notes and time are attributed to you. "
            + (DEMO_IN_MEMORY if self.controller.services.credentials.in_memory
               else "The keys are kept in your operating system's keyring, never in a file."), w)
        note.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        note.setWordWrap(True)
        theme.tint(note, "muted")
        form.addRow(note)
        return w

    def _kept_where(self) -> str:
        """Where a saved secret is: the OS keyring, or this run's memory (the demo without a keyring)."""
        return "held in memory for this demo run" if self.controller.services.credentials.in_memory else "saved in your OS keyring"

    def _add_ca_row(self, form: QFormLayout, field: QLineEdit) -> None:
        """The CA file row (the ConnectWise and the ResolutionFlow page each have one): the path, and Browse…"""
        browse = QPushButton("Browse…", field.parentWidget())
        browse.setAccessibleName("Choose a CA file")
        browse.clicked.connect(lambda: self._choose_ca(field))
        row = QHBoxLayout()
        row.addWidget(field, 1)
        row.addWidget(browse)
        field.setAccessibleName("CA file")
        label = QLabel("CA &file", field.parentWidget())
        label.setBuddy(field)
        form.addRow(label, row)

    def _choose_ca(self, field: QLineEdit) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Certificate authority", "", "PEM files (*.pem *.crt);;All files (*)")
        if path:
            field.setText(path)

    def _cw_changed(self) -> bool:
        p = self.controller.settings.connectwise
        return (
            self.cw_site.text().strip() != p.site
            or self.cw_company.text().strip() != p.company
            or bool(self.cw_public.text().strip())
            or bool(self.cw_private.text().strip())
            or (self.cw_client_id.text().strip() or None) != p.client_id
            or (self.cw_ca.text().strip() or None) != p.ca_file
        )

    def _typed_account(self) -> Any:
        # lazy: httpx and keyring, not before the first paint
        from flowdesk.connectwise.account import AccountInput

        private = self.cw_private.text().strip()
        register_secret(private)
        return AccountInput(
            self.cw_site.text(), self.cw_company.text(), self.cw_public.text(), private,
            self.cw_client_id.text(), self.cw_ca.text(),
        )

    def test_connection(self) -> None:
        # lazy: httpx and keyring, not before the first paint
        from flowdesk.connectwise.account import test_account

        account = self._typed_account()
        enable = disable_keeping_focus(self.cw_test)
        _status(self.cw_status, "Testing…", "busy")

        def done(report: Any) -> None:
            enable()
            _status(self.cw_status, report.summary(), "error" if report.limited else "ok")  # what the keys cannot do
            self.connection_tested.emit(True, report.summary())

        def failed(exc: BaseException) -> None:
            enable()
            _status(self.cw_status, said_where(exc, "here"), "error")  # refused keys: the fields above, not "Settings"
            self.connection_tested.emit(False, said_where(exc, "here"))

        services = self.controller.services
        saved, typed = services.settings.connectwise, self._typed_proxy()
        self.controller.tasks.submit(
            lambda: test_account(account, saved, services.credentials, proxy=proxy_now(typed, services.credentials)),
            on_done=done, on_error=failed, name="test-connection", owner=self,  # a test only shows its answer
        )

    # -- push options ----------------------------------------------------------------------------
    def _push_tab(self) -> QWidget:
        s = self.controller.settings
        w = QWidget(self)
        form = QFormLayout(w)
        self.visibility = _choices(w, {v: v.label for v in Visibility}, s.note_visibility)
        self.include_steps = QCheckBox("List the diagnosis steps in the note", w)
        self.include_steps.setChecked(s.include_diagnostic_steps)
        self.auto_time = QCheckBox("Also log a time entry for the session", w)
        self.auto_time.setChecked(s.auto_time_entry)
        self.rounding = _choices(w, ROUNDING_LABELS, s.time_rounding)
        self.auto_push = QCheckBox("Queue new resolved and escalated sessions automatically", w)
        self.auto_push.setChecked(s.auto_push)
        explain = QLabel("Off by default: FlowDesk is there so you read the note before anything reaches the ticket.", w)
        explain.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        explain.setWordWrap(True)
        theme.tint(explain, "muted")
        form.addRow("Default &visibility", self.visibility)
        form.addRow("", self.include_steps)
        form.addRow("", self.auto_time)
        form.addRow("Time &rounding", self.rounding)
        form.addRow("", self.auto_push)
        form.addRow("", explain)
        # Whom ConnectWise may e-mail about a Discussion or Resolution note: each remembered, none by default
        self.email_boxes = {
            "contact": QCheckBox(present.EMAIL_WHO["contact"], w),
            "resources": QCheckBox(present.EMAIL_WHO["resources"], w),
            "cc": QCheckBox(present.EMAIL_WHO["cc"], w),
        }
        email_row = QHBoxLayout()
        for name, box in self.email_boxes.items():
            box.setChecked(bool(getattr(s, f"email_{name}")))
            email_row.addWidget(box)
        email_row.addStretch(1)
        email_explain = QLabel(present.EMAIL_EXPLAIN, w)
        email_explain.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        email_explain.setWordWrap(True)
        theme.tint(email_explain, "muted")
        form.addRow(present.EMAIL_LABEL, email_row)
        email_label = form.labelForField(email_row)
        if isinstance(email_label, QLabel):  # Alt+E goes to the first choice (a row of boxes has no buddy of its own)
            email_label.setBuddy(next(iter(self.email_boxes.values())))
        form.addRow("", email_explain)
        self.visibility.setAccessibleName("Default visibility")
        self.rounding.setAccessibleName("Time rounding")
        return w

    def _redaction_tab(self) -> QWidget:
        r = self.controller.settings.redaction
        w = QWidget(self)
        layout = QVBoxLayout(w)
        intro = QLabel("Redaction runs on the final note before anything is posted. Passwords, access keys, "
                       "tokens, private keys and connection strings are always redacted. Choose the rest for "
                       "internal notes (only your team sees them) and for notes the customer can see "
                       "(Discussion, Resolution).", w)
        intro.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        for col, text in ((1, "Internal notes"), (2, "Customer can see")):
            head = QLabel(text, w)
            head.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
            head.setStyleSheet("font-weight: 600;")
            grid.addWidget(head, 0, col)
        self.redaction_boxes: dict[tuple[str, str], QCheckBox] = {}
        for row, cat in enumerate(REDACTION_CATEGORIES, 1):
            words = CATEGORY_WORDS[cat][1]
            name = QLabel(words[:1].upper() + words[1:], w)  # capitalize() made 'Unc paths', 'Ip addresses'
            name.setTextFormat(Qt.TextFormat.PlainText)
            grid.addWidget(name, row, 0)
            for col, (where, switches, whose) in enumerate(
                (("internal", r.internal, "internal notes"), ("customer", r.customer, "notes the customer sees")), 1
            ):
                box = QCheckBox(w)
                box.setAccessibleName(f"Redact {words} in {whose}")
                if cat in ALWAYS_REDACTED_NAMES:
                    box.setChecked(True)
                    box.setEnabled(False)
                    box.setToolTip(f"Always redacted: FlowDesk never posts {words}.")
                else:
                    box.setChecked(switches.get(cat, True))
                self.redaction_boxes[(where, cat)] = box
                grid.addWidget(box, row, col, Qt.AlignmentFlag.AlignHCenter)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)
        allow_label = QLabel("&Never redact these host names and IP ranges in UNC paths and IP addresses, one "
                             "per line (fs01, *.contoso.local, 10.20.0.0/16):", w)
        allow_label.setWordWrap(True)
        self.allow_edit = QPlainTextEdit("\n".join(r.allow), w)
        self.allow_edit.setObjectName("redactionAllowList")
        self.allow_edit.setAccessibleName("Allow-list: host names and IP ranges that are never redacted")
        self.allow_edit.setTabChangesFocus(True)
        self.allow_edit.setMaximumHeight(self.fontMetrics().height() * 6)
        allow_label.setBuddy(self.allow_edit)
        layout.addWidget(allow_label)
        layout.addWidget(self.allow_edit)
        layout.addStretch(1)
        return w

    def _allow_entries(self) -> tuple[list[str], str | None]:
        """The allow-list as typed, and what is wrong with it (None when nothing is)."""
        # lazy: the redaction package (ipaddress), not before the first paint: the dialog is imported with the window
        from flowdesk.redact.policy import entry_problem

        entries = [line.strip() for line in self.allow_edit.toPlainText().splitlines() if line.strip()]
        problems = [p for p in map(entry_problem, entries) if p]
        return entries, (f"Allow-list: {problems[0]}." if problems else None)

    def _general_tab(self) -> QWidget:
        s = self.controller.settings
        w = QWidget(self)
        form = QFormLayout(w)
        self.level = _choices(w, LEVEL_LABELS, s.notification_level)
        self.level.setAccessibleName("Notifications")
        self.start_minimized = QCheckBox("Start in the tray, without opening the window", w)
        self.start_minimized.setChecked(s.start_minimized)
        entry = self.controller.autostart  # flowdesk.autostart: what the OS starts at sign-in, read from it
        self.sign_in_start = QCheckBox("Start when I sign in, in the tra&y", w)
        self.sign_in_start.setToolTip("Waiting pushes are sent only while FlowDesk runs: this starts it, in the tray, "
                                      "each time you sign in to this computer.")
        self._sign_in_was = entry is not None and entry.enabled()
        self.sign_in_start.setChecked(self._sign_in_was)
        if entry is None:
            self.sign_in_start.setEnabled(False)
            self.sign_in_start.setToolTip("Only for an installed FlowDesk: the demo, or a copy started with FLOWDESK_HOME, "
                                          "would start at sign-in without its own folder.")
        form.addRow("&Notifications", self.level)
        form.addRow("", self.start_minimized)
        form.addRow("", self.sign_in_start)
        self._proxy_rows(form, s.proxy, w)
        return w

    def _proxy_rows(self, form: QFormLayout, proxy: ProxySettings, w: QWidget) -> None:
        self.proxy_mode = _choices(w, PROXY_LABELS, proxy.mode)
        self.proxy_url = QLineEdit(proxy.url, w)
        self.proxy_url.setPlaceholderText("http://proxy.example.com:8080")
        self.proxy_user = QLineEdit(proxy.user, w)
        self.proxy_user.setPlaceholderText("optional")
        self.proxy_password = QLineEdit(w)
        self.proxy_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.proxy_password.setPlaceholderText(f"{self._kept_where()} — type to replace" if proxy.user else "")
        for label, field in (("&Proxy", self.proxy_mode), ("Proxy &address", self.proxy_url),
                             ("Proxy &user", self.proxy_user), ("Proxy pass&word", self.proxy_password)):
            field.setAccessibleName(label.replace("&", ""))
            form.addRow(label, field)
        self.proxy_mode.currentIndexChanged.connect(self._proxy_mode_changed)
        self._proxy_mode_changed()

    def _proxy_mode_changed(self) -> None:
        manual = self.proxy_mode.currentData() == ProxyMode.MANUAL.value
        for field in (self.proxy_url, self.proxy_user, self.proxy_password):
            field.setEnabled(manual)

    def _typed_proxy(self) -> ProxySettings:
        """The proxy fields as a setting; a typed password is remembered for this session at once."""
        from flowdesk import network

        # not validated here: an address holding a password must be refused with words (``proxy_problem``)
        typed = ProxySettings.model_construct(mode=ProxyMode(self.proxy_mode.currentData()),
                                              url=self.proxy_url.text().strip(), user=self.proxy_user.text().strip())
        password = self.proxy_password.text()
        register_secret(password)
        if password and typed.user and typed.url:
            network.remember_password(typed, password)
        return typed

    # -- saving ----------------------------------------------------------------------------------
    def _typed_options(self) -> Callable[[Settings], None]:
        """The other pages' choices, read now; what the returned function sets when the save goes through."""
        visibility, rounding, level = (Visibility(self.visibility.currentData()), TimeRounding(self.rounding.currentData()),
                                       NotificationLevel(self.level.currentData()))
        include_steps, auto_time, auto_push = self.include_steps.isChecked(), self.auto_time.isChecked(), self.auto_push.isChecked()
        emails = {name: box.isChecked() for name, box in self.email_boxes.items()}
        redact = {key: box.isChecked() for key, box in self.redaction_boxes.items()}
        allow, start_minimized = self._allow_entries()[0], self.start_minimized.isChecked()
        rf_url, rf_email, rf_ca = self.rf_url.text().strip(), self.rf_email.text().strip(), self.rf_ca.text().strip() or None
        clock = self.controller.clock

        def apply(s: Settings) -> None:
            s.note_visibility, s.include_diagnostic_steps, s.auto_time_entry = visibility, include_steps, auto_time
            for name, on in emails.items():
                setattr(s, f"email_{name}", on)
            s.time_rounding = rounding
            if auto_push and not s.auto_push:
                s.auto_push_since = clock()
            s.auto_push = auto_push
            for where, switches in (("internal", s.redaction.internal), ("customer", s.redaction.customer)):
                switches.update({cat: on for (w, cat), on in redact.items() if w == where})
            s.redaction = s.redaction.model_validate({**s.redaction.model_dump(), "allow": allow})
            s.notification_level, s.start_minimized = level, start_minimized
            s.resolutionflow.url = rf_url or s.resolutionflow.url
            s.resolutionflow.email, s.resolutionflow.ca_file = rf_email, rf_ca
        return apply

    def save(self) -> None:
        if self._saving:
            return
        problem = self._allow_entries()[1]
        if problem:
            self.tabs.setCurrentWidget(self.redaction_page)
            _status(self.save_status, f"Not saved: {problem}", "error")
            self.allow_edit.setFocus()
            return
        typed = self._typed_proxy()
        problem = proxy_problem(typed, self.proxy_password.text())
        if problem:
            self.tabs.setCurrentIndex(4)
            _status(self.save_status, problem, "error")
            return
        was, problem = self._sign_in_was, self._apply_sign_in_start()
        if problem:
            self.tabs.setCurrentIndex(4)
            _status(self.save_status, f"Not saved: {problem}", "error")
            return
        controller, apply, password = self.controller, self._typed_options(), self.proxy_password.text()

        def keep_options() -> None:  # only once the save goes through: "Not saved" leaves the settings as they were
            apply(controller.settings)
            keep_proxy(controller, typed, password)

        # The same account is checked again only while ConnectWise's refusal (a 401, a company ID) pauses
        # sending: accepted, the pause is lifted (``account_changed``); the engineer's own pause stays.
        recheck = not self._cw_changed()
        if recheck and self.controller.services.outbox.paused_kind() != "account":
            keep_options()
            self._finish_save()
            return
        # lazy: httpx and keyring, not before the first paint
        from flowdesk.connectwise.account import save_account

        self._saving = True
        enable = disable_keeping_focus(self.buttons)
        _status(self.save_status, "Checking your ConnectWise keys…", "busy")
        account = self._typed_account()

        def done(saved: tuple[ConnectWiseProfile, Any]) -> None:  # the keys are in the keyring: kept even if the dialog closed
            keep_options()
            profile, report = saved
            problem = keep_connectwise_account(controller, profile)
            if isValid(self):
                self._saving = False
                enable()
                self._close_saved(problem, report.summary() if report.limited else None)
            elif problem:
                controller.notify_info(problem)

        def failed(exc: BaseException) -> None:
            # the account as saved, checked again: the other settings are written all the same
            if recheck:
                keep_options()
            problem = write_settings(controller) if recheck else None
            if not isValid(self):  # only the dialog, if still there, has something to say
                return
            if not recheck:  # "Not saved": nor is starting at sign-in
                self._apply_sign_in_start(was)
            self._saving = False
            enable()
            self.tabs.setCurrentIndex(0)
            # why once, by the account's fields (under Test connection); by Save only what became of the save
            _status(self.cw_status, said_where(exc, "here"), "error")
            _status(self.save_status, SAVED_STILL_PAUSED if recheck and problem is None else f"Not saved: {problem or WHY_ABOVE}", "error")

        services = self.controller.services
        profile, store = services.settings.connectwise, services.credentials
        self.controller.tasks.submit(  # through the proxy typed, which is kept only once the account is
            lambda: save_account(account, profile, store, proxy=proxy_now(typed, store)),
            on_done=done, on_error=failed, name="save-account",
        )

    def _apply_sign_in_start(self, want: bool | None = None) -> str | None:
        """Add FlowDesk to what the OS starts at sign-in (``want``, else as the box says), or take it out; the
        words when that failed."""
        entry, want = self.controller.autostart, self.sign_in_start.isChecked() if want is None else want
        if entry is None or want == self._sign_in_was:
            return None
        from flowdesk.autostart import AutostartError, launch_command  # lazy: a dialog's

        try:
            entry.enable(launch_command()) if want else entry.disable()
        except AutostartError as exc:
            return str(exc)
        self._sign_in_was = want
        return None

    def _finish_save(self) -> None:
        self._close_saved(write_settings(self.controller))

    def _close_saved(self, problem: str | None, limits: str | None = None) -> None:
        """The settings were written (``problem`` None: the dialog closes) or could not be (it says why). Keys
        that cannot post all FlowDesk does (``limits``: the report's words) keep it open, saying so."""
        if problem:
            _status(self.save_status, problem, "error")
            return
        self.saved.emit()
        if limits:  # as `flowdesk connect` prints: saved, but the engineer learns it now, not at the first push
            self.tabs.setCurrentIndex(0)
            _status(self.cw_status, limits, "error")
            _status(self.save_status, "Saved, but these keys cannot post everything FlowDesk does: see above.", "error")
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
            return
        self.accept()


def _choices(parent: QWidget, labels: Mapping[Any, str], current: Enum) -> QComboBox:
    """A drop-down of an enum's members (``labels``: member -> the words shown), ``current`` selected."""
    box = QComboBox(parent)
    for member, label in labels.items():
        box.addItem(label, member.value)
    box.setCurrentIndex(box.findData(current.value))
    return box
