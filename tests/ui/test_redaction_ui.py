"""Redaction in the editor and the settings, with real widgets (offscreen): the marker hover, showing
what a marker hid, *Keep this one* (undoable, refused for secrets, kept when the note is made again),
the per-visibility policy changing the preview, the settings' redaction section."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent, QTextCursor
from PySide6.QtWidgets import QToolTip

from flowdesk.core.models import parse_session
from flowdesk.core.settings import Settings, Visibility
from flowdesk.redact import redact
from flowdesk.ui.editor import NoteEditor
from flowdesk.ui.session_panel import SessionPanel
from tests.ui.test_window import _select, _start, make_app  # noqa: F401 (make_app: the window fixture)

pytestmark = pytest.mark.usefixtures("qapp")
NOTE = "Printer at 10.0.5.23 (IP 10.0.5.23 too), mail jsmith@contoso.com.\nTemp password: Winter2026!x\nDone."


@pytest.fixture
def editor(qtbot: Any) -> NoteEditor:
    widget = NoteEditor()
    qtbot.addWidget(widget)
    result = redact(NOTE)
    widget.set_note(result.text, result.counts, result)
    return widget


def _at(editor: NoteEditor, marker: str, nth: int = 0) -> int:
    text, pos = editor.text(), -1
    for _ in range(nth + 1):
        pos = text.index(marker, pos + 1)
    return pos + 2


def _action(editor: NoteEditor, index: int, starts: str) -> Any:
    return next(a for a in editor.mark_actions(index) if a.text().startswith(starts))


# --------------------------------------------------------------------------------------------------
# Hover
# --------------------------------------------------------------------------------------------------


def test_hovering_a_marker_says_which_rule_hid_what_never_the_secret(editor: NoteEditor, qtbot: Any) -> None:
    tip = editor.tooltip_at(_at(editor, "[PASSWORD REDACTED]"))
    assert "A password was hidden here by rule “password-value”" in tip
    assert "Always redacted: FlowDesk never posts passwords." in tip and "Winter2026" not in tip
    ip_tip = editor.tooltip_at(_at(editor, "[IP REDACTED]"))
    assert "rule “ipv4-address”" in ip_tip and "keep it if it is not secret" in ip_tip and "10.0.5" not in ip_tip
    assert editor.tooltip_at(3) == ""  # plain text has no tooltip

    # the real hover: a tooltip event on the viewport shows the same words
    editor.resize(900, 300)
    editor.show()
    qtbot.waitExposed(editor)
    cursor = editor.edit.textCursor()
    cursor.setPosition(_at(editor, "[EMAIL REDACTED]"))
    point = editor.edit.cursorRect(cursor).center()
    event = QHelpEvent(QEvent.Type.ToolTip, point, editor.edit.viewport().mapToGlobal(point))
    editor.eventFilter(editor.edit.viewport(), event)
    assert "e-mail address was hidden here by rule “email-address”" in QToolTip.text()
    assert "jsmith" not in QToolTip.text()
    QToolTip.hideText()


def test_a_typed_marker_is_described_too(editor: NoteEditor, qtbot: Any) -> None:
    editor.edit.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(editor.edit, " [TOKEN REDACTED]")
    assert editor.tooltip_at(len(editor.text()) - 3) == "A token marker. It is posted as it is."


# --------------------------------------------------------------------------------------------------
# Show what a marker hid (before pushing)
# --------------------------------------------------------------------------------------------------


def test_show_in_place_is_never_pushed_and_undoable(editor: NoteEditor, qtbot: Any) -> None:
    generated = editor.text()
    _action(editor, _at(editor, "[PASSWORD REDACTED]"), "Show the hidden password").trigger()
    assert "Temp password: Winter2026!x" in editor.text()
    assert editor.push_text() == generated and not editor.is_edited()  # shown, not edited
    assert "Shown for you only" in editor.tooltip_at(editor.text().index("Winter2026") + 1)
    with qtbot.waitSignal(editor.rechecked):
        editor.recheck_now()
    assert editor.pending_label.isHidden()  # what is shown is not "your edits"
    editor.edit.undo()
    assert editor.text() == generated
    editor.edit.redo()
    _action(editor, editor.text().index("Winter2026") + 1, "Hide the password again").trigger()
    assert editor.text() == generated


def test_after_a_push_what_the_markers_hid_is_forgotten(editor: NoteEditor) -> None:
    _action(editor, _at(editor, "[PASSWORD REDACTED]"), "Show").trigger()
    editor.after_push()
    assert "Winter2026" not in editor.text()
    assert editor.mark_actions(_at(editor, "[PASSWORD REDACTED]")) == []
    assert "not kept after the note was pushed" in editor.tooltip_at(_at(editor, "[PASSWORD REDACTED]"))
    assert not editor.edit.document().isUndoAvailable()


def test_after_a_push_or_a_clear_the_last_redaction_is_forgotten_too(editor: NoteEditor, qtbot: Any) -> None:
    """The recheck keeps its last redaction (the note as typed, what its markers hid) for the draft to reuse:
    not past a push, nor past the note being cleared."""
    editor.edit.insertPlainText("admin password: Summer2026!\n")
    with qtbot.waitSignal(editor.rechecked):
        editor.recheck_now()
    assert editor._last_redaction is not None and "Summer2026!" in "".join(editor._last_redaction[1].originals)
    editor.after_push()
    assert editor._last_redaction is None
    with qtbot.waitSignal(editor.rechecked):
        editor.recheck_now()
    assert editor._last_redaction is not None
    editor.clear()
    assert editor._last_redaction is None


# --------------------------------------------------------------------------------------------------
# Keep this one
# --------------------------------------------------------------------------------------------------


def test_keep_this_one_makes_the_value_plain_everywhere_and_is_undoable(editor: NoteEditor, qtbot: Any) -> None:
    generated = editor.text()
    with qtbot.waitSignal(editor.kept_changed) as kept:
        _action(editor, _at(editor, "[IP REDACTED]", 1), "Keep this one").trigger()
    assert kept.args == [frozenset({"10.0.5.23"})]
    assert editor.text().startswith("Printer at 10.0.5.23 (IP 10.0.5.23 too), mail [EMAIL REDACTED].")
    assert "Kept as written in this note" in editor.tooltip_at(editor.text().index("10.0.5.23") + 1)
    assert editor.push_text() == editor.text()  # a kept value is pushed as written
    assert editor.redaction_label.text().endswith("; 1 kept as written")  # the line under the note said nothing of it
    with qtbot.waitSignal(editor.kept_changed) as undone:
        editor.edit.undo()  # one Ctrl+Z takes back both places
    assert undone.args == [frozenset()] and editor.text() == generated
    assert "kept as written" not in editor.redaction_label.text()
    with qtbot.waitSignal(editor.kept_changed):
        editor.edit.redo()
    with qtbot.waitSignal(editor.kept_changed) as again:
        _action(editor, editor.text().index("10.0.5.23") + 1, "Redact this IP address again").trigger()
    assert again.args == [frozenset()] and editor.text() == generated


def test_ctrl_z_after_reset_brings_back_what_the_edits_kept_and_showed(editor: NoteEditor, qtbot: Any) -> None:
    """Reset, then Ctrl+Z: the edits came back, but a value kept as written was plain text that the push redacted
    again, and a shown value lost its mark (the whole note had been replaced)."""
    generated = editor.text()
    with qtbot.waitSignal(editor.kept_changed):
        _action(editor, _at(editor, "[IP REDACTED]"), "Keep this one").trigger()
    _action(editor, _at(editor, "[PASSWORD REDACTED]"), "Show").trigger()
    editor.edit.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(editor.edit, " Checked.")
    edited, pushed = editor.text(), editor.push_text()
    assert "10.0.5.23" in pushed and "Winter2026" not in pushed and "Winter2026" in edited
    editor.reset()
    editor.edit.undo()
    with qtbot.waitSignal(editor.kept_changed) as reset:
        editor.edit.redo()  # Reset again: nothing kept
    assert editor.text() == generated and reset.args == [frozenset()]
    assert "rule “password-value”" in editor.tooltip_at(_at(editor, "[PASSWORD REDACTED]"))  # redo: the marks too
    with qtbot.waitSignal(editor.kept_changed) as undone:
        editor.edit.undo()
    assert editor.text() == edited and undone.args == [frozenset({"10.0.5.23"})]
    assert editor.push_text() == pushed  # kept as written again; the shown password hidden again
    assert "Kept as written in this note" in editor.tooltip_at(editor.text().index("10.0.5.23") + 1)


def test_keep_this_one_is_refused_for_secrets_with_a_reason(editor: NoteEditor) -> None:
    index = _at(editor, "[PASSWORD REDACTED]")
    keep = _action(editor, index, "Keep this one")
    assert not keep.isEnabled()
    assert keep.toolTip() == "Passwords are always redacted: FlowDesk never posts them."
    mark = editor.marks.at(index)
    assert mark is not None and editor.keep(mark) is False
    assert "[PASSWORD REDACTED]" in editor.text() and editor.kept_values() == frozenset()


def test_marks_follow_edits_around_them_and_forget_a_marker_edited_inside(editor: NoteEditor, qtbot: Any) -> None:
    editor.edit.moveCursor(QTextCursor.MoveOperation.Start)
    qtbot.keyClicks(editor.edit, "Update: ")
    assert "rule “ipv4-address”" in editor.tooltip_at(_at(editor, "[IP REDACTED]"))
    cursor = editor.edit.textCursor()
    cursor.setPosition(_at(editor, "[EMAIL REDACTED]"))
    editor.edit.setTextCursor(cursor)
    qtbot.keyClicks(editor.edit, "x")  # typed inside the marker: it is not a marker any more
    assert editor.marks.at(_at(editor, "[IP REDACTED]")) is not None
    assert all(m.category.value != "email" for m in editor.marks)


def test_keep_works_after_characters_qt_counts_twice(qtbot: Any) -> None:
    widget = NoteEditor()
    qtbot.addWidget(widget)
    result = redact("🙂🙂 printer 10.0.5.23 and 🙂 10.0.5.24")
    widget.set_note(result.text, result.counts, result)
    _action(widget, widget.text().rindex("[IP REDACTED]") + 2, "Keep this one").trigger()
    assert widget.text() == "🙂🙂 printer [IP REDACTED] and 🙂 10.0.5.24"


# --------------------------------------------------------------------------------------------------
# The session panel: visibility policy and kept values that survive the note being made again
# --------------------------------------------------------------------------------------------------

SESSION = {
    "id": "redaction-ui",
    "psa_ticket_id": 1,
    "status": "resolved",
    "problem_summary": "Scanner cannot reach \\\\fs01\\scans",
    "resolution_summary": "Re-mapped the share on 10.0.5.23; printer admin password=Hunter2!x",
}


@pytest.fixture
def controller(qtbot: Any) -> Iterator[Any]:
    from flowdesk.paths import AppPaths
    from flowdesk.services import Services
    from flowdesk.ui.controller import AppController

    services = Services.open(AppPaths.from_env())
    ctrl = AppController(services)
    yield ctrl
    ctrl.shutdown()
    services.close()


def _panel(controller: Any, qtbot: Any, redaction: dict) -> SessionPanel:
    controller.services.settings = Settings.model_validate({"redaction": redaction, "note_visibility": "internal"})
    widget = SessionPanel(controller)
    qtbot.addWidget(widget)
    widget.show_session(parse_session(SESSION))
    return widget


@pytest.fixture
def panel(controller: Any, qtbot: Any) -> tuple[SessionPanel, Any]:
    return _panel(controller, qtbot, {"internal": {"ip": False, "unc_path": False}, "customer": {}}), controller


def test_the_preview_follows_the_visibility_policy(panel: tuple[SessionPanel, Any]) -> None:
    widget, _ = panel
    text = widget.editor.text()
    assert "10.0.5.23" in text and "\\\\fs01\\scans" in text and "[PASSWORD REDACTED]" in text  # internal note
    widget.visibility.setCurrentIndex(widget.visibility.findData(Visibility.DISCUSSION.value))
    text = widget.editor.text()
    assert "10.0.5.23" not in text and "[IP REDACTED]" in text and "[UNC PATH REDACTED]" in text
    assert widget.preview is not None and widget.preview.visibility == "discussion"
    widget.visibility.setCurrentIndex(widget.visibility.findData(Visibility.INTERNAL.value))
    assert "10.0.5.23" in widget.editor.text()


def test_an_edited_note_keeps_its_text_and_says_what_the_push_will_redact(panel: tuple[SessionPanel, Any], qtbot: Any) -> None:
    widget, _ = panel
    widget.editor.edit.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(widget.editor.edit, " Checked.")
    widget.visibility.setCurrentIndex(widget.visibility.findData(Visibility.RESOLUTION.value))
    assert widget.editor.text().endswith(" Checked.") and "10.0.5.23" in widget.editor.text()
    with qtbot.waitSignal(widget.editor.rechecked):
        widget.editor.recheck_now()
    assert "1 IP address" in widget.editor.pending_label.text() and "1 UNC path" in widget.editor.pending_label.text()


def test_a_kept_value_survives_the_note_being_made_again(panel: tuple[SessionPanel, Any], qtbot: Any) -> None:
    widget, controller = panel
    widget.visibility.setCurrentIndex(widget.visibility.findData(Visibility.DISCUSSION.value))
    _action(widget.editor, _at(widget.editor, "[IP REDACTED]"), "Keep this one").trigger()
    assert controller.kept_values == {"redaction-ui": frozenset({"10.0.5.23"})}  # recorded by the controller
    assert not widget.editor.is_edited()  # the note as generated with the value kept
    widget.steps_box.toggle()  # the note is made again
    assert "10.0.5.23" in widget.editor.text() and "[UNC PATH REDACTED]" in widget.editor.text()
    assert "Kept as written" in widget.editor.tooltip_at(widget.editor.text().index("10.0.5.23") + 1)
    widget.show_session(parse_session(SESSION))  # away and back
    widget.visibility.setCurrentIndex(widget.visibility.findData(Visibility.DISCUSSION.value))
    assert "10.0.5.23" in widget.editor.text()


def test_the_allow_list_leaves_a_host_and_says_so(controller: Any, qtbot: Any) -> None:
    widget = _panel(controller, qtbot, {"allow": ["fs01"]})
    text = widget.editor.text()
    assert "\\\\fs01\\scans" in text and "[IP REDACTED]" in text
    assert "on your allow-list" in widget.editor.tooltip_at(text.index("fs01"))
    assert widget.editor.mark_actions(text.index("fs01")) == []


# --------------------------------------------------------------------------------------------------
# Settings → Redaction
# --------------------------------------------------------------------------------------------------


def test_settings_redaction_section(controller: Any, qtbot: Any) -> None:
    from flowdesk.core.settings import load_settings
    from flowdesk.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(controller)
    qtbot.addWidget(dialog)
    boxes = dialog.redaction_boxes
    password = boxes[("internal", "password")]
    assert password.isChecked() and not password.isEnabled() and "never posts passwords" in password.toolTip()
    assert all(box.isChecked() for box in boxes.values())
    boxes[("internal", "ip")].setChecked(False)
    boxes[("internal", "unc_path")].setChecked(False)
    dialog.allow_edit.setPlainText("fs01\n10.0.0.0/33\n")
    dialog.save()
    assert "Not saved: Allow-list: '10.0.0.0/33' is not an IP address or range" in dialog.save_status.text()
    assert dialog.tabs.currentWidget() is dialog.redaction_page
    assert controller.settings.redaction.internal["ip"] is True  # nothing was applied
    dialog.allow_edit.setPlainText("fs01\n10.20.0.0/16\n")
    with qtbot.waitSignal(controller.settings_changed):
        dialog.save()
    saved = load_settings(controller.services.paths.settings_file).settings
    assert saved.redaction.internal["ip"] is False and saved.redaction.customer["ip"] is True
    assert saved.redaction.allow == ["fs01", "10.20.0.0/16"]
    assert saved.redaction_categories("internal") == ("private_key", "connection_string", "access_key", "password", "token", "email")


def test_context_menu_lists_the_mark_actions_first(editor: NoteEditor, qtbot: Any) -> None:
    editor.resize(900, 300)
    editor.show()
    qtbot.waitExposed(editor)
    cursor = editor.edit.textCursor()
    cursor.setPosition(_at(editor, "[IP REDACTED]"))
    menu = editor.context_menu(editor.edit.cursorRect(cursor).center())
    assert [a.text() for a in menu.actions()[:3]] == ["Show the hidden IP address", "Keep this one (not a secret)", ""]
    assert menu.toolTipsVisible() and editor.edit.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    menu.deleteLater()
    plain = editor.context_menu(editor.edit.cursorRect(QTextCursor(editor.edit.document())).center() + QPoint(1, 0))
    assert not plain.actions()[0].text().startswith(("Show", "Keep"))
    plain.deleteLater()


# --------------------------------------------------------------------------------------------------
# The whole window: what is pushed
# --------------------------------------------------------------------------------------------------


def test_a_shown_value_is_pushed_hidden_and_a_kept_one_as_written(make_app: Any, qtbot: Any, sandbox_admin: Any) -> None:  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, 48397)  # the print spooler sample: an IP address and a UNC path
    editor = fd.window.panel.editor
    ip = editor.text().index("[IP REDACTED]") + 2
    _action(editor, ip, "Keep this one").trigger()
    unc = editor.text().index("[UNC PATH REDACTED]") + 2
    _action(editor, unc, "Show the hidden UNC path").trigger()
    assert "192.168.40.25" in editor.text() and "\\\\HP-PRN01\\Scans" in editor.text()
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=lambda j: j.kind == "note" and j.state == "sent", timeout=15000):
        qtbot.mouseClick(fd.window.panel.push_button, Qt.MouseButton.LeftButton)
    posted = sandbox_admin.ledger()["notes"][0]["text"]
    assert "192.168.40.25" in posted  # kept: not a secret, the engineer said
    assert "HP-PRN01" not in posted and "[UNC PATH REDACTED]" in posted  # shown to the engineer only
    # after the push the editor shows the marker again and no longer knows what it hid
    assert "HP-PRN01" not in editor.text()
    assert editor.mark_actions(editor.text().index("[UNC PATH REDACTED]") + 2) == []
