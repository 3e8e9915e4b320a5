"""The first-paint notifier the app starts its work on, and the start-up benchmark's hook on it."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QTableView

from flowdesk.ui import firstpaint
from flowdesk.ui.firstpaint import FIRST_PAINT_ENV, FirstPaint, after_first_paint, exit_after_first_paint

pytestmark = pytest.mark.usefixtures("qapp")


def test_painted_once_after_the_first_paint_pass(qtbot, qapp):
    view = QTableView()
    qtbot.addWidget(view)
    fp = FirstPaint(view.viewport())
    calls: list[str] = []
    fp.painted.connect(lambda: calls.append("painted"))
    with qtbot.waitSignal(fp.painted, timeout=5000):
        view.show()
    assert fp.done and calls == ["painted"]
    view.viewport().repaint()  # a later paint says nothing
    qapp.processEvents()
    assert calls == ["painted"]


def test_work_starts_one_turn_after_the_first_paint_and_only_once(qtbot):
    view = QTableView()
    qtbot.addWidget(view)
    fp = FirstPaint(view.viewport())
    order: list[str] = []
    fp.painted.connect(lambda: order.append("painted"))
    after_first_paint(fp, lambda: order.append("work"), fallback_ms=60_000)
    with qtbot.waitSignal(fp.painted, timeout=5000):
        view.show()
    assert order == ["painted"]  # not in the same turn as the paint's end
    qtbot.waitUntil(lambda: order == ["painted", "work"], timeout=5000)


def test_work_starts_after_the_fallback_when_nothing_is_ever_painted(qtbot):
    view = QTableView()  # never shown
    qtbot.addWidget(view)
    fp = FirstPaint(view.viewport())
    work: list[str] = []
    after_first_paint(fp, lambda: work.append("work"), fallback_ms=10)
    qtbot.waitUntil(lambda: work == ["work"], timeout=5000)
    assert not fp.done


def test_the_benchmark_hook_reports_the_end_of_the_first_paint_then_quits(qtbot, capsys, monkeypatch):
    view = QTableView()
    qtbot.addWidget(view)
    fp = FirstPaint(view.viewport())
    assert exit_after_first_paint(fp, {}) is False  # not asked for: nothing connected
    quits: list[bool] = []
    monkeypatch.setattr(firstpaint.QApplication, "quit", lambda: quits.append(True))
    assert exit_after_first_paint(fp, {FIRST_PAINT_ENV: "1"}) is True
    with qtbot.waitSignal(fp.painted, timeout=5000):
        view.show()
    mark, stamp = capsys.readouterr().out.split()
    assert mark == "flowdesk-first-paint" and float(stamp) > 0 and quits == [True]
