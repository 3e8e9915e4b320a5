"""Timings of the session cache paths with 10,000 sessions (sample-sized bodies, ~6 KB each).

    uv run python tests/tools/bench_sessions.py [--n 10000] [--latency-ms 0] [--rounds 3]

Prints the median of ``--rounds`` runs (each in a fresh temp folder) for:
  import, one file      import_paths() of one JSON file holding the n sessions
  import, n files       import_paths() of a folder of n one-session files
  refresh, first        refresh_sessions() of an empty cache against the sandbox (n + 18 bodies)
  refresh, unchanged    the next refresh (updated_since; no bodies)
  refresh, full         refresh_sessions(full=True) with nothing changed (every summary; no bodies)
  list 50 / list all    SessionCache.rows(limit=50) / rows() of every row
  cli list              `flowdesk sessions list --limit 50` as a subprocess (start-up included)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flowdesk.resolutionflow.client import ResolutionFlowClient
from flowdesk.resolutionflow.importer import import_paths
from flowdesk.resolutionflow.sync import refresh_sessions
from flowdesk.resources import samples_dir
from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from flowdesk.store import Database, SessionCache


def make_sessions(n: int) -> list[dict]:
    samples = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(samples_dir()).glob("*.json"))]
    base = datetime(2027, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        s = dict(samples[i % len(samples)])
        t = base + timedelta(minutes=i)
        s.update(id=f"bench-{i:06d}", created_at=(t - timedelta(hours=1)).isoformat(), updated_at=t.isoformat(),
                 resolved_at=t.isoformat() if s.get("status") == "resolved" else None, state_version=1)  # fmt: skip
        out.append(s)
    return out


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def one_round(sessions: list[dict], latency_ms: int) -> dict[str, float]:
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        one = root / "all.json"
        one.write_text(json.dumps(sessions))
        folder = root / "many"
        folder.mkdir()
        for s in sessions:
            (folder / f"{s['id']}.json").write_text(json.dumps(s))
        db = Database(root / "a.sqlite3")
        cache = SessionCache(db)
        out["import, one file"], report = timed(lambda: import_paths([one], cache))
        assert report.sessions == len(sessions)
        db.close()
        db = Database(root / "b.sqlite3")
        cache = SessionCache(db)
        out["import, n files"], report = timed(lambda: import_paths([folder], cache))
        assert report.sessions == len(sessions)
        out["list 50"], rows = timed(lambda: cache.rows(limit=50))
        out["list all"], rows = timed(lambda: cache.rows())
        assert len(rows) == len(sessions)
        db.close()
        home = root / "home"
        (home / "data").mkdir(parents=True)
        os.replace(root / "b.sqlite3", home / "data" / "flowdesk.sqlite3")
        env = dict(os.environ, FLOWDESK_HOME=str(home))
        out["cli list"], done = timed(
            lambda: subprocess.run([sys.executable, "-m", "flowdesk", "sessions", "list", "--limit", "50"], env=env,
                                   capture_output=True, text=True, check=True)  # fmt: skip
        )

        with Sandbox(latency_ms=latency_ms) as sb, SandboxAdmin.for_sandbox(sb) as admin:
            admin.add_sessions(sessions)
            info = sb.info.resolutionflow
            with ResolutionFlowClient(info.url) as client:
                client.sign_in(info.email, info.password)
                db = Database(root / "c.sqlite3")
                cache = SessionCache(db)
                out["refresh, first"], r = timed(lambda: refresh_sessions(client, cache))
                assert r.inserted == len(sessions) + 18
                out["refresh, unchanged"], r = timed(lambda: refresh_sessions(client, cache))
                assert r.fetched == 0
                out["refresh, full"], r = timed(lambda: refresh_sessions(client, cache, full=True))
                assert r.fetched == 0 and r.listed == len(sessions) + 18
                db.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    sessions = make_sessions(args.n)
    size = sum(len(json.dumps(s)) for s in sessions) / len(sessions)
    runs = [one_round(sessions, args.latency_ms) for _ in range(args.rounds)]
    print(f"{args.n} sessions, {size / 1024:.1f} KB each on average, sandbox latency {args.latency_ms} ms, "
          f"median of {args.rounds} rounds")  # fmt: skip
    for key in runs[0]:
        print(f"  {key:20} {statistics.median(r[key] for r in runs) * 1000:9.0f} ms")


if __name__ == "__main__":
    main()
