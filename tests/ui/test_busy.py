"""A control disabled while its work runs gets the keyboard focus back (found in the first-run setup: after
Test connection the focus sat on "Skip for now", where the next Enter or Space skipped the setup)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget

from flowdesk.ui.busy import disable_keeping_focus

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture
def form(qtbot):
    w = QWidget()
    field, test, skip = QLineEdit(w), QPushButton("Test connection", w), QPushButton("Skip for now", w)
    box = QVBoxLayout(w)
    for x in (field, test, skip):
        box.addWidget(x)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitActive(w)
    yield field, test, skip
    w.close()  # held here: qtbot keeps only a weak reference


def test_the_focus_comes_back_to_the_control_when_its_work_is_done(form, qtbot):
    field, test, skip = form
    test.setFocus()
    qtbot.waitUntil(test.hasFocus)
    enable = disable_keeping_focus(test)
    assert not test.isEnabled() and QApplication.focusWidget() is skip  # where Qt moves it: a trap
    enable()
    assert test.isEnabled() and test.hasFocus()


def test_focus_the_engineer_moved_meanwhile_stays_where_they_put_it(form, qtbot):
    field, test, skip = form
    test.setFocus()
    qtbot.waitUntil(test.hasFocus)
    enable = disable_keeping_focus(test)
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    enable()
    assert test.isEnabled() and field.hasFocus()


def test_a_control_without_the_focus_takes_none(form, qtbot):
    field, test, skip = form
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    enable = disable_keeping_focus(test)
    enable()
    assert field.hasFocus()
