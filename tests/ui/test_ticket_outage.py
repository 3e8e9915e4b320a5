# ruff: noqa: F811 - make_app is the window tests' fixture, imported
"""A ticket look-up during a ConnectWise outage: the card keeps the ticket as last read, marked as not checked
just now, and says in one line that ConnectWise cannot be reached and what to do; a push still asks about
another company's ticket, and never goes to a ticket the engineer chose whose company was never read. The real
window against the sandbox answering 503; no sleeps."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from flowdesk.core.ticket_words import UNREACHABLE
from tests.ui.test_safe_push import _type_ticket
from tests.ui.test_window import _select, _start, make_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _outage(admin: Any) -> int:
    return admin.add_fault(path="*", status=503, times=None)


def _read_again_failing(fd: Any, qtbot: Any, ticket_id: int) -> None:
    """The ticket is read again (as after FlowDesk set its status) while ConnectWise answers 503."""
    with qtbot.waitSignal(fd.controller.ticket_failed, timeout=15000):
        fd.controller.ticket_changed(ticket_id)


def test_a_look_up_during_an_outage_keeps_the_card_as_last_read(make_app, qtbot, sandbox_admin):
    """Seen in the demo: with ConnectWise broken, the card lost the ticket's summary and company and showed
    four lines of ConnectWise's error instead."""
    fd = make_app()
    _start(fd, qtbot)
    card = fd.window.panel.ticket_card
    _select(fd, qtbot, 48397)
    summary, details = card.summary.text(), card.details.text()
    outage = _outage(sandbox_admin)
    _read_again_failing(fd, qtbot, 48397)
    assert (card.summary.text(), card.details.text()) == (summary, details)  # what it showed stays
    assert "Harlow & Pierce LLP" in card.details.text() and card.ticket().ref.id == 48397
    assert card.unchecked and card.flags.text().startswith(f"As last read, not checked just now: {UNREACHABLE}.")
    assert "\n" not in card.flags.text() and "Request id" not in card.flags.text()
    assert "503" in card.flags.toolTip()  # ConnectWise's own words, for whoever wants them
    assert UNREACHABLE in card.number.accessibleDescription()

    card.number.setFocus()
    with qtbot.waitSignal(fd.controller.ticket_failed, timeout=15000):
        qtbot.keyClick(card.number, Qt.Key.Key_Return)  # "Press Enter in Ticket to try again"
        assert card.summary.text() == summary and card.flags.text() == "As last read: looking it up again…"
    assert card.unchecked and card.summary.text() == summary and card.flags.text().startswith("As last read, not")
    sandbox_admin.remove_fault(outage)
    with qtbot.waitSignal(fd.controller.ticket_loaded, timeout=15000):
        qtbot.keyClick(card.number, Qt.Key.Key_Return)
    assert not card.unchecked and UNREACHABLE not in card.flags.text()


def test_a_ticket_never_read_says_so_in_one_line_and_its_own_may_be_queued(make_app, qtbot, sandbox_admin):
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    card = w.panel.ticket_card
    _outage(sandbox_admin)
    row = next(r for r in fd.services.cache.rows() if r.psa_ticket_id == 48211)
    with qtbot.waitSignal(fd.controller.ticket_failed, timeout=15000):
        assert w.select_session(row.id)
    assert card.unchecked and card.flags.text().startswith(f"{UNREACHABLE}: press Enter in Ticket to try again")
    assert "the note waits in the queue" in card.flags.text() and "Request id" in card.flags.toolTip()
    assert card.details.isHidden()  # no blank line between "Ticket #48211" and the warning
    fd.controller.set_paused(True)
    w.push_current()  # the session's own ticket, linked in ResolutionFlow: queued, as before
    assert {j.ticket_id for j in fd.services.outbox.jobs()} == {48211}
    # Seen in the demo: the card still said "or push: the note waits in the queue" once it was queued.
    assert card.flags.text() == f"{UNREACHABLE}: press Enter in Ticket to try again."
    assert w.panel.post_state.text().startswith("Queued for #48211")
    fd.controller.cancel(next(j.id for j in fd.services.outbox.jobs() if j.kind == "note"))
    assert "the note waits in the queue" in card.flags.text()  # cancelled: it may be pushed again


def test_a_chosen_ticket_whose_company_could_not_be_checked_is_not_pushed_to(make_app, qtbot, sandbox_admin):
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    card = w.panel.ticket_card
    _select(fd, qtbot, 48211)  # Brightsmile Dental Group
    _outage(sandbox_admin)
    _type_ticket(fd, qtbot, "48397", fails=True)  # Harlow & Pierce LLP's, never read
    assert card.flags.text().startswith(f"{UNREACHABLE}: press Enter in Ticket to try again")
    assert "once its company shows" in card.flags.text()
    told: list[str] = []
    w.tell = lambda title, text: told.append(text)
    w.push_current()
    assert told == [
        f"FlowDesk could not check whose ticket #48397 is ({UNREACHABLE}), so nothing was queued. "
        "Push again once its company shows on the card."
    ]
    assert fd.services.outbox.jobs() == []


def test_another_company_s_ticket_kept_as_last_read_is_still_asked_about(make_app, qtbot, sandbox_admin):
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    card = w.panel.ticket_card
    _select(fd, qtbot, 48211)
    _type_ticket(fd, qtbot, "48397")  # read: Harlow & Pierce LLP's
    _outage(sandbox_admin)
    _read_again_failing(fd, qtbot, 48397)
    assert card.unchecked and card.company.isVisible() and "Harlow & Pierce LLP" in card.company.text()
    heard = card.number.accessibleDescription()  # the field says both: not checked, and whose ticket it is
    assert heard.startswith("As last read, not checked just now") and "belongs to Harlow & Pierce LLP" in heard
    asked: list[str] = []
    w.ask = lambda title, text, yes, no=None, **k: asked.append(title) or False
    w.push_current()
    assert asked == ["Another company's ticket"] and fd.services.outbox.jobs() == []


def test_a_ticket_that_does_not_exist_is_said_in_one_sentence(make_app, qtbot):
    """Seen in the demo: a mistyped number filled the card with four lines, ConnectWise's own reply and a
    request id among them. The card says FlowDesk's sentence; the rest is in its tooltip."""
    fd = make_app()
    _start(fd, qtbot)
    card = fd.window.panel.ticket_card
    _select(fd, qtbot, 48211)
    _type_ticket(fd, qtbot, "99999", fails=True)
    assert card.flags.text() == (
        "ConnectWise has no ticket #99999 (neither a service nor a project ticket), or your account cannot see it — "
        "check the ticket number."
    )
    assert "ConnectWise said" in card.flags.toolTip() and "Request id" in card.flags.toolTip()
    assert not card.unchecked


def _as_last_read_then_back(fd: Any, qtbot: Any, admin: Any) -> Any:
    """#48397's card read, then read again in an outage (kept as last read), then ConnectWise back: the card."""
    _start(fd, qtbot)
    card = fd.window.panel.ticket_card
    _select(fd, qtbot, 48397)
    outage = _outage(admin)
    _read_again_failing(fd, qtbot, 48397)
    assert card.unchecked
    admin.remove_fault(outage)
    return card


@pytest.mark.parametrize("event", ["network_online", "resumed"])
def test_a_card_as_last_read_is_read_again_when_the_network_comes_back(make_app, qtbot, sandbox_admin, event):
    """Seen in a day's work: after an outage the card kept saying "As last read, not checked just now" with
    ConnectWise back, until the keys were saved again. The network coming back (or the machine waking), which
    sends the queue at once, reads the shown ticket again too (on a worker), with nothing in the queue."""
    fd = make_app()
    card = _as_last_read_then_back(fd, qtbot, sandbox_admin)
    assert fd.services.outbox.jobs() == []
    with qtbot.waitSignal(fd.controller.ticket_loaded, check_params_cb=lambda t, _ticket: t == 48397, timeout=15000):
        getattr(fd.system_events, event).emit()
    assert not card.unchecked and not card.flags.text().startswith("As last read")
    assert card.ticket().ref.id == 48397 and "Harlow & Pierce LLP" in card.details.text()


def test_a_card_as_last_read_is_read_again_once_a_push_goes_through(make_app, qtbot, sandbox_admin):
    """ConnectWise answering again (a push stored after the outage) reads the shown ticket again too."""
    fd = make_app()
    card = _as_last_read_then_back(fd, qtbot, sandbox_admin)
    with qtbot.waitSignal(fd.controller.ticket_loaded, check_params_cb=lambda t, _ticket: t == 48397, timeout=15000):
        fd.window.push_current()  # the card's ticket, as last read: queued, and sent
    assert not card.unchecked


def test_the_demo_s_restore_reads_a_card_as_last_read_again(make_app, qtbot, sandbox, sandbox_admin, tmp_path):
    """In the demo, *Restore ConnectWise* is ConnectWise coming back: the card stopped saying "As last read" only
    once Enter was pressed in Ticket. It is read again, as when the network comes back."""
    from flowdesk.ui.demo import DemoEnvironment

    fd = make_app()
    _start(fd, qtbot)
    card = fd.window.panel.ticket_card
    _select(fd, qtbot, 48397)
    _outage(sandbox_admin)
    _read_again_failing(fd, qtbot, 48397)
    demo = DemoEnvironment(str(tmp_path), sandbox)
    demo.admin = sandbox_admin
    with qtbot.waitSignal(fd.controller.ticket_loaded, check_params_cb=lambda t, _ticket: t == 48397, timeout=15000):
        demo._run(demo.restore, fd.controller)
    assert not card.unchecked and card.ticket().ref.id == 48397


@pytest.mark.parametrize("refused", ["the note", "every request"])
def test_a_card_that_met_the_outage_is_read_again_when_connectwise_refuses_the_keys(make_app, qtbot, sandbox_admin, refused):
    """Seen in the demo: after an outage, ConnectWise answered again but refused the keys (401: sending paused until
    they are fixed); the ticket card still said "ConnectWise cannot be reached right now". ConnectWise answered: the
    card is read again, and shows the ticket, or says that the keys were refused and where to fix them."""
    fd = make_app()
    _start(fd, qtbot)
    c, w, outbox = fd.controller, fd.window, fd.services.outbox
    card = w.panel.ticket_card
    outage = _outage(sandbox_admin)
    row = next(r for r in fd.services.cache.rows() if r.psa_ticket_id == 48211)
    with qtbot.waitSignal(c.ticket_failed, timeout=15000):
        assert w.select_session(row.id)
    assert card.unchecked and card.flags.text().startswith(UNREACHABLE)
    sandbox_admin.remove_fault(outage)
    if refused == "the note":
        sandbox_admin.add_fault(method="POST", path="*/tickets/*/notes", status=401, times=None)
        answer = c.ticket_loaded
    else:  # the look-up of the ticket too (not the company's: FlowDesk reads that before sending)
        sandbox_admin.add_fault(path="*/apis/3.0/*", status=401, times=None)
        answer = c.ticket_failed
    with qtbot.waitSignal(answer, timeout=15000), qtbot.waitSignal(c.drain_finished, timeout=15000):
        w.push_current()
    assert outbox.paused_kind() == "account"  # sending is paused until the keys are fixed
    assert "cannot be reached" not in card.flags.text() and not card.unchecked, card.flags.text()
    if refused == "the note":
        assert card.ticket() is not None and card.ticket().ref.id == 48211
    else:
        assert card.flags.text() == (
            "ConnectWise rejected your API keys (HTTP 401) for company 'flowdesk_sandbox'. Check the company ID; if the "
            "keys were deleted or changed, create new ones under My Account → API Keys and enter them in Settings > "
            "ConnectWise account."  # the window's way to fix them: not the command line's `flowdesk connect`
        )


@pytest.mark.parametrize("edited", [False, True])
def test_a_card_the_refused_keys_could_not_read_is_read_again_once_the_keys_are_saved(make_app, qtbot, sandbox_admin, edited):
    """The card said ConnectWise rejected the keys; once keys ConnectWise accepts are saved, it shows the ticket — an
    edited note too (the note is kept, not regenerated: the card is read again all the same)."""
    from flowdesk.ui.account_saving import keep_connectwise_account

    fd = make_app()
    _start(fd, qtbot)
    c, w = fd.controller, fd.window
    card = w.panel.ticket_card
    refused = sandbox_admin.add_fault(path="*/apis/3.0/*", status=401, times=None)
    row = next(r for r in fd.services.cache.rows() if r.psa_ticket_id == 48211)
    with qtbot.waitSignal(c.ticket_failed, timeout=15000):
        assert w.select_session(row.id)
    assert card.ticket() is None and "401" in card.flags.text()
    if edited:
        edit = w.panel.editor.edit
        edit.moveCursor(edit.textCursor().MoveOperation.End)
        edit.insertPlainText("\nAlso checked the mail app.")
        assert w.panel.editor.is_edited()
    sandbox_admin.remove_fault(refused)
    with qtbot.waitSignal(c.ticket_loaded, timeout=15000):
        keep_connectwise_account(c, c.settings.connectwise)  # as Settings does once ConnectWise accepted them
    assert card.ticket() is not None and card.ticket().ref.id == 48211 and "401" not in card.flags.text()
    assert ("Also checked the mail app." in w.panel.editor.text()) is edited  # an edited note is kept as it is
