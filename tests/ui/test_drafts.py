# ruff: noqa: F811 - make_app is the window tests' fixture, imported
"""An engineer's edits are never thrown away: only a click on *Regenerate* (or *Discard edits*) does.
The real window against the sandbox; no sleeps: the tests fire the debounce timers themselves."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from flowdesk.store.drafts import Drafts
from tests.ui.test_safe_push import _add_line
from tests.ui.test_window import _select, _start, make_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _edited_with_draft(fd: Any, qtbot: Any, ticket_id: int, line: str) -> str:
    sid = _select(fd, qtbot, ticket_id)
    _add_line(qtbot, fd.window.panel, line)
    fd.window.panel.draft_timer.timeout.emit()  # the pause in typing
    assert fd.controller.drafts.get(sid) is not None
    return sid


def _answer_box(act: Any) -> None:
    """Once the question is on screen (its event loop running), *act* on it."""

    def find() -> None:
        box = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None)
        if box is None:
            QTimer.singleShot(0, find)
        else:
            act(box)

    QTimer.singleShot(0, find)


def _escape(box: QMessageBox) -> None:
    QApplication.sendEvent(box, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier))


def _click(label: str) -> Any:
    return lambda box: next(b for b in box.buttons() if b.text() == label).click()


@pytest.mark.parametrize("dismiss", [_escape, QMessageBox.close])
def test_a_dismissed_question_is_the_safe_answer(make_app, dismiss):
    window = make_app().window
    ask = type(window).ask  # the real dialog, not the fixture's stand-in
    _answer_box(dismiss)
    assert ask(window, "Keep your edits?", "?", "Keep my edits", no="Regenerate", cancel=True) is None  # not Regenerate
    _answer_box(dismiss)
    assert ask(window, "Cancel this push?", "?", "Cancel push", "Keep it") is False
    _answer_box(dismiss)
    assert ask(window, "Pushes still waiting", "?", "Quit anyway") is False


def test_keep_your_edits_answers_what_was_clicked(make_app):
    window = make_app().window
    ask = type(window).ask
    for label, answer in [("Keep my edits", True), ("Regenerate", False), ("Cancel", None)]:
        _answer_box(_click(label))
        assert ask(window, "Keep your edits?", "?", "Keep my edits", no="Regenerate", cancel=True) is answer


@pytest.mark.parametrize("control", ["format", "steps"])
def test_dismissing_keep_your_edits_keeps_them_and_the_choice(make_app, qtbot, control):
    fd = make_app()
    _start(fd, qtbot)
    panel = fd.window.panel
    sid = _edited_with_draft(fd, qtbot, 48211, "Engineer's own words.")
    before = (panel.format_box.currentData(), panel.steps_box.isChecked())
    fd.window.ask = lambda *a, **k: None  # Escape, the close button, Cancel
    if control == "format":
        panel.format_box.setCurrentIndex(1 - panel.format_box.currentIndex())
    else:
        panel.steps_box.toggle()
    assert "Engineer's own words." in panel.editor.text() and panel.editor.is_edited()
    assert (panel.format_box.currentData(), panel.steps_box.isChecked()) == before
    draft = fd.controller.drafts.get(sid)
    assert draft is not None and "Engineer's own words." in draft.text
    assert (draft.note_format, draft.include_steps) == before


def _grow_past_the_note_limit(fd: Any, sid: str) -> None:
    """A refresh from ResolutionFlow brings a longer copy of the session: with its steps, over MAX_NOTE_CHARS."""
    from flowdesk.core.models import parse_session

    raw = fd.services.cache.raw(sid)
    raw["updated_at"] = "2099-01-01T00:00:00Z"
    raw["steps"] = list(raw.get("steps") or []) + [
        {"step_order": 100 + i, "step_type": "question", "content": {"text": "log line " * 400}} for i in range(40)
    ]
    fd.services.cache.upsert([(raw, parse_session(raw))], source="api")


def test_a_draft_waits_while_its_note_cannot_be_prepared(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    w, panel = fd.window, fd.window.panel
    sid = _edited_with_draft(fd, qtbot, 48211, "Hours of careful edits.")
    _grow_past_the_note_limit(fd, sid)
    _select(fd, qtbot, 48405)
    assert w.select_session(sid)
    assert panel.preview is None and "cannot be prepared" in panel.editor.edit.placeholderText()
    panel.draft_timer.timeout.emit()  # whatever fires: a draft never shown is neither written nor forgotten
    assert fd.controller.drafts.get(sid) is not None

    panel.steps_box.setChecked(False)  # the engineer makes the note fit: the draft is shown
    assert not panel.draft_timer.isActive()  # the program set the text: nothing typed, nothing to save
    assert "Hours of careful edits." in panel.editor.text() and panel.editor.is_edited()
    panel.draft_timer.timeout.emit()
    fd.controller.drafts.flush(10)
    draft = fd.controller.drafts.get(sid)
    assert draft is not None and "Hours of careful edits." in draft.text


def test_a_generated_note_starts_no_draft_timer(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    panel = fd.window.panel
    _select(fd, qtbot, 48211)
    panel.steps_box.toggle()  # unedited: regenerated
    panel.format_box.setCurrentIndex(1 - panel.format_box.currentIndex())
    assert not panel.draft_timer.isActive()


def test_the_visibility_of_an_edited_note_is_kept_in_its_draft(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    w, panel = fd.window, fd.window.panel
    sid = _select(fd, qtbot, 48211)
    panel.visibility.setCurrentIndex(panel.visibility.findData("discussion"))  # customer-visible, unedited
    _add_line(qtbot, panel, "Told the customer the fix.")
    panel.draft_timer.timeout.emit()
    assert fd.controller.drafts.get(sid).visibility == "discussion"
    panel.visibility.setCurrentIndex(panel.visibility.findData("internal"))  # this edited note stays internal
    assert fd.controller.drafts.get(sid).visibility == "internal"
    _select(fd, qtbot, 48405)
    assert w.select_session(sid)
    assert panel.visibility.currentData() == "internal" and "Told the customer the fix." in panel.editor.text()


def test_auto_push_leaves_a_session_with_a_draft_to_the_engineer(make_app, qtbot):
    from datetime import UTC, datetime
    from types import SimpleNamespace

    fd = make_app()
    _start(fd, qtbot)
    sid = _edited_with_draft(fd, qtbot, 48211, "It was the driver, not the cable.")
    fd.controller.settings.auto_push = True
    fd.controller.settings.auto_push_since = datetime(2000, 1, 1, tzinfo=UTC)
    with qtbot.waitSignal(fd.controller.info, timeout=1000) as said:
        fd.controller.auto_push_new(SimpleNamespace(changed_ids=[sid]))  # a refresh updated the session
    assert said.args == ["Auto-push left 1 edited note for you to push (#48211)."]
    assert not [j for j in fd.services.outbox.jobs(session_id=sid) if j.kind == "note"]
    assert fd.controller.drafts.get(sid) is not None


# -- the push choices: kept with the draft, never carried to another session -------------------------------
def _down(qtbot: Any, combo: Any) -> None:
    """The engineer picks the next entry with the keyboard (Qt sends ``activated``, as for a click)."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)


def _choices_made(fd: Any, qtbot: Any, ticket_id: int) -> tuple[str, dict[str, Any]]:
    """Select the session of ``ticket_id`` and change every push choice the way an engineer does."""
    sid = _select(fd, qtbot, ticket_id)
    panel = fd.window.panel
    box = panel.time_box
    qtbot.waitUntil(lambda: box.work_type.count() > 1 and panel.status_choice.combo.isEnabled(), timeout=15000)
    if not panel.time_entry.isChecked():
        qtbot.mouseClick(panel.time_entry, Qt.MouseButton.LeftButton)
    box.hours.selectAll()
    qtbot.keyClicks(box.hours, "1:15")
    for combo in (box.work_type, box.work_role, box.billable, panel.status_choice.combo):
        _down(qtbot, combo)
    panel.visibility.setCurrentIndex(panel.visibility.findData("discussion"))
    shown = {"log": True, "hours": "1:15", "type": box.work_type.currentData(), "role": box.work_role.currentData(),
             "billable": box.billable.currentData(), "status": panel.chosen_status(), "visibility": "discussion"}  # fmt: skip
    assert None not in shown.values(), shown
    return sid, shown


def _shown(panel: Any) -> dict[str, Any]:
    box = panel.time_box
    return {"log": panel.time_entry.isChecked(), "hours": box.hours.text(), "type": box.work_type.currentData(),
            "role": box.work_role.currentData(), "billable": box.billable.currentData(),
            "status": panel.chosen_status(), "visibility": panel.visibility.currentData()}  # fmt: skip


def test_push_choices_come_back_with_the_session_and_survive_a_late_lookup(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    w, panel = fd.window, fd.window.panel
    sid, chosen = _choices_made(fd, qtbot, 48211)
    assert fd.controller.drafts.get(sid) is not None  # the visibility chosen last wrote it at once

    _select(fd, qtbot, 48405)  # another client's session: none of those choices is carried over
    other = _shown(panel)
    for key in ("hours", "type", "role", "billable", "status", "visibility"):
        assert other[key] != chosen[key], key
    assert w.session_model.index(w.session_model.row_of(sid), 6).data().startswith("Draft")

    assert w.select_session(sid)  # back: the ticket is known, its statuses too
    assert _shown(panel) == chosen
    assert panel.time_entry.text() == "&Log 1.25 h"  # the hours that will be logged, not the proposal's
    assert "1.25 h" in panel.time_entry.accessibleName()
    panel.show_ticket(panel.ticket_card.ticket())  # the ticket looked up again (after an outage, say)
    panel._on_time_lists([(t, "x") for t in (1, 2, 3)], [])  # lists read again
    assert panel.time_box.hours.text() == "1:15" and panel.time_entry.isChecked()
    assert panel.chosen_status() == chosen["status"]


def test_push_choices_survive_a_restart_and_go_with_the_push(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    sid, chosen = _choices_made(fd, qtbot, 48211)
    fd.window.panel.draft_timer.timeout.emit()  # the pause
    draft = fd.controller.drafts.get(sid)
    assert draft is not None and draft.text is None and draft.choices is not None  # the note itself is as generated
    assert (draft.choices.hours, draft.choices.status) == ("1:15", chosen["status"])
    fd.shutdown()

    again = make_app()
    _start(again, qtbot)
    panel = again.window.panel
    _select(again, qtbot, 48211)
    qtbot.waitUntil(lambda: panel.time_box.work_type.count() > 1 and panel.status_choice.combo.isEnabled(), timeout=15000)
    assert _shown(panel) == chosen
    with qtbot.waitSignal(again.controller.job_changed, check_params_cb=lambda j: j.kind == "status", timeout=15000):
        again.window.push_current()
    assert again.controller.drafts.get(sid) is None  # pushed: the choices are in the queue now
    jobs = again.services.outbox.jobs(session_id=sid)
    entry = next(j for j in jobs if j.kind == "time_entry").body_json()
    assert entry["actualHours"] == 1.25 and entry["workType"]["id"] == chosen["type"]


def test_a_typed_ticket_number_is_kept_and_looked_up_again(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    w, panel = fd.window, fd.window.panel
    sid = _select(fd, qtbot, 48211)
    number = panel.ticket_card.number
    number.selectAll()
    qtbot.keyClicks(number, "48405")
    with qtbot.waitSignal(fd.controller.ticket_loaded, timeout=15000):
        qtbot.keyClick(number, Qt.Key.Key_Return)
    other = next(r for r in fd.services.cache.rows() if r.psa_ticket_id == 48405)
    assert w.select_session(other.id)
    assert w.select_session(sid)
    assert panel.ticket_card.ticket_id() == 48405 and panel.ticket_card.ticket().ref.id == 48405


def test_hours_that_are_not_hours_are_never_written(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    panel = fd.window.panel
    sid = _select(fd, qtbot, 48211)
    if not panel.time_entry.isChecked():
        qtbot.mouseClick(panel.time_entry, Qt.MouseButton.LeftButton)
    hours = panel.time_box.hours
    hours.selectAll()
    qtbot.keyClicks(hours, "1:15")  # not the proposed 0.75 (that typed back is no choice)
    panel.draft_timer.timeout.emit()
    assert fd.controller.drafts.get(sid).choices.hours == "1:15"  # type: ignore[union-attr]
    hours.selectAll()
    qtbot.keyClicks(hours, "Hunter2!pw")  # a password typed into the wrong field
    panel.draft_timer.timeout.emit()
    draft = fd.controller.drafts.get(sid)
    assert draft is None or draft.choices is None or draft.choices.hours is None  # the proposed hours again
    assert fd.controller.drafts.flush(10)
    rows = fd.services.db.connect().execute("SELECT * FROM drafts").fetchall()
    assert "Hunter2" not in repr([tuple(r) for r in rows])


def test_log_time_ticked_back_as_proposed_is_no_draft(make_app, qtbot):
    """Unticking *Log time* is a choice (a Draft); ticking it back as proposed is none: the Draft mark goes."""
    fd = make_app()
    _start(fd, qtbot)
    w, panel = fd.window, fd.window.panel
    sid = _select(fd, qtbot, 48211)
    proposed = panel.time_entry.isChecked()
    assert panel.time_entry.isEnabled()
    qtbot.mouseClick(panel.time_entry, Qt.MouseButton.LeftButton)
    panel.draft_timer.timeout.emit()
    draft = fd.controller.drafts.get(sid)
    assert draft is not None and draft.choices is not None and draft.choices.log_time is (not proposed)
    assert w.session_model.index(w.session_model.row_of(sid), 6).data().startswith("Draft")
    qtbot.mouseClick(panel.time_entry, Qt.MouseButton.LeftButton)  # back as it was proposed
    panel.draft_timer.timeout.emit()
    assert panel.time_entry.isChecked() is proposed
    assert fd.controller.drafts.get(sid) is None
    assert not (w.session_model.index(w.session_model.row_of(sid), 6).data() or "").startswith("Draft")


def test_a_draft_of_choices_alone_does_not_wait_for_the_editors_redaction(make_app, qtbot, monkeypatch):
    """The draft waits for the secret warning's redaction of edited text still on its worker (a long paste is
    not redacted twice); a choice alone has no text to redact and is written at the first pause. Seen under
    Wine: the recheck of the note just shown was still running, and the choice's draft came a pause later."""
    fd = make_app()
    _start(fd, qtbot)
    panel = fd.window.panel
    sid = _select(fd, qtbot, 48211)
    monkeypatch.setattr(panel.editor, "redacting", lambda *a: True)  # the recheck of the shown note still running
    qtbot.mouseClick(panel.time_entry, Qt.MouseButton.LeftButton)
    panel.draft_timer.timeout.emit()
    assert fd.controller.drafts.get(sid) is not None
    panel.editor.edit.insertPlainText("edited ")  # an edit waits for that redaction (a pause more)
    panel.draft_timer.timeout.emit()
    assert fd.controller.drafts.get(sid).text is None and panel.draft_timer.isActive()  # type: ignore[union-attr]


def test_a_disk_that_refuses_the_draft_is_said_in_one_line_and_the_edits_stay(make_app, qtbot):
    from tests.store.test_drafts import FullDisk

    fd = make_app()
    _start(fd, qtbot)
    panel, banners = fd.window.panel, fd.window.banners
    full = FullDisk(fd.services.db)
    fd.controller.drafts.drafts = full  # the disk has no room left
    sid = _select(fd, qtbot, 48211)
    panel.editor.edit.insertPlainText("Hours of careful edits. " * 2000)  # pasted: as typed
    panel.draft_timer.timeout.emit()
    qtbot.waitUntil(lambda: banners.banner("drafts") is not None, timeout=10000)
    banner = banners.banner("drafts")
    assert banner.level == "error" and banner.text.startswith("Your note edits cannot be saved: the disk is full.")
    assert "Hours of careful edits." in panel.editor.text()
    _select(fd, qtbot, 48405)  # away and back: the edits are still there, from memory
    assert fd.window.select_session(sid) and "Hours of careful edits." in panel.editor.text()

    full.full = False  # space freed: the next write goes through and the line goes
    _add_line(qtbot, panel, "One more.")
    panel.draft_timer.timeout.emit()
    qtbot.waitUntil(lambda: banners.banner("drafts") is None, timeout=10000)
    assert fd.controller.drafts.flush(10) and "One more." in (Drafts(fd.services.db).get(sid).text or "")


def test_a_long_paste_is_redacted_for_its_draft_on_the_worker_not_the_gui_thread(make_app, qtbot, monkeypatch):
    """The draft's pause in typing comes while the secret warning still redacts a long paste (~0.5 s a MB on the
    worker): the draft waits for that redaction instead of making its own on the GUI thread (the window froze)."""
    import threading

    from flowdesk.ui import editor as editor_module

    fd = make_app()
    _start(fd, qtbot)
    panel = fd.window.panel
    sid = _select(fd, qtbot, 48211)
    qtbot.waitUntil(lambda: not panel.editor._rechecking, timeout=10000)  # the shown note's own check is done
    real, on_gui, gate = editor_module.redact_note, [], threading.Event()

    def redact_note(*args: Any) -> Any:
        on_gui.append(threading.current_thread() is threading.main_thread())
        if not on_gui[-1]:
            assert gate.wait(10)  # a slow redaction, on the worker
        return real(*args)

    monkeypatch.setattr(editor_module, "redact_note", redact_note)
    panel.editor.edit.insertPlainText("connected from 10.1.2.3 after the timeout\n" * 500)  # pasted
    panel.editor._recheck.timeout.emit()  # the warning's pause: its redaction starts on the worker
    panel.draft_timer.timeout.emit()  # the draft's pause, while it runs
    gate.set()
    qtbot.waitUntil(lambda: fd.controller.drafts.get(sid) is not None, timeout=10000)
    assert on_gui == [False]  # one redaction, on the worker, used by the draft too
    assert "[IP REDACTED]" in (fd.controller.drafts.get(sid).text or "")


def test_ctrl_z_after_reset_brings_the_edits_back_as_a_draft(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    panel = fd.window.panel
    sid = _edited_with_draft(fd, qtbot, 48211, "Words I meant to keep.")
    edited = panel.editor.text()
    panel.reset_button.click()  # asked (the fixture answers Discard edits)
    assert not panel.editor.is_edited() and fd.controller.drafts.get(sid) is None
    qtbot.keyClick(panel.editor.edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert panel.editor.text() == edited and panel.editor.is_edited()
    assert panel.draft_timer.isActive()  # as typed: the draft comes back once typing pauses
    panel.draft_timer.timeout.emit()
    assert "Words I meant to keep." in (fd.controller.drafts.get(sid).text or "")
    qtbot.keyClick(panel.editor.edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not panel.editor.is_edited()  # redo: Reset again


def test_quitting_while_the_disk_refuses_a_draft_asks_first(make_app, qtbot):
    from tests.store.test_drafts import FullDisk

    fd = make_app()
    _start(fd, qtbot)
    panel, asked = fd.window.panel, []
    _select(fd, qtbot, 48211)
    fd.window.ask = lambda title, text, *a, **k: asked.append((title, text)) and False  # Cancel
    assert fd.controller.drafts.unsaved() == 0  # drafts written: nothing to ask about them
    fd.controller.drafts.drafts = FullDisk(fd.services.db)  # the disk has no room left
    panel.editor.edit.insertPlainText("Hours of careful edits. " * 2000)
    panel.draft_timer.timeout.emit()
    qtbot.waitUntil(lambda: fd.controller.drafts.unsaved() == 1, timeout=10000)
    assert fd.window.request_quit() is False  # Cancel: FlowDesk stays, the edits with it
    assert asked == [("Edits not saved", "Your edits to 1 note could not be saved to disk: they are lost if you quit now. Quit anyway?")]
