"""Settings › ResolutionFlow says whether FlowDesk is signed in, and *Sign out* is on only when there is a sign-in
to end (seen in the window on December 4: the page said nothing until a button was pressed, and *Sign out* was on
in the first-run setup, before any sign-in). The keyring is read on the task pool. Against the sandbox; no sleeps."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from flowdesk.ui.rf_signin import NOT_SIGNED_IN

from .test_dialog_answers import _all_done, _dialog
from .test_window import _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _open(fd: Any, qtbot: Any) -> Any:
    with _all_done(fd, qtbot):
        dialog = _dialog(fd)
    return dialog


def test_the_page_says_whether_flowdesk_is_signed_in_and_sign_out_follows(make_app, qtbot, sandbox):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    dialog = _open(fd, qtbot)
    assert dialog.rf_status.text() == NOT_SIGNED_IN and not dialog.rf_sign_out.isEnabled()

    rf = sandbox.info.resolutionflow
    dialog.rf_url.setText(rf.url)
    dialog.rf_email.setText(rf.email)
    dialog.rf_password.setText(rf.password)
    with _all_done(fd, qtbot):
        dialog.sign_in()
    assert dialog.rf_status.text().startswith("Signed in as ") and dialog.rf_sign_out.isEnabled()
    dialog.close()

    again = _open(fd, qtbot)  # the next time Settings opens, it says so from the start
    assert again.rf_status.text() == f"Signed in as {rf.email}." and again.rf_sign_out.isEnabled()
    with _all_done(fd, qtbot):
        again.sign_out()
    assert again.rf_status.text() == "Signed out." and not again.rf_sign_out.isEnabled()
    assert _open(fd, qtbot).rf_status.text() == NOT_SIGNED_IN


def test_the_keyring_is_read_off_the_gui_thread_and_a_sign_in_meanwhile_wins(make_app, qtbot, monkeypatch):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    store, threads = fd.services.credentials, []
    real = store.load_refresh_token
    monkeypatch.setattr(store, "load_refresh_token", lambda *a: threads.append(threading.current_thread()) or real(*a))
    fd.services.settings.resolutionflow.email = "dana@example.com"  # an account the page can look for

    dialog = _dialog(fd)
    dialog.sign_in()  # pressed before the look answered (nothing typed): its words stay, not "Not signed in"
    said = dialog.rf_status.text()
    with _all_done(fd, qtbot):
        pass
    assert threads and threading.main_thread() not in threads
    assert dialog.rf_status.text() == said == "Enter your e-mail address and password (or paste an access token)."
