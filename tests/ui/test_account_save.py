"""Settings › Save of the ConnectWise account keeps what ConnectWise says about the member, as `flowdesk connect` does."""

from __future__ import annotations

import json

import pytest

from tests.ui.test_window import _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def test_saving_the_account_in_settings_learns_the_start_and_end_times_rule(make_app, qtbot, sandbox, sandbox_admin):  # noqa: F811
    """Settings › Save wrote the account without the member's "must enter start and end times" rule, which
    `flowdesk connect` stores from the same who-am-I report: the saved profile said False on a tenant that
    requires both. It is learnt from the report on every account save now."""
    from flowdesk.ui.settings_dialog import SettingsDialog

    fd = make_app()
    _start(fd, qtbot)
    assert fd.controller.settings.connectwise.require_start_end is False
    sandbox_admin.config(member={"require_start_end": True})
    cw = sandbox.info.connectwise
    dialog = SettingsDialog(fd.controller, fd.window)
    qtbot.addWidget(dialog)
    dialog.cw_public.setText(cw.public_key)  # new keys typed: checked, then saved
    dialog.cw_private.setText(cw.private_key)
    with qtbot.waitSignal(dialog.saved, timeout=15000):
        dialog.save()
    profile = fd.controller.settings.connectwise
    assert (profile.member_identifier, profile.require_start_end) == ("dwhitfield", True)
    assert json.loads(fd.services.paths.settings_file.read_text())["connectwise"]["require_start_end"] is True
