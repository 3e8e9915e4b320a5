"""The Queue tab as the engineer reads it: what Retry all offers, the detail pane, the columns at any scale.

The view on its own model, fed plain jobs (no store, no network, no clock but the model's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from flowdesk.core import held as held_words
from flowdesk.core.localtime import LOCAL, format_clock
from flowdesk.ui.models import QueueTableModel
from flowdesk.ui.queue_view import QueueView

pytestmark = pytest.mark.usefixtures("qapp")
T0 = datetime(2026, 12, 3, 16, 9, tzinfo=UTC)


@dataclass
class Job:
    id: int
    session_id: str = "s1"
    kind: str = "note"
    state: str = "pending"
    ticket_id: int = 48517
    ticket_kind: str = "service"
    parent_id: int | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    remote_id: int | None = None
    sent_at: datetime | None = None
    updated_at: datetime = field(default_factory=lambda: T0)
    member: str | None = None
    member_name: str | None = None
    status_name: str = ""


def _pushed_note(note_state: str = "unknown") -> list[Job]:
    """One note pushed with its time entry and a status change: the note's answer was lost (checked later)."""
    check = T0 + timedelta(minutes=1)
    return [
        Job(1, state=note_state, next_attempt_at=check, attempts=1),
        Job(2, kind="time_entry", parent_id=1),
        Job(3, kind="status", parent_id=1, status_name="Closed"),
    ]


def _view(qtbot, jobs: list[Job]) -> QueueView:
    model = QueueTableModel(clock=lambda: T0)
    model.load(jobs, titles={"s1": "User locked out of Active Directory after failed sign-ins"})
    view = QueueView(model)
    qtbot.addWidget(view)
    return view


def _button(view: QueueView) -> tuple[str, bool]:
    return view.retry_all_button.text().replace("&", ""), view.retry_all_button.isEnabled()


def test_retry_all_is_off_while_nothing_has_failed_and_counts_the_failed_ones(qtbot):
    """Seen in the demo: "Retry all (1)" while the one push waited for its scheduled check, or was being sent."""
    view = _view(qtbot, _pushed_note("unknown"))
    assert _button(view) == ("Retry all", False)
    view.model.update_job(_pushed_note("sending")[0])
    assert _button(view) == ("Retry all", False)
    view.model.update_job(Job(1, state="failed", last_error="ConnectWise refused the note."))
    assert _button(view) == ("Retry all (1)", True)  # the failed note; its time entry waits for it, not failed
    assert view.retry_all_button.toolTip() == held_words.RETRY_ALL_TIP
    view.set_held(held_words.HeldOff(T0 + timedelta(minutes=5), "server"))  # an outage: every waiting one goes
    assert _button(view) == ("Send all now (3)", True)


def test_the_detail_pane_says_the_check_time_once(qtbot):
    """Seen in the demo: "Checking at 16:25" in the detail's first line, then "(16:25)" in the hold-off's line and
    again in what happens next."""
    jobs = _pushed_note("unknown")
    view = _view(qtbot, jobs)
    until = T0 + timedelta(minutes=5)
    view.set_held(held_words.HeldOff(until, "server"))
    assert view.select_job(1)
    text = view.detail.toPlainText()
    when = format_clock(until, T0, LOCAL)
    assert text.count(when) == 1, text
    assert text.splitlines()[0] == f"Note for ticket #48517 — Checking at {when}"
    assert view.select_job(2)  # the time entry waits for its note: its first line has no time, the hold-off's has
    text = view.detail.toPlainText()
    assert text.count(when) == 1 and "Held off:" in text, text
