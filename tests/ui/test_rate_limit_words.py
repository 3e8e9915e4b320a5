"""The notifications of a rate limit (429) say a rate limit, not an outage: the one when it holds sending off and
the one when every push it held has gone. The real window, controller, push worker and store against the sandbox;
no sleeps (the tests wait on the controller's signals; Send all now sends at once)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.ui.test_window import _select, _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _ran(report: Any) -> bool:
    return report is not None and bool(report.results)


def test_pushes_a_rate_limit_held_are_not_said_sent_after_an_outage(make_app, qtbot, sandbox_admin):  # noqa: F811
    """Seen in the demo: a rate limit's closing balloon said "ConnectWise is back" and "sent after the outage"."""
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    w, c = fd.window, fd.controller
    notified: list[Any] = []
    c.notify.connect(notified.append)
    sandbox_admin.add_fault(method="POST", path="*/notes", status=429, retry_after=600, times=None)
    _select(fd, qtbot, 48211)
    with qtbot.waitSignal(c.drain_finished, check_params_cb=_ran, timeout=15000):
        w.push_current()
    assert c.held is not None and c.held.why == "rate_limited"
    began = [n for n in notified if n.kind == "held"]
    assert len(began) == 1 and began[0].title == "ConnectWise is rate limiting FlowDesk"
    assert "outage" not in began[0].text.lower()

    sandbox_admin.clear_faults()  # the limit is over: Send all now sends what it held
    view = w.queue_view
    qtbot.mouseClick(view.retry_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(n.kind == "back" for n in notified), timeout=20000)
    back = next(n for n in notified if n.kind == "back")
    assert back.title == "ConnectWise's rate limit is over"
    assert back.text == "Every waiting push is sent (1 note and 1 time entry after ConnectWise's rate limit)."
    assert len(sandbox_admin.ledger()["notes"]) == 1


def test_a_ticket_look_up_a_rate_limit_answered_says_a_rate_limit(make_app, qtbot, sandbox_admin):  # noqa: F811
    """The card said "ConnectWise cannot be reached right now" for a 429: ConnectWise was reached, and asked
    FlowDesk to slow down. The card (as last read, and a ticket never read) says so."""
    fd = make_app()
    _start(fd, qtbot)
    card = fd.window.panel.ticket_card
    _select(fd, qtbot, 48397)
    sandbox_admin.add_fault(path="*/service/tickets/*", status=429, retry_after=120, times=None)
    with qtbot.waitSignal(fd.controller.ticket_failed, timeout=15000):
        fd.controller.ticket_changed(48397)  # read again, as after a status change
    assert card.unchecked and card.flags.text().startswith(
        "As last read, not checked just now: ConnectWise is rate limiting FlowDesk right now. Press Enter in Ticket"
    ), card.flags.text()
    assert "429" in card.flags.toolTip()

    row = next(r for r in fd.services.cache.rows() if r.psa_ticket_id == 48211)  # never read
    with qtbot.waitSignal(fd.controller.ticket_failed, timeout=15000):
        assert fd.window.select_session(row.id)
    assert card.flags.text().startswith("ConnectWise is rate limiting FlowDesk right now: press Enter in Ticket to try"), (
        card.flags.text())
