"""Child process of the throughput benchmark (``python -m bench.throughput``, parameters on stdin).

N notes — the exact bodies FlowDesk renders and redacts for sample-sized sessions — posted to the
sandbox's ConnectWise over TLS (the sandbox runs in the parent process, with its latency) by:

* ``flowdesk``: FlowDesk's ``Drainer.run_due()`` over an outbox holding the N queued jobs (each job
  committed to SQLite as ``sending`` before its POST and with its outcome after, as always), with a
  ``ConnectWiseClient`` from its client provider;
* ``pyconnectwise``: ``ConnectWiseManageAPIClient(...).service.tickets.id(t).notes.post(data=body)`` one by
  one, as its README shows; it uses ``requests`` and trusts the sandbox CA through ``REQUESTS_CA_BUNDLE``
  (set by the parent). It talks to the sandbox as it is: no shim was needed;
* ``httpx floor``: one ``httpx.Client`` (keep-alive) posting the same bodies in a loop.

Each contender's time includes building its client and finding the API (companyinfo), as a real run
does. The sandbox is reset before each run, and each run is checked to have stored exactly N notes.
Runs are interleaved (the order rotates) so drift on a noisy machine hits all three alike.

``"only": NAME`` runs one contender once in this process (after a 5-note warm-up), for the long-drain
figure: notes per second and the process's peak memory during the run (Linux: the peak is reset through
``/proc/self/clear_refs`` just before, so it is the drain's own peak, not the imports').
"""

from __future__ import annotations

import base64
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import child_main, rss_mb
from bench.data import note_bodies


class Watch:
    """What a long drain records along the way: when each note was stored (``stored()``), and — for FlowDesk,
    whose queue is filled by one enqueue of every job before the drain starts — ``queued()``, which restarts
    the peak memory there (the queue is the drain's input, as the bodies list is the httpx loop's)."""

    def __init__(self) -> None:
        self.start = 0.0  # perf_counter() when the contender started (set by it)
        self.marks: list[float] = []
        self.fill_growth_mb: float | None = None
        self.before = rss_mb()["rss"]
        self.reset = reset_peak_memory()

    def queued(self) -> None:
        self.fill_growth_mb = rss_mb()["peak"] - self.before if self.reset else None
        self.before = rss_mb()["rss"]
        reset_peak_memory()

    def stored(self) -> None:
        self.marks.append(time.perf_counter())


class Ctx:
    def __init__(self, p: dict[str, Any]) -> None:
        self.site: str = p["site"]
        self.company: str = p["company"]
        self.public_key: str = p["public_key"]
        self.private_key: str = p["private_key"]
        self.client_id: str = p["client_id"]
        self.ca_file: str = p["ca_file"]
        self.admin_url: str = p["admin"]


def run_flowdesk(ctx: Ctx, bodies: list[tuple[int, dict[str, Any]]], watch: Watch | None = None) -> float:
    from flowdesk.connectwise.client import ConnectWiseClient
    from flowdesk.credentials import connectwise_profile_key
    from flowdesk.push.drainer import Connection, Drainer
    from flowdesk.store.db import Database
    from flowdesk.store.outbox import NewJob, Outbox

    site_key = connectwise_profile_key(ctx.site, ctx.company)
    clients: list[Any] = []

    def provider(site: str) -> Connection:
        assert site == site_key
        client = ConnectWiseClient(ctx.site, ctx.company, ctx.public_key, ctx.private_key, ca_file=ctx.ca_file)
        clients.append(client)
        return Connection(client, "dwhitfield")

    with tempfile.TemporaryDirectory(prefix="flowdesk-bench-drain-") as tmp:
        db = Database(Path(tmp) / "flowdesk.sqlite3")
        outbox = Outbox(db)
        outbox.enqueue([NewJob(session_id=f"s{i}", ticket_id=t, kind="note", body=b, site=site_key, visibility="internal")
                        for i, (t, b) in enumerate(bodies)])  # fmt: skip
        if watch is not None:
            watch.queued()

        def on_change(job: Any) -> None:
            if watch is not None and job.state == "sent":
                watch.stored()

        start = time.perf_counter()
        if watch is not None:
            watch.start = start
        report = Drainer(outbox, provider, on_change=on_change).run_due()
        took = time.perf_counter() - start
        for c in clients:
            c.close()
        db.close()
    assert report.sent == len(bodies), report.summary()
    return took


def run_pyconnectwise(ctx: Ctx, bodies: list[tuple[int, dict[str, Any]]], watch: Watch | None = None) -> float:
    from pyconnectwise import ConnectWiseManageAPIClient

    host = ctx.site.removeprefix("https://")  # pyconnectwise builds https://{manage_url}/...
    start = time.perf_counter()
    client = ConnectWiseManageAPIClient(ctx.company, host, ctx.client_id, ctx.public_key, ctx.private_key)
    for ticket, body in bodies:
        note = client.service.tickets.id(ticket).notes.post(data=body)
        assert note.id
    return time.perf_counter() - start


def run_httpx(ctx: Ctx, bodies: list[tuple[int, dict[str, Any]]], watch: Watch | None = None) -> float:
    import ssl

    import httpx

    token = base64.b64encode(f"{ctx.company}+{ctx.public_key}:{ctx.private_key}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "clientId": ctx.client_id, "Accept": "application/json"}
    start = time.perf_counter()
    if watch is not None:
        watch.start = start
    with httpx.Client(verify=ssl.create_default_context(cafile=ctx.ca_file), headers=headers) as http:
        info = http.get(f"{ctx.site}/login/companyinfo/{ctx.company}").json()
        api = f"{ctx.site}/{info['Codebase']}apis/3.0"
        for ticket, body in bodies:
            r = http.post(f"{api}/service/tickets/{ticket}/notes", json=body)
            r.raise_for_status()
            assert r.json()["id"]
            if watch is not None:
                watch.stored()
    return time.perf_counter() - start


CONTENDERS = {"flowdesk": run_flowdesk, "pyconnectwise": run_pyconnectwise, "httpx": run_httpx}


def reset_peak_memory() -> bool:
    """Make the kernel's peak RSS (VmHWM) start again from the current RSS (Linux only)."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="utf-8")
    except OSError:
        return False
    return True


SEGMENT = 500  # notes: the long drain's rate over its first and its last so many (a tenth, in a short run)


def one_long_drain(ctx: Ctx, name: str, n: int, admin: Any) -> dict[str, Any]:
    distinct = note_bodies(min(n, 200))
    bodies = [distinct[i % len(distinct)] for i in range(n)]  # the sample bodies, cycled
    admin.reset()
    CONTENDERS[name](ctx, bodies[:5])  # warm-up: imports, the first TLS context
    admin.reset()
    watch = Watch()
    took = CONTENDERS[name](ctx, bodies, watch)
    peak = rss_mb()["peak"]
    stored = admin.wait("notes", n, timeout=30)
    assert stored == n, (name, stored, n)
    assert len(watch.marks) == n, (name, len(watch.marks), n)
    # notes per second over the first and the last SEGMENT notes (the first from the start of the drain):
    # a drain that slows as it goes (or as the queue is longer) shows it here
    seg = min(SEGMENT, max(1, n // 10))
    first = seg / (watch.marks[seg - 1] - watch.start)
    last = seg / (watch.marks[-1] - watch.marks[-seg - 1]) if n > seg else first
    reset, before = watch.reset, watch.before
    return {"seconds": took, "notes_per_second": n / took, "rss_before_mb": before,
            "peak_mb": peak if reset else None, "peak_growth_mb": peak - before if reset else None,
            "queue_fill_growth_mb": watch.fill_growth_mb, "segment_notes": seg,
            "first_notes_per_second": first, "last_notes_per_second": last}  # fmt: skip


def main(p: dict[str, Any]) -> dict[str, Any]:
    from flowdesk.sandbox.admin import SandboxAdmin

    ctx = Ctx(p)
    n = p["notes"]
    if p.get("only"):
        with SandboxAdmin(ctx.admin_url, ca_file=ctx.ca_file) as admin:
            return one_long_drain(ctx, p["only"], n, admin)
    bodies = note_bodies(n)
    times: dict[str, list[float]] = {k: [] for k in CONTENDERS}
    with SandboxAdmin(ctx.admin_url, ca_file=ctx.ca_file) as admin:

        def one(name: str, subset: list[tuple[int, dict[str, Any]]]) -> float:
            admin.reset()
            took = CONTENDERS[name](ctx, subset)
            stored = admin.wait("notes", len(subset), timeout=5)
            assert stored == len(subset), (name, stored, len(subset))
            return took

        for name in CONTENDERS:  # warm-up: imports, first TLS contexts, pyconnectwise's models
            one(name, bodies[:5])
        names = list(CONTENDERS)
        for rep in range(p["runs"]):
            order = names[rep % 3 :] + names[: rep % 3]
            for name in order:
                times[name].append(one(name, bodies))
    return {"seconds": times, "notes": n}


if __name__ == "__main__":
    child_main(main)
