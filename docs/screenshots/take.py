"""Take the README's screenshots of the real window, in demo mode, under Xvfb.

    xvfb-run -a -s "-screen 0 1440x900x24" sh -c 'openbox & trayer --edge bottom --align right \
        --widthtype pixel --width 120 --heighttype pixel --height 28 & sleep 1; \
        uv run python docs/screenshots/take.py [OUT_DIR]'

(openbox is a real window manager; trayer gives Xvfb a system tray, so the tray icon and its menu are
real; without it the menu is grabbed on its own.)

It starts FlowDesk's demo (the in-process sandbox), drives the window as a user would (select a
session, push a note to a ticket that does not exist so one job fails, an outage that holds sending
off, open the settings, open the tray menu) and grabs each view to a PNG; then it runs itself again
in child processes for the dark palette, QT_SCALE_FACTOR=2 and the real app's first-run setup
(``FLOWDESK_SHOTS_VARIANT``). Look at every image before committing it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(cond, timeout_ms: int = 15000) -> None:
    waited = 0
    while not cond():
        if waited >= timeout_ms:
            raise TimeoutError("the window did not get there in time")
        wait(50)
        waited += 50


def dark_palette():  # noqa: ANN201 - a QPalette, built once Qt is up
    from PySide6.QtGui import QColor, QPalette

    pal = QPalette(QColor("#2a2e32"))
    for role, col in (("Window", "#2a2e32"), ("WindowText", "#fcfcfc"), ("Base", "#1b1e20"),
                      ("AlternateBase", "#232629"), ("Text", "#fcfcfc"), ("Button", "#31363b"),
                      ("ButtonText", "#fcfcfc"), ("Highlight", "#3daee9"), ("HighlightedText", "#fcfcfc"),
                      ("ToolTipBase", "#31363b"), ("ToolTipText", "#fcfcfc"), ("PlaceholderText", "#a1a9b1"),
                      ("Link", "#6ea8fe")):
        pal.setColor(getattr(QPalette.ColorRole, role), QColor(col))
    for role in ("WindowText", "Text", "ButtonText"):  # greyed out when disabled, as a real dark theme does
        pal.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), QColor("#6e7175"))
    return pal


def first_run(out: Path) -> None:
    """The real app (not the demo) on its very first start: the setup dialog over the empty window."""
    from flowdesk.paths import AppPaths
    from flowdesk.ui.app import FlowDeskApp, make_application

    app = make_application()
    fd = FlowDeskApp(AppPaths.from_env().ensure(), has_tray=False)
    fd.window.resize(1280, 800)
    fd.start()
    try:
        wait_for(lambda: getattr(fd, "setup_dialog", None) is not None and fd.setup_dialog.isVisible())
        wait(500)
        geo = fd.window.frameGeometry()
        app.primaryScreen().grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height()).save(str(out / "first-run.png"))
    finally:
        fd.shutdown()


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    out.mkdir(parents=True, exist_ok=True)
    variant = os.environ.get("FLOWDESK_SHOTS_VARIANT", "")
    if variant == "first-run":
        first_run(out)
        return 0
    from flowdesk.ui.app import FlowDeskApp, make_application
    from flowdesk.ui.demo import DemoEnvironment

    demo = DemoEnvironment.create()
    app = make_application()
    from flowdesk.paths import AppPaths

    if variant == "dark":
        app.setPalette(dark_palette())
    fd = FlowDeskApp(AppPaths.from_env(), demo=demo)
    w = fd.window
    w.resize(1280, 800)
    fd.start()
    try:
        wait_for(lambda: w.session_model.rowCount() >= 12)
        wait(300)
        if variant:  # one picture of the main window: dark palette, or QT_SCALE_FACTOR=2
            w.select_session(next(r.id for r in fd.services.cache.rows() if r.psa_ticket_id == 48211))
            wait_for(lambda: w.panel.ticket_card.ticket() is not None)
            wait(300)
            w.grab().save(str(out / f"main-{variant}.png"))
            return 0
        # 1. the main window with sessions, a session selected and its ticket looked up
        w.select_session(next(r.id for r in fd.services.cache.rows() if r.psa_ticket_id == 48211))
        wait_for(lambda: w.panel.ticket_card.ticket() is not None)
        wait(200)
        w.grab().save(str(out / "main-window.png"))
        # 1b. half a screen (side by side with the ConnectWise tab): the note pane under the list
        w.resize(720, 860)
        wait(400)
        w.grab().save(str(out / "main-narrow.png"))
        w.resize(1280, 800)
        wait(300)
        # 1b. the push options under the note: visibility, the time entry's hours (and the rule behind them),
        # work type and role from ConnectWise, billable option
        # and a status to set after posting, with whom ConnectWise e-mails about it
        w.panel.time_entry.setChecked(True)
        wait_for(lambda: w.panel.time_box.work_type.count() > 1)
        choice = w.panel.status_choice
        wait_for(choice.combo.isEnabled)
        choice.combo.setCurrentIndex(choice.combo.findText("Closed"))
        wait_for(lambda: not choice.notice.isHidden())
        wait(200)
        w.panel.grab().save(str(out / "push-options.png"))
        choice.combo.setCurrentIndex(0)  # "Leave as is" again for the pushes below
        # 2. the editor with redactions highlighted (the mapped-drive session has a password and UNC paths)
        sid = next(r.id for r in fd.services.cache.rows() if r.psa_ticket_id == 48405)
        w.select_session(sid)
        wait_for(lambda: w.panel.ticket_card.ticket() is not None)
        doc = w.panel.editor.edit.document()
        found = doc.find("PASSWORD REDACTED")
        if not found.isNull():
            found.clearSelection()
            w.panel.editor.edit.setTextCursor(found)
            w.panel.editor.edit.centerCursor()
        w.table.setFocus()
        wait(200)
        w.panel.grab().save(str(out / "editor-redactions.png"))
        # 3. the queue with a failed job: ConnectWise refuses this session's note (a ticket that does not exist
        # can no longer be pushed to: the window refuses it before queuing)
        w.ask = lambda *a, **k: True
        demo.admin.add_fault(path="*/tickets/48405/notes", method="POST", status=403)
        w.push_current()
        sid2 = next(r.id for r in fd.services.cache.rows() if r.psa_ticket_id == 48211)
        w.select_session(sid2)
        wait_for(lambda: w.panel.ticket_card.ticket() is not None)
        w.push_current()
        wait_for(lambda: fd.services.outbox.counts().get("failed", 0) >= 1 and fd.services.outbox.counts().get("sent", 0) >= 1)
        w.tabs.setCurrentIndex(1)
        failed = next(j for j in fd.services.outbox.jobs() if j.state == "failed")
        w.queue_view.select_job(failed.id)
        wait(300)
        w.grab().save(str(out / "queue-failed.png"))
        # 3b. an outage: sending held off, in the status bar, a banner, the tray and the waiting job's detail
        demo.simulate_outage()
        sid3 = next(r.id for r in fd.services.cache.rows() if r.psa_ticket_id == 48397)
        w.tabs.setCurrentIndex(0)
        w.select_session(sid3)
        w.push_current()
        wait_for(lambda: fd.controller.held is not None)
        w.tabs.setCurrentIndex(1)
        held = next(j for j in fd.services.outbox.jobs() if j.ticket_id == 48397 and j.kind == "note")
        w.queue_view.select_job(held.id)
        wait(300)
        w.grab().save(str(out / "queue-held.png"))
        # 4. the settings dialog
        w.tabs.setCurrentIndex(0)
        fd.open_settings()
        wait(300)
        fd.settings_dialog.grab().save(str(out / "settings.png"))
        fd.settings_dialog.reject()
        # 5. the tray icon and its menu (with a tray host such as trayer: the real thing, grabbed from the screen)
        if fd.tray is not None:
            from PySide6.QtCore import QPoint
            from PySide6.QtWidgets import QSystemTrayIcon

            screen = app.primaryScreen()
            w.hide()
            icon = fd.tray.tray.geometry()
            # 5a. the failure notification, as the tray shows it (Qt's own balloon on an XEmbed tray)
            fd.tray.tray.showMessage(fd.tray.shown[-1].title, fd.tray.shown[-1].text,
                                     QSystemTrayIcon.MessageIcon.Critical, 10000)
            wait(600)
            area = icon.adjusted(-560, -150, 0, 0)
            screen.grabWindow(0, area.x(), area.y(), area.width(), area.height()).save(str(out / "tray-notification.png"))
            fd.tray.tray.showMessage("", "", QSystemTrayIcon.MessageIcon.NoIcon, 1)  # hides the balloon
            wait(300)
            # 5b. the tray icon and its menu, opened above the icon
            menu = fd.tray.menu
            size = menu.sizeHint()
            menu.popup(QPoint(icon.right() - size.width(), icon.top() - size.height() - 6))
            wait(600)
            if os.environ.get("FLOWDESK_SHOTS_DEBUG"):
                screen.grabWindow(0).save(str(out / "debug-screen.png"))
            area = menu.geometry().united(icon).adjusted(-30, -12, 4, 4)
            screen.grabWindow(0, area.x(), area.y(), area.width(), area.height()).save(str(out / "tray-menu.png"))
        else:
            from flowdesk.ui.tray import TrayController

            menu = TrayController(fd.controller, parent=w).menu
            fd.controller._publish_queue_status()
            menu.popup(w.mapToGlobal(w.rect().center()))
            wait(300)
            menu.grab().save(str(out / "tray-menu.png"))
        menu.hide()
    finally:
        fd.shutdown()
    if not variant:
        for child, extra in (("dark", {}), ("scale2", {"QT_SCALE_FACTOR": "2"}), ("first-run", {})):
            env = dict(os.environ, FLOWDESK_SHOTS_VARIANT=child, **extra)
            with tempfile.TemporaryDirectory() as home:
                if child == "first-run":
                    env["FLOWDESK_HOME"] = home
                subprocess.run([sys.executable, __file__, str(out)], env=env, check=True)
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    sys.exit(main())
