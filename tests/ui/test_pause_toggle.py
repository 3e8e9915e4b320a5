"""*Pause sending* is the engineer's own pause: a pause the drainer made for refused keys does not show as theirs."""

from __future__ import annotations

from typing import Any

import pytest

from flowdesk.core import present
from tests.ui.test_window import _select, _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")
TICKET = 48211


def _ran(report: Any) -> bool:
    return report is not None and bool(report.results)


def test_keys_refused_pause_does_not_show_as_the_engineers_pause(make_app, qtbot, sandbox_admin):  # noqa: F811
    """Seen in review: after ConnectWise answered 401, the toolbar's and the tray's *Pause sending* showed pressed,
    as though the engineer had paused, and un-pressing it sent again with the same refused keys. It is not
    pressed now: the banner names the fix (Open Settings) and the toggle's tooltip says what holds sending."""
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    c, w, tray, outbox = fd.controller, fd.window, fd.tray, fd.services.outbox
    _select(fd, qtbot, TICKET)
    sandbox_admin.add_fault(method="POST", path="*/tickets/*/notes", status=401, times=1)
    with qtbot.waitSignal(c.drain_finished, check_params_cb=_ran, timeout=15000):
        w.push_current()
    assert outbox.paused_kind() == "account"
    banner = w.banners.banner("queue")
    assert banner is not None and banner.action == "Open Settings"
    assert not c.is_paused() and not w.pause_action.isChecked() and not tray.pause_action.isChecked()
    assert "Settings" in w.pause_action.toolTip()

    w.pause_action.setChecked(True)  # the engineer's own pause, over the refused keys' one: only Resume lifts it
    assert outbox.paused_kind() == "user" and c.is_paused() and tray.pause_action.isChecked()
    assert w.banners.banner("queue").text == present.PAUSED_BY_YOU
    assert "Settings" not in w.pause_action.toolTip()
    with qtbot.waitSignal(c.drain_finished, check_params_cb=_ran, timeout=15000):
        w.pause_action.setChecked(False)
    qtbot.waitUntil(lambda: outbox.counts().get("sent", 0) >= 1, timeout=15000)
    assert outbox.paused_reason() is None and not w.pause_action.isChecked()
