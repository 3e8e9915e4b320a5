"""Child process of the scale benchmark (``python -m bench.gui_scale``, parameters as JSON on stdin).

``mode: "app"`` — the real FlowDesk window (``FlowDeskApp``: services, controller, push thread) over a
FLOWDESK_HOME with N cached sessions:

* model load and first paint: ``controller.reload_sessions()`` (what a refresh or import ends with: the
  store's list of N rows, the model, the proxy) until the end of the repaint of the table;
* filter keystrokes: key presses sent to the real search box (``QTest.keyClicks``), through the real
  ``SessionSortFilterProxy``, until the end of the repaint they caused;
* resident memory of the process afterwards (now and peak).

``mode: "floor"`` — a bare window over the same SQLite file: a plain ``sqlite3`` read of the same rows into
a minimal Python table model (the floor for the load), and Qt's stock ``QSortFilterProxyModel``
(``setFilterFixedString`` on every column) over that model for the same key presses (the peer most
PySide6 code would use).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow, QTableView, QVBoxLayout, QWidget

from bench.common import child_main, percentile, rss_mb
from bench.qt_helpers import PaintClock, spin, timed_interaction, use_memory_keyring, wait_until


def keystrokes(queries: list[str]) -> list[str]:
    """Each query typed letter by letter, then erased with Backspace."""
    keys: list[str] = []
    for q in queries:
        keys += list(q)
        keys += ["\b"] * len(q)
    return keys


def press(widget: Any, key: str) -> None:
    if key == "\b":
        QTest.keyClick(widget, Qt.Key.Key_Backspace)
    else:
        QTest.keyClicks(widget, key)


def type_all(
    clock: PaintClock, box: Any, table: Any, keys: list[str], settle_ms: int, rows: Any
) -> tuple[list[float], list[int]]:
    """Each key press timed until the table shows its result (or, when the rows did not change, the box
    shows the key); the line edit's clear-button fade frames that follow are not counted."""
    times, counts = [], []
    for k in keys:
        times.append(timed_interaction(clock, lambda k=k: press(box, k), settle_ms, target=table, echo=box))
        counts.append(rows())
    return times, counts


def run_app(p: dict[str, Any]) -> dict[str, Any]:
    use_memory_keyring()
    from flowdesk.paths import AppPaths
    from flowdesk.ui.app import FlowDeskApp, make_application

    make_application(["flowdesk"])
    fd = FlowDeskApp(AppPaths.from_env(), has_tray=False)
    w = fd.window
    clock = PaintClock([w.table.viewport(), w.search])
    fd.start()
    assert wait_until(lambda: bool(clock.ends), 20_000), "the window was never painted"
    spin(p["settle_ms"] * 5)  # the start-up drain and refresh finish
    w.activateWindow()
    w.search.setFocus()
    n = w.proxy.rowCount()
    loads = [timed_interaction(clock, fd.controller.reload_sessions, p["settle_ms"], target=w.table.viewport())
             for _ in range(p["reloads"])]  # fmt: skip
    assert w.proxy.rowCount() == n == p["sessions"], (n, p["sessions"])
    keys = keystrokes(p["queries"])
    times, counts = [], []
    for _ in range(p["typing_rounds"]):
        t, c = type_all(clock, w.search, w.table.viewport(), keys, p["settle_ms"], w.proxy.rowCount)
        times += t
        counts += c
    assert w.search.text() == "" and w.proxy.rowCount() == n
    mem = rss_mb()
    fd.shutdown()
    return {"load_ms": loads, "key_ms": times, "rows_after_key": counts, "rss_mb": mem["rss"], "peak_rss_mb": mem["peak"],
            "key_p95_ms": percentile(times, 95), "rows": n}  # fmt: skip


class RowsModel(QAbstractTableModel):
    """The least a Python table model can be: a list of tuples of strings."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, ...]] = []

    def set_rows(self, rows: list[tuple[str, ...]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else 7

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        return None


def read_rows(db: str) -> list[tuple[str, ...]]:
    conn = sqlite3.connect(db)
    try:
        return [
            tuple("" if v is None else str(v) for v in r)
            for r in conn.execute(
                "SELECT status, psa_ticket_id, client_name, summary, sort_at, duration_seconds, '' FROM sessions "
                "ORDER BY sort_at DESC, id DESC"
            )
        ]
    finally:
        conn.close()


def bare_window(model: Any) -> tuple[QMainWindow, QLineEdit, QTableView]:
    window = QMainWindow()
    central = QWidget(window)
    layout = QVBoxLayout(central)
    box = QLineEdit(central)
    view = QTableView(central)
    view.setModel(model)
    layout.addWidget(box)
    layout.addWidget(view)
    window.setCentralWidget(central)
    window.resize(1280, 800)
    window.show()
    return window, box, view


def run_floor(p: dict[str, Any]) -> dict[str, Any]:
    QApplication(["floor"])
    db = p["db"]
    model = RowsModel()
    window, box, view = bare_window(model)
    clock = PaintClock([view.viewport(), box])
    assert wait_until(lambda: bool(clock.ends), 20_000)
    spin(p["settle_ms"])
    loads = [timed_interaction(clock, lambda: model.set_rows(read_rows(db)), p["settle_ms"], target=view.viewport())
             for _ in range(p["reloads"])]  # fmt: skip
    assert model.rowCount() == p["sessions"]
    mem = rss_mb()  # the bare window holding the same rows
    window.close()

    # (QStandardItemModel would keep the filtering in C++, but PySide6 6.12's setItem/appendRow drop a
    # reference to None on every call and crash Python 3.11: the peer is the stock proxy most would write.)
    source = RowsModel()
    source.set_rows(read_rows(db))
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(source)
    proxy.setFilterKeyColumn(-1)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    window2, box2, view2 = bare_window(proxy)
    box2.textChanged.connect(proxy.setFilterFixedString)
    clock2 = PaintClock([view2.viewport(), box2])
    assert wait_until(lambda: bool(clock2.ends), 20_000)
    box2.activateWindow()
    box2.setFocus()
    spin(p["settle_ms"])
    # One round: the stock proxy calls the Python model's data() for every row and column per key press.
    times, _c = type_all(clock2, box2, view2.viewport(), keystrokes(p["queries"]), p["settle_ms"], proxy.rowCount)
    return {"load_ms": loads, "key_ms": times, "rss_mb": mem["rss"], "peak_rss_mb": mem["peak"],
            "key_p95_ms": percentile(times, 95), "rows": source.rowCount()}  # fmt: skip


def main(p: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    out = run_app(p) if p["mode"] == "app" else run_floor(p)
    out["seconds"] = time.perf_counter() - started
    return out


if __name__ == "__main__":
    child_main(main)
