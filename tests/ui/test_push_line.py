# ruff: noqa: F811 - make_app is the window tests' fixture, imported
"""The note pane's line about the session's last push. Seen in the demo: a failed push said "click Retry", but
Retry was only on the Queue tab; the line now has its own Retry, which sends that push again. The real window
against the sandbox; no sleeps."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.ui.test_window import CW_NOTES, TICKET, _select, _start, make_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _push_refused_once(fd: Any, qtbot: Any, admin: Any, path: str) -> tuple[Any, Any]:
    """The session of TICKET pushed with the click, its POST to ``path`` refused once (403): the window, its line."""
    _start(fd, qtbot)
    w = fd.window
    line = w.panel.push_line
    _select(fd, qtbot, TICKET)
    assert line.isHidden() and line.retry_button.isHidden()  # no push yet: no line
    admin.add_fault(method="POST", path=path, status=403, times=1)
    with qtbot.waitSignal(fd.controller.notify, timeout=15000):  # raised when the drain run ends
        qtbot.mouseClick(w.panel.push_button, Qt.MouseButton.LeftButton)
    return w, line


def test_a_failed_push_is_retried_from_the_note_pane(make_app, qtbot, sandbox_admin):
    fd = make_app()
    w, line = _push_refused_once(fd, qtbot, sandbox_admin, CW_NOTES)
    text = w.panel.post_state.text()
    assert text.startswith(f"Not posted to #{TICKET}: the push failed") and "Retry sends it again" in text
    assert line.retry_button.isVisibleTo(w) and w.panel.open_ticket_button.isVisibleTo(w)
    assert w.tabs.currentWidget() is not w.queue_view  # where the engineer is, not the Queue tab
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=lambda j: j.kind == "note" and j.state == "sent", timeout=15000):
        qtbot.mouseClick(line.retry_button, Qt.MouseButton.LeftButton)
    assert len(sandbox_admin.ledger()["notes"]) == 1
    assert w.panel.post_state.text().startswith(f"Posted to #{TICKET} (note ") and line.retry_button.isHidden()


def test_a_failed_time_entry_after_its_note_is_retried_from_the_note_pane(make_app, qtbot, sandbox_admin):
    fd = make_app()
    w, line = _push_refused_once(fd, qtbot, sandbox_admin, "*/time/entries")
    text = w.panel.post_state.text()
    assert text.startswith(f"Posted to #{TICKET} (note ") and text.endswith("; the time entry failed (see the Queue tab)")
    assert line.retry_button.isVisibleTo(w)
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=lambda j: j.kind == "time_entry" and j.state == "sent", timeout=15000):
        qtbot.mouseClick(line.retry_button, Qt.MouseButton.LeftButton)
    assert len(sandbox_admin.ledger()["time_entries"]) == 1 and len(sandbox_admin.ledger()["notes"]) == 1
    assert w.panel.post_state.text().endswith(" h logged") and line.retry_button.isHidden()
