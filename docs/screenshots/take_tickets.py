"""Take the screenshots of the ticket finder with results and of the other-company warning, in demo mode,
under Xvfb (as ``take.py``; no tray needed):

    xvfb-run -a -s "-screen 0 1440x900x24" uv run python docs/screenshots/take_tickets.py [OUT_DIR]

Look at every image before committing it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from take import wait, wait_for  # type: ignore[import-not-found]


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    out.mkdir(parents=True, exist_ok=True)
    from flowdesk.paths import AppPaths
    from flowdesk.ui.app import FlowDeskApp, make_application
    from flowdesk.ui.demo import DemoEnvironment

    demo = DemoEnvironment.create()
    make_application()
    fd = FlowDeskApp(AppPaths.from_env(), demo=demo)
    w = fd.window
    w.resize(1400, 860)
    fd.start()
    try:
        wait_for(lambda: w.session_model.rowCount() >= 12)
        wait(300)
        # 1. the walk-up session (no ticket): the engineer types words into the finder
        walkup = next(r.id for r in fd.services.cache.rows() if r.psa_ticket_id is None)
        w.select_session(walkup)
        finder = w.panel.ticket_card.finder
        finder.field.setFocus()
        finder.field.setText("printer")
        finder.field.textEdited.emit("printer")
        wait_for(lambda: finder.results.count() > 0)
        wait(300)
        w.grab().save(str(out / "ticket-finder.png"))
        # 2. Brightsmile's session with Harlow & Pierce's ticket typed in: the warning in the ticket card
        finder.clear()
        sid = next(r.id for r in fd.services.cache.rows() if r.psa_ticket_id == 48211)
        w.select_session(sid)
        wait_for(lambda: w.panel.ticket_card.ticket() is not None)
        w.panel.ticket_card.number.setText("48397")
        w.panel.ticket_card.number.editingFinished.emit()
        wait_for(lambda: w.panel.ticket_card.company.isVisible())
        wait(300)
        w.panel.grab().save(str(out / "other-company.png"))
    finally:
        fd.shutdown()
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    sys.exit(main())
