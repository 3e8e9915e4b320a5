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


@pytest.fixture
def tickets(sandbox):
    """The sandbox's tickets, to change as ConnectWise would; put back after the test (a reset keeps them)."""
    with sandbox.state.cond:
        kept = copy.deepcopy(sandbox.state.tickets)
    yield sandbox.state.tickets
    with sandbox.state.cond:
        sandbox.state.tickets.clear()
        sandbox.state.tickets.update(kept)


def test_a_ticket_read_a_while_ago_is_read_again_when_its_session_is_shown(make_app, qtbot, sandbox, tickets):
    fd = make_app()
    _start(fd, qtbot)
    now = [fd.controller.clock()]
    fd.controller.clock = lambda: now[0]
    mine = _select(fd, qtbot, TICKET)
    card = fd.window.panel.ticket_card
    assert card.company_check.same and not card.ticket().closed
    other = _select(fd, qtbot, OTHER)
    with sandbox.state.cond:  # meanwhile, in ConnectWise: closed, and moved to another company
        tickets[TICKET]["closedFlag"] = True
        tickets[TICKET]["company"] = copy.deepcopy(tickets[OTHER]["company"])
    now[0] += timedelta(seconds=TICKET_FRESH_SECONDS // 2)
    assert fd.window.select_session(mine)  # read a minute ago: shown as read, not asked again
    assert card.ticket().ref.id == TICKET and not card.ticket().closed
    assert fd.window.select_session(other)
    now[0] += timedelta(seconds=TICKET_FRESH_SECONDS)
    with qtbot.waitSignal(fd.controller.ticket_loaded, timeout=10000, check_params_cb=lambda tid, _t: tid == TICKET):
        assert fd.window.select_session(mine)
    assert card.ticket().closed and "This ticket is closed." in card.flags.text()
    assert card.company_check.same is False and not card.company.isHidden()


def test_a_ticket_deleted_since_it_was_read_blocks_the_push(make_app, qtbot, sandbox, sandbox_admin, tickets):
    fd = make_app()
    _start(fd, qtbot)
    now = [fd.controller.clock()]
    fd.controller.clock = lambda: now[0]
    mine = _select(fd, qtbot, TICKET)
    other = _select(fd, qtbot, OTHER)
    with sandbox.state.cond:  # meanwhile, in ConnectWise: deleted (or merged into another ticket)
        del tickets[TICKET]
    now[0] += timedelta(seconds=TICKET_FRESH_SECONDS + 1)
    with qtbot.waitSignal(fd.controller.ticket_failed, timeout=10000, check_params_cb=lambda tid, _m: tid == TICKET):
        assert fd.window.select_session(mine)
    card = fd.window.panel.ticket_card
    assert card.ticket() is None
    told: list[str] = []
    fd.window.tell = lambda title, text: told.append(title)
    fd.window.push_current()
    assert told == ["Cannot push to this ticket"]
    assert not [r for r in sandbox_admin.ledger()["requests"] if r["method"] == "POST"]
    assert fd.window.select_session(other)  # and shown again, it is not the ticket once read
    assert fd.window.select_session(mine)
    assert card.ticket() is None
