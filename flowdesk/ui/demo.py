"""``flowdesk --demo``: the real window against a sandbox started in this process.

A private ``FLOWDESK_HOME`` (removed on quit), the sample sessions fetched from the sandbox's
ResolutionFlow API, the sandbox's ConnectWise site with demo keys — in the OS keyring when one is
available, otherwise held in memory with a visible notice — and a Demo menu to simulate a ConnectWise
outage or rate limit, so the retry and tray flows can be seen.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import shutil
import tempfile
from typing import Any

import keyring.backend
from keyring.errors import PasswordDeleteError
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenu, QPlainTextEdit, QVBoxLayout, QWidget

from flowdesk.connectwise.account import profile_key
from flowdesk.core import held as held_words
from flowdesk.core.localtime import LOCAL
from flowdesk.core.parts import count_parts, parts
from flowdesk.core.settings import ConnectWiseProfile
from flowdesk.credentials import CredentialError, CredentialStore
from flowdesk.logs import get_logger
from flowdesk.paths import HOME_ENV
from flowdesk.resolutionflow.account import refresh, sign_in, sign_out
from flowdesk.store import ActionRefused
from flowdesk.ui.controller import AppController, Banner
from flowdesk.ui.layout import fit_to_screen

log = get_logger("ui")
CW_API_PATHS = "*/apis/3.0/*"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Keys held in this process only (the demo without an OS keyring)."""

    priority = 1
    in_memory = True  # what Settings says of where the keys are (CredentialStore.in_memory)

    def __init__(self) -> None:
        super().__init__()
        self._data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._data.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


def restored_words(going: str, failed: str) -> str:
    """The demo's *Restore ConnectWise*: what it sends now (``going``: :func:`flowdesk.core.held.retried_all`'s words,
    "" for nothing) and what failed ("1 note", "" for none), which waits for *Retry all*: it has no next try."""
    words = f"ConnectWise is back to normal. {going}" if going else "ConnectWise is back to normal."
    return f"{words} Use Retry all for the {failed} that failed." if failed else words


def try_now(controller: AppController) -> str:
    """ConnectWise is back (the demo's *Restore*): what waits for its next try is due now, and a run that forgets
    the outage's hold-off sends it, so the outage's banner goes at once, not at the next try; returns what goes
    (as *Send all now* says it). A push whose answer was lost is looked for first, no sooner than a minute after;
    a failed one waits for Retry all, one a member pause holds for its keys, everything for the engineer's pause."""
    outbox, retried = controller.services.outbox, []
    if not controller.is_paused():  # (so Retry lifts no pause)
        theirs = {j.id for j in outbox.held_by_member_pause()}
        for job in outbox.jobs(states=("pending", "retry_wait", "unknown")):
            if job.id not in theirs:
                with contextlib.suppress(ActionRefused):  # it changed meanwhile: a run took it
                    controller.retry(job.id)  # as its Retry: shown due (the queue, the note pane), a run forgets the hold-off
                    retried.append(outbox.get(job.id) or job)
    controller.network_back()  # the hold-off is forgotten even with nothing to try
    if not retried:
        return ""
    now = controller.clock()  # after the clicks: one due at its click is due now
    checks = {j.id: j.next_attempt_at for j in retried if j.state == "unknown" and j.next_attempt_at and j.next_attempt_at > now}
    later = [j.kind for j in retried if j.id in checks or j.parent_id in checks]
    done = held_words.Retried(len(retried), len(later), min(checks.values(), default=None), kinds=[j.kind for j in retried], later_kinds=later)
    return held_words.retried_all(done, now, LOCAL)


class DemoEnvironment:
    def __init__(self, home: str, sandbox: Any) -> None:
        self.home = home
        self.sandbox = sandbox
        self.admin: Any = None
        self.profile_key: str | None = None
        self.services: Any = None
        self.in_memory_keys = False
        self.window: Any = None

    @classmethod
    def create(cls) -> DemoEnvironment:
        # lazy: keeps the sandbox out of processes that only want MemoryKeyring (the benchmarks)
        from flowdesk.sandbox import Sandbox
        from flowdesk.sandbox.admin import SandboxAdmin

        home = tempfile.mkdtemp(prefix="flowdesk-demo-")
        os.environ[HOME_ENV] = home
        sandbox = Sandbox(host="127.0.0.1", port=0, tls=False)
        sandbox.start()
        env = cls(home, sandbox)
        env.admin = SandboxAdmin.for_sandbox(sandbox)
        return env

    # -- wiring ------------------------------------------------------------------------------
    def configure(self, services: Any) -> None:
        """Point the settings at the sandbox (called before the window exists)."""
        info = self.sandbox.info
        cw = info.connectwise
        services.settings.connectwise = ConnectWiseProfile(
            site=cw.site, company=cw.company, member_identifier="dwhitfield", member_name="Dana Whitfield"
        )
        services.settings.resolutionflow.url = info.resolutionflow.url
        services.settings.resolutionflow.email = info.resolutionflow.email
        services.save_settings()
        self.profile_key = profile_key(services.settings.connectwise)
        self.services = services

    def attach(self, window: Any, controller: AppController) -> None:
        window.setWindowTitle(f"{window.windowTitle()} — demo")
        window.queue_kept = False  # the quit question does not promise to send them at the next start
        controller.show_banner(
            Banner(
                "demo",
                "info",
                "Demo: a built-in ConnectWise and ResolutionFlow sandbox on this machine. Nothing leaves your "
                "computer, and nothing is kept when you quit. The Demo menu simulates an outage or a rate limit.",
            )
        )
        self._add_menu(window, controller)
        window.set_empty_text("Fetching the demo's sample sessions from the sandbox…")
        self.window = window
        controller.tasks.submit(self._prepare_accounts, on_done=lambda r: self._prepared(r, controller),
                                on_error=lambda e: self._failed(e, controller), name="demo")

    def _prepare_accounts(self) -> dict[str, Any]:
        """Off the GUI thread: keys to the keyring (or memory), sign in to ResolutionFlow, fetch sessions."""
        services = self.services
        cw = self.sandbox.info.connectwise
        notice = ""
        try:
            services.credentials.save_connectwise_keys(self.profile_key, cw.public_key, cw.private_key)
        except CredentialError as exc:
            notice = str(exc)
            services.credentials = CredentialStore(backend=MemoryKeyring())
            services.credentials.save_connectwise_keys(self.profile_key, cw.public_key, cw.private_key)
            self.in_memory_keys = True
        if not notice and services.credentials.in_memory:  # keyring itself chose MemoryKeyring: no OS keyring
            notice = "No OS keyring is available."
        rf = self.sandbox.info.resolutionflow
        profile = services.settings.resolutionflow.model_copy()
        sign_in(rf.url, rf.email, rf.password, store=services.credentials)
        report = refresh(profile, services.credentials, services.cache)
        return {"notice": notice, "report": report}

    def _prepared(self, result: dict[str, Any], controller: AppController) -> None:
        if result["notice"]:
            controller.show_banner(
                Banner(
                    "demo-keys",
                    "warning",
                    f"{result['notice']} The demo holds its ConnectWise keys in memory for this run only "
                    "(the real app never does this: it asks you to fix the keyring).",
                )
            )
        controller.reload_sessions()
        if self.window is not None:
            self.window.select_first_session()  # the demo opens on a session, its note and ticket shown
        controller.drain_now()

    def _failed(self, exc: BaseException, controller: AppController) -> None:
        log.error("demo set-up failed: %s", exc)
        controller.show_banner(Banner("demo-setup", "error", f"The demo could not set itself up: {exc}"))

    # -- the Demo menu -----------------------------------------------------------------------
    def _add_menu(self, window: Any, controller: AppController) -> None:
        menu = QMenu("&Demo", window)
        window.menuBar().insertMenu(window.help_menu.menuAction(), menu)  # before Help
        items = [
            ("Simulate a ConnectWise &outage (HTTP 503)", self.simulate_outage),
            ("Simulate a &rate limit (HTTP 429, retry after 2 minutes)", self.simulate_rate_limit),
            ("Make ConnectWise &slow (2 s per request)", self.simulate_slow),
            ("Res&tore ConnectWise", self.restore),
        ]
        self.actions: list[QAction] = []
        for text, fn in items:
            action = QAction(text, window)
            action.triggered.connect(lambda _=False, f=fn: self._run(f, controller))
            menu.addAction(action)
            self.actions.append(action)
        menu.addSeparator()
        ledger = QAction("Show what ConnectWise r&eceived…", window)
        ledger.triggered.connect(lambda: self.show_ledger(window, controller))
        menu.addAction(ledger)
        self.actions.append(ledger)

    def _run(self, fn: Any, controller: AppController) -> None:
        def done(msg: str) -> None:
            if fn == self.restore:  # what waits goes now; what failed waits for Retry all
                kinds = controller.services.outbox.kind_counts()
                failed = held_words.left_alone(controller.others, held_words.FAILED_STATES)
                msg = restored_words(try_now(controller), parts(count_parts(kinds, ("failed",), failed)))
                controller.look_up_again_after_an_outage()  # as when the network is back: a card "As last read" is read again
            controller.notify_info(msg)

        controller.tasks.submit(fn, on_done=done,
                                on_error=lambda e: controller.show_banner(Banner("demo-fault", "error", str(e))))

    def simulate_outage(self) -> str:
        self.admin.clear_faults()
        self.admin.add_fault(path=CW_API_PATHS, status=503, times=None)
        return "ConnectWise is now down (every API request gets HTTP 503). Push a note to see the retry."

    def simulate_rate_limit(self) -> str:
        self.admin.clear_faults()
        self.admin.add_fault(method="POST", path=CW_API_PATHS, status=429, retry_after=120, times=3)
        return "ConnectWise will answer the next 3 posts with HTTP 429 (retry after 2 minutes)."

    def simulate_slow(self) -> str:
        self.admin.config(latency_ms=2000)
        return "ConnectWise now takes 2 seconds per request: the window stays responsive."

    def restore(self) -> str:
        self.admin.clear_faults()
        self.admin.config(latency_ms=0)
        return restored_words("", "")

    def show_ledger(self, parent: QWidget, controller: AppController | None = None) -> None:
        """The whole of every note the sandbox's ConnectWise received, each with a diff against what FlowDesk
        pushed (the ledger is read off the GUI thread)."""
        jobs = self.services.outbox.jobs() if self.services is not None else []

        def show(text: str) -> None:
            dialog = QDialog(parent)
            dialog.setObjectName("receivedDialog")
            dialog.setWindowTitle("What the sandbox's ConnectWise received")
            dialog.resize(820, 560)
            view = QPlainTextEdit(dialog)
            view.setObjectName("receivedText")
            view.setAccessibleName("What ConnectWise received")
            view.setReadOnly(True)
            view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            view.setPlainText(text)
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
            buttons.rejected.connect(dialog.reject)
            layout = QVBoxLayout(dialog)
            layout.addWidget(view)
            layout.addWidget(buttons)
            self.ledger_dialog = dialog
            dialog.open()
            fit_to_screen(dialog)  # never taller than the screen (QT_SCALE_FACTOR=2: Close was below its edge)

        if controller is None:
            show(received_text(self.admin.ledger(), jobs))
            return
        controller.tasks.submit(lambda: received_text(self.admin.ledger(), jobs), on_done=show,
                                on_error=lambda e: controller.show_banner(Banner("demo-fault", "error", str(e))),
                                name="ledger")

    # -- teardown -----------------------------------------------------------------------------
    def cleanup(self) -> None:
        if self.services is not None and self.profile_key and not self.in_memory_keys:
            with contextlib.suppress(Exception):  # leave nothing of the demo in the engineer's keyring
                self.services.credentials.delete_connectwise_keys(self.profile_key)
            with contextlib.suppress(Exception):
                sign_out(self.services.settings.resolutionflow, self.services.credentials)
        if self.admin is not None:
            with contextlib.suppress(Exception):
                self.admin.close()
        with contextlib.suppress(Exception):
            self.sandbox.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def received_text(ledger: dict[str, Any], jobs: list[Any]) -> str:
    """Every note in the sandbox's ledger in full, then how it compares with the note FlowDesk pushed (the push
    job whose ConnectWise id it is), then the time entries."""
    pushed = {j.remote_id: j for j in jobs if j.kind == "note" and j.remote_id is not None}
    lines: list[str] = []
    for note in ledger.get("notes", []):
        flags = [k.replace("Flag", "") for k in ("internalAnalysisFlag", "detailDescriptionFlag", "resolutionFlag") if note.get(k)]
        lines.append(f"Note {note.get('id')} on ticket #{note.get('ticketId')} ({', '.join(flags)}) by {note.get('createdBy')}")
        received = note.get("text") or ""
        lines.extend("    " + line for line in received.splitlines())
        job = pushed.get(note.get("id"))
        if job is None:
            lines.append("  (not pushed by FlowDesk in this demo)")
        else:
            sent = str(job.body_json().get("text", ""))
            diff = list(difflib.unified_diff(sent.splitlines(), received.splitlines(), "pushed", "received", lineterm=""))
            if not diff:
                lines.append(f"  Identical to what FlowDesk pushed (push {job.id}).")
            else:
                lines.append(f"  Differs from what FlowDesk pushed (push {job.id}):")
                lines.extend("    " + line for line in diff)
        lines.append("")
    for te in ledger.get("time_entries", []):
        lines.append(f"Time entry {te.get('id')} on ticket #{te.get('chargeToId')}: {te.get('actualHours')} h from {te.get('timeStart')}")
    return "\n".join(lines) or "Nothing yet: push a note."
