"""Settings › ResolutionFlow: the sign-in (e-mail address and password, or a pasted access token), the
sign-out, and whether FlowDesk is signed in now: read from the keyring on the task pool when the page is made
(``account.signed_in_email``), so the page says so and *Sign out* is on only when there is a sign-in to end."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QWidget,
)
from shiboken6 import isValid

from flowdesk.core.error_words import said_where
from flowdesk.logs import register_secret
from flowdesk.ui import theme
from flowdesk.ui.account_saving import keep_sign_in, proxy_now
from flowdesk.ui.busy import disable_keeping_focus

if TYPE_CHECKING:
    from flowdesk.core.settings import ProxySettings
    from flowdesk.ui.controller import AppController

NOT_SIGNED_IN = "Not signed in: enter your e-mail address and password (or paste an access token), then Sign in."


def status(label: QLabel, text: str, level: str = "") -> None:
    label.setText(text)
    theme.tint(label, {"ok": "ok", "error": "error", "busy": "muted"}.get(level))


class ResolutionFlowSignIn(QDialog):
    """The settings dialog's ResolutionFlow page and what its buttons do: a base of ``SettingsDialog``, whose
    ``controller``, typed proxy and CA file row it uses."""

    signed_in = Signal(str)

    if TYPE_CHECKING:
        controller: AppController
        tabs: QTabWidget

        def _typed_proxy(self) -> ProxySettings: ...
        def _add_ca_row(self, form: QFormLayout, field: QLineEdit) -> None: ...

    _rf_acted = False  # a sign-in or sign-out was started here: the page's first look at the keyring is out of date

    def _resolutionflow_tab(self) -> QWidget:
        rf = self.controller.settings.resolutionflow
        w = self.rf_page = QWidget(self)
        form = QFormLayout(w)
        self.rf_url = QLineEdit(rf.url, w)
        self.rf_email = QLineEdit(rf.email, w)
        self.rf_password = QLineEdit(w)
        self.rf_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.rf_token = QLineEdit(w)
        self.rf_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.rf_token.setPlaceholderText("single sign-on accounts: paste an access token instead of a password")
        self.rf_sign_in = QPushButton("Sign &in", w)
        self.rf_sign_in.clicked.connect(self.sign_in)
        self.rf_sign_out = QPushButton("Sign &out", w)
        self.rf_sign_out.clicked.connect(self.sign_out)
        row = QHBoxLayout()
        row.addWidget(self.rf_sign_in)
        row.addWidget(self.rf_sign_out)
        row.addStretch(1)
        self.rf_status = QLabel(w)
        self.rf_status.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        self.rf_status.setObjectName("resolutionflowStatus")
        self.rf_status.setWordWrap(True)
        for label, field in (("&Address", self.rf_url), ("&E-mail", self.rf_email), ("Pass&word", self.rf_password),
                             ("Access &token", self.rf_token)):
            field.setAccessibleName(label.replace("&", ""))
            form.addRow(label, field)
        # a network that inspects TLS with an authority the OS does not trust: the cert error points here
        self.rf_ca = QLineEdit(rf.ca_file or "", w)
        self.rf_ca.setPlaceholderText("optional: if your network inspects TLS with its own authority")
        self._add_ca_row(form, self.rf_ca)
        form.addRow("", row)
        form.addRow("", self.rf_status)
        for field in (self.rf_email, self.rf_password, self.rf_token):
            field.installEventFilter(self)  # Enter there signs in (see eventFilter)
        self._look_at_sign_in()
        return w

    def show_resolutionflow(self) -> None:
        """This page, typing where a sign-in starts (the banner's *Open Settings* after a refresh failed for it)."""
        self.tabs.setCurrentWidget(self.rf_page)
        (self.rf_password if self.rf_email.text().strip() else self.rf_email).setFocus()

    def _look_at_sign_in(self) -> None:
        """Whether FlowDesk is signed in now (the page said nothing of it, and *Sign out* was on when there was
        nothing to sign out of): the keyring, read on the task pool."""
        # lazy: the keyring, not before the first paint
        from flowdesk.resolutionflow.account import signed_in_email

        services = self.controller.services
        profile = services.settings.resolutionflow.model_copy()

        def done(email: str | None) -> None:
            if self._rf_acted:  # a sign-in or sign-out started meanwhile says what is true now
                return
            self.rf_sign_out.setEnabled(email is not None)
            if not self.rf_status.text():
                status(self.rf_status, f"Signed in as {email}." if email else NOT_SIGNED_IN)

        self.controller.tasks.submit(lambda: signed_in_email(profile, services.credentials), on_done=done,
                                     name="rf-signed-in", owner=self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        """Enter in the e-mail, password or token field with a password or token typed signs in: it pressed Save
        (or the setup's Next), which closed the dialog and dropped the password, signed in to nothing."""
        if (
            obj in (self.rf_email, self.rf_password, self.rf_token) and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            and (self.rf_password.text() or self.rf_token.text().strip())
        ):
            self.sign_in()
            return True
        return super().eventFilter(obj, event)

    def sign_in(self) -> None:
        # lazy: httpx and keyring, not before the first paint
        from flowdesk.resolutionflow.account import sign_in

        url, email = self.rf_url.text().strip(), self.rf_email.text().strip()
        password, token = self.rf_password.text(), self.rf_token.text().strip()
        ca_file = self.rf_ca.text().strip() or None
        register_secret(password)
        register_secret(token)
        if not (token or (email and password)):
            status(self.rf_status, "Enter your e-mail address and password (or paste an access token).", "error")
            return
        if email and ("@" not in email or any(c.isspace() for c in email)):  # as `flowdesk signin --email` checks
            # (not quoted back: what was typed there may be the password)
            status(self.rf_status, "The e-mail address is not one (no @, or a space in it): enter the address you "
                                   "sign in to ResolutionFlow with. Nothing was sent.", "error")
            self.rf_email.setFocus()
            return
        enable = disable_keeping_focus(self.rf_sign_in)
        self._rf_acted = True
        status(self.rf_status, "Signing in…", "busy")
        services = self.controller.services
        previous = services.settings.resolutionflow.model_copy()
        typed = self._typed_proxy()

        controller = self.controller

        def done(signed: Any) -> None:  # the tokens are in the keyring: kept even if the dialog closed meanwhile
            problem = keep_sign_in(controller, previous, signed)
            if isValid(self):
                enable()
                self._show_signed_in(signed, problem)
            elif problem:
                controller.notify_info(problem)

        def failed(exc: BaseException) -> None:
            if not isValid(self):  # nothing was saved: only the dialog, if still there, has something to say
                return
            enable()
            status(self.rf_status, said_where(exc, "here"), "error")  # the fields above, not "Settings"

        self.controller.tasks.submit(
            lambda: sign_in(url, email, token or password, store=services.credentials, ca_file=ca_file,
                            pasted_token=bool(token), proxy=proxy_now(typed, services.credentials)),
            on_done=done, on_error=failed, name="rf-sign-in",
        )

    def _show_signed_in(self, signed: Any, problem: str | None) -> None:
        self.rf_password.clear()
        self.rf_token.clear()
        self.rf_url.setText(signed.url)
        self.rf_email.setText(signed.email)
        self.rf_sign_out.setEnabled(True)
        if problem:
            status(self.rf_status, problem, "error")
            return
        status(self.rf_status, f"Signed in as {signed.who}. Your sessions are being fetched.", "ok")
        self.signed_in.emit(signed.who)

    def sign_out(self) -> None:
        # lazy: httpx and keyring, not before the first paint
        from flowdesk.resolutionflow.account import sign_out

        services = self.controller.services
        profile = services.settings.resolutionflow.model_copy()

        def done(out: Any) -> None:
            self.rf_sign_out.setEnabled(False)
            status(self.rf_status, "Signed out." if out.was_signed_in else "You were not signed in.", "ok")

        self._rf_acted = True
        # the sign-out itself (the keyring, the revocation) is the task's: its answer only shows in the dialog
        self.controller.tasks.submit(sign_out, profile, services.credentials, on_done=done,
                                     on_error=lambda e: status(self.rf_status, str(e), "error"),
                                     name="rf-sign-out", owner=self)  # fmt: skip
