"""The window's banner for keys ConnectWise refused (401) offers *Open Settings*: it says to enter the keys in
Settings, not also "(or with `flowdesk connect`)", the command line's way (which `queue list` still says)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.test_window import _select, _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _ran(report: Any) -> bool:
    return report is not None and bool(report.results)


def test_the_refused_keys_banner_points_at_its_own_button(make_app, qtbot, sandbox_admin):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    c, w, outbox = fd.controller, fd.window, fd.services.outbox
    _select(fd, qtbot, 48211)
    sandbox_admin.add_fault(method="POST", path="*/tickets/*/notes", status=401, times=1,
                            json={"code": "Unauthorized", "message": "Invalid company, public key or private key."})
    with qtbot.waitSignal(c.drain_finished, check_params_cb=_ran, timeout=15000):
        w.push_current()
    assert outbox.paused_kind() == "account"
    banner = w.banners.banner("queue")
    assert banner is not None and banner.action == "Open Settings"
    assert banner.text == (
        'ConnectWise did not accept your API keys (HTTP 401). ConnectWise says: "Invalid company, public key or '
        'private key." Sending waits until ConnectWise accepts them: enter your keys again in Settings > ConnectWise '
        "account."
    )
    assert "flowdesk connect" in outbox.paused_reason()  # the command line's words keep its way


def test_a_chosen_ticket_the_refused_keys_could_not_read_says_why_in_its_own_sentence(make_app, qtbot, sandbox_admin):  # noqa: F811
    """Push to a ticket typed in whose look-up ConnectWise refused (401): the question said ConnectWise's whole
    refusal, request id and all, inside a parenthesis ("… whose ticket #48397 is (ConnectWise rejected … Request id:
    …), so nothing was queued. Push again once its company shows on the card."): new keys, not waiting, fix it."""
    from tests.ui.test_safe_push import _type_ticket

    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    _select(fd, qtbot, 48211)
    sandbox_admin.add_fault(method="GET", path="*/service/tickets/48397", status=401, times=None)
    _type_ticket(fd, qtbot, "48397", fails=True)
    told: list[str] = []
    w.tell = lambda title, text: told.append(text)
    w.push_current()
    company = fd.controller.settings.connectwise.company
    assert len(told) == 1 and told[0].startswith(
        "FlowDesk could not check whose ticket #48397 is, so nothing was queued: ConnectWise rejected your API keys "
        f"(HTTP 401) for company '{company}'. Check the company ID; if the keys were deleted or changed, create new "
        "ones under My Account → API Keys and enter them in Settings > ConnectWise account. Request id: "
    ), told
    assert fd.services.outbox.jobs() == []
