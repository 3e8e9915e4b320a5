"""What every benchmark shares: figures and their targets, statistics, child processes, the machine."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULT_MARK = "BENCH-RESULT "


# -- statistics ------------------------------------------------------------------------------------
def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return float(s[lo] + (s[hi] - s[lo]) * (k - lo))


# -- figures ---------------------------------------------------------------------------------------
@dataclass
class Figure:
    """One reported number: the median over ``runs``, next to its floor or peer from the same run.

    ``check`` says what the target bounds: ``"value"`` (value <= limit, e.g. 16 ms), ``"ratio"``
    (value / reference <= limit, e.g. 2.0x the floor) or ``"speedup"`` (reference / value >= limit,
    e.g. 1.5x faster than the peer); ``"record"`` is a figure kept for the record, with no target.
    """

    key: str
    section: str
    label: str
    unit: str
    runs: list[float]
    reference_label: str
    reference_runs: list[float]
    check: str
    limit: float
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float:
        return median(self.runs)

    @property
    def reference(self) -> float:
        return median(self.reference_runs)

    @property
    def ratio(self) -> float:
        """value / reference (for "speedup": reference / value, the times faster)."""
        v, r = self.value, self.reference
        if self.check == "speedup":
            return r / v if v else math.nan
        return v / r if r else math.nan

    @property
    def passed(self) -> bool:
        if self.check == "value":
            return self.value <= self.limit
        if self.check == "ratio":
            return self.ratio <= self.limit
        if self.check == "speedup":
            return self.ratio >= self.limit
        if self.check == "record":
            return True
        raise ValueError(self.check)

    @property
    def target(self) -> str:
        if self.check == "value":
            return f"<= {fmt(self.limit, self.unit)}"
        if self.check == "ratio":
            return f"<= {self.limit:g}x floor"
        if self.check == "record":
            return "recorded"
        return f">= {self.limit:g}x faster"

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(value=self.value, reference=self.reference, ratio=self.ratio, target=self.target,
                 passed=self.passed, status="-" if self.check == "record" else "PASS" if self.passed else "MISS")  # fmt: skip
        return d


def fmt(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "MB":
        return f"{value:.1f} MB" if abs(value) < 10 else f"{value:.0f} MB"
    return f"{value:.3g} {unit}"


def table(figures: Sequence[Figure]) -> str:
    rows = [("figure", "value", "floor / peer (same run)", "ratio", "target", "")]
    for f in figures:
        ratio = f"{f.ratio:.2f}x" + (" faster" if f.check == "speedup" else "")
        rows.append((f.label, fmt(f.value, f.unit), f"{fmt(f.reference, f.unit)} {f.reference_label}", ratio,
                     f.target, "-" if f.check == "record" else "PASS" if f.passed else "MISS"))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


# -- child processes -------------------------------------------------------------------------------
def run_child(
    args: Sequence[str], *, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 600
) -> dict[str, Any]:
    """Run ``python -m <args>`` and return the JSON it printed after :data:`RESULT_MARK`."""
    cmd = [sys.executable, "-m", *args]
    p = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    for line in reversed(p.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise RuntimeError(f"{' '.join(args)} exited {p.returncode} without a result:\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")


def child_main(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Entry point of a child: parameters as JSON on stdin, the result as one marked JSON line."""
    params = json.loads(sys.stdin.read() or "{}")
    result = fn(params)
    print(RESULT_MARK + json.dumps(result), flush=True)


# Children run with compiled bytecode, as an installed FlowDesk does (a pip/uv install or a bundle ships
# .pyc files). A machine that sets PYTHONDONTWRITEBYTECODE=1 (this one does) would otherwise compile every
# module of FlowDesk, pydantic, httpx... on every start: that is not what an engineer's start-up costs.
# So children write their bytecode under a private prefix (set by ``python -m bench`` to a folder of its
# temporary directory), never into the source tree or the virtual environment; warm-up runs fill it.
PYCACHE: str | None = None


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    if PYCACHE is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = PYCACHE
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


# -- process measurements --------------------------------------------------------------------------
def rss_mb() -> dict[str, float]:
    """This process's resident set now and at its peak (MB)."""
    out: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out["rss" if line.startswith("VmRSS") else "peak"] = int(line.split()[1]) / 1024
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out["peak"] = peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
        out["rss"] = out["peak"]
    return out


# -- the machine -----------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        qt = f"PySide6 {PySide6.__version__}, Qt {qVersion()}"
    except ImportError:
        qt = "PySide6 missing"
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"') + f" ({platform.release()})"
    except OSError:
        pass
    return {
        "os": os_name,
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "qt": qt,
        "qpa": "offscreen",
    }
