"""The settings dialog closed (and deleted) while its key check or sign-in was still on its way: what only
shows the answer is dropped (no "Internal C++ object already deleted" traceback), what the keyring already
holds is still saved in the settings. Against the sandbox over real sockets; no sleeps."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shiboken6 import delete

from .test_window import _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _all_done(fd: Any, qtbot: Any) -> Any:
    """Waits, on leaving the block, until every task has answered."""
    return qtbot.waitSignal(fd.controller.tasks.busy_changed, check_params_cb=lambda busy: not busy, timeout=15000)


def _dialog(fd: Any) -> Any:
    from flowdesk.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(fd.controller, fd.window)
    dialog.show()
    return dialog


def _dialog_with_keys(fd: Any, sandbox: Any) -> Any:
    """The settings dialog with the sandbox's ConnectWise keys typed in (Dana Whitfield's)."""
    dialog = _dialog(fd)
    cw = sandbox.info.connectwise
    dialog.cw_public.setText(cw.public_key)
    dialog.cw_private.setText(cw.private_key)
    return dialog


def _delete_while_held(dialog: Any, admin: Any, start: Any, path: str = "*") -> None:
    """Start the dialog's task (``start``), hold its request at the sandbox, then delete the dialog."""
    admin.add_fault(path=path, hold="before_store", times=1)
    start()
    admin.wait("held", 1)  # the request is on its way
    delete(dialog)


def _settings_file(fd: Any) -> dict[str, Any]:
    return json.loads(fd.services.paths.settings_file.read_text(encoding="utf-8"))


def test_keys_checked_after_the_dialog_is_gone_are_still_saved(make_app, qtbot, sandbox, sandbox_admin):  # noqa: F811
    """ConnectWise accepted the keys and they are in the keyring (the replaced account's removed): the settings
    must name their account even though no dialog is left to close."""
    fd = make_app()
    _start(fd, qtbot)
    c = fd.controller
    c.settings.connectwise = c.settings.connectwise.model_copy(
        update={"member_identifier": "jblake", "member_name": "Jordan Blake"}  # the keys saved before were his
    )
    dialog = _dialog_with_keys(fd, sandbox)  # Dana Whitfield's
    _delete_while_held(dialog, sandbox_admin, dialog.save)
    with qtbot.waitSignal(c.settings_changed, timeout=15000), _all_done(fd, qtbot):
        sandbox_admin.release()
    assert c.settings.connectwise.member_identifier == "dwhitfield"
    assert _settings_file(fd)["connectwise"]["member_identifier"] == "dwhitfield"


def test_a_connection_test_answering_after_the_dialog_is_gone_is_dropped(make_app, qtbot, sandbox, sandbox_admin):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    dialog = _dialog_with_keys(fd, sandbox)
    _delete_while_held(dialog, sandbox_admin, dialog.test_connection)
    with _all_done(fd, qtbot):
        sandbox_admin.release()  # its answer would re-enable a deleted button


def test_a_sign_in_answering_after_the_dialog_is_gone_is_still_saved(make_app, qtbot, sandbox, sandbox_admin):  # noqa: F811
    """The sign-in's tokens are in the keyring: the settings name its account and the sessions are fetched."""
    fd = make_app()
    _start(fd, qtbot)
    dialog = _dialog(fd)
    rf = sandbox.info.resolutionflow
    dialog.rf_url.setText(rf.url)
    dialog.rf_email.setText(rf.email)
    dialog.rf_password.setText(rf.password)
    _delete_while_held(dialog, sandbox_admin, dialog.sign_in, "*/auth/login")
    fetched: list[bool] = []
    fd.controller.sessions_reloaded.connect(lambda: fetched.append(True))
    with _all_done(fd, qtbot):
        sandbox_admin.release()
    assert _settings_file(fd)["resolutionflow"]["email"] == rf.email
    assert fd.services.settings.resolutionflow.email == rf.email and fetched
