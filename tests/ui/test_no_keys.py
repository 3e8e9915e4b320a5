"""Pushes waiting for keys the keyring cannot give (deleted, a locked keyring): the window says so once and asks
the keyring again later, not in a loop. Before, every run found the pushes still due and armed the next for
"now": 185 runs in 1.5 s, each a keyring read (a locked GNOME keyring prompting each time), a core busy."""

from __future__ import annotations

import pytest

from flowdesk.connectwise.account import profile_key
from flowdesk.core.policy import NO_CLIENT_RECHECK
from flowdesk.credentials import LOCKED
from tests.ui.test_window import _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def test_pushes_without_keys_wait_for_them_without_spinning(make_app, qtbot, sandbox, sandbox_admin):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    c = fd.controller
    key = profile_key(c.settings.connectwise)
    fd.services.credentials.delete_connectwise_keys(key)
    c.account_changed()  # the cached client goes with the keys
    row = next(r for r in fd.services.cache.rows() if r.psa_ticket_id == 48211)
    assert fd.window.select_session(row.id)  # its ticket cannot be looked up without keys either
    with qtbot.waitSignal(c.drain_finished, check_params_cb=lambda r: bool(r.blocked), timeout=15000):
        fd.window.push_current()
    banner = fd.window.banners.banner("queue")
    assert banner is not None and "No ConnectWise keys" in banner.text
    assert (banner.action, banner.action_id) == ("Open Settings", "settings")  # new keys are entered there
    # the next run is when the keyring is asked again, not now
    assert c.drain_timer.isActive() and c.drain_timer.remainingTime() > (NO_CLIENT_RECHECK.total_seconds() - 60) * 1000

    cw = sandbox.info.connectwise
    fd.services.credentials.save_connectwise_keys(key, cw.public_key, cw.private_key)
    with qtbot.waitSignal(c.drain_finished, check_params_cb=lambda r: r.sent >= 1, timeout=15000):
        c.account_changed()  # Settings saved the keys again: sent at once
    assert len(sandbox_admin.ledger()["notes"]) == 1


def test_pushes_a_locked_keyring_holds_offer_try_again_not_settings(make_app, qtbot, sandbox_admin, monkeypatch):  # noqa: F811
    """Seen in the demo: with the keyring locked (the keys are there) the banner offered "Open Settings", where
    nothing helps. It says the keyring is locked and to unlock it, and Try again reads it again at once."""
    import keyring
    import keyring.errors

    fd = make_app()
    _start(fd, qtbot)
    c, backend = fd.controller, keyring.get_keyring()
    unlocked = backend.get_password

    def locked(*_args: object) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    monkeypatch.setattr(backend, "get_password", locked)
    c.account_changed()  # the cached client goes: the next run reads the keyring
    row = next(r for r in fd.services.cache.rows() if r.psa_ticket_id == 48211)
    assert fd.window.select_session(row.id)
    with qtbot.waitSignal(c.drain_finished, check_params_cb=lambda r: bool(r.blocked), timeout=15000):
        fd.window.push_current()
    banner = fd.window.banners.banner("queue")
    assert banner is not None and (banner.action, banner.action_id) == ("Try again", "try_again"), banner
    assert LOCKED in banner.text and "\n" not in banner.text  # this OS's words: Windows says Credential Manager
    assert LOCKED in fd.window.panel.ticket_card.flags.text()
    assert c.drain_timer.remainingTime() > (NO_CLIENT_RECHECK.total_seconds() - 60) * 1000  # no spinning meanwhile

    with qtbot.waitSignal(c.drain_finished, check_params_cb=lambda r: bool(r.blocked), timeout=15000):
        fd.window.banners.action_triggered.emit("try_again")  # still locked: the same banner, read again
    assert fd.window.banners.banner("queue") == banner
    monkeypatch.setattr(backend, "get_password", unlocked)  # unlocked: Try again sends it
    with qtbot.waitSignal(c.drain_finished, check_params_cb=lambda r: r.sent >= 1, timeout=15000):
        fd.window.banners.action_triggered.emit("try_again")
    assert len(sandbox_admin.ledger()["notes"]) == 1
    assert fd.window.banners.banner("queue") is None
    # the card the locked keyring left without its ticket is read again now that the keys were read: before, it
    # kept "Your keyring is locked" under the ticket just posted to, until the keys changed or Enter was pressed
    card = fd.window.panel.ticket_card
    qtbot.waitUntil(lambda: "Brightsmile" in card.details.text() and "locked" not in card.flags.text(), timeout=15000)


def test_saving_the_same_account_lifts_a_pause_its_401_set_not_the_engineers(make_app, qtbot, sandbox_admin):  # noqa: F811
    """Seen in the demo: after a 401 paused sending, Settings › Save with the same (correct) keys left it paused;
    only the Pause sending toggle sent again. Save checks the saved keys again, as Test connection does, and
    ConnectWise accepting them lifts that pause; a pause the engineer set stays theirs to lift."""
    from flowdesk.core import policy_words
    from flowdesk.ui.settings_dialog import SettingsDialog

    fd = make_app()
    _start(fd, qtbot)
    c, outbox = fd.controller, fd.services.outbox
    outbox.pause(policy_words.keys_refused(401, None), kind="account")
    dialog = SettingsDialog(c, fd.window)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.saved, timeout=15000):
        dialog.save()  # nothing typed: the saved keys, checked again
    assert outbox.paused_kind() is None and not c.is_paused()

    c.set_paused(True)
    mine = SettingsDialog(c, fd.window)
    qtbot.addWidget(mine)
    with qtbot.waitSignal(mine.saved, timeout=1000):
        mine.save()
    assert outbox.paused_kind() == "user" and c.is_paused()

    c.set_paused(False)
    outbox.pause(policy_words.keys_refused(401, None), kind="account")
    sandbox_admin.add_fault(method="GET", path="*", status=401)  # the keys refused still: the rest is saved
    refused = SettingsDialog(c, fd.window)
    qtbot.addWidget(refused)
    refused.level.setCurrentIndex(refused.level.findData("none"))
    refused.save()
    qtbot.waitUntil(lambda: refused.save_status.text().startswith("Saved, but sending stays paused "), timeout=15000)
    assert "API keys" in refused.cw_status.text() and "API keys" not in refused.save_status.text()  # said once
    assert outbox.paused_kind() == "account" and '"notification_level": "none"' in fd.services.paths.settings_file.read_text()


def test_settings_say_the_demos_keys_are_in_memory_not_the_keyring(make_app, qtbot):  # noqa: F811
    """Seen in the demo: Settings › ConnectWise said the keys were "saved in your OS keyring" while the demo,
    with no keyring, held them in memory (``MemoryKeyring``). It says where they really are."""
    from PySide6.QtWidgets import QLabel

    from flowdesk.credentials import CredentialStore
    from flowdesk.ui.demo import MemoryKeyring
    from flowdesk.ui.settings_dialog import DEMO_IN_MEMORY, SettingsDialog

    fd = make_app()
    _start(fd, qtbot)
    assert not fd.services.credentials.in_memory
    fd.services.credentials = CredentialStore(backend=MemoryKeyring())  # what the demo does without a keyring
    dialog = SettingsDialog(fd.controller, fd.window)
    qtbot.addWidget(dialog)
    in_memory = "held in memory for this demo run — type to replace"
    assert dialog.cw_public.placeholderText() == in_memory and dialog.cw_private.placeholderText() == in_memory
    assert any(DEMO_IN_MEMORY in label.text() for label in dialog.findChildren(QLabel))


def test_settings_say_the_keys_are_in_memory_when_keyring_chose_the_demos_memory_keyring(make_app, qtbot, monkeypatch):  # noqa: F811
    """What the demo did on a machine without a keyring service: keyring itself chose ``MemoryKeyring`` (the
    loaded backend of the highest priority), so the store had no backend of its own and Settings said "saved
    in your OS keyring"."""
    import keyring

    from flowdesk.ui.demo import MemoryKeyring
    from flowdesk.ui.settings_dialog import SettingsDialog

    fd = make_app()
    _start(fd, qtbot)
    monkeypatch.setattr(keyring.core, "_keyring_backend", MemoryKeyring())
    dialog = SettingsDialog(fd.controller, fd.window)
    qtbot.addWidget(dialog)
    assert dialog.cw_public.placeholderText() == "held in memory for this demo run — type to replace"


def test_the_demo_says_its_keys_are_in_memory_when_keyring_chose_memory(make_app, qtbot, sandbox, monkeypatch):  # noqa: F811
    """The same machine: the demo's banner about keys held in memory did not show either (saving them raised
    nothing). It shows whenever the keys end up in memory."""
    import keyring

    from flowdesk.ui.demo import DemoEnvironment, MemoryKeyring

    fd = make_app()
    _start(fd, qtbot)
    monkeypatch.setattr(keyring.core, "_keyring_backend", MemoryKeyring())
    env = DemoEnvironment(str(fd.services.paths.config_dir), sandbox)
    env.configure(fd.services)
    assert env._prepare_accounts()["notice"] == "No OS keyring is available."


def test_settings_opened_from_the_refused_keys_banner_say_the_saved_account_was_refused(make_app, qtbot):  # noqa: F811
    """Seen against the sandbox: "Open Settings" on the banner of refused keys showed "Saved account: Dana
    Whitfield (dwhitfield) at …" in plain words, as if all were well. It says ConnectWise refused it, and what to do."""
    from flowdesk.core import policy_words
    from flowdesk.ui.settings_dialog import REFUSED, SettingsDialog

    fd = make_app()
    _start(fd, qtbot)
    fine = SettingsDialog(fd.controller, fd.window)
    qtbot.addWidget(fine)
    assert fine.cw_status.text().startswith("Saved account: ") and REFUSED not in fine.cw_status.text()
    fd.services.outbox.pause(policy_words.keys_refused(401, None), kind="account")
    refused = SettingsDialog(fd.controller, fd.window)
    qtbot.addWidget(refused)
    assert refused.cw_status.text().startswith("Saved account: ") and refused.cw_status.text().endswith(REFUSED)
    assert refused.cw_status.property("flowdeskTint") == "error"
