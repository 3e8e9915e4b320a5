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
from tests.ui.test_models import Job as ModelJob
from tests.ui.test_outage import TICKETS, _push, _ran
from tests.ui.test_window import _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")
T0 = datetime(2026, 12, 3, 16, 9, tzinfo=UTC)


@dataclass
class Job(ModelJob):
    """A queue row as the models read it (``test_models.Job``), on this file's ticket and clock."""

    ticket_id: int = 48517
    updated_at: datetime = field(default_factory=lambda: T0)


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


def test_retry_is_off_for_a_time_entry_waiting_for_its_note(qtbot):
    """Seen in the demo: the note failed (HTTP 400); Retry on its time entry, "Waiting for its note", was on, and
    a click sent nothing and said nothing. It goes after its note: Retry is off for it, on for the note."""
    jobs = [Job(1, state="failed", attempts=1, last_error="ConnectWise refused the note."),
            Job(2, kind="time_entry", parent_id=1)]
    view = _view(qtbot, jobs)
    assert view.select_job(2) and not view.retry_button.isEnabled()
    assert view.select_job(1) and view.retry_button.isEnabled()
    view.model.update_job(Job(1, state="sent", remote_id=5))  # the note is on the ticket: its time entry may go now
    assert view.select_job(2) and view.retry_button.isEnabled()


def test_the_last_error_column_shows_the_error_alone(qtbot):
    """Seen in the demo: after Retry the Last error column read "Checking ticket #… at 16:26", the click's status,
    and a retried push's error its old "Checking again at 16:20" while State said "Checking at 16:26"."""
    from flowdesk.core import policy_words

    lost = f"ConnectWise did not answer in time, so the note may have reached ticket #48517. {policy_words.interrupted(ModelJob(1), '16:20').split('. ')[1]}"
    jobs = [
        Job(1, state="unknown", next_attempt_at=T0 + timedelta(minutes=1), last_error=lost),
        Job(2, state="failed", last_error="ConnectWise refused the note for ticket #48517 (HTTP 400)."),
        Job(3, state="pending"),
    ]
    view = _view(qtbot, jobs)
    error = [view.model.data(view.model.index(view.model.job_row(i), QueueTableModel.ERROR)) for i in (1, 2, 3)]
    assert error == [
        "ConnectWise did not answer in time, so the note may have reached ticket #48517.",
        "ConnectWise refused the note for ticket #48517 (HTTP 400).",
        "",
    ]
    assert view.model.data(view.model.index(view.model.job_row(1), QueueTableModel.ERROR), 3) == lost  # the tooltip


def _columns(view: QueueView) -> dict[str, int]:
    """The shown columns' widths, by header."""
    return {name: view.table.columnWidth(i) for i, name in enumerate(QueueTableModel.COLUMNS) if not view.table.isColumnHidden(i)}


@pytest.mark.parametrize("width", [1380, 920, 680])  # a 1400 px wide window at QT_SCALE_FACTOR 1, 1.5 and 2
def test_what_each_push_is_stays_readable_at_any_width(qtbot, width):
    """Seen at QT_SCALE_FACTOR=2: What (and Last error) shared the spare width, What got 115 px and read "Note —
    User lo…". What alone stretches; Updated, then Last error, make way for 40 characters of it."""
    view = _view(qtbot, _pushed_note("unknown"))
    view.resize(width, 400)
    view.show()
    qtbot.waitUntil(lambda: view.table.viewport().width() > 0)
    qtbot.waitUntil(lambda: sum(_columns(view).values()) <= view.table.viewport().width())  # nothing scrolls sideways
    shown = _columns(view)
    fm = view.table.fontMetrics()
    assert shown["What"] >= fm.horizontalAdvance("Status change → Closed — User locked out"), shown
    assert {"Ticket", "State", "Failures"} <= shown.keys()
    if width >= 1380:
        assert shown.keys() == set(QueueTableModel.COLUMNS), shown
    assert "Last error" in shown or "Updated" not in shown, shown  # Updated makes way first


def test_in_a_narrow_window_updated_makes_way_before_last_error(qtbot):
    """Seen in the demo at 720 px: Last error hidden and Updated shown (Updated, narrower, still fitted once Last
    error did not). Updated makes way first, then Last error."""
    view = _view(qtbot, _pushed_note("unknown"))
    fixed = sum(view.table.columnWidth(c) for c in (QueueTableModel.TICKET, QueueTableModel.STATE, QueueTableModel.ATTEMPTS))
    error, updated = view._widths[QueueTableModel.ERROR], view._widths[QueueTableModel.UPDATED]
    assert updated < error
    view._fit_columns(fixed + view._what_min + (error + updated) // 2)  # room for Updated, not for Last error
    assert view.table.isColumnHidden(QueueTableModel.ERROR) and view.table.isColumnHidden(QueueTableModel.UPDATED)
    view._fit_columns(fixed + view._what_min + error)  # room for Last error alone
    assert not view.table.isColumnHidden(QueueTableModel.ERROR) and view.table.isColumnHidden(QueueTableModel.UPDATED)
    text = view.model.data(view.model.index(0, QueueTableModel.WHAT), 3)  # ToolTipRole: the whole of What
    assert text == "Status change → Closed — User locked out of Active Directory after failed sign-ins"


SCRIPT = """
import json
from PySide6.QtWidgets import QApplication
from tests.ui.test_queue_view import QueueTableModel, QueueView, T0, _columns, _pushed_note
app = QApplication([])
model = QueueTableModel(clock=lambda: T0)
model.load(_pushed_note("unknown"), titles={"s1": "User locked out of Active Directory after failed sign-ins"})
view = QueueView(model)
view.resize(680, 400)  # the Queue tab of a window as wide as a 1400 px screen at twice the scale
view.show()
app.processEvents()
fm = view.table.fontMetrics()
print(json.dumps({"dpr": view.devicePixelRatio(), "shown": _columns(view), "viewport": view.table.viewport().width(),
                  "what": fm.horizontalAdvance("Status change → Closed — User locked out")}))
"""


def test_at_scale_factor_2_the_queue_shows_what_each_push_is(tmp_path):
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    env = dict(os.environ, QT_SCALE_FACTOR="2", QT_QPA_PLATFORM="offscreen", FLOWDESK_HOME=str(tmp_path / "home"))
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60,
                         encoding="utf-8", cwd=REPO)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["dpr"] == 2.0
    assert got["shown"]["What"] >= got["what"] and sum(got["shown"].values()) <= got["viewport"], got


def test_in_a_short_queue_tab_the_list_keeps_the_larger_part(qtbot):
    """Seen at QT_SCALE_FACTOR=2 with an outage's banner above the tab: the list (70 px, a row and a half) was
    smaller than the detail pane (76 px) under it. The detail gives way, down to two lines (it scrolls)."""
    view = _view(qtbot, _pushed_note("unknown"))
    view.show()
    for height in (250, 200):
        view.resize(680, height)
        qtbot.waitUntil(lambda h=height: view.height() == h)
        qtbot.waitUntil(lambda: view.table.height() >= 1.5 * view.detail.height())


def test_the_queue_says_push_not_job(qtbot):
    """"Send this job now", "Job details", "Select a job…": "job" is the code's word; the window's is "push"."""
    from PySide6.QtWidgets import QWidget

    view = _view(qtbot, [])
    said = [view.detail.placeholderText()]
    for w in [view, *view.findChildren(QWidget)]:
        said += [w.toolTip(), w.accessibleName(), getattr(w, "text", lambda: "")()]
    assert not [s for s in said if "job" in s.lower()], said


def test_with_every_waiting_push_cancelled_in_an_outage_no_banner_says_0_are_waiting(make_app, qtbot, sandbox_admin):  # noqa: F811
    """Seen in the demo: a note (and its time entry, status change) cancelled during an outage left the banner
    "0 pushes are waiting; the next try is at 16:42. Nothing is lost." and "— 0 waiting, next try 16:42"."""
    fd = make_app()
    _start(fd, qtbot)
    w, c = fd.window, fd.controller
    c.set_paused(True)
    _push(fd, qtbot, TICKETS[0])
    sandbox_admin.add_fault(path="*", status=503, times=None)
    with qtbot.waitSignal(c.drain_finished, check_params_cb=_ran, timeout=15000):
        c.set_paused(False)
    assert w.banners.banner("held") is not None
    w.cancel_job(next(j for j in fd.services.outbox.jobs() if j.kind == "note").id)  # its time entry goes with it
    assert w.banners.banner("held") is None
    assert w.queue_label.text() == "ConnectWise unreachable — nothing waiting"
    # Seen in the demo: that line stayed long after the next try's time, nothing left to run and end it. A run at
    # the hold-off's end (the drainer then reports none) says the queue's line again.
    assert c.held is not None and c.drain_timer.isActive()
    left = (c.held.until - c.clock()).total_seconds() * 1000
    assert left - 2000 <= c.drain_timer.remainingTime() <= left + 1000


QUIET = """
import json, sys
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from tests.ui.test_queue_view import QueueTableModel, QueueView, T0, _pushed_note
app = QApplication([])
model = QueueTableModel(clock=lambda: T0)
model.load(_pushed_note("unknown"), titles={})
view = QueueView(model)
view.resize(1380, 400)
view.show()
app.processEvents()
ran = []
def profile(frame, event, _arg):
    if event == "call" and frame.f_code.co_filename.endswith("flowdesk/ui/queue_view.py"):
        ran.append(frame.f_code.co_name)
viewport = view.table.viewport()
move = QMouseEvent(QEvent.Type.MouseMove, QPointF(20, 10), QPointF(20, 10), Qt.MouseButton.NoButton,
                   Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
sys.setprofile(profile)
for _ in range(3):
    viewport.repaint()
    QApplication.sendEvent(viewport, move)
sys.setprofile(None)
print(json.dumps(ran))
"""


def test_the_queue_runs_no_python_of_its_own_for_a_paint_or_a_mouse_move(tmp_path):
    """The columns were fitted from an event filter on the list's viewport: Python ran for each of its events
    (every mouse move over the list, …). Only a resize of the viewport runs it now. (In a process of its own: in
    the test process the profiler saw no call from Qt at all, the old filter's neither.)"""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FLOWDESK_HOME=str(tmp_path / "home"))
    out = subprocess.run([sys.executable, "-c", QUIET], env=env, capture_output=True, text=True, timeout=60,
                         encoding="utf-8", cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_a_scroll_bar_coming_fits_the_columns_again(qtbot):
    """As the event filter did: the viewport narrows when the list gets a scroll bar, and the columns are fitted
    to it."""
    view = _view(qtbot, _pushed_note("unknown"))
    view.resize(1380, 400)
    view.show()
    qtbot.waitExposed(view)
    viewport = view.table.viewport()
    wide, fitted = viewport.width(), []
    fit = view._fit_columns
    view._fit_columns = lambda width: (fitted.append(width), fit(width))  # type: ignore[method-assign]
    view.model.load([Job(i, session_id="s1") for i in range(1, 60)], titles={})  # more rows than fit: a scroll bar
    qtbot.waitUntil(lambda: view.table.verticalScrollBar().isVisible())
    qtbot.waitUntil(lambda: fitted[-1:] == [viewport.width()] and viewport.width() < wide)
