"""Start-up: process start to the main window painted with 1,000 cached sessions, against a bare window.

Both are subprocesses started the same way (``sys.executable``, offscreen). The time is taken from just
before ``Popen`` to the ``time.monotonic()`` the child prints when its first paint pass has finished
(CLOCK_MONOTONIC is one clock for every process on the machine). FlowDesk is started as the engineer
starts it (``python -m flowdesk``, its own FLOWDESK_HOME with 1,000 sessions cached) with the
``FLOWDESK_EXIT_AFTER_FIRST_PAINT`` hook of ``flowdesk/ui/firstpaint.py``. Runs alternate between the two; one
warm-up run of each is not counted (it fills the OS file cache and writes the bytecode: see
``bench.common.PYCACHE``). A few runs without any bytecode are recorded too (``extra``), not judged.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import REPO, Figure, child_env
from bench.data import prepare_home

MARK = "flowdesk-first-paint"


def first_paint_ms(cmd: list[str], env: dict[str, str]) -> float:
    start = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    for line in p.stdout.splitlines():
        if line.startswith(MARK):
            return (float(line.split()[1]) - start) * 1000
    raise RuntimeError(f"{cmd} exited {p.returncode} without reporting a paint:\n{p.stdout[-1000:]}\n{p.stderr[-3000:]}")


def run(opts: dict[str, Any]) -> list[Figure]:
    sessions = opts["startup_sessions"]
    runs = opts["startup_runs"]
    with tempfile.TemporaryDirectory(prefix="flowdesk-bench-startup-") as tmp:
        home = prepare_home(Path(tmp) / "home", sessions)
        app_cmd = [sys.executable, "-m", "flowdesk"]
        app_env = child_env(FLOWDESK_HOME=str(home), FLOWDESK_EXIT_AFTER_FIRST_PAINT="1")
        floor_cmd = [sys.executable, str(REPO / "bench" / "floor_window.py"), str(sessions)]
        floor_env = child_env()
        first_paint_ms(app_cmd, app_env)  # warm-up, not counted
        first_paint_ms(floor_cmd, floor_env)
        app, floor = [], []
        for _ in range(runs):
            app.append(first_paint_ms(app_cmd, app_env))
            floor.append(first_paint_ms(floor_cmd, floor_env))
        # For the record: the same start without any bytecode (every module compiled from source, as with
        # PYTHONDONTWRITEBYTECODE=1 and no .pyc files); not judged.
        cold_env = dict(app_env, PYTHONDONTWRITEBYTECODE="1")
        cold_env.pop("PYTHONPYCACHEPREFIX", None)
        cold = [first_paint_ms(app_cmd, cold_env) for _ in range(opts["startup_cold_runs"])]
    return [
        Figure(
            key="startup",
            section="start-up",
            label=f"start-up to first paint ({sessions:,} sessions)",
            unit="ms",
            runs=app,
            reference_label="bare QMainWindow+QTableView",
            reference_runs=floor,
            check="ratio",
            limit=1.5,
            note=f"median of {runs} runs each, alternating; process start to the end of the first paint; "
            "with compiled bytecode, as installed",
            extra={"without_bytecode_ms": cold},
        )
    ]
