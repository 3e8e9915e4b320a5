"""What the window and the tray say about the pause, read once per published queue status; the note pane read again
only when an outage's hold-off moves; and the words of a refused account's pause gone at once when it lifts.

The real window against the sandbox, as in test_window; no sleeps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from flowdesk.core import policy_words, present
from flowdesk.core.held import HeldOff
from flowdesk.store import pause as pause_state
from flowdesk.store.db import format_time, utcnow
from flowdesk.ui import pushing
from tests.ui.test_demo_restore import _pushed_in_an_outage
from tests.ui.test_window import TICKET, _select, _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")
PAUSED_WORDS = "paused until"


def _count_pause_reads(monkeypatch: Any) -> list[str]:
    """Every read of the pause's rows in ``meta`` (the functions every pause read of the store goes through)."""
    reads: list[str] = []
    for name in ("_values", "reason"):
        real = getattr(pause_state, name)

        def counted(*a: Any, _real: Any = real, _name: str = name, **k: Any) -> Any:
            reads.append(_name)
            return _real(*a, **k)

        monkeypatch.setattr(pause_state, name, counted)
    return reads


@pytest.mark.parametrize("kind", [None, "user", "account", "member"])
def test_one_read_of_the_pause_per_published_status(make_app, qtbot, monkeypatch, kind):  # noqa: F811
    """Seen in review: each published status read the pause from SQLite four or five times on the GUI thread
    (the status line, whom a member pause holds, the window's Pause sending, its tooltip, the tray's)."""
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    c, w, tray, outbox = fd.controller, fd.window, fd.tray, fd.services.outbox
    if kind == "user":
        c.set_paused(True)
    elif kind is not None:
        outbox.pause("ConnectWise refused the keys.", kind=kind, site="elsewhere" if kind == "member" else None,
                     member="someone" if kind == "member" else None)  # fmt: skip
    reads = _count_pause_reads(monkeypatch)
    c._publish_queue_status()
    assert len(reads) == 1, reads
    ours = kind == "user"
    assert w.pause_action.isChecked() is ours and tray.pause_action.isChecked() is ours
    tip = present.PAUSE_TIP_ACCOUNT if kind == "account" else present.PAUSE_TIP
    assert w.pause_action.toolTip() == tip


def test_a_run_that_leaves_the_hold_off_where_it_was_reads_no_note_pane(make_app, qtbot, sandbox, sandbox_admin, tmp_path, monkeypatch):  # noqa: F811, E501
    """Seen in review: after every run the note pane's push line was read again (a few queries on the GUI thread)
    to follow the hold-off's end, which most runs leave where it was."""
    fd, c, w, _demo, _note = _pushed_in_an_outage(make_app, qtbot, sandbox, sandbox_admin, tmp_path)
    with qtbot.waitSignal(c.drain_finished, timeout=15000):
        c.drain_now()
    held = c.held
    assert held is not None
    read: list[Any] = []
    real = pushing.show_push_state
    monkeypatch.setattr(pushing, "show_push_state", lambda win: (read.append(win), real(win)))
    with qtbot.waitSignal(c.drain_finished, timeout=15000):
        c.drain_now()  # nothing is due before the look on the ticket: the run leaves the hold-off's end as it was
    assert c.held == held and read == []
    c._set_held(HeldOff(held.until + timedelta(minutes=1), held.why))  # its end moved: the pane says the new time
    assert read == [w]
    c._set_held(None)
    assert len(read) == 2


def _said_paused(fd: Any, session_id: str) -> list[str]:
    """Where the window still says a push waits for the keys to be fixed: the Queue tab's rows (Last error), the
    session list's Push column (its tooltip), the note pane's push line."""
    w, texts = fd.window, []
    model = w.queue_model
    for row in range(model.rowCount()):
        for col in range(model.columnCount()):
            for role in (0, 3):  # display, tooltip
                texts.append(f"queue: {model.index(row, col).data(role)}")
    cell = w.proxy.index(w.proxy.proxy_row_of(session_id), 6)
    texts += [f"list: {cell.data(0)}", f"list tooltip: {cell.data(3)}", f"pane: {w.panel.push_line.label.text()}"]
    return [t for t in texts if PAUSED_WORDS in t]


@pytest.mark.parametrize("lifted_by", ["settings", "connect"])
def test_a_lifted_pause_for_refused_keys_leaves_no_push_saying_so(make_app, qtbot, lifted_by):  # noqa: F811
    """Seen in review: a push that may already be on its ticket kept "Checking ticket #48211 for the note is paused
    until your ConnectWise keys are fixed" in the queue and the list after the keys were saved (Settings, or
    `flowdesk connect` in a terminal), until the next run changed it."""
    fd = make_app()
    _start(fd, qtbot)
    c, w, outbox = fd.controller, fd.window, fd.services.outbox
    session_id = _select(fd, qtbot, TICKET)
    c.set_paused(True)  # queued, not sent: then as ConnectWise's 401 to its look on the ticket leaves it
    w.push_current()
    note = next(j for j in outbox.jobs() if j.kind == "note")
    with outbox._db.transaction() as conn:
        conn.execute("UPDATE push_jobs SET state = 'unknown', next_attempt_at = ?, last_error = ? WHERE id = ?",
                     (format_time(utcnow()), policy_words.check_paused(note), note.id))
        conn.execute("UPDATE push_jobs SET last_error = ? WHERE parent_id = ?", (policy_words.PAUSED_FOR_KEYS, note.id))
    outbox.pause(policy_words.keys_refused(401, None), kind="account")
    with qtbot.waitSignal(c.drain_finished, timeout=15000):
        c.queue_changed_elsewhere()  # the window shows the pushes as the store has them: paused for the keys
    assert _said_paused(fd, session_id), "the set-up shows the pause's words"

    if lifted_by == "settings":
        c.account_changed()  # Settings saved the account (the keys are the sandbox's: accepted)
    else:
        from flowdesk.ui.account_saving import account_saved_elsewhere

        outbox.resume()  # `flowdesk connect` lifted it, in its own process
        assert outbox.get(note.id).last_error is None  # nor does `queue list` say it
        account_saved_elsewhere(c)  # and told the window
    assert _said_paused(fd, session_id) == []  # at once: not at the next run
    with qtbot.waitSignal(c.drain_finished, timeout=15000):
        pass
