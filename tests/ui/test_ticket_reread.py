# ruff: noqa: F811 - make_app is the window tests' fixture, imported
"""A ticket kept from an earlier read is shown at once, and read again when that read is a while old: a ticket
closed, merged, deleted or moved to another company since is not pushed to on what it was."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from flowdesk.ui.lookups import TICKET_FRESH_SECONDS
from tests.ui.test_window import TICKET, _select, _start, make_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qapp")
OTHER = 48405  # Kessler Precision Machining's


def test_a_ticket_read_a_while_ago_is_read_again_when_its_session_is_shown(make_app, qtbot, sandbox):
    fd = make_app()
    _start(fd, qtbot)
    now = [fd.controller.clock()]
    fd.controller.clock = lambda: now[0]
    mine = _select(fd, qtbot, TICKET)
    card = fd.window.panel.ticket_card
    assert card.company_check.same and not card.ticket().closed
    other = _select(fd, qtbot, OTHER)
    with sandbox.state.cond:  # meanwhile, in ConnectWise: closed, and moved to another company
        ticket = sandbox.state.tickets[TICKET]
        ticket["closedFlag"] = True
        ticket["company"] = copy.deepcopy(sandbox.state.tickets[OTHER]["company"])
    now[0] += timedelta(seconds=TICKET_FRESH_SECONDS // 2)
    assert fd.window.select_session(mine)  # read a minute ago: shown as read, not asked again
    assert card.ticket().ref.id == TICKET and not card.ticket().closed
    assert fd.window.select_session(other)
    now[0] += timedelta(seconds=TICKET_FRESH_SECONDS)
    with qtbot.waitSignal(fd.controller.ticket_loaded, timeout=10000, check_params_cb=lambda tid, _t: tid == TICKET):
        assert fd.window.select_session(mine)
    assert card.ticket().closed and "This ticket is closed." in card.flags.text()
    assert card.company_check.same is False and not card.company.isHidden()
