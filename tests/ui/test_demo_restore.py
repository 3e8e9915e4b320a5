"""The demo's *Restore ConnectWise* after its outage: the pushes held off go at once and the outage's banner goes,
not at the next try minutes later (the engineer restored ConnectWise to see that).

The real window against the sandbox over a real socket, as in test_window; no sleeps."""

from __future__ import annotations

from typing import Any

import pytest

from flowdesk.core.localtime import LOCAL, format_clock
from flowdesk.core.policy import VERIFY_DELAY
from flowdesk.store.db import format_time, utcnow
from tests.ui.test_window import TICKET, _select, _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _held(report: Any) -> bool:
    return report is not None and report.held_until is not None


def _demo_app(make, qtbot, sandbox, sandbox_admin, tmp_path):  # noqa: ANN001, ANN202
    """The window with the sample session selected, and the demo's menu actions over the sandbox."""
    from flowdesk.ui.demo import DemoEnvironment

    fd = make()
    _start(fd, qtbot)
    _select(fd, qtbot, TICKET)
    demo = DemoEnvironment(str(tmp_path), sandbox)
    demo.admin = sandbox_admin
    return fd, fd.controller, fd.window, demo


def test_restore_sends_what_the_outage_held_off_and_its_banner_goes(make_app, qtbot, sandbox, sandbox_admin, tmp_path):  # noqa: F811
    fd, c, w, demo = _demo_app(make_app, qtbot, sandbox, sandbox_admin, tmp_path)
    said: list[str] = []
    c.info.connect(said.append)
    with qtbot.waitSignal(c.info, timeout=15000):
        demo._run(demo.simulate_outage, c)
    with qtbot.waitSignal(c.drain_finished, check_params_cb=_held, timeout=15000):
        w.push_current()
    assert c.held is not None and w.banners.banner("held") is not None
    note = next(j for j in fd.services.outbox.jobs() if j.kind == "note")
    assert note.state == "unknown" and note.next_attempt_at > c.clock()  # its next try: a check, later
    with fd.services.outbox._db.transaction() as conn:  # restored a minute after the lost answer: looked for at once
        conn.execute("UPDATE push_jobs SET updated_at = ? WHERE id = ?", (format_time(utcnow() - VERIFY_DELAY), note.id))

    with qtbot.waitSignal(c.info, timeout=15000):
        demo._run(demo.restore, c)
    qtbot.waitUntil(lambda: all(j.state == "sent" for j in fd.services.outbox.jobs()), timeout=15000)
    qtbot.waitUntil(lambda: c.held is None and w.banners.banner("held") is None, timeout=5000)
    assert len(sandbox_admin.ledger()["notes"]) == 1 and len(sandbox_admin.ledger()["time_entries"]) == 1
    assert "unreachable" not in w.queue_label.text()
    assert said[-1] == "ConnectWise is back to normal. Sending 1 note and 1 time entry now."


def test_restore_leaves_a_failed_push_to_retry_all_and_an_engineers_pause_holds(make_app, qtbot, sandbox, sandbox_admin, tmp_path):  # noqa: F811
    fd, c, _w, demo = _demo_app(make_app, qtbot, sandbox, sandbox_admin, tmp_path)
    sandbox_admin.add_fault(method="POST", path="*/tickets/*/notes", status=403, times=1)
    with qtbot.waitSignal(c.notify, check_params_cb=lambda n: n.kind == "failed", timeout=15000):
        fd.window.push_current()
    c.set_paused(True)
    with qtbot.waitSignal(c.info, timeout=15000) as said:
        demo._run(demo.restore, c)
    assert said.args[0] == "ConnectWise is back to normal. Use Retry all for the 1 note that failed."
    assert {j.kind: j.state for j in fd.services.outbox.jobs()} == {"note": "failed", "time_entry": "pending"}


def _pushed_in_an_outage(make, qtbot, sandbox, sandbox_admin, tmp_path):  # noqa: ANN001, ANN202
    """The demo's outage, then a push of the sample session: its note's answer lost (held off)."""
    fd, c, w, demo = _demo_app(make, qtbot, sandbox, sandbox_admin, tmp_path)
    with qtbot.waitSignal(c.info, timeout=15000):
        demo._run(demo.simulate_outage, c)
    with qtbot.waitSignal(c.drain_finished, check_params_cb=_held, timeout=15000):
        w.push_current()
    note = next(j for j in fd.services.outbox.jobs() if j.kind == "note")
    return fd, c, w, demo, note


def test_restore_soon_after_a_lost_answer_clears_the_banner_and_says_when_the_note_goes(make_app, qtbot, sandbox, sandbox_admin, tmp_path):  # noqa: F811
    from flowdesk.ui.pushing import show_push_state

    fd, c, w, demo, note = _pushed_in_an_outage(make_app, qtbot, sandbox, sandbox_admin, tmp_path)
    with fd.services.outbox._db.transaction() as conn:  # its look on the ticket met the outage too: tried later
        conn.execute("UPDATE push_jobs SET next_attempt_at = ? WHERE id = ?", (format_time(utcnow() + 5 * VERIFY_DELAY), note.id))
    show_push_state(w)  # as the pane read it then
    later = format_clock(fd.services.outbox.get(note.id).next_attempt_at, c.clock(), LOCAL)
    assert w.panel.push_line.label.text().endswith(f"Checking at {later}")
    with qtbot.waitSignal(c.info, timeout=15000) as said:
        demo._run(demo.restore, c)
    qtbot.waitUntil(lambda: c.held is None and w.banners.banner("held") is None, timeout=15000)
    assert "unreachable" not in w.queue_label.text()
    # the note may be on its ticket: looked for a minute after its answer was lost, not sent blindly now
    assert said.args[0].startswith("ConnectWise is back to normal. 1 note and 1 time entry go at "), said.args[0]
    assert "nothing is posted twice" in said.args[0]
    assert sandbox_admin.ledger()["notes"] == []
    when = format_clock(fd.services.outbox.get(note.id).next_attempt_at, c.clock(), LOCAL)
    assert when in said.args[0]
    # the note pane says what the list's Push column says: the check's new time
    column = w.proxy.index(w.proxy.proxy_row_of(note.session_id), 6).data()
    assert column == f"Checking at {when}" and w.panel.push_line.label.text().endswith(column), (column, w.panel.push_line.label.text())


def test_send_all_now_in_an_outage_keeps_its_banner_while_the_note_waits_for_its_look_and_restore_clears_it(make_app, qtbot, sandbox, sandbox_admin, tmp_path):  # noqa: F811
    """Seen in the demo: ConnectWise down, the note's answer lost; Send all now (nothing goes: the note is looked for
    on its ticket a minute later) took the outage's banner and "ConnectWise unreachable" away until that look failed
    and brought them back. Nothing reached ConnectWise since: they stay, saying when the look is; Restore clears them."""

    fd, c, w, demo, note = _pushed_in_an_outage(make_app, qtbot, sandbox, sandbox_admin, tmp_path)
    assert note.state == "unknown" and note.next_attempt_at > c.clock()
    with qtbot.waitSignal(c.drain_finished, timeout=15000) as ran:
        w.retry_all()  # Send all now
    assert ran.args[0] is not None and ran.args[0].results == [] and ran.args[0].held_until is None  # nothing went
    assert c.held is not None and w.banners.banner("held") is not None
    assert "unreachable" in w.queue_label.text()
    look = format_clock(fd.services.outbox.get(note.id).next_attempt_at, c.clock(), LOCAL)
    assert f"next try {look}" in w.queue_label.text(), w.queue_label.text()

    with qtbot.waitSignal(c.info, timeout=15000):
        demo._run(demo.restore, c)
    qtbot.waitUntil(lambda: c.held is None and w.banners.banner("held") is None, timeout=15000)
    assert "unreachable" not in w.queue_label.text()


def test_the_note_pane_follows_the_outages_new_next_try_as_the_list_does(make_app, qtbot, sandbox, sandbox_admin, tmp_path):  # noqa: F811
    """Seen in the demo: the look on the ticket failed (next try 04:04); Send all now brought the look forward to
    04:00: the list's Push column and the banner said 04:00, the note pane still "Checking at 04:04"."""
    from flowdesk.core.held import HeldOff

    fd, c, w, demo, note = _pushed_in_an_outage(make_app, qtbot, sandbox, sandbox_admin, tmp_path)
    later = utcnow() + 5 * VERIFY_DELAY  # as after the look met the outage: both the look and the hold-off later
    with fd.services.outbox._db.transaction() as conn:
        conn.execute("UPDATE push_jobs SET next_attempt_at = ? WHERE id = ?", (format_time(later), note.id))
    c._set_held(HeldOff(later, c.held.why))
    with qtbot.waitSignal(c.drain_finished, timeout=15000):
        w.retry_all()  # Send all now: the look a minute after the lost answer, sooner than the hold-off's end
    when = format_clock(fd.services.outbox.get(note.id).next_attempt_at, c.clock(), LOCAL)
    column = w.proxy.index(w.proxy.proxy_row_of(note.session_id), 6).data()
    assert column == f"Checking at {when}" and w.panel.push_line.label.text().endswith(column), (column, w.panel.push_line.label.text())
