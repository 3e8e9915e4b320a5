"""While sending is paused, a push that may already be on its ticket (its answer was lost: FlowDesk checks the ticket
before sending it again) says its check waits — in the session list's Push column, the note pane and the Queue tab
alike — not "Checking now": nothing is checked until sending resumes.

The real window against the sandbox, as in test_window; no sleeps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from flowdesk.core import policy_words, present
from flowdesk.store.db import format_time, utcnow
from tests.ui.test_window import TICKET, _select, _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _shown(fd: Any, session_id: str, job_id: int) -> tuple[str, str, str]:
    """The push's state as the session list's Push column, the note pane's push line and the Queue tab say it."""
    w = fd.window
    cell = w.proxy.index(w.proxy.proxy_row_of(session_id), 6)
    model = w.queue_model
    row = next(r for r in range(model.rowCount()) if model.job(r).id == job_id)
    return cell.data(0), w.panel.push_line.label.text(), model.index(row, model.STATE).data(0)


def _a_lost_answer(fd: Any, qtbot: Any, due_in: timedelta) -> tuple[str, Any]:
    """A note queued while paused, then left as a lost answer leaves it: its check due in ``due_in``."""
    c, w, outbox = fd.controller, fd.window, fd.services.outbox
    session_id = _select(fd, qtbot, TICKET)
    c.set_paused(True)
    w.push_current()
    note = next(j for j in outbox.jobs() if j.kind == "note")
    lost = policy_words.may_have_arrived(note, server_error=False, http_status=None, check_at="14:05")
    with outbox._db.transaction() as conn:
        conn.execute("UPDATE push_jobs SET state = 'unknown', next_attempt_at = ?, last_error = ? WHERE id = ?",
                     (format_time(utcnow() + due_in), lost, note.id))
    return session_id, note


@pytest.mark.parametrize("pause", ["keys", "user"])
def test_a_check_sending_is_paused_for_says_it_waits(make_app, qtbot, pause):  # noqa: F811
    """Seen in the demo: while ConnectWise's refusal of the keys (401) paused sending, a push whose answer was lost
    said "Checking now" in the list, the note pane and the Queue tab; its check was paused too. The same under the
    engineer's own Pause sending."""
    fd = make_app()
    _start(fd, qtbot)
    c, outbox = fd.controller, fd.services.outbox
    session_id, note = _a_lost_answer(fd, qtbot, timedelta(minutes=-1))  # due: it would be checked now
    if pause == "keys":
        with outbox._db.transaction() as conn:
            conn.execute("UPDATE push_jobs SET last_error = ? WHERE id = ?", (policy_words.check_paused(note), note.id))
        outbox.pause(policy_words.keys_refused(401, None), kind="account")
    with qtbot.waitSignal(c.drain_finished, timeout=15000):
        c.queue_changed_elsewhere()
    assert outbox.get(note.id).state == "unknown"  # not checked: sending is paused
    assert _shown(fd, session_id, note.id) == (
        present.CHECK_PAUSED, f"Queued for #{TICKET} — {present.CHECK_PAUSED}", present.CHECK_PAUSED
    )


def test_pausing_says_so_at_once_where_a_check_was_due(make_app, qtbot):  # noqa: F811
    """The words follow the pause as it starts: not at the next run."""
    fd = make_app()
    _start(fd, qtbot)
    c, outbox = fd.controller, fd.services.outbox
    session_id, note = _a_lost_answer(fd, qtbot, timedelta(minutes=10))
    outbox.lift_whole_pause()  # as `flowdesk queue resume` in a terminal: the check is not due for 10 minutes
    with qtbot.waitSignal(c.drain_finished, timeout=15000):
        c.queue_changed_elsewhere()
    assert all(s.endswith(present.state_text(outbox.get(note.id), utcnow(), present.LOCAL)) for s in _shown(fd, session_id, note.id))
    assert _shown(fd, session_id, note.id)[0].startswith("Checking at ")
    c.set_paused(True)
    assert _shown(fd, session_id, note.id) == (
        present.CHECK_PAUSED, f"Queued for #{TICKET} — {present.CHECK_PAUSED}", present.CHECK_PAUSED
    )
