"""Child process of the idle benchmark (``python -m bench.gui_idle``, parameters on stdin).

``mode: "app"``: the real FlowDesk window (``FlowDeskApp``: window, timers, push worker thread, task pool)
over a FLOWDESK_HOME with cached sessions and an empty queue. ``mode: "floor"``: a bare QMainWindow +
QTableView with as many rows. Each is started, left to settle for ``settle_ms`` (the first paint, the
start-up drain and refresh), then the CPU time of the whole process (every thread: user + system) is
read before and after ``seconds`` of running its event loop untouched. The settle is longer than
``flowdesk.ui.blink.BLINK_TIMEOUT_MS``: a text cursor blinks for that long after the last input, as on
Windows (``CaretTimeout``) and GTK; idle is what follows.

Per source, without disturbing what is measured (an application-wide Python event filter costs more
than the whole idle app): ``threads``, the CPU milliseconds of each thread while idle (Linux
``/proc/self/task/*/schedstat``; empty elsewhere); ``timers``, each FlowDesk timer's state at the end
(``idle`` or the seconds until it fires: every one is armed for a real event only); ``gc_ms``, the
time spent in Python's cyclic garbage collector; ``wakeups``, how many times the process's threads were
put on a CPU while idle (Linux ``schedstat``). The CPU time of a process that wakes once can still be tens
of milliseconds on a busy virtual machine (a bare ``time.sleep(10)`` was charged 16 ms, in two runs on a
CPU, at 22:20 on December 4): the wake-ups count what FlowDesk does, whatever the hour.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import child_main
from bench.qt_helpers import spin, use_memory_keyring, wait_until


def cpu() -> float:
    return time.process_time()


def thread_stats() -> tuple[dict[str, float], dict[str, int]]:
    """By thread name: CPU milliseconds of each thread of this process so far, and how many times it was
    put on a CPU (each wake-up). Linux ``schedstat``; elsewhere nothing."""
    out: Counter[str] = Counter()
    runs: Counter[str] = Counter()
    try:
        for task in Path("/proc/self/task").iterdir():
            try:
                fields = (task / "schedstat").read_text().split()
                name = (task / "comm").read_text().strip()
                out[name] += int(fields[0]) / 1e6
                runs[name] += int(fields[2])
            except (OSError, ValueError, IndexError):  # the thread ended meanwhile
                continue
    except OSError:
        return {}, {}
    return dict(out), dict(runs)


def gc_timer() -> dict[str, float]:
    """Milliseconds spent in the cyclic garbage collector, by generation, from now on."""
    out: dict[str, float] = {}
    started = [0.0]

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.process_time()
        else:
            key = f"gen{info['generation']}"
            out[key] = out.get(key, 0.0) + (time.process_time() - started[0]) * 1000

    gc.callbacks.append(callback)
    return out


def timer_states(*owners: Any) -> dict[str, str]:
    """Each named QTimer under these objects: 'idle', or the seconds until it fires."""
    from PySide6.QtCore import QTimer

    out = {}
    for owner in owners:
        for timer in owner.findChildren(QTimer):
            if timer.objectName():
                out[timer.objectName()] = f"in {timer.remainingTime() / 1000:.0f} s" if timer.isActive() else "idle"
    return out


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
    gc_ms = gc_timer()
    threads0, runs0 = thread_stats()
    c0, t0 = cpu(), time.perf_counter()
    spin(int(p["seconds"] * 1000))
    c1, t1 = cpu(), time.perf_counter()
    threads1, runs1 = thread_stats()
    gc.callbacks.clear()
    threads = {name: round(ms - threads0.get(name, 0.0), 3) for name, ms in threads1.items()}
    # the wake-ups, read the same way at both ends (the main thread's reads themselves count: 1-2 each)
    wakeups = {name: n - runs0.get(name, 0) for name, n in runs1.items()}
    result = {"cpu_seconds": c1 - c0, "wall_seconds": t1 - t0, "threads_ms": threads, "gc_ms": gc_ms,
              "wakeups": sum(wakeups.values()), "thread_wakeups": wakeups}  # fmt: skip
    if p["mode"] == "app":
        from PySide6.QtWidgets import QApplication

        result["timers"] = timer_states(fd.window, fd.controller, QApplication.instance())
        result["cursor_flash_ms"] = QApplication.cursorFlashTime()
        fd.shutdown()
    return result


if __name__ == "__main__":
    child_main(main)
