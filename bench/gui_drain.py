"""Child process of the responsiveness benchmark (``python -m bench.gui_drain``, parameters on stdin).

The real FlowDesk window (``FlowDeskApp``) over a FLOWDESK_HOME whose ConnectWise account is the sandbox's
(run by the parent process, so the server does not share this process's GIL), with N notes queued and
sending paused. A 5 ms precise QTimer ticks on the GUI thread the whole time. First the idle window is
measured for ``idle_ms`` (the floor), then sending is resumed as the engineer would (``set_paused(False)``:
the push worker thread drains the queue) and the heartbeat is measured until every note is sent.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import child_main, percentile, rss_mb
from bench.qt_helpers import Heartbeat, app_with_keys, spin, wait_for, wait_until


def main(p: dict[str, Any]) -> dict[str, Any]:
    fd = app_with_keys(p["public_key"], p["private_key"])
    n = p["notes"]
    outbox = fd.services.outbox
    assert outbox.paused_reason(), "the prepared queue must be paused"
    hb = Heartbeat(5)
    hb.start()
    fd.start()
    assert wait_until(lambda: fd.window.isVisible(), 10_000)
    spin(p["warm_ms"])  # start-up work settles (first paint, the start-up drain that finds the queue paused)

    idle_from = time.perf_counter()
    spin(p["idle_ms"])
    idle_to = time.perf_counter()

    finished: list[Any] = []
    fd.controller.drain_finished.connect(lambda r: finished.append((time.perf_counter(), r)))
    import os

    prof = None
    if os.environ.get("BENCH_PROFILE"):  # BENCH_PROFILE=FILE: pyinstrument's view of the GUI thread while it drains
        from pyinstrument import Profiler

        prof = Profiler(interval=0.0005)
        prof.start()
    t0 = time.perf_counter()
    fd.controller.set_paused(False)  # "Resume sending"
    # Looked at when a drain run ends, not every 20 ms: the SQLite count would run on the measured thread.
    ok = wait_for(fd.controller.drain_finished, lambda: bool(finished) and outbox.counts()["sent"] >= n, p["timeout_ms"])
    t1 = finished[-1][0] if finished else time.perf_counter()
    if prof is not None:
        prof.stop()
        with open(os.environ["BENCH_PROFILE"], "w", encoding="utf-8") as out:
            out.write(prof.output_text(show_all=False))
    spin(50)
    hb.stop()
    counts = outbox.counts()
    drain_gaps = hb.gaps_ms(t0, t1)
    idle_gaps = hb.gaps_ms(idle_from, idle_to)
    mem = rss_mb()
    fd.shutdown()
    return {
        "ok": ok,
        "sent": counts["sent"],
        "counts": counts,
        "drain_seconds": t1 - t0,
        "max_gap_ms": max(drain_gaps),
        "p99_gap_ms": percentile(drain_gaps, 99),
        "ticks": len(drain_gaps),
        "gaps_over_16ms": sum(1 for g in drain_gaps if g > 16),
        "idle_max_gap_ms": max(idle_gaps),
        "idle_p99_gap_ms": percentile(idle_gaps, 99),
        "worst_gaps_ms": sorted(drain_gaps)[-10:],
        "rss_mb": mem["rss"],
    }


if __name__ == "__main__":
    child_main(main)
