"""`flowdesk connect` while the window runs: the window sends with the keys just saved, not those it holds.

Before, the window kept its ConnectWise client (and the keys read into it) after `flowdesk connect` replaced
the keys in the keyring: the pause ConnectWise's 401 wrote came back at the next push, though the command said
the new keys were accepted and saved.
"""

from __future__ import annotations

import io
import sys

import pytest

from flowdesk.cli import main
from flowdesk.connectwise.account import profile_key
from tests.conftest import wine_limit
from tests.ui.test_window import _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def test_keys_saved_by_flowdesk_connect_are_the_ones_the_window_sends_with(make_app, qtbot, sandbox, monkeypatch):  # noqa: F811
    from flowdesk.ui.account_saving import account_saved_elsewhere

    fd = make_app()
    _start(fd, qtbot)
    c, outbox, cw = fd.controller, fd.services.outbox, sandbox.info.connectwise
    fd.services.credentials.save_connectwise_keys(profile_key(c.settings.connectwise), cw.public_key, "wrongwrongwrong1")
    c.account_changed()  # the window now holds a client with keys ConnectWise refuses
    row = next(r for r in fd.services.cache.rows() if r.psa_ticket_id == 48211)
    assert fd.window.select_session(row.id)
    with qtbot.waitSignal(c.drain_finished, timeout=15000):
        fd.window.push_current()
    qtbot.waitUntil(lambda: outbox.paused_kind() == "account", timeout=15000)
    card = fd.window.panel.ticket_card
    qtbot.waitUntil(lambda: "rejected your API keys" in card.flags.text(), timeout=15000)

    monkeypatch.setattr(sys, "stdin", io.StringIO(cw.private_key))
    argv = ["connect", "--site", cw.site, "--company", cw.company, "--public-key", cw.public_key, "--private-key-stdin"]
    assert main(argv) == 0
    assert outbox.paused_kind() is None  # lifted by the command
    with qtbot.waitSignal(c.drain_finished, check_params_cb=lambda r: r.sent >= 1, timeout=15000):
        account_saved_elsewhere(c)  # what the window does when the command tells it
    assert outbox.paused_kind() is None and fd.window.banners.banner("queue") is None
    # the ticket shown is read again with the new keys: it kept "ConnectWise rejected your API keys" under a
    # ticket the note had just been posted to
    qtbot.waitUntil(lambda: "rejected" not in card.flags.text() and "Brightsmile" in card.details.text(), timeout=15000)


@wine_limit("a named pipe's data is lost when the client closes before the server reads (QLocalSocket)")
def test_the_window_is_told_an_account_was_saved(qtbot, tmp_path):
    from flowdesk.ui.single_instance import (
        ACCOUNT_CHANGED,
        InstanceServer,
        ask_running_instance_to_raise,
        server_name,
    )

    data_dir = str(tmp_path / "data")
    server = InstanceServer(data_dir)
    assert server.listen()
    try:
        with qtbot.waitSignal(server.account_changed, timeout=5000):
            assert ask_running_instance_to_raise(server_name(data_dir), 1000, ACCOUNT_CHANGED)
    finally:
        server.close()
