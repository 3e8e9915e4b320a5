"""A network that inspects TLS with an authority the OS does not trust: the certificate error tells the engineer to
set the CA file in the ResolutionFlow settings, so Settings › ResolutionFlow has one (the ConnectWise page already
did). Against the sandbox over HTTPS with a throwaway CA; no sleeps."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import WINE_TRUSTS_UNKNOWN_CA, wine_limit

from .test_dialog_answers import _all_done, _dialog
from .test_window import _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _sign_in(fd: Any, qtbot: Any, dialog: Any) -> str:
    with _all_done(fd, qtbot):
        dialog.sign_in()
    return dialog.rf_status.text()


@wine_limit(WINE_TRUSTS_UNKNOWN_CA)
def test_the_resolutionflow_ca_file_the_certificate_error_names_is_in_settings(make_app, qtbot, sandbox_tls):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    dialog = _dialog(fd)
    dialog.tabs.setCurrentIndex(1)  # ResolutionFlow
    rf = sandbox_tls.info.resolutionflow
    dialog.rf_url.setText(rf.url)
    dialog.rf_email.setText(rf.email)
    dialog.rf_password.setText(rf.password)
    refused = _sign_in(fd, qtbot, dialog)
    assert "could not be verified" in refused and "set its CA file in the ResolutionFlow settings" in refused
    assert dialog.rf_ca.accessibleName() == "CA file" and dialog.rf_ca.isVisibleTo(dialog)

    dialog.rf_ca.setText(sandbox_tls.info.ca_file)
    dialog.rf_password.setText(rf.password)
    fetched: list[bool] = []
    fd.controller.sessions_reloaded.connect(lambda: fetched.append(True))
    assert "Signed in" in _sign_in(fd, qtbot, dialog)
    kept = json.loads(fd.services.paths.settings_file.read_text(encoding="utf-8"))["resolutionflow"]
    assert kept["ca_file"] == sandbox_tls.info.ca_file  # the refreshes after it use it too
    assert fetched and fd.services.cache.count() > 0
    dialog.save()
    assert fd.services.settings.resolutionflow.ca_file == sandbox_tls.info.ca_file


def test_a_password_typed_into_the_e_mail_field_is_not_sent_as_an_e_mail_address(make_app, qtbot):  # noqa: F811
    """The password went into E-mail (one Tab too few): nothing is sent anywhere, the line says what to fix."""
    fd = make_app()
    _start(fd, qtbot)
    dialog = _dialog(fd)
    qtbot.waitUntil(lambda: fd.controller.tasks.active == 0, timeout=15000)  # the start's refresh and look-ups
    dialog.tabs.setCurrentIndex(1)
    dialog.rf_email.setText("Sbx-secret-pw")
    dialog.rf_password.setText("Sbx-secret-pw")
    dialog.sign_in()
    assert fd.controller.tasks.active == 0  # no sign-in request was started
    said = dialog.rf_status.text()
    assert said.startswith("The e-mail address is not one") and "Sbx-secret-pw" not in said
