"""Test data for the benchmarks: sessions made from the shipped samples, prepared FLOWDESK_HOMEs, push jobs.

Everything goes through FlowDesk's own code (``parse_session``, ``SessionCache.upsert``, ``prepare_note``,
``enqueue_push``), so a prepared home is what `flowdesk import` and the window would have left.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flowdesk.resources import resource_path, samples_dir

CLIENTS = (
    "Harborline IT", "Brightsmile Dental", "Cedar Ridge Veterinary Hospital", "Hartwell Logistics",
    "Northgate Law", "Pinecrest Realty", "Bluewater Marine", "Summit Orthopedics", "Keystone Builders",
    "Maple & Finch Accounting", "Riverside Library", "Oakmont School District", "Granite Peak Brewing",
    "Lakeshore Clinic", "Westfield Insurance", "Copperline Electric",
)  # fmt: skip


def samples() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(samples_dir()).glob("*.json"))]


def make_sessions(n: int) -> list[dict[str, Any]]:
    """``n`` sample-sized sessions (the 18 samples in turn), each with its own id, client, ticket and dates,
    newest last. Summaries get a running number so searches narrow the way real lists do."""
    base = samples()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        s = dict(base[i % len(base)])
        t = start + timedelta(minutes=37 * i)
        s.update(
            id=f"bench-{i:06d}",
            client_name=CLIENTS[(i * 7) % len(CLIENTS)],
            psa_ticket_id=40000 + i if s.get("psa_ticket_id") else None,
            problem_summary=f"{s.get('problem_summary') or 'Session'} (case {i})",
            created_at=(t - timedelta(minutes=50)).isoformat(),
            updated_at=t.isoformat(),
            resolved_at=t.isoformat() if s.get("status") in ("resolved", "escalated") else None,
            state_version=1,
        )
        out.append(s)
    return out


def long_session(steps: int = 100) -> dict[str, Any]:
    """The longest sample (62 steps) extended to ``steps`` steps by repeating its own steps."""
    base = next(s for s in samples() if len(s.get("steps") or []) >= 60)
    own = base["steps"]
    out = []
    for i in range(steps):
        step = dict(own[i % len(own)])
        step.update(id=f"step-{i:04d}", step_order=i)
        out.append(step)
    return dict(base, steps=out, id="bench-long-session")


def service_tickets() -> list[int]:
    """The sandbox's open service tickets (notes go there without a project look-up)."""
    tickets = json.loads(resource_path("sandbox", "tickets.json").read_text(encoding="utf-8"))
    return [t["id"] for t in tickets if t.get("recordType") == "ServiceTicket" and not t.get("closedFlag")]


def prepare_home(home: Path, n_sessions: int, *, settings: Any = None) -> Path:
    """A FLOWDESK_HOME holding ``n_sessions`` cached sessions (and ``settings`` when given)."""
    from flowdesk.core.models import parse_session
    from flowdesk.core.settings import save_settings
    from flowdesk.paths import HOME_ENV, AppPaths
    from flowdesk.services import Services

    paths = AppPaths.from_env({HOME_ENV: str(home)}).ensure()
    if settings is not None:
        save_settings(settings, paths.settings_file)
    services = Services.open(paths)
    try:
        if n_sessions:
            raw = make_sessions(n_sessions)
            services.cache.upsert(((r, parse_session(r)) for r in raw), source="bench")
    finally:
        services.close()
    return home


def enqueue_notes(services: Any, n: int, site_key: str) -> list[Any]:
    """Queue ``n`` note jobs (real rendered, redacted notes of cached sessions) on the sandbox's service
    tickets, as the window's Push button would. Returns the jobs."""
    from flowdesk.connectwise.bodies import TicketRef
    from flowdesk.push.enqueue import enqueue_push
    from flowdesk.push.prepare import prepare_note

    tickets = service_tickets()
    rows = services.cache.rows(limit=n)
    jobs = []
    for i, row in enumerate(_cycle(rows, n)):
        session = services.cache.get(row.id)
        preview = prepare_note(session, services.settings)
        ticket = TicketRef(tickets[i % len(tickets)], "service")
        jobs += enqueue_push(services.outbox, preview, ticket=ticket, site=site_key, time_entry=False,
                             send_end=False, force=True)  # fmt: skip
    return jobs


def _cycle(rows: list[Any], n: int) -> Iterator[Any]:
    for i in range(n):
        yield rows[i % len(rows)]


def note_bodies(n: int) -> list[tuple[int, dict[str, Any]]]:
    """``n`` (ticket, note body) pairs: the exact JSON FlowDesk would post for sample-sized sessions."""
    from flowdesk.connectwise.bodies import note_body
    from flowdesk.core.models import parse_session
    from flowdesk.core.settings import Settings
    from flowdesk.push.prepare import prepare_note

    settings = Settings()
    tickets = service_tickets()
    out = []
    for i, raw in enumerate(make_sessions(n)):
        preview = prepare_note(parse_session(raw), settings)
        out.append((tickets[i % len(tickets)], note_body(preview.text, preview.visibility)))
    return out


def env_with_home(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"FLOWDESK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}, **extra)
    env.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    return env


def sandbox_profile(sb: Any) -> Any:
    """The ConnectWise account of a running sandbox, as the settings hold it (keys go to the keyring)."""
    from flowdesk.core.settings import ConnectWiseProfile

    cw = sb.info.connectwise
    return ConnectWiseProfile(site=cw.site, company=cw.company, ca_file=sb.info.ca_file,
                              member_identifier="dwhitfield", member_name="Dana Whitfield")  # fmt: skip
