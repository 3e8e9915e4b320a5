# ruff: noqa: F811 - make_app is the window tests' fixture, imported
"""Settings › General › *Start when I sign in*: it shows what the OS has (the entry, not a copy in
settings.json), Save adds or removes the entry, a failure says so and saves nothing, and the demo or a
FLOWDESK_HOME copy does not offer it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowdesk.autostart import LinuxAutostart, launch_command
from tests.ui.test_window import _start, make_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _dialog(fd: Any, qtbot: Any) -> Any:
    from flowdesk.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(fd.controller, fd.window)
    qtbot.addWidget(dialog)
    return dialog


def test_the_tests_flowdesk_home_means_no_entry_is_offered(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    assert fd.controller.autostart is None  # FLOWDESK_HOME is set for every test: the real entry is never touched
    box = _dialog(fd, qtbot).sign_in_start
    assert not box.isEnabled() and not box.isChecked() and "FLOWDESK_HOME" in box.toolTip()


def test_save_adds_and_removes_the_sign_in_entry(make_app, qtbot, tmp_path: Path):
    fd = make_app()
    _start(fd, qtbot)
    entry = fd.controller.autostart = LinuxAutostart(tmp_path)
    dialog = _dialog(fd, qtbot)
    assert dialog.sign_in_start.isEnabled() and not dialog.sign_in_start.isChecked()
    dialog.sign_in_start.setChecked(True)
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    assert entry.registered() == entry.spelled(launch_command())
    again = _dialog(fd, qtbot)
    assert again.sign_in_start.isChecked()  # read from the entry
    again.sign_in_start.setChecked(False)
    with qtbot.waitSignal(again.saved):
        again.save()
    assert not entry.enabled()


def test_an_entry_that_cannot_be_written_keeps_the_dialog_open_and_says_why(make_app, qtbot, tmp_path: Path):
    fd = make_app()
    _start(fd, qtbot)
    (tmp_path / "autostart").write_text("a file where the folder should be", encoding="utf-8")
    fd.controller.autostart = LinuxAutostart(tmp_path)
    dialog = _dialog(fd, qtbot)
    dialog.show()
    dialog.sign_in_start.setChecked(True)
    dialog.save()
    assert dialog.isVisible() and dialog.tabs.currentIndex() == 4
    assert dialog.save_status.text().startswith(
        "Not saved: Could not add FlowDesk to the programs your desktop starts when you sign in: "
    )


@pytest.mark.parametrize(("tray_available", "shown"), [(True, False), (False, True)])
def test_tray_start_keeps_the_window_closed_only_with_a_tray(monkeypatch, tray_available: bool, shown: bool):
    """``flowdesk --tray`` (the sign-in entry's command) starts in the tray; with no tray to start in (a Linux
    desktop without one) the window opens all the same, or FlowDesk would run with nothing on screen."""
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from flowdesk.cli import Context
    from flowdesk.ui import app as ui_app

    starts: list[bool] = []
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: tray_available))
    monkeypatch.setattr(ui_app.FlowDeskApp, "start", lambda self, *, show=True: starts.append(show))
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    assert ui_app.run(Context(verbose=False), tray=True) == 0
    assert starts == [shown]


def test_new_keys_refused_leave_the_sign_in_entry_as_it_was(make_app, qtbot, tmp_path: Path):
    """"Not saved" (new ConnectWise keys refused) left FlowDesk added to what the OS starts at sign-in, though
    nothing else was saved. The entry is put back as it was."""
    fd = make_app()
    _start(fd, qtbot)
    entry = fd.controller.autostart = LinuxAutostart(tmp_path)
    dialog = _dialog(fd, qtbot)
    dialog.sign_in_start.setChecked(True)
    dialog.cw_public.setText("WRONGPUBLIC12345")
    dialog.cw_private.setText("WRONGPRIVATE1234")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.save_status.text().startswith("Not saved: "), timeout=15000)
    assert not entry.enabled()
    dialog.cw_public.clear()  # the saved keys again: saved, and added
    dialog.cw_private.clear()
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    assert entry.enabled()
