"""Every banner's button is answered once, by the app (``FlowDeskApp._on_banner_action``): before, the window
answered some and the app the others, two places to look for what a button does."""

from __future__ import annotations

from typing import Any

import pytest

from flowdesk.ui.queue_banners import TRY_AGAIN
from tests.ui.test_window import make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _calls(fd: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    said: list[str] = []
    for owner, name in [(fd, "open_settings"), (fd, "open_setup"), (fd.controller, "refresh_sessions"),
                        (fd.controller, "read_keyring_again"), (fd.controller, "resume"), (fd.window, "retry_all")]:
        monkeypatch.setattr(owner, name, lambda *_a, _n=name, **_k: said.append(_n))
    return said


@pytest.mark.parametrize(("action", "answer"), [
    ("settings", "open_settings"),  # no keys, refused keys, an unknown company ID
    ("setup", "open_setup"),
    ("refresh", "refresh_sessions"),  # Could not refresh your sessions → Try again
    (TRY_AGAIN, "read_keyring_again"),  # a locked keyring → Try again
    ("resume", "resume"),
    ("retry_all", "retry_all"),  # the tray's failed-push banner
    ("send_now", "retry_all"),  # an outage's Send all now
    ("retry_failed", "retry_all"),
])
def test_each_banner_button_is_answered_once(make_app, monkeypatch, action, answer):  # noqa: F811
    fd = make_app()
    said = _calls(fd, monkeypatch)
    fd.window.banners.action_triggered.emit(action)
    assert said == [answer]


def test_the_queue_button_shows_the_queue(make_app):  # noqa: F811
    fd = make_app()
    fd.window.banners.action_triggered.emit("queue")
    assert fd.window.tabs.currentWidget() is fd.window.queue_view
