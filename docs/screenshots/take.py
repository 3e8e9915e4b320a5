"""Take the README's screenshots of the real window, in demo mode, under Xvfb.

    xvfb-run -a -s "-screen 0 1440x900x24" sh -c 'trayer --edge bottom --align right --widthtype pixel \
        --width 120 --heighttype pixel --height 28 & sleep 1; uv run python docs/screenshots/take.py [OUT_DIR]'

(trayer gives Xvfb a system tray, so the tray icon and its menu are real; without it the menu is
grabbed on its own.)

It starts FlowDesk's demo (the in-process sandbox), drives the window as a user would (select a
session, push a note to a ticket that does not exist so one job fails, open the settings, open the tray
menu) and grabs each view to a PNG. Look at every image before committing it.
"""

from __future__ import annotations

import os
import sys
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


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    out.mkdir(parents=True, exist_ok=True)
    from flowdesk.ui.app import FlowDeskApp, make_application
    from flowdesk.ui.demo import DemoEnvironment

    demo = DemoEnvironment.create()
    app = make_application()
    from flowdesk.paths import AppPaths

    fd = FlowDeskApp(AppPaths.from_env(), demo=demo)
    w = fd.window
    w.resize(1400, 860)
    fd.start()
    try:
        wait_for(lambda: w.session_model.rowCount() >= 12)
        wait(300)
        # 1. the main window with sessions, a session selected and its ticket looked up
        w.select_session(next(r.id for r in fd.services.cache.rows() if r.psa_ticket_id == 48211))
        wait_for(lambda: w.panel.ticket_card.ticket() is not None)
        wait(200)
        w.grab().save(str(out / "main-window.png"))
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
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    sys.exit(main())
