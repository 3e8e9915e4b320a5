""""Could not refresh your sessions": the banner's button is what fixes it. An outage or a locked keyring is fixed
by trying again (Try again refreshes), a sign-in or an address only in Settings. Against the sandbox; no sleeps."""

from __future__ import annotations

from typing import Any

import pytest

from flowdesk.resolutionflow.account import sign_in

from .test_dialog_answers import _all_done
from .test_window import _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _signed_in(fd: Any, sandbox: Any) -> None:
    rf = sandbox.info.resolutionflow
    sign_in(rf.url, rf.email, rf.password, store=fd.services.credentials)
    profile = fd.services.settings.resolutionflow
    profile.url, profile.email = rf.url, rf.email


def _refresh(fd: Any, qtbot: Any, start: Any) -> Any:
    with _all_done(fd, qtbot):
        start()
    return fd.window.banners.banner("resolutionflow")


def test_an_outage_offers_try_again_which_refreshes(make_app, qtbot, sandbox, sandbox_admin):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    _signed_in(fd, sandbox)
    sandbox_admin.add_fault(path="*/ai-sessions*", status=503, times=None)
    banner = _refresh(fd, qtbot, fd.controller.refresh_sessions)
    assert banner is not None and banner.text.startswith("Could not refresh your sessions:")
    assert (banner.action, banner.action_id) == ("Try again", "refresh")

    sandbox_admin.clear_faults()  # ResolutionFlow is back
    with qtbot.waitSignal(fd.controller.sessions_reloaded, timeout=15000):
        assert _refresh(fd, qtbot, lambda: fd.window.banners.action_triggered.emit("refresh")) is None


def test_not_signed_in_offers_settings(make_app, qtbot):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    banner = _refresh(fd, qtbot, fd.controller.refresh_sessions)
    assert banner is not None and (banner.action, banner.action_id) == ("Open Settings", "resolutionflow_settings")
    # its button is the way: not also the command line's (it said "sign in from Settings (or `flowdesk signin`)")
    assert banner.text == "Could not refresh your sessions: Not signed in to ResolutionFlow: sign in from Settings."
    # and it opens Settings on the ResolutionFlow page, typing in the password (seen on December 4: it opened the
    # ConnectWise page), also when Settings is open already on another page
    for _ in range(2):
        fd.window.banners.action_triggered.emit("resolutionflow_settings")
        dialog = fd.settings_dialog
        qtbot.waitExposed(dialog)
        assert dialog.tabs.currentWidget() is dialog.rf_page
        assert dialog.focusWidget() is (dialog.rf_password if dialog.rf_email.text() else dialog.rf_email)
        dialog.tabs.setCurrentIndex(0)
