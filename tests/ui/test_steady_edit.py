# ruff: noqa: F811 - make_app is the window tests' fixture, imported
"""The note editor keeps the engineer's place when a line above it takes its height.

Seen after a push: "Posted to #48517 (note 1200001) at 19:38, 0.25 h logged" appeared above the note, the
editor lost that line's height, and the line just added at the note's end (where the cursor was) slid out of
view."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from flowdesk.ui.editor import NoteEditor
from tests.ui.test_safe_push import _add_line
from tests.ui.test_window import _select, _start, make_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qapp")
NOTE = "\n".join(f"Line {i} of the note" for i in range(1, 61))


def _pane(qtbot: Any) -> tuple[QWidget, QLabel, NoteEditor]:
    """A note under a line that is hidden until shown, as the note pane's "Posted to …"."""
    pane = QWidget()
    qtbot.addWidget(pane)
    above = QLabel("Posted to #48517 (note 1200001) at 19:38, 0.25 h logged\nand a second line", pane)
    above.hide()
    editor = NoteEditor(pane)
    layout = QVBoxLayout(pane)
    layout.addWidget(above)
    layout.addWidget(editor, 1)
    pane.resize(500, 300)
    pane.show()
    qtbot.waitExposed(pane)
    editor.set_note(NOTE, {})
    return pane, above, editor


def _shown_lines(editor: NoteEditor) -> tuple[int, int]:
    """The first and last lines (block numbers) whose text is wholly in view (the last block's geometry also
    holds the document's bottom margin, which may be cut: under Windows' fonts it is, with the text in view)."""
    edit = editor.edit
    height = edit.viewport().height()
    first = edit.cursorForPosition(edit.viewport().rect().topLeft()).blockNumber()
    last = edit.cursorForPosition(edit.viewport().rect().bottomLeft()).blockNumber()
    block = edit.document().findBlockByNumber(last)
    top = edit.blockBoundingGeometry(block).translated(edit.contentOffset()).top()
    bottom = top + block.layout().boundingRect().height()
    return first, last if bottom <= height else last - 1


def _show_above(qtbot: Any, above: QLabel, editor: NoteEditor) -> None:
    before = editor.edit.height()
    above.show()
    qtbot.waitUntil(lambda: editor.edit.height() < before)


def test_the_note_end_stays_in_view_when_a_line_appears_above_it(qtbot):
    _pane_, above, editor = _pane(qtbot)
    edit = editor.edit
    edit.moveCursor(edit.textCursor().MoveOperation.End)  # the engineer added a line at the end
    edit.ensureCursorVisible()
    assert _shown_lines(editor)[1] == 59
    _show_above(qtbot, above, editor)
    assert _shown_lines(editor)[1] == 59  # the last line, where the cursor is, is still in view


def test_a_note_read_to_its_end_stays_at_its_end(qtbot):
    """Scrolled to the end with the wheel, the cursor left at the top: the end stays."""
    _pane_, above, editor = _pane(qtbot)
    bar = editor.edit.verticalScrollBar()
    bar.setValue(bar.maximum())
    _show_above(qtbot, above, editor)
    assert _shown_lines(editor)[1] == 59 and bar.value() == bar.maximum()


def test_the_cursor_in_view_stays_in_view(qtbot):
    _pane_, above, editor = _pane(qtbot)
    edit = editor.edit
    bar = edit.verticalScrollBar()
    bar.setValue(20)
    first, last = _shown_lines(editor)
    cursor = edit.textCursor()
    cursor.setPosition(edit.document().findBlockByNumber(last).position())  # on the last line in view
    edit.setTextCursor(cursor)
    _show_above(qtbot, above, editor)
    first_after, last_after = _shown_lines(editor)
    assert first_after > first and last_after == last  # the view moved down just enough


def test_a_note_read_from_its_top_keeps_its_top(qtbot):
    _pane_, above, editor = _pane(qtbot)
    _show_above(qtbot, above, editor)
    assert _shown_lines(editor)[0] == 0 and editor.edit.verticalScrollBar().value() == 0


def test_after_a_push_the_line_added_at_the_end_is_still_in_view(make_app, qtbot):
    """The whole path: a line with a password added at the note's end, then Push. The note is shown again as
    queued (the marker in place of the password) and "Queued for #48211" appears above it: the cursor and the
    last line stay in view."""
    fd = make_app()
    _start(fd, qtbot)
    fd.window.resize(1300, 700)
    panel = fd.window.panel
    _select(fd, qtbot, 48211)
    fd.controller.set_paused(True)
    _add_line(qtbot, panel, "Temp password: Password=Hx7#kP2v!qz9 for her.")
    edit = panel.editor.edit
    last = edit.document().blockCount() - 1
    qtbot.waitUntil(lambda: _shown_lines(panel.editor)[1] == last)
    assert edit.verticalScrollBar().value() > 0  # the note is longer than the editor
    height = edit.height()
    fd.window.push_current()
    assert "[PASSWORD REDACTED]" in panel.editor.text() and panel.post_state.isVisibleTo(panel)
    qtbot.waitUntil(lambda: edit.height() < height)
    assert _shown_lines(panel.editor)[1] == last
    assert edit.textCursor().blockNumber() == last
