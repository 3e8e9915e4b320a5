"""What the window and the tray say about the pause, read once per published queue status; the note pane read again
only when an outage's hold-off moves; and the words of a refused account's pause gone at once when it lifts.

The real window against the sandbox, as in test_window; no sleeps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from flowdesk.core import present
from flowdesk.core.held import HeldOff
from flowdesk.store import pause as pause_state
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
