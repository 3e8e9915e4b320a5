"""An outage while a member pause holds another member's pushes (issue 17, follow-up).

The member pause lets the engineer's own pushes go and holds those queued under another member's keys: they
would not be sent when ConnectWise answers again. The outage's words count only the pushes that will go then,
and say the held ones apart, as the queue's line does; "ConnectWise is back" comes once the engineer's own
waiting pushes are sent, and says the held ones still wait. The real window, tray controller, push worker and
store against the sandbox; the outage is the sandbox answering 503 to everything. No sleeps.
"""

from __future__ import annotations

from typing import Any

import pytest

from flowdesk.core import held as held_words
from tests.ui.test_outage import TICKETS, _notes_by_ticket, _push, _queued_then_keys_of, _ran
from tests.ui.test_quit import quits  # noqa: F401 - a fixture
from tests.ui.test_window import _select, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")
HELD = "1 note and 1 time entry queued as Dana Whitfield wait for their keys"  # the queue's line says the held pushes so
KEYS_OR_RESUME = f"{HELD}: save their keys in Settings, or Resume to send them as Jordan Blake"


def _only_dana_whitfields_pushes_wait(fd: Any, qtbot: Any) -> Any:
    """Dana Whitfield's push (a note and its time entry) held by a member pause alone, Jordan Blake's keys
    saved, nothing else in the queue. Returns the controller."""
    c, _ = _queued_then_keys_of(fd, qtbot, "jblake", "Jordan Blake")
    c.set_paused(False)  # the engineer's own pause lifted: the member pause alone holds Dana Whitfield's pushes
    qtbot.waitUntil(lambda: fd.window.queue_label.text() == f"Queue: {HELD}", timeout=15000)  # the run is over
    return c


def _outage_while_dana_whitfields_pushes_wait(fd: Any, qtbot: Any, admin: Any) -> tuple[Any, list[Any]]:
    """Dana Whitfield's push held by a member pause, Jordan Blake's keys saved; then Jordan Blake's own push
    meets an outage. Returns (controller, the notifications raised meanwhile)."""
    c = _only_dana_whitfields_pushes_wait(fd, qtbot)
    notified: list[Any] = []
    c.notify.connect(notified.append)
    _select(fd, qtbot, TICKETS[1])
    admin.add_fault(path="*", status=503, times=None)  # ConnectWise is down
    with qtbot.waitSignal(c.drain_finished, check_params_cb=_ran, timeout=15000):
        fd.window.push_current()  # Jordan Blake's own push goes, and meets the outage
    assert c.held is not None
    return c, notified


def test_an_outage_during_a_member_pause_counts_only_the_pushes_that_will_go(make_app, qtbot, sandbox_admin):  # noqa: F811
    """Before: "ConnectWise unreachable — 4 waiting", the 2 held pushes counted as waiting, though they would
    not be sent when ConnectWise answers again."""
    fd = make_app(has_tray=True)
    c, notified = _outage_while_dana_whitfields_pushes_wait(fd, qtbot, sandbox_admin)
    w, tray = fd.window, fd.tray
    line = w.queue_label.text()
    assert line.startswith("ConnectWise unreachable — 1 note and 1 time entry waiting, next try "), line
    assert line.endswith(f", {HELD}"), line
    assert tray is not None and tray.state == "held" and tray.status_action.text() == line
    assert tray.tray.toolTip() == f"FlowDesk — {line}"
    banner = w.banners.banner("held")
    assert banner is not None and "1 note and 1 time entry are waiting; the next try is at " in banner.text, banner.text
    assert f". {HELD}. Nothing is lost." in banner.text, banner.text
    began = [n for n in notified if n.kind == "held"]
    assert len(began) == 1 and "1 note and 1 time entry waiting; FlowDesk tries again at " in began[0].text, began
    assert f". {HELD}." in began[0].text, began[0].text
    own = {j.id for j in fd.services.outbox.jobs() if j.member == "jblake"}
    assert set(began[0].job_ids) == own  # clicking it shows the pushes that wait for ConnectWise


def test_connectwise_is_back_once_the_engineers_own_pushes_are_sent_and_says_whose_still_wait(make_app, qtbot, sandbox_admin):  # noqa: F811
    """Before: the notification waited for an empty queue, so it never came while the member pause held Dana
    Whitfield's pushes (and its words said every waiting push was sent)."""
    fd = make_app(has_tray=True)
    c, notified = _outage_while_dana_whitfields_pushes_wait(fd, qtbot, sandbox_admin)
    outbox = fd.services.outbox
    sandbox_admin.clear_faults()  # ConnectWise is back
    c.retry_all()  # Send all now: Jordan Blake's push goes; Dana Whitfield's stay held, still hers
    qtbot.waitUntil(lambda: outbox.counts().get("sent") == 2, timeout=20000)
    qtbot.waitUntil(lambda: any(n.kind == "back" for n in notified), timeout=5000)
    assert [n.kind for n in notified] == ["held", "back"]
    back = notified[-1]
    assert back.title == "ConnectWise is back"
    assert back.detail == f"1 note and 1 time entry sent after the outage; {HELD.replace(' wait', ' still wait')}."
    assert fd.window.queue_label.text() == f"Queue: {HELD}"
    assert {j.member for j in outbox.jobs(states=("pending", "retry_wait"))} == {"dwhitfield"}
    assert _notes_by_ticket(sandbox_admin) == {TICKETS[1]: 1}


def _send_all_controls(fd: Any) -> list[Any]:
    """Send all now / Retry all: the Queue tab's button, the Queue menu's action, the tray's item."""
    assert fd.tray is not None
    return [fd.window.queue_view.retry_all_button, fd.window.retry_failed_action, fd.tray.retry_action]


def test_send_all_now_in_an_outage_counts_and_sends_only_the_pushes_that_go(make_app, qtbot, sandbox_admin):  # noqa: F811
    """Before: "Send all now (4)" and, clicked, "Sending 4 pushes now.": Dana Whitfield's held pushes were counted
    and retried, though they stay held until their keys or Resume."""
    fd = make_app(has_tray=True)
    _outage_while_dana_whitfields_pushes_wait(fd, qtbot, sandbox_admin)
    w, outbox = fd.window, fd.services.outbox
    for control in _send_all_controls(fd):
        assert (control.text().replace("&", ""), control.isEnabled()) == ("Send all now (2)", True), control
        assert control.toolTip() == f"{held_words.SEND_ALL_TIP}. {KEYS_OR_RESUME}.", control
    theirs = [j for j in outbox.jobs() if j.member == "dwhitfield"]
    sandbox_admin.clear_faults()  # ConnectWise is back
    w.retry_all()
    assert w.statusBar().currentMessage() == f"Sending 1 note and 1 time entry now. {KEYS_OR_RESUME}."
    assert [j for j in outbox.jobs() if j.member == "dwhitfield"] == theirs  # left as they were
    qtbot.waitUntil(lambda: outbox.counts().get("sent") == 2, timeout=20000)
    assert _notes_by_ticket(sandbox_admin) == {TICKETS[1]: 1}


def test_with_only_held_pushes_left_send_all_now_is_off_and_points_at_resume(make_app, qtbot, sandbox_admin):  # noqa: F811
    """Before: "Retry all (2)", enabled, and the held push's own Retry: clicks that sent nothing (the pushes
    stayed held) and said "Sending 2 pushes now."."""
    fd = make_app(has_tray=True)
    c = _only_dana_whitfields_pushes_wait(fd, qtbot)
    w, outbox = fd.window, fd.services.outbox
    for control in _send_all_controls(fd):  # none has failed: Retry all is off (it sends failed pushes only)
        assert (control.text().replace("&", ""), control.isEnabled()) == ("Retry all", False)
        assert control.toolTip() == held_words.RETRY_ALL_TIP, control
    w.retry_all()  # Ctrl+Shift+R, or an outage banner's button, left on screen: nothing goes, and it says why
    assert w.statusBar().currentMessage() == "Nothing has failed."
    note = next(j for j in outbox.jobs() if j.kind == "note")
    assert w.queue_view.select_job(note.id) and not w.queue_view.retry_button.isEnabled()

    w.banners.action_triggered.emit("resume")  # the banner's Resume: they are Jordan Blake's now, and go
    qtbot.waitUntil(lambda: [(j.state, j.member) for j in outbox.jobs()] == [("sent", "jblake")] * 2, timeout=20000)
    qtbot.waitUntil(lambda: w.queue_label.text() == "Queue: all sent", timeout=15000)
    for control in _send_all_controls(fd):
        assert (control.text().replace("&", ""), control.isEnabled(), control.toolTip()) == (
            "Retry all", False, held_words.RETRY_ALL_TIP
        )
    assert c.others == [] and _notes_by_ticket(sandbox_admin) == {TICKETS[0]: 1}


def test_a_held_push_in_an_outage_says_whose_keys_it_waits_for_not_the_next_try(make_app, qtbot, sandbox_admin):  # noqa: F811
    """Before: the Queue tab said "Waiting" for Dana Whitfield's held note and, in its detail, "Held off: … so
    FlowDesk sends nothing until the next try", as if ConnectWise answering again would send it."""
    fd = make_app()
    _outage_while_dana_whitfields_pushes_wait(fd, qtbot, sandbox_admin)
    w, outbox = fd.window, fd.services.outbox
    view, model = w.queue_view, w.queue_model
    for job in outbox.jobs():
        view.select_job(job.id)
        detail = view.detail.toPlainText().splitlines()
        state = model.index(model.job_row(job.id), model.STATE).data()
        if job.member == "dwhitfield":
            assert state == "Waiting for Dana Whitfield's keys", (job.kind, state)
            assert detail[1] == (
                "Queued as Dana Whitfield: it waits for their keys. Save Dana Whitfield's keys in Settings to send "
                "it as theirs, or Resume to send it as Jordan Blake."
            ), detail
            assert not any(line.startswith("Held off") for line in detail), detail
        else:  # Jordan Blake's own push waits for the next try
            assert "Dana Whitfield" not in state and detail[1].startswith("Held off: "), (state, detail)


def test_quit_asks_only_about_the_pushes_that_go_while_the_app_runs(make_app, qtbot, quits):  # noqa: F811
    """Before: "2 pushes are still waiting to be sent. Quit anyway?" for Dana Whitfield's held pushes alone (and
    "4 pushes" with Jordan Blake's 2), though quitting does not delay them: their keys or Resume send them."""
    fd = make_app(has_tray=True)
    c = _only_dana_whitfields_pushes_wait(fd, qtbot)
    w = fd.window
    asked: list[str] = []
    w.ask = lambda title, text, yes, **k: asked.append(text) or False
    c.set_paused(True)
    _push(fd, qtbot, TICKETS[1])  # Jordan Blake's own push waits
    w.quit_action.trigger()
    assert quits == [] and len(asked) == 1 and asked[0].startswith("1 note and 1 time entry are still waiting to be sent."), asked
    c.cancel(next(j.id for j in fd.services.outbox.jobs() if j.member == "jblake" and j.kind == "note"))
    w.quit_action.trigger()  # only Dana Whitfield's held pushes are left: nothing to ask
    assert quits == [True] and len(asked) == 1


def test_a_held_note_says_in_the_session_list_whose_keys_it_waits_for(make_app, qtbot):  # noqa: F811
    """The session list's Push column said "Waiting" for a note a member pause holds, as if it would go."""
    fd = make_app()
    c = _only_dana_whitfields_pushes_wait(fd, qtbot)
    note = next(j for j in fd.services.outbox.jobs() if j.kind == "note")
    summary = fd.window.session_model.push_summary(note.session_id)
    assert summary is not None and summary.text == "Waiting for Dana Whitfield's keys"
    assert "Resume to send it as Jordan Blake" in summary.tooltip, summary.tooltip
    c.resume()  # handed over: it goes as Jordan Blake, and the column follows
    qtbot.waitUntil(lambda: fd.window.session_model.push_summary(note.session_id).state == "sent", timeout=20000)
