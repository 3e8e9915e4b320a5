"""The push option "Set status after posting" with real Qt widgets: "Leave as is" by default, filled off the GUI
thread from the ticket's board statuses, and a chosen status is queued after the note, set on the ticket and
shown in the queue in present.py's words."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from flowdesk.core import present

from .test_window import _select, _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture
def choice(qtbot):
    from flowdesk.ui.status_choice import StatusChoice

    widget = StatusChoice()
    qtbot.addWidget(widget)
    return widget


def test_leave_as_is_until_the_boards_statuses_arrive(choice, qtbot):
    from flowdesk.ui.status_choice import LEAVE

    choice.reset(1)
    assert choice.combo.currentText() == LEAVE and choice.chosen() is None and not choice.combo.isEnabled()
    choice.set_statuses(2, [(7, "Closed")])  # another board's answer (the ticket changed meanwhile): ignored
    assert choice.combo.count() == 1
    choice.set_statuses(1, [(5, "In Progress"), (6, "Resolved"), (7, "Closed")], current=5)
    assert [choice.combo.itemText(i) for i in range(choice.combo.count())] == [LEAVE, "Resolved", "Closed"]
    assert choice.chosen() is None  # still "Leave as is"
    choice.combo.setFocus()
    qtbot.keyClick(choice.combo, Qt.Key.Key_Down)
    assert choice.chosen() == (6, "Resolved")


def test_a_status_chosen_in_the_window_is_set_after_the_note(make_app, qtbot, sandbox_admin, sandbox):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, 48211)
    panel = fd.window.panel
    qtbot.waitUntil(panel.status_choice.combo.isEnabled, timeout=15000)  # the statuses arrived (worker thread)
    before = sandbox.state.tickets[48211]["status"]
    combo = panel.status_choice.combo
    names = [combo.itemText(i) for i in range(1, combo.count())]
    assert before["name"] not in names and names
    combo.setCurrentIndex(combo.findText(names[0]))
    sid, name = panel.chosen_status()  # type: ignore[misc]

    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=lambda j: j.kind == "status" and j.state == "sent", timeout=15000):
        qtbot.mouseClick(panel.push_button, Qt.MouseButton.LeftButton)

    assert sandbox.state.tickets[48211]["status"]["id"] == sid
    patches = [r for r in sandbox_admin.ledger()["requests"] if r["method"] == "PATCH"]
    assert [r["body"] for r in patches] == [[{"op": "replace", "path": "status/id", "value": sid}]]
    model = fd.window.queue_model
    fd.window.reload_jobs()
    titles = [model.index(r, 0).data() for r in range(model.rowCount())] + [model.index(r, 1).data() for r in range(model.rowCount())]
    assert any(t and t.startswith(f"Status change → {name}") for t in titles), titles
    assert present.job_what(next(j for j in fd.controller.jobs() if j.kind == "status")) == f"status change → {name}"

    # the note pane says it, and the card and the statuses offered follow the ticket as it is now (read again)
    qtbot.waitUntil(lambda: panel.ticket_card.ticket().status_id == sid, timeout=15000)
    assert f", status set to {name}" in panel.post_state.text()
    qtbot.waitUntil(panel.status_choice.combo.isEnabled, timeout=15000)
    offered = [combo.itemText(i) for i in range(1, combo.count())]
    assert name not in offered and before["name"] in offered and panel.chosen_status() is None


def test_a_status_chosen_asks_whom_connectwise_emails_and_shows_only_its_own_answer(choice, qtbot):
    choice.reset(1)
    choice.set_statuses(1, [(5, "In Progress"), (6, "Resolved"), (7, "Closed")], current=5)
    assert choice.notice.isHidden()
    with qtbot.waitSignal(choice.notice_wanted) as asked:
        choice.combo.setCurrentIndex(choice.combo.findText("Closed"))
    assert asked.args == [1, 7, "Closed"]
    choice.show_notice(1, 6, "about Resolved")  # an answer for a status chosen before: dropped
    choice.show_notice(2, 7, "about another board's Closed")  # another board's: dropped
    assert choice.notice.isHidden()
    choice.show_notice(1, 7, "about Closed")
    assert not choice.notice.isHidden() and choice.notice.text() == "about Closed"
    assert choice.notice.textFormat() == Qt.TextFormat.PlainText  # ConnectWise's names are never read as HTML
    with qtbot.assertNotEmitted(choice.notice_wanted):
        choice.combo.setCurrentIndex(0)  # "Leave as is": nothing to ask
    assert choice.notice.isHidden() and choice.notice.text() == ""


def _choose(fd, qtbot, name):
    panel = fd.window.panel
    qtbot.waitUntil(panel.status_choice.combo.isEnabled, timeout=15000)  # the statuses arrived (worker thread)
    combo = panel.status_choice.combo
    combo.setCurrentIndex(combo.findText(name))
    qtbot.waitUntil(lambda: not panel.status_choice.notice.isHidden(), timeout=15000)  # read off the GUI thread
    return panel.status_choice.notice.text()


def test_the_window_says_whom_connectwise_emails_about_the_status_chosen(make_app, qtbot, sandbox):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, 48211)
    assert _choose(fd, qtbot, "Closed") == present.status_notice("Closed", ["Contact"])
    assert "e-mail: Contact" in present.status_notice("Closed", ["Contact"])
    assert _choose(fd, qtbot, "Waiting on Client") == present.status_notice("Waiting on Client", [])


def test_a_board_set_up_flowdesk_cannot_read_says_connectwise_may_email_the_contact(make_app, qtbot, sandbox_admin):  # noqa: F811
    sandbox_admin.add_fault(method="GET", path="*/statuses/*/notifications", status=403, times=None)
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, 48211)
    text = _choose(fd, qtbot, "Closed")
    assert text == present.status_notice_unknown("Closed", "permission")
    assert "may make ConnectWise e-mail the ticket's contact" in text and "cannot read the board's set-up" in text


def test_a_member_or_address_a_status_emails_is_named(make_app, qtbot, sandbox_admin):  # noqa: F811
    notifications = [
        {"id": 1, "notifyWho": {"id": 3, "name": "Specific Member"}, "member": {"id": 9, "identifier": "jo", "name": "Jo Smith"}},
        {"id": 2, "notifyWho": {"id": 4, "name": "Email Address"}, "email": "<b>ap@client.example</b>"},
    ]
    sandbox_admin.add_fault(method="GET", path="*/statuses/22/notifications", status=200, json=notifications, times=None)
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, 48211)
    assert _choose(fd, qtbot, "Closed") == present.status_notice(
        "Closed", ["Specific Member (Jo Smith)", "Email Address (<b>ap@client.example</b>)"]
    )


def test_new_keys_read_a_status_notice_again(make_app, qtbot, sandbox_admin):  # noqa: F811
    """Another ConnectWise (new keys) may have the same board and status ids for other statuses: what the
    old keys read is not shown for them."""
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, 48211)
    assert _choose(fd, qtbot, "Closed") == present.status_notice("Closed", ["Contact"])
    notifications = [{"id": 1, "notifyWho": {"id": 4, "name": "Email Address"}, "email": "ap@client.example"}]
    sandbox_admin.add_fault(method="GET", path="*/statuses/22/notifications", status=200, json=notifications, times=None)
    _choose(fd, qtbot, "Waiting on Client")
    assert _choose(fd, qtbot, "Closed") == present.status_notice("Closed", ["Contact"])  # read once per status
    fd.controller.account_changed()
    _choose(fd, qtbot, "Waiting on Client")
    assert _choose(fd, qtbot, "Closed") == present.status_notice("Closed", ["Email Address (ap@client.example)"])


def test_statuses_read_with_the_old_keys_are_read_again_with_the_new(make_app, qtbot, sandbox_admin):  # noqa: F811
    """The board's statuses were on their way when the keys changed: that answer is not shown (nor kept); the
    statuses are read again with the new keys, which answer for their company."""
    fd = make_app()
    _start(fd, qtbot)
    statuses = "*/service/boards/*/statuses"
    sandbox_admin.add_fault(method="GET", path=statuses, hold="before_store", times=1)
    _select(fd, qtbot, 48211)
    sandbox_admin.wait("held", 1, path=statuses)
    fd.controller.account_changed()
    theirs = [{"id": 71, "name": "Awaiting Parts"}, {"id": 72, "name": "Done"}]
    sandbox_admin.add_fault(method="GET", path=statuses, status=200, json=theirs, times=None)
    combo = fd.window.panel.status_choice.combo
    with qtbot.waitSignal(fd.controller.tasks.busy_changed, check_params_cb=lambda busy: not busy, timeout=15000):
        sandbox_admin.release()  # the old keys' answer: read again
    assert [combo.itemText(i) for i in range(1, combo.count())] == ["Awaiting Parts", "Done"]
