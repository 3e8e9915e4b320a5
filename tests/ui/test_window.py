"""The real window, driven as an engineer would, against the sandbox over real sockets.

Everything is real but the display (offscreen): the SQLite store, the push worker thread, the
ConnectWise client, the sandbox's HTTP server. The keyring is the in-memory test backend (the real
Secret Service is exercised in tests/test_credentials.py). No sleeps: the tests wait on signals.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from flowdesk.connectwise.account import profile_key
from flowdesk.core.settings import ConnectWiseProfile, Settings, save_settings
from flowdesk.credentials import CredentialStore
from flowdesk.paths import AppPaths
from flowdesk.resolutionflow.importer import import_paths
from flowdesk.services import Services
from tests.conftest import SAMPLES, wine_limit

pytestmark = pytest.mark.usefixtures("qapp")
TICKET = 48211
CW_NOTES = "*/tickets/*/notes"


def _prepare_home(sandbox: Any) -> AppPaths:
    """A FLOWDESK_HOME as `flowdesk connect` + `flowdesk import` would leave it."""
    paths = AppPaths.from_env().ensure()
    cw = sandbox.info.connectwise
    settings = Settings(
        connectwise=ConnectWiseProfile(site=cw.site, company=cw.company, member_identifier="dwhitfield", member_name="Dana Whitfield")
    )
    save_settings(settings, paths.settings_file)
    CredentialStore().save_connectwise_keys(profile_key(settings.connectwise), cw.public_key, cw.private_key)
    services = Services.open(paths)
    report = import_paths([SAMPLES], services.cache)
    assert all(f.ok for f in report.files)
    services.close()
    return paths


@pytest.fixture
def make_app(sandbox, qtbot) -> Iterator[Any]:
    from flowdesk.ui.app import FlowDeskApp

    apps: list[FlowDeskApp] = []

    def make(*, has_tray: bool = False) -> FlowDeskApp:
        fd = FlowDeskApp(_prepare_home(sandbox), has_tray=has_tray)
        qtbot.addWidget(fd.window)
        fd.window.ask = lambda *a, **k: True  # modal questions would block a headless run
        apps.append(fd)
        return fd

    yield make
    for fd in apps:
        fd.shutdown()


def _start(fd: Any, qtbot: Any) -> None:
    with qtbot.waitSignal(fd.controller.drain_finished, timeout=15000):  # re-emitted on the GUI thread
        fd.start()
    qtbot.waitExposed(fd.window)


def _next_tab_stop(widget: Any) -> Any:
    """The widget Tab goes to from ``widget`` (the next in its focus chain that takes Tab focus)."""
    widget = widget.nextInFocusChain()
    while not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
        widget = widget.nextInFocusChain()
    return widget


def _select(fd: Any, qtbot: Any, ticket_id: int) -> str:
    row = next(r for r in fd.services.cache.rows() if r.psa_ticket_id == ticket_id)
    with qtbot.waitSignal(fd.controller.ticket_loaded, timeout=15000):
        assert fd.window.select_session(row.id)
    assert fd.window.panel.ticket_card.ticket().ref.id == ticket_id
    return row.id


def _wait_state(fd: Any, qtbot: Any, state: str, *, kind: str = "note", timeout: int = 15000) -> Any:
    def reached(job: Any) -> bool:
        return job.kind == kind and job.state == state

    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=reached, timeout=timeout) as blocker:
        pass
    return blocker.args[0]


def test_select_edit_push_and_find_the_edited_text_in_the_ledger(make_app, qtbot, sandbox_admin, qtmodeltester):
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    assert w.session_model.rowCount() == len(list(SAMPLES.glob("*.json")))
    qtmodeltester.check(w.proxy)
    _select(fd, qtbot, TICKET)
    panel = w.panel
    assert "Outlook" in panel.title.text()
    assert panel.editor.text().startswith("═══ FlowPilot Session Documentation ═══")
    assert "[EMAIL REDACTED]" in panel.editor.text() and "1 e-mail address" in panel.editor.redaction_label.text()

    # the engineer adds a line, with a secret in it, by typing
    edit = panel.editor.edit
    edit.setFocus()
    edit.moveCursor(edit.textCursor().MoveOperation.End)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClicks(edit, "Follow-up: called the user back, all good. Temp pwd: Winter2026!")
    with qtbot.waitSignal(panel.editor.rechecked):
        panel.editor.recheck_now()
    assert "1 password" in panel.editor.pending_label.text()
    assert panel.reset_button.isEnabled() and "Follow-up" in panel.editor.diff()

    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=lambda j: j.kind == "time_entry" and j.state == "sent", timeout=15000):
        qtbot.mouseClick(panel.push_button, Qt.MouseButton.LeftButton)

    notes = sandbox_admin.ledger()["notes"]
    assert len(notes) == 1
    text = notes[0]["text"]
    assert "Follow-up: called the user back, all good." in text
    assert "Winter2026!" not in text and "[PASSWORD REDACTED]" in text
    assert notes[0]["internalAnalysisFlag"] is True and notes[0]["ticketId"] == TICKET
    assert len(sandbox_admin.ledger()["time_entries"]) == 1
    # the list shows the push state live
    row = w.proxy.proxy_row_of(panel.session.id)
    assert w.proxy.index(row, 6).data().startswith("Sent")
    qtmodeltester.check(w.queue_model)
    assert w.queue_model.rowCount() == 2


def test_ctrl_enter_pushes_and_a_second_push_asks_first(make_app, qtbot, sandbox_admin):
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, 48397)
    asked: list[str] = []
    fd.window.ask = lambda title, text, yes, **k: asked.append(title) or False
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=lambda j: j.kind == "note" and j.state == "sent", timeout=15000):
        qtbot.keyClick(fd.window.panel.editor.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(sandbox_admin.ledger()["notes"]) == 1
    fd.window.push_current()  # the same session again: the engineer is asked, says no
    assert asked == ["Pushed before"]
    assert len(fd.services.outbox.jobs()) == 2  # note + time entry, nothing more


def test_a_failed_push_notifies_once_and_retry_sends_it(make_app, qtbot, sandbox_admin):
    fd = make_app()
    _start(fd, qtbot)
    notified: list[Any] = []
    fd.controller.notify.connect(notified.append)
    _select(fd, qtbot, TICKET)
    sandbox_admin.add_fault(method="POST", path=CW_NOTES, status=403, times=1)
    with qtbot.waitSignal(fd.controller.notify, timeout=15000):  # raised when the drain run ends
        qtbot.mouseClick(fd.window.panel.push_button, Qt.MouseButton.LeftButton)
    failed = next(j for j in fd.services.outbox.jobs() if j.kind == "note")
    assert failed.state == "failed"
    assert len(notified) == 1
    assert notified[0].error and f"#{TICKET}" in notified[0].title
    assert fd.banner_notifications is not None and len(fd.banner_notifications.shown) == 1
    assert fd.window.banners.banner("failed") is not None  # no tray here: the banner carries it
    assert sandbox_admin.ledger()["notes"] == []

    w = fd.window
    w.show_job(failed.id)
    assert w.tabs.currentWidget() is w.queue_view
    assert w.queue_view.current_job().id == failed.id
    assert w.queue_view.retry_button.isEnabled()
    # the note goes first, then its time entry: wait for the last of the two
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=lambda j: j.kind == "time_entry" and j.state == "sent", timeout=15000):
        qtbot.mouseClick(w.queue_view.retry_button, Qt.MouseButton.LeftButton)
    assert fd.services.outbox.get(failed.id).state == "sent"
    assert len(sandbox_admin.ledger()["notes"]) == 1
    # the retry's success says only that the failure it notified posted after all (no "posted" of the time entry)
    assert [n.kind for n in notified] == ["failed", "posted"] and notified[1].job_ids == (failed.id,)


def test_several_failures_together_make_one_notification(make_app, qtbot, sandbox_admin):
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    assert fd.tray is not None
    fd.controller.set_paused(True)
    for ticket in (TICKET, 48397, 48405):
        _select(fd, qtbot, ticket)
        fd.window.push_current()
    sandbox_admin.add_fault(method="POST", path=CW_NOTES, status=404, times=None)
    with qtbot.waitSignal(fd.controller.notify, check_params_cb=lambda n: n.error, timeout=15000):
        fd.controller.set_paused(False)
    errors = [x for x in fd.tray.shown if x.error]
    assert len(errors) == 1
    n = errors[0]
    assert n.title == "3 notes failed to post" and len(n.job_ids) == 3
    assert "#48211" in n.text and "#48397" in n.text and "#48405" in n.text
    # the tray menu carries every action
    texts = [a.text().replace("&", "") for a in fd.tray.menu.actions() if a.text()]
    assert "Open FlowDesk" in texts and "Quit" in texts and "Pause sending" in texts
    assert any(t.startswith("Retry all (") for t in texts)
    assert fd.tray.state == "failed"
    with qtbot.waitSignal(fd.tray.show_job_requested) as clicked:
        fd.tray.tray.messageClicked.emit()
    assert clicked.args[0] in n.job_ids


def test_settings_store_keys_in_the_keyring_not_in_a_file(make_app, qtbot, sandbox, memory_keyring):
    from flowdesk.ui.settings_dialog import SettingsDialog

    fd = make_app()
    _start(fd, qtbot)
    cw = sandbox.info.connectwise
    key = profile_key(fd.services.settings.connectwise)
    CredentialStore().delete_connectwise_keys(key)
    dialog = SettingsDialog(fd.controller, fd.window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.cw_public.setText(cw.public_key)
    dialog.cw_private.setText(cw.private_key)
    with qtbot.waitSignal(dialog.connection_tested, timeout=15000) as tested:
        qtbot.mouseClick(dialog.cw_test, Qt.MouseButton.LeftButton)
    assert tested.args[0] is True and "Dana Whitfield" in dialog.cw_status.text()
    with qtbot.waitSignal(dialog.saved, timeout=15000):
        dialog.save()
    keys = CredentialStore().load_connectwise_keys(key)
    assert keys is not None and keys.private_key == cw.private_key
    for f in fd.services.paths.config_dir.rglob("*"):
        if f.is_file():
            assert cw.private_key not in f.read_text(encoding="utf-8", errors="replace")
    assert json.loads(fd.services.paths.settings_file.read_text())["connectwise"]["member_identifier"] == "dwhitfield"


def test_wrong_keys_are_not_saved_and_say_why(make_app, qtbot, sandbox):
    from flowdesk.ui.settings_dialog import SettingsDialog

    fd = make_app()
    _start(fd, qtbot)
    key = profile_key(fd.services.settings.connectwise)
    before = CredentialStore().load_connectwise_keys(key)
    dialog = SettingsDialog(fd.controller, fd.window)
    qtbot.addWidget(dialog)
    saved = "saved in your OS keyring — type to replace"  # both keys: an empty one keeps the saved one
    assert dialog.cw_public.placeholderText() == saved and dialog.cw_private.placeholderText() == saved
    dialog.cw_public.setText("WRONGPUBLIC12345")
    dialog.cw_private.setText("WRONGPRIVATE1234")
    dialog.save()
    qtbot.waitUntil(lambda: "Not saved" in dialog.save_status.text(), timeout=15000)
    assert "API keys" in dialog.cw_status.text()
    assert CredentialStore().load_connectwise_keys(key) == before
    assert dialog.isVisible() or not dialog.result()


def test_no_tray_closing_with_pending_work_asks_and_stays(make_app, qtbot, sandbox_admin):
    fd = make_app(has_tray=False)
    _start(fd, qtbot)
    assert fd.tray is None and fd.banner_notifications is not None
    fd.controller.set_paused(True)
    qtbot.waitUntil(lambda: fd.window.banners.banner("queue") is not None, timeout=15000)
    assert fd.window.banners.banner("queue").action == "Resume"
    _select(fd, qtbot, TICKET)
    fd.window.push_current()
    asked: list[str] = []
    fd.window.ask = lambda title, text, yes, **k: asked.append(text) or False
    quits: list[bool] = []
    fd.window.quit_requested.connect(lambda: quits.append(True))
    fd.window.close()
    assert asked and "still waiting" in asked[0]
    assert fd.window.isVisible() and quits == []
    fd.services.outbox.cancel(fd.services.outbox.jobs()[-1].id if fd.services.outbox.jobs()[-1].kind == "note" else fd.services.outbox.jobs()[0].id)
    asked.clear()
    fd.window.close()
    assert asked == [] and quits == [True]


def test_with_a_tray_closing_hides_to_the_tray(make_app, qtbot):
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    fd.window.tray_visible = lambda: True  # offscreen has no tray: say one is on screen
    quits: list[bool] = []
    fd.window.quit_requested.connect(lambda: quits.append(True))
    fd.window.close()
    assert not fd.window.isVisible() and quits == []
    fd.tray.open_action.trigger()
    assert fd.window.isVisible()


def test_search_filters_the_list(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    qtbot.keyClicks(w.search, "kessler")
    assert 0 < w.proxy.rowCount() < w.session_model.rowCount()
    assert all("Kessler" in w.proxy.index(r, 2).data() for r in range(w.proxy.rowCount()))
    w.status_filter.setCurrentIndex(2)  # escalated
    assert all(w.proxy.index(r, 0).data().startswith("Escalat") for r in range(w.proxy.rowCount()))


def test_keyboard_and_accessible_names(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    assert w.select_first_session()  # the note pane shows a session (with none: "No session selected" alone)
    for widget in (w.search, w.table, w.panel.editor.edit, w.panel.visibility, w.panel.push_button, w.queue_view.table,
                   w.panel.ticket_card.number, w.panel.time_entry):
        assert widget.accessibleName(), widget
    shortcuts = {a.shortcut().toString() for a in w.actions()}
    assert {"Ctrl+1", "Ctrl+2", "Ctrl+F", "F5", "Ctrl+O", "Ctrl+Q"} <= shortcuts
    # Tab walks from the ticket number (and the ticket finder) through the panel to Push ("Set status after
    # posting" is one stop more, Retry and Open ticket two, the time entry's hours, work type, role and billable four)
    # the note pane is built after the rest of the window: Tab still goes from the list to its ticket number
    after_list = _next_tab_stop(w.table)
    assert after_list is w.panel.ticket_card.number, after_list.objectName()
    chain, widget = [], w.panel.ticket_card.number
    for _ in range(17):
        chain.append(widget)
        widget = _next_tab_stop(widget)
    assert w.panel.editor.edit in chain and w.panel.push_button in chain
    assert chain.index(w.panel.editor.edit) < chain.index(w.panel.push_button)


def _sign_in_to_sandbox_rf(fd: Any, sandbox: Any) -> None:
    from flowdesk.resolutionflow.account import sign_in

    rf = sandbox.info.resolutionflow
    sign_in(rf.url, rf.email, rf.password, store=fd.services.credentials)
    fd.services.settings.resolutionflow.url = rf.url
    fd.services.settings.resolutionflow.email = rf.email


@pytest.mark.parametrize("auto_push", [False, True])
def test_auto_push_queues_new_closed_sessions_and_announces_once(make_app, qtbot, sandbox, auto_push):
    from datetime import UTC, datetime

    fd = make_app()
    _start(fd, qtbot)
    # a fresh cache: what a refresh brings in counts as "arrived"
    for row in fd.services.cache.rows():
        fd.services.cache.delete(row.id)
    fd.services.settings.auto_push = auto_push
    fd.services.settings.auto_push_since = datetime(2026, 11, 19, tzinfo=UTC)
    _sign_in_to_sandbox_rf(fd, sandbox)
    infos: list[str] = []
    fd.controller.info.connect(infos.append)
    with qtbot.waitSignal(fd.controller.sessions_reloaded, timeout=15000):
        fd.controller.refresh_sessions()
    jobs = [j for j in fd.services.outbox.jobs() if j.kind == "note"]
    if not auto_push:
        assert jobs == [] and infos == []  # the default: nothing leaves without Push
        return
    expected = set()
    for row in fd.services.cache.rows():
        s = fd.services.cache.get(row.id)
        if (s.status in ("resolved", "escalated") and s.psa_ticket_id and not s.posted_by_resolutionflow
                and s.ended_at and s.ended_at >= fd.services.settings.auto_push_since):
            expected.add(s.id)
    assert expected and {j.session_id for j in jobs} == expected
    # auto-push never looks its tickets up: each note is checked against its session's client before it is sent
    assert all(j.check_client == fd.services.cache.get(j.session_id).client_name for j in jobs)
    assert len(infos) == 1 and infos[0].startswith(f"Auto-push queued {len(expected)} note")
    # a second refresh brings nothing new: nothing more is queued or announced
    with qtbot.waitSignal(fd.controller.sessions_reloaded, timeout=15000):
        fd.controller.refresh_sessions()
    assert len([j for j in fd.services.outbox.jobs() if j.kind == "note"]) == len(expected) and len(infos) == 1


@wine_limit("a named pipe's data is lost when the client closes before the server reads (QLocalSocket)")
def test_a_second_launch_raises_the_first(qtbot, tmp_path):
    from flowdesk.ui.single_instance import InstanceServer, ask_running_instance_to_raise, server_name

    data_dir = str(tmp_path / "data")
    name = server_name(data_dir)
    server = InstanceServer(data_dir)
    assert server.listen()
    try:
        with qtbot.waitSignal(server.raise_requested, timeout=5000):
            assert ask_running_instance_to_raise(name)
    finally:
        server.close()
    assert not ask_running_instance_to_raise(name, timeout_ms=200)  # nobody listening: start normally


def test_a_second_flowdesk_process_hands_over_to_the_first(qtbot, tmp_path):
    import os
    import subprocess
    import sys

    from flowdesk.ui.single_instance import claim_instance

    paths = AppPaths.from_env()
    server = claim_instance(paths.data_dir, paths.instance_lock_file)
    try:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        with qtbot.waitSignal(server.raise_requested, timeout=30000):
            proc = subprocess.Popen([sys.executable, "-m", "flowdesk"], env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        out, err = proc.communicate(timeout=60)
    finally:
        server.close()
    assert proc.returncode == 0
    assert "already running" in err and out == ""


def test_tray_icons_for_every_state(qapp):
    from flowdesk.ui.icons import TRAY_STATES, app_icon, state_icon

    assert not app_icon().isNull()
    images = {s: state_icon(s).pixmap(32, 32).toImage() for s in TRAY_STATES}
    assert all(not img.isNull() for img in images.values())
    assert len({bytes(img.constBits()) for img in images.values()}) == len(TRAY_STATES)  # each looks different


def test_keyring_trouble_shows_as_an_actionable_banner(make_app, qtbot, sandbox_admin):
    from keyring.backends import fail

    fd = make_app()
    fd.services.credentials = CredentialStore(backend=fail.Keyring(), platform="linux")  # Linux's words, checked below
    fd.controller.set_paused(True)
    _start(fd, qtbot)
    _select_without_ticket_lookup(fd, TICKET)
    fd.window.push_current()
    fd.controller.set_paused(False)
    qtbot.waitUntil(lambda: (b := fd.window.banners.banner("queue")) is not None and b.level == "error", timeout=15000)
    banner = fd.window.banners.banner("queue")
    assert "keyring" in banner.text.lower() and "GNOME Keyring" in banner.text  # says what to install
    assert banner.action == "Open Settings"
    assert sandbox_admin.ledger()["notes"] == []
    assert all(j.state == "pending" for j in fd.services.outbox.jobs())  # nothing lost, nothing burned


def _select_without_ticket_lookup(fd: Any, ticket_id: int) -> None:
    row = next(r for r in fd.services.cache.rows() if r.psa_ticket_id == ticket_id)
    assert fd.window.select_session(row.id)


def test_the_drain_timer_is_armed_for_the_next_due_job(make_app, qtbot, sandbox_admin):
    fd = make_app()
    _start(fd, qtbot)
    assert not fd.controller.drain_timer.isActive()  # an empty queue: no timer at all
    _select(fd, qtbot, TICKET)
    sandbox_admin.add_fault(method="POST", path=CW_NOTES, status=429, retry_after=600, times=1)
    fd.window.push_current()
    job = _wait_state(fd, qtbot, "retry_wait")
    qtbot.waitUntil(lambda: fd.controller.drain_timer.isActive(), timeout=5000)
    remaining = fd.controller.drain_timer.remainingTime() / 1000
    assert 560 < remaining <= 601, remaining  # Retry-After (10 min) beats the 5-minute schedule
    assert job.next_attempt_at is not None
    # the timer firing drains (nothing is due yet, so nothing is sent)
    with qtbot.waitSignal(fd.controller.drain_finished, timeout=15000):
        fd.controller.drain_timer.timeout.emit()
    assert sandbox_admin.ledger()["notes"] == []


@pytest.mark.parametrize("event", ["network_online", "resumed"])
def test_network_back_and_wake_drain_at_once(make_app, qtbot, sandbox_admin, event):
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, TICKET)
    sandbox_admin.add_fault(method="POST", path=CW_NOTES, status=429, retry_after=600, times=1)
    fd.window.push_current()
    note = _wait_state(fd, qtbot, "retry_wait")
    # due again (as if its wait were over), but the drainer still leaves the rate-limited site alone...
    fd.services.outbox.retry(note.id)
    with qtbot.waitSignal(fd.controller.drain_finished, timeout=15000):
        fd.controller.drain_now()
    assert sandbox_admin.ledger()["notes"] == []
    # ...until the network comes back or the machine wakes: that drains at once, hold-offs forgotten
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=lambda j: j.kind == "time_entry" and j.state == "sent", timeout=15000):
        getattr(fd.system_events, event).emit()
    assert len(sandbox_admin.ledger()["notes"]) == 1


def test_settings_opened_again_raises_the_open_dialog_and_a_closed_one_is_deleted(make_app, qtbot):
    from shiboken6 import isValid

    fd = make_app()
    _start(fd, qtbot)
    fd.open_settings()
    first = fd.settings_dialog
    qtbot.waitExposed(first)
    fd.open_settings()  # Settings again (the tray's) while it is open: the same dialog, not a second one
    assert fd.settings_dialog is first
    first.reject()
    fd.open_settings()
    second = fd.settings_dialog
    assert second is not first
    qtbot.waitUntil(lambda: not isValid(first), timeout=5000)  # the closed one is gone, not kept until quit
    second.reject()


def test_no_session_selected_shows_no_time_entry_to_edit(make_app, qtbot):
    """A search that hides the selected session: its hours, work type, role and billable stayed shown and
    editable under "No session selected"."""
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    _select(fd, qtbot, TICKET)
    assert w.panel.time_box.isVisibleTo(w.panel)
    w.search.setText("no session has these words")
    w.load_timer.timeout.emit()
    assert w.panel.session is None and w.panel.title.text() == "No session selected"
    assert not w.panel.time_box.isVisibleTo(w.panel)
