"""Child process of the note editor benchmark (``python -m bench.gui_editor``, parameters on stdin).

``mode: "app"``: FlowDesk's ``NoteEditor`` holding the bench's 100-step note as the preview shows it
(redacted, its redaction marks loaded, the highlighter on). ``mode: "floor"``: a bare ``QPlainTextEdit``
of the same size holding the same text. In both, a long log is pasted at the end (``insertPlainText``,
what a paste does) and letters are then typed after it with real key events (``QTest``); each is timed from
just before it to the end of the repaint it caused. The app also reports the work that follows a pause
in typing, the secret warning (``recheck_now``: a redaction of the whole note, on the task pool): the time
to its answer being shown, and the longest the GUI thread was busy meanwhile (the gaps of a 1 ms
heartbeat timer on it).
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import child_main, median, percentile
from bench.data import long_session
from bench.qt_helpers import Heartbeat, PaintClock, spin, timed_interaction, wait_for


def main(p: dict[str, Any]) -> dict[str, Any]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QPlainTextEdit

    from flowdesk.core.models import parse_session
    from flowdesk.core.render import render_note
    from flowdesk.core.settings import Settings
    from flowdesk.redact import redact

    app = QApplication.instance() or QApplication(["bench"])
    note = render_note(parse_session(long_session(p["steps"])))
    categories = Settings().enabled_redactions
    result = redact(note, categories)
    paste = "\n".join(note.splitlines()[: p["paste_lines"]] * p["paste_copies"])  # a long log, as pasted

    editor: Any = None
    if p["mode"] == "app":
        from flowdesk.ui.editor import NoteEditor

        editor = NoteEditor()
        editor.set_policy(categories, None)
        editor.set_note(result.text, result.counts, result)
        edit = editor.edit
        top: Any = editor
    else:
        edit = top = QPlainTextEdit()
        edit.setPlainText(result.text)
    top.resize(700, 900)
    top.show()
    spin(200)
    app.processEvents()
    clock = PaintClock([edit.viewport()])
    edit.setFocus()
    edit.moveCursor(edit.textCursor().MoveOperation.End)
    paste_ms = timed_interaction(clock, lambda: edit.insertPlainText(paste), p["settle_ms"])
    for _ in range(3):  # the first keys after the paste finish its layout: not what typing costs
        QTest.keyClick(edit, Qt.Key.Key_A)
        spin(p["settle_ms"])
    keys_ms = []
    for _ in range(p["keys"]):  # letters typed on one line (a new line makes Qt lay out the rest of the note)
        keys_ms.append(timed_interaction(clock, lambda: QTest.keyClick(edit, Qt.Key.Key_A), p["settle_ms"]))
    recheck_ms = recheck_stall_ms = None
    if editor is not None:
        recheck_ms, recheck_stall_ms = _recheck(editor)
    return {
        "chars": len(edit.toPlainText()),
        "pasted_chars": len(paste),
        "paste_ms": paste_ms,
        "keys_ms": keys_ms,
        "key_p95_ms": percentile(keys_ms, 95),
        "key_median_ms": median(keys_ms),
        "recheck_ms": recheck_ms,
        "recheck_stall_ms": recheck_stall_ms,
    }


def _recheck(editor: Any) -> tuple[float, float]:
    """The secret warning after a pause in typing: milliseconds to its answer shown (``rechecked``), and the
    GUI thread's longest stall meanwhile (a heartbeat's longest gap, from just before the recheck starts)."""
    answered: list[float] = []
    editor.rechecked.connect(lambda: answered.append(time.perf_counter()))
    heartbeat = Heartbeat(interval_ms=1)
    heartbeat.start()
    spin(20)
    t = time.perf_counter()
    editor.recheck_now()
    if not wait_for(editor.rechecked, lambda: bool(answered), 10_000):
        raise RuntimeError("the secret warning did not answer within 10 s")
    spin(5)  # the tick that ends the last gap
    heartbeat.stop()
    gaps = heartbeat.gaps_ms(since=t - 0.002)  # the tick just before the recheck starts opens the first gap
    return (answered[0] - t) * 1000, max(gaps)


if __name__ == "__main__":
    child_main(main)
