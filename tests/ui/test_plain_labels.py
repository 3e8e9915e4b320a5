"""Every label that shows a message shows it as plain text: a ConnectWise or ResolutionFlow error, a file
name or a ticket summary that looks like HTML (``<b>``, ``<img>``, ``<a href>``) is shown as written, never
rendered (QLabel's default, Qt.AutoText, renders text it guesses to be markup)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from flowdesk.ui.banner import Banner

from .test_proxy_settings import start_app

MARKUP = '<b>Server</b> said: <img src="x.png"> <a href="http://evil.example">click</a>'


@pytest.fixture
def app(sandbox, qtbot, memory_keyring) -> Iterator[Any]:
    yield from start_app(sandbox, qtbot)


def _message_labels(widget: Any) -> list[QLabel]:
    """The labels that show messages: all but the fixed captions of a control (those have a buddy)."""
    return [label for label in widget.findChildren(QLabel) if label.buddy() is None]


def test_a_banner_shows_markup_as_written(app, qtbot):
    app.controller.show_banner(Banner("import", "error", MARKUP))
    label = app.window.banners.findChild(QLabel)
    assert label.text() == MARKUP and label.textFormat() == Qt.TextFormat.PlainText


def test_every_message_label_of_the_window_and_its_dialogs_is_plain_text(app, qtbot):
    from flowdesk.ui.first_run import FirstRunSetup
    from flowdesk.ui.settings_dialog import SettingsDialog

    app.controller.show_banner(Banner("queue", "warning", MARKUP, "Resume", "resume"))
    app.window.tabs.setCurrentIndex(1)  # the Queue tab's page is built when first shown
    settings = SettingsDialog(app.controller, app.window)
    first = FirstRunSetup(app.controller, app.window)
    for dialog in (settings, first):
        qtbot.addWidget(dialog)
    rich = [
        (type(owner).__name__, label.objectName() or label.text()[:40])
        for owner in (app.window, settings, first)
        for label in _message_labels(owner)
        if label.textFormat() != Qt.TextFormat.PlainText
    ]
    assert rich == [], "\n".join(map(str, rich))
