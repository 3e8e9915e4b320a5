"""A refused ResolutionFlow sign-in in Settings says what to do there (the fields above), not "(Settings, or
`flowdesk signin --token-stdin`)", the way to a dialog the engineer is in. Against the sandbox; no sleeps."""

from __future__ import annotations

from typing import Any

import pytest

from .test_dialog_answers import _all_done, _dialog
from .test_window import _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _sign_in(fd: Any, qtbot: Any, dialog: Any) -> str:
    with _all_done(fd, qtbot):
        dialog.sign_in()
    return dialog.rf_status.text()


def test_a_refused_sign_in_in_settings_points_at_the_fields_above(make_app, qtbot, sandbox):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    dialog = _dialog(fd)
    dialog.tabs.setCurrentIndex(1)  # ResolutionFlow
    rf = sandbox.info.resolutionflow
    dialog.rf_url.setText(rf.url)
    dialog.rf_email.setText(rf.email)
    dialog.rf_password.setText("not-" + rf.password)
    said = _sign_in(fd, qtbot, dialog)
    assert said.startswith(
        "ResolutionFlow did not accept that e-mail address and password. Check them and sign in again; if your "
        "account signs in through single sign-on, paste an access token instead in the Access token field above. "
        "Nothing was saved. Request id: "
    ), said
    assert "Settings" not in said and "flowdesk signin" not in said

    dialog.rf_password.clear()
    dialog.rf_token.setText("eyJnot.a.token")
    said = _sign_in(fd, qtbot, dialog)
    assert "did not accept the access token you pasted" in said
    assert "Copy it again and paste it in the Access token field above" in said and "Settings" not in said
