"""The dialogs with the keyboard alone: every control a screen reader lands on has a name, the focus starts
where you can see it and type, and Escape / Enter do what a person expects."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLabel, QTabWidget, QWidget

from tests.ui.test_first_run import _opened, fresh_app  # noqa: F401 - a fixture
from tests.ui.test_keyboard import _ready
from tests.ui.test_window import make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _unnamed(root: QWidget) -> list[str]:
    """Widgets Tab reaches (or a drop-down's list) that a screen reader would announce with no name: no
    accessible name, no text of their own (a button's, a check box's), no label naming them (a buddy)."""
    buddies = {id(lbl.buddy()) for lbl in root.findChildren(QLabel) if lbl.buddy() is not None}
    out = []
    lists = [c.view() for c in root.findChildren(QComboBox)]
    for x in [root, *root.findChildren(QWidget), *lists]:
        if not x.focusPolicy() & Qt.FocusPolicy.TabFocus and x not in lists:
            continue
        text = x.text().replace("&", "").strip() if isinstance(x, QAbstractButton) else ""
        if not (x.accessibleName() or text or id(x) in buddies):
            out.append(f"{type(x).__name__} {x.objectName()!r} in {type(x.parent()).__name__} {x.parent().objectName()!r}")
    return out


def _assert_named(root: QWidget) -> None:
    unnamed = _unnamed(root)
    assert unnamed == [], "\n".join(unnamed)


def _settings(fd, qtbot):
    fd.open_settings()
    dialog = fd.settings_dialog
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def test_every_focusable_control_in_settings_has_a_name_on_every_tab(make_app, qtbot):  # noqa: F811
    fd = _ready(make_app, qtbot)
    dialog = _settings(fd, qtbot)
    tabs = dialog.findChild(QTabWidget)
    for i in range(tabs.count()):  # each tab's widgets as they are when shown (some appear with a choice)
        tabs.setCurrentIndex(i)
        _assert_named(dialog)
    dialog.reject()


def test_settings_opens_with_the_focus_in_its_first_field(make_app, qtbot):  # noqa: F811
    """It opened with the focus on the tab bar, which Fusion marks only after a key is pressed: nothing on
    screen said where typing would go."""
    fd = _ready(make_app, qtbot)
    dialog = _settings(fd, qtbot)
    assert QApplication.focusWidget() is dialog.cw_site
    qtbot.keyClick(dialog.cw_site, Qt.Key.Key_Escape)  # Escape closes it, nothing saved
    assert not dialog.isVisible() and dialog.result() == 0


def test_every_focusable_control_in_the_first_run_setup_has_a_name(fresh_app, qtbot):  # noqa: F811
    dialog = _opened(fresh_app, qtbot)
    _assert_named(dialog)


def test_every_focusable_control_in_the_main_window_has_a_name_on_both_tabs(make_app, qtbot):  # noqa: F811
    from tests.ui.test_window import TICKET, _select

    fd = _ready(make_app, qtbot)
    w = fd.window
    _select(fd, qtbot, TICKET)
    w.panel.time_entry.setChecked(True)  # the time entry's hours and lists shown
    _assert_named(w)
    w.tabs.setCurrentIndex(1)
    _assert_named(w.queue_view)


@pytest.mark.parametrize(("no", "cancel", "expected"), [("Keep it", False, False), (None, False, False), ("Regenerate", True, None)])
def test_enter_in_a_question_gives_the_safe_answer(qtbot, no, cancel, expected):
    """Enter pressed 'Quit anyway' (the demo's waiting pushes lost), 'Cancel push', 'Push again', 'Push to
    this ticket' (another company's), 'Discard edits': whatever a question guards, by surprise."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from flowdesk.ui.questions import ask

    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[str] = []

    def press_enter() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.defaultButton().text())
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(0, press_enter)
    assert ask(parent, "Pushes still waiting", "Quit anyway?", "Quit anyway", no, cancel=cancel) is expected
    assert seen and seen[0] != "Quit anyway"


def test_the_redaction_page_keeps_the_capitals_of_ip_and_unc(make_app, qtbot):  # noqa: F811
    """It read 'Unc paths' and 'Ip addresses' (str.capitalize lowers the rest)."""
    fd = _ready(make_app, qtbot)
    dialog = _settings(fd, qtbot)
    texts = {lbl.text() for lbl in dialog.redaction_page.findChildren(QLabel)}
    assert {"UNC paths", "IP addresses", "E-mail addresses"} <= texts
    assert not {"Unc paths", "Ip addresses"} & texts
    dialog.reject()


def test_settings_shorter_than_its_pages_scrolls_them_and_keeps_save_in_view(make_app, qtbot):  # noqa: F811
    """At QT_SCALE_FACTOR=2 on a 900 px screen (450 tall) Settings opened 520 tall: Save and Cancel were below
    the screen's edge. Now its pages scroll and it is never taller than the screen."""
    from PySide6.QtWidgets import QDialogButtonBox, QScrollArea

    fd = _ready(make_app, qtbot)
    dialog = _settings(fd, qtbot)
    avail = dialog.screen().availableGeometry()
    assert dialog.frameGeometry().height() <= avail.height()
    dialog.resize(dialog.width(), 300)
    qtbot.waitUntil(lambda: dialog.height() == 300)
    dialog.tabs.setCurrentWidget(dialog.redaction_page)  # the tallest page
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert dialog.rect().contains(QRect(save.mapTo(dialog, QPoint(0, 0)), save.size()))  # Save in view
    area = next(a for a in dialog.findChildren(QScrollArea) if a.widget() is dialog.tabs)
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0)
    dialog.reject()


def test_the_shortcuts_and_changes_dialogs_are_never_taller_than_the_screen(qtbot):
    """At QT_SCALE_FACTOR=2 on a 900 px screen (450 tall) F1's list and Changes… opened 460 and 480 tall,
    their Close below the screen's edge."""
    from flowdesk.ui.diff_dialog import DiffDialog
    from flowdesk.ui.shortcuts import ShortcutsDialog

    for dialog in (ShortcutsDialog([("F1", "Keyboard shortcuts")]), DiffDialog("+ one line")):
        qtbot.addWidget(dialog)
        dialog.resize(4000, 4000)  # as a screen four times too small would make it
        dialog.show()
        qtbot.waitExposed(dialog)
        avail = dialog.screen().availableGeometry()
        assert dialog.frameGeometry().height() <= avail.height() and dialog.frameGeometry().width() <= avail.width()
        dialog.close()


def test_enter_in_the_password_signs_in_and_keeps_settings_open(make_app, qtbot, sandbox):  # noqa: F811
    """Enter in ResolutionFlow's password pressed Save: the dialog closed, the password was dropped and nobody
    was signed in (in the setup, Next went on to 'Your sessions' the same way)."""
    fd = _ready(make_app, qtbot)
    dialog = _settings(fd, qtbot)
    rf = sandbox.info.resolutionflow
    dialog.tabs.setCurrentIndex(1)
    dialog.rf_url.setText(rf.url)
    dialog.rf_email.setText(rf.email)
    qtbot.keyClicks(dialog.rf_password, rf.password)
    with qtbot.waitSignal(dialog.signed_in, timeout=15000):
        qtbot.keyClick(dialog.rf_password, Qt.Key.Key_Return)
    assert dialog.isVisible()
    dialog.reject()
