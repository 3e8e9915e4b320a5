"""The push option "E-mail about notes": off by default, each choice remembered, and the notes the window
queues carry it (processNotifications only for the recipients chosen, never for an Internal note)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from flowdesk.core import present
from flowdesk.core.settings import load_settings

from .test_proxy_settings import start_app


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
