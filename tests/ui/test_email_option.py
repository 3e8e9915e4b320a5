"""The push option "E-mail about notes": off by default, each choice remembered, and the notes the window
queues carry it (processNotifications only for the recipients chosen, never for an Internal note)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from flowdesk.core import present
from flowdesk.core.settings import load_settings

from .test_proxy_settings import start_app
from .test_window import TICKET, _select, _start, make_app  # noqa: F401 - make_app is a fixture


@pytest.fixture
def app(sandbox, qtbot, memory_keyring) -> Iterator[Any]:
    yield from start_app(sandbox, qtbot)


def test_the_email_choices_start_off_and_are_remembered(app, qtbot):
    from flowdesk.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(app.controller, app.window)
    qtbot.addWidget(dialog)
    assert [box.isChecked() for box in dialog.email_boxes.values()] == [False, False, False]
    assert [box.text() for box in dialog.email_boxes.values()] == list(present.EMAIL_WHO.values())
    dialog.email_boxes["contact"].setChecked(True)
    dialog.email_boxes["cc"].setChecked(True)
    dialog.save()
    s = app.services.settings
    assert (s.email_contact, s.email_resources, s.email_cc) == (True, False, True)
    on_disk = load_settings(app.services.paths.settings_file).settings
    assert (on_disk.email_contact, on_disk.email_resources, on_disk.email_cc) == (True, False, True)
    again = SettingsDialog(app.controller, app.window)
    qtbot.addWidget(again)
    assert [box.isChecked() for box in again.email_boxes.values()] == [True, False, True]



def test_the_note_pane_says_whom_connectwise_e_mails_for_a_discussion_or_resolution_note(make_app, qtbot):  # noqa: F811
    """Settings → E-mail about notes on, Visible as Resolution: the window said nothing of the ticket's contact
    being e-mailed (only the command line did)."""
    from flowdesk.core.setting_choices import Visibility
    from flowdesk.ui.settings_dialog import SettingsDialog

    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, TICKET)
    panel = fd.window.panel
    panel.visibility.setCurrentIndex(panel.visibility.findData(Visibility.RESOLUTION.value))
    assert panel.emailed.isHidden()  # nobody is e-mailed by default
    dialog = SettingsDialog(fd.controller, fd.window)
    qtbot.addWidget(dialog)
    dialog.email_boxes["contact"].setChecked(True)
    dialog.save()
    assert not panel.emailed.isHidden()
    assert panel.emailed.text() == present.emailing(["contact"], time_entry=panel.time_entry.isChecked())
    assert "e-mail the ticket's contact" in panel.emailed.text()
    panel.visibility.setCurrentIndex(panel.visibility.findData(Visibility.INTERNAL.value))
    assert panel.emailed.isHidden()  # an Internal note is never e-mailed
    panel.visibility.setCurrentIndex(panel.visibility.findData(Visibility.DISCUSSION.value))
    assert not panel.emailed.isHidden()
    panel.show_session(None)
    assert panel.emailed.isHidden()


def test_the_note_pane_says_the_time_entry_is_e_mailed_too(make_app, qtbot):  # noqa: F811
    """E-mail about notes on and Log time ticked: the time entry carries the same e-mail flags, so ConnectWise
    e-mails the contact a second time (about the time entry); the pane said only "about this note"."""
    from flowdesk.core.setting_choices import Visibility
    from flowdesk.ui.settings_dialog import SettingsDialog

    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, TICKET)
    panel = fd.window.panel
    panel.visibility.setCurrentIndex(panel.visibility.findData(Visibility.RESOLUTION.value))
    dialog = SettingsDialog(fd.controller, fd.window)
    qtbot.addWidget(dialog)
    dialog.email_boxes["contact"].setChecked(True)
    dialog.save()
    assert panel.time_entry.isEnabled()
    panel.time_entry.setChecked(True)
    assert panel.emailed.text() == present.emailing(["contact"], time_entry=True)
    assert "about this note and about its time entry" in panel.emailed.text()
    panel.time_entry.setChecked(False)
    assert panel.emailed.text() == present.emailing(["contact"])
    assert "time entry" not in panel.emailed.text()
