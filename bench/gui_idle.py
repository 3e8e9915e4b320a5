"""Child process of the idle benchmark (``python -m bench.gui_idle``, parameters on stdin).

``mode: "app"``: the real FlowDesk window (``FlowDeskApp``: window, timers, push worker thread, task pool)
over a FLOWDESK_HOME with cached sessions and an empty queue. ``mode: "floor"``: a bare QMainWindow +
QTableView with as many rows. Each is started, left to settle for ``settle_ms`` (the first paint, the
start-up drain and refresh), then the CPU time of the whole process (every thread: user + system) is
read before and after ``seconds`` of running its event loop untouched.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import child_main
from bench.qt_helpers import spin, use_memory_keyring, wait_until


def cpu() -> float:
    return time.process_time()


def main(p: dict[str, Any]) -> dict[str, Any]:
    if p["mode"] == "app":
        use_memory_keyring()
        from flowdesk.paths import AppPaths
        from flowdesk.ui.app import FlowDeskApp, make_application

        make_application(["flowdesk"])
        fd = FlowDeskApp(AppPaths.from_env(), has_tray=False)
        fd.start()
        window: Any = fd.window
    else:
        from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

        from bench.gui_scale import RowsModel

        QApplication(["floor"])
        window = QMainWindow()
        view = QTableView(window)
        model = RowsModel()
        model.set_rows([("Resolved", f"#{i}", "Client", f"Session {i}", "2026-11-18 14:40", "1h 05m", "") for i in range(p["rows"])])
        view.setModel(model)
        window.setCentralWidget(view)
        window.resize(1280, 800)
        window.show()
    assert wait_until(window.isVisible, 10_000)
    spin(p["settle_ms"])
    c0, t0 = cpu(), time.perf_counter()
    spin(int(p["seconds"] * 1000))
    c1, t1 = cpu(), time.perf_counter()
    if p["mode"] == "app":
        fd.shutdown()
    return {"cpu_seconds": c1 - c0, "wall_seconds": t1 - t0}


if __name__ == "__main__":
    child_main(main)
