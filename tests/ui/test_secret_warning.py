# ruff: noqa: F811 - make_app is the window tests' fixture, imported
"""The editor's secret warning ("Your edits contain 1 password…") redacts the note on its own worker, never on
the GUI thread, and shows an answer only when it is of the note as it is: an answer for a text changed
since, or for another note, is dropped. Pushing never waits for it. No sleeps: the tests wait on the
editor's ``rechecked`` signal, and hold a redaction on its worker with an event until they release it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QThread
from PySide6.QtGui import QTextCursor

import flowdesk.redact
from flowdesk.redact import RedactionError, redact
from flowdesk.ui.editor import NoteEditor
from tests.ui.test_window import _select, _start, make_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qapp")
NOTE = "Printer at 10.0.5.23, mail jsmith@contoso.com.\nDone."
SECRET = "\nadmin password: Hunter2Secret!"
HOLD = "Hunter2Secret!"  # a text holding this is held on the worker until the test releases it


def _on_gui_thread() -> bool:
    app = QCoreApplication.instance()
    return app is not None and QThread.currentThread() is app.thread()


class Redactions:
    """Stands in for ``flowdesk.redact.redact``: records on which thread each text was redacted, and holds
    a redaction of a text holding ``HOLD`` off the GUI thread until ``release`` is set (never on the GUI
    thread: a recheck made there is recorded, not frozen)."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.on_gui: list[str] = []  # the texts redacted on the GUI thread
        self.held = threading.Event()
        self.release = threading.Event()

    def __call__(self, text: str, *args: Any, **kwargs: Any) -> Any:
        if _on_gui_thread():
            self.on_gui.append(text)
        elif HOLD in text:
            self.held.set()
            self.release.wait(10)
        return self.real(text, *args, **kwargs)


@pytest.fixture
def redactions(monkeypatch: pytest.MonkeyPatch) -> Iterator[Redactions]:
    fake = Redactions(flowdesk.redact.redact)
    monkeypatch.setattr(flowdesk.redact, "redact", fake, raising=False)  # the package makes it on first use
    yield fake
    fake.release.set()  # nothing stays held past the test


@pytest.fixture
def editor(qtbot: Any, redactions: Redactions) -> NoteEditor:
    widget = NoteEditor()
    qtbot.addWidget(widget)
    result = redact(NOTE)
    with qtbot.waitSignal(widget.rechecked):  # the note's own recheck: nothing in it to warn about
        widget.set_note(result.text, result.counts, result)
    assert widget.pending_label.isHidden()
    return widget


def _append(editor: NoteEditor, text: str) -> None:
    editor.edit.moveCursor(QTextCursor.MoveOperation.End)
    editor.edit.insertPlainText(text)


def _hold_a_recheck_of_a_secret(editor: NoteEditor, qtbot: Any, redactions: Redactions) -> None:
    _append(editor, SECRET)
    editor.recheck_now()
    qtbot.waitUntil(redactions.held.is_set)  # its redaction is running, on the worker


def test_typing_a_secret_shows_the_warning_redacted_off_the_gui_thread(editor: NoteEditor, qtbot: Any, redactions: Redactions) -> None:
    editor.edit.setFocus()
    editor.edit.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClick(editor.edit, Qt.Key.Key_Return)
    qtbot.keyClicks(editor.edit, "admin pwd: Winter2026!")
    qtbot.waitUntil(lambda: not editor.pending_label.isHidden())  # after the pause in typing (the recheck timer)
    assert editor.pending_label.text() == "Your edits contain 1 password: they will be redacted when you push."
    assert redactions.on_gui == []  # the GUI thread never redacted the note


def test_an_answer_for_a_text_changed_since_is_dropped(editor: NoteEditor, qtbot: Any, redactions: Redactions) -> None:
    _hold_a_recheck_of_a_secret(editor, qtbot, redactions)
    editor.edit.undo()  # the secret is gone again before its redaction answers
    assert HOLD not in editor.text()
    editor.recheck_now()  # runs once the held one answers
    with qtbot.waitSignal(editor.rechecked):  # the first answer shown is the newer one's
        redactions.release.set()
    assert editor.pending_label.isHidden()
    assert editor._last_redaction is not None and HOLD not in editor._last_redaction[0][0]
    assert redactions.on_gui == []


def test_an_answer_for_the_note_shown_before_is_dropped(editor: NoteEditor, qtbot: Any, redactions: Redactions) -> None:
    _hold_a_recheck_of_a_secret(editor, qtbot, redactions)
    other = redact("Another session: replaced the toner.")
    editor.set_note(other.text, other.counts, other)  # the engineer opened another session meanwhile
    assert editor.pending_label.isHidden()  # its first paint shows no warning of the note before
    with qtbot.waitSignal(editor.rechecked):
        redactions.release.set()
    assert editor.pending_label.isHidden()
    assert editor._last_redaction is not None and editor._last_redaction[0][0] == other.text
    assert redactions.on_gui == []


def test_an_answer_after_the_note_was_cleared_is_not_kept(editor: NoteEditor, qtbot: Any, redactions: Redactions) -> None:
    """No session shown: the held answer (the secret typed, what the markers hid) is neither shown nor kept."""
    _hold_a_recheck_of_a_secret(editor, qtbot, redactions)
    editor.clear()
    redactions.release.set()
    qtbot.waitUntil(lambda: editor.tasks.active == 0)  # answered
    assert editor._last_redaction is None and editor.pending_label.isHidden()
    assert redactions.on_gui == []


def test_a_redaction_that_fails_says_the_note_cannot_be_pushed(editor: NoteEditor, qtbot: Any, redactions: Redactions) -> None:
    real = redactions.real

    def fails(text: str, *args: Any, **kwargs: Any) -> Any:
        if HOLD in text:
            raise RedactionError("redaction failed (ValueError); the text was not redacted")
        return real(text, *args, **kwargs)

    redactions.real = fails
    redactions.release.set()  # not held: it fails at once
    _append(editor, SECRET)
    with qtbot.waitSignal(editor.rechecked):
        editor.recheck_now()
    assert editor.pending_label.text().startswith("Redaction failed on this text: it cannot be pushed") and not editor.pending_label.isHidden()
    assert redactions.on_gui == []


def test_a_push_does_not_wait_for_the_warning(make_app, qtbot, redactions, sandbox_admin):
    """Pushed while the warning's redaction is still running: the push redacts the note itself."""
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, 48211)
    panel = fd.window.panel
    _hold_a_recheck_of_a_secret(panel.editor, qtbot, redactions)
    assert panel.editor.pending_label.isHidden()  # no answer yet
    sent = lambda j: j.kind == "note" and j.state == "sent"  # noqa: E731
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=sent, timeout=15000):
        qtbot.mouseClick(panel.push_button, Qt.MouseButton.LeftButton)
    assert not redactions.release.is_set()  # queued and sent with the warning's redaction still held
    text = sandbox_admin.ledger()["notes"][0]["text"]
    assert "admin password: [PASSWORD REDACTED]" in text and HOLD not in text


def test_the_warning_does_not_wait_behind_slow_look_ups(make_app, qtbot, redactions):
    """Every thread of the app's task pool is busy (ticket look-ups through a proxy that trickles): the
    warning about a secret just typed still comes, from the editor's own worker."""
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, 48211)
    editor = fd.window.panel.editor
    gate = threading.Event()
    busy = threading.Semaphore(0)

    def slow_look_up() -> None:
        busy.release()
        gate.wait(10)

    try:
        for _ in range(fd.controller.tasks._pool.maxThreadCount()):
            fd.controller.tasks.submit(slow_look_up, name="slow look-up")
        for _ in range(fd.controller.tasks._pool.maxThreadCount()):
            qtbot.waitUntil(lambda: busy.acquire(blocking=False))  # each thread of the pool has one
        redactions.release.set()  # the redaction itself is not held
        redactions.on_gui.clear()  # the note's preview, made when the session was selected
        _append(editor, SECRET)
        with qtbot.waitSignal(editor.rechecked, timeout=5000):
            editor.recheck_now()
        assert editor.pending_label.text() == "Your edits contain 1 password: they will be redacted when you push."
    finally:
        gate.set()
    assert redactions.on_gui == []

def test_the_line_above_the_warning_does_not_say_there_is_nothing_to_redact(qtbot: Any, redactions: Redactions) -> None:
    """Seen pushing a note with a temporary password typed in: "Nothing to redact in this note." stood right
    above "Your edits contain 1 password: they will be redacted when you push." Until the warning goes, the
    line above says nothing; it comes back once the secret is taken out."""
    redactions.release.set()  # nothing is held here
    widget = NoteEditor()
    qtbot.addWidget(widget)
    plain = redact("Unlocked the account in ADUC.")
    with qtbot.waitSignal(widget.rechecked):
        widget.set_note(plain.text, plain.counts, plain)
    assert widget.redaction_label.text() == "Nothing to redact in this note."
    _append(widget, SECRET)
    with qtbot.waitSignal(widget.rechecked, timeout=5000):
        widget.recheck_now()
    assert widget.pending_label.text() == "Your edits contain 1 password: they will be redacted when you push."
    assert widget.redaction_label.text() == ""
    widget.edit.undo()
    with qtbot.waitSignal(widget.rechecked, timeout=5000):
        widget.recheck_now()
    assert widget.pending_label.isHidden() and widget.redaction_label.text() == "Nothing to redact in this note."
