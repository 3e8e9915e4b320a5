"""Child process of the ticket finder benchmark (``python -m bench.gui_finder``, parameters on stdin).

The real FlowDesk window (``FlowDeskApp``) over a FLOWDESK_HOME whose ConnectWise account is the sandbox's
(run by the parent process with its latency). For each query the finder's field is cleared, the query is
typed with real key events (``QTest``), and the time is taken from the last keystroke to the end of the
paint pass that showed the results list: the debounce, the look-up on the task pool (one ConnectWise
request), the hand-back to the GUI thread and the repaint. The floor is the same look-up alone:
``find_tickets`` on a kept-alive ``ConnectWiseClient`` in the same process, with no window and no debounce.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import child_main, percentile
from bench.qt_helpers import PaintClock, app_with_keys, spin, wait_until


def main(p: dict[str, Any]) -> dict[str, Any]:
    fd = app_with_keys(p["public_key"], p["private_key"])
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from flowdesk.ui.ticket_finder import FINDER_DEBOUNCE_MS

    fd.start()
    w = fd.window
    assert wait_until(w.isVisible, 10_000)
    spin(p["warm_ms"])
    assert w.select_first_session()
    finder = w.panel.ticket_card.finder
    clock = PaintClock([finder.results, finder.status, finder.field])
    shown: list[tuple[float, int]] = []
    finder.results_shown.connect(lambda n: shown.append((time.perf_counter(), n)))
    finder.field.setFocus()

    def one(query: str) -> tuple[float, int]:
        finder.clear()
        spin(3 * FINDER_DEBOUNCE_MS)  # nothing in flight, nothing pending
        shown.clear()
        QTest.keyClicks(finder.field, query[:-1])
        t0 = time.perf_counter()
        QTest.keyClick(finder.field, query[-1])
        assert wait_until(lambda: bool(shown), 10_000, step_ms=1), query
        spin(30)  # the repaint the answer causes
        took = clock.shown_since(t0, finder.results if shown[-1][1] else finder.status)
        return (took if took is not None else shown[-1][0] - t0) * 1000, shown[-1][1]

    one(p["queries"][0])  # warm-up: the finder's client signs in once (keyring, companyinfo)
    keys_ms: list[float] = []
    found: dict[str, int] = {}
    for _ in range(p["rounds"]):
        for q in p["queries"]:
            ms, n = one(q)
            keys_ms.append(ms)
            found[q] = n
    enter = 0
    QTest.keyClick(finder.field, Qt.Key.Key_Return)  # the last query's first ticket is linked
    enter = finder.results.count()

    # the floor: the same look-ups without the window
    from flowdesk.connectwise.search import find_tickets, parse_ticket_text

    client = fd.controller.connectwise_client()
    floor_ms: list[float] = []
    with client:
        find_tickets(client, parse_ticket_text(p["queries"][0]))
        for _ in range(p["rounds"]):
            for q in p["queries"]:
                t0 = time.perf_counter()
                find_tickets(client, parse_ticket_text(q))
                floor_ms.append((time.perf_counter() - t0) * 1000)
    fd.shutdown()
    return {
        "keys_ms": keys_ms, "p95_ms": percentile(keys_ms, 95), "floor_ms": floor_ms,
        "floor_p95_ms": percentile(floor_ms, 95), "found": found, "debounce_ms": FINDER_DEBOUNCE_MS,
        "results_left_after_enter": enter,
    }  # fmt: skip


if __name__ == "__main__":
    child_main(main)
