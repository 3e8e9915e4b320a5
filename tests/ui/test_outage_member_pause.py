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

from tests.ui.test_outage import TICKETS, _notes_by_ticket, _push, _queued_then_keys_of, _ran
from tests.ui.test_quit import quits  # noqa: F401 - a fixture
from tests.ui.test_window import _select, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")
HELD = "2 queued as Dana Whitfield wait for their keys"  # the queue's line says the held pushes so


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
    assert line.startswith("ConnectWise unreachable — 2 waiting, next try "), line
    assert line.endswith(f", {HELD}"), line
    assert tray is not None and tray.state == "held" and tray.status_action.text() == line
    assert tray.tray.toolTip() == f"FlowDesk — {line}"
    banner = w.banners.banner("held")
    assert banner is not None and "2 pushes are waiting; the next try is at " in banner.text, banner.text
    assert f". {HELD}. Nothing is lost." in banner.text, banner.text
    began = [n for n in notified if n.kind == "held"]
    assert len(began) == 1 and "2 pushes waiting; FlowDesk tries again at " in began[0].text, began
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
    assert back.detail == f"2 pushes sent after the outage; {HELD.replace(' wait', ' still wait')}."
    assert fd.window.queue_label.text() == f"Queue: {HELD}"
    assert {j.member for j in outbox.jobs(states=("pending", "retry_wait"))} == {"dwhitfield"}
    assert _notes_by_ticket(sandbox_admin) == {TICKETS[1]: 1}


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
    assert quits == [] and len(asked) == 1 and asked[0].startswith("2 pushes are still waiting to be sent."), asked
    c.cancel(next(j.id for j in fd.services.outbox.jobs() if j.member == "jblake" and j.kind == "note"))
    w.quit_action.trigger()  # only Dana Whitfield's held pushes are left: nothing to ask
    assert quits == [True] and len(asked) == 1
