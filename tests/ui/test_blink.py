"""The text cursor stops blinking after a while without input (idle means no wake-ups), and blinks
again on the next input."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from flowdesk.ui.blink import CursorBlinkTimeout


def test_blinking_stops_after_the_timeout_and_input_brings_it_back(qtbot):
    app = QApplication.instance()
    platform = app.cursorFlashTime()
    assert platform > 0  # the offscreen platform blinks: otherwise this test shows nothing
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    qtbot.waitExposed(edit)
    edit.activateWindow()
    edit.setFocus()
    blink = CursorBlinkTimeout(app, edit, timeout_ms=20)
    try:
        assert blink.blinking and blink.timer.isActive()
        with qtbot.waitSignal(blink.timer.timeout):
            pass
        assert app.cursorFlashTime() == 0 and not blink.blinking
        qtbot.keyClick(edit, Qt.Key.Key_A)  # input: blinking again, and the timeout armed again
        assert app.cursorFlashTime() == platform and blink.timer.isActive()
        assert edit.text() == "a"
    finally:
        blink.stop()
    assert app.cursorFlashTime() == platform and not blink.timer.isActive()


def test_a_later_instance_keeps_the_platform_value(qtbot):
    app = QApplication.instance()
    platform = app.cursorFlashTime()
    first = CursorBlinkTimeout(app, timeout_ms=10)
    with qtbot.waitSignal(first.timer.timeout):
        pass
    assert app.cursorFlashTime() == 0
    second = CursorBlinkTimeout(app, timeout_ms=10_000)  # built while the cursor does not blink
    assert app.cursorFlashTime() == platform  # it woke it with the platform's value, not 0
    first.stop()
    second.stop()
    assert app.cursorFlashTime() == platform
