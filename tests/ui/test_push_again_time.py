"""A session pushed with its time, pushed again: the hours are not logged a second time unless the engineer
ticks *Log time* again (then the question says so, and how to post only the note).

The real window against the sandbox over a real socket, as in test_window; no sleeps."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.ui.test_window import TICKET, _select, _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _sent(kind: str) -> Any:
    return lambda j: j.kind == kind and j.state == "sent"


def test_a_second_push_posts_the_note_without_logging_the_time_again(make_app, qtbot, sandbox_admin):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    panel = w.panel
    session_id = _select(fd, qtbot, TICKET)
    assert panel.time_entry.isEnabled() and panel.time_entry.isChecked()  # the first push logs the hours
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=_sent("time_entry"), timeout=15000):
        qtbot.mouseClick(panel.push_button, Qt.MouseButton.LeftButton)
    assert len(sandbox_admin.ledger()["time_entries"]) == 1
    # right after the push, Log time is unticked for this session: a second push would not log them again
    assert not panel.time_entry.isChecked() and panel.time_box.isHidden()

    asked: list[str] = []
    w.ask = lambda title, text, yes, *a, **k: asked.append(text) or True
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=_sent("note"), timeout=15000):
        w.push_current()
    assert len(asked) == 1 and "of time" not in asked[0], asked  # the question names the note only
    assert len(sandbox_admin.ledger()["notes"]) == 2
    assert len(sandbox_admin.ledger()["time_entries"]) == 1  # the hours once

    # shown again later (another session, then this one): still unticked, its time is logged
    _select(fd, qtbot, 48397)
    assert panel.time_entry.isChecked()  # a session never pushed: the default
    assert w.select_session(session_id)  # its ticket is known now: no look-up
    qtbot.waitUntil(lambda: panel.ticket_card.ticket() is not None and panel.ticket_card.ticket().ref.id == TICKET)
    assert panel.time_entry.isEnabled() and not panel.time_entry.isChecked()


def test_ticking_log_time_again_is_asked_about_with_a_way_to_post_only_the_note(make_app, qtbot, sandbox_admin):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    panel = w.panel
    _select(fd, qtbot, TICKET)
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=_sent("time_entry"), timeout=15000):
        qtbot.mouseClick(panel.push_button, Qt.MouseButton.LeftButton)
    panel.time_entry.click()  # the engineer ticks it again: they mean to log the hours again
    assert panel.time_entry.isChecked()
    asked: list[str] = []
    w.ask = lambda title, text, yes, *a, **k: asked.append(text) or False
    w.push_current()
    name = panel.time_entry.text().replace("&", "")
    assert len(asked) == 1 and " of time " in asked[0] and f"untick {name}" in asked[0], (asked, name)
    assert len(fd.services.outbox.jobs()) == 2  # the engineer cancelled: nothing more queued


def test_a_push_cancelled_before_its_time_was_logged_offers_log_time_again(make_app, qtbot, sandbox_admin):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    c, panel = fd.controller, fd.window.panel
    _select(fd, qtbot, TICKET)
    sandbox_admin.add_fault(method="POST", path="*/tickets/*/notes", status=403, times=1)
    with qtbot.waitSignal(c.notify, check_params_cb=lambda n: n.kind == "failed", timeout=15000):
        qtbot.mouseClick(panel.push_button, Qt.MouseButton.LeftButton)
    assert not panel.time_entry.isChecked()  # its time entry waits for the note: Retry logs it
    note = next(j for j in fd.services.outbox.jobs() if j.kind == "note")
    c.cancel(note.id)  # the note and its time entry: nothing was logged
    assert {j.state for j in fd.services.outbox.jobs()} == {"cancelled"}
    assert panel.time_entry.isChecked() and not panel.time_box.isHidden()


def test_a_session_pushed_without_its_time_is_asked_about_the_note_only_twice(make_app, qtbot, sandbox_admin):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    panel = w.panel
    _select(fd, qtbot, TICKET)
    panel.time_entry.click()  # the first push: the note only
    assert not panel.time_entry.isChecked()
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=_sent("note"), timeout=15000):
        qtbot.mouseClick(panel.push_button, Qt.MouseButton.LeftButton)
    assert not panel.time_entry.isChecked()  # as the engineer left it
    panel.time_entry.click()  # now the time
    asked: list[str] = []
    w.ask = lambda title, text, yes, *a, **k: asked.append(text) or True
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=_sent("time_entry"), timeout=15000):
        w.push_current()
    assert len(asked) == 1 and "a second time, and logs " in asked[0] and "untick" not in asked[0], asked
    assert len(sandbox_admin.ledger()["time_entries"]) == 1
