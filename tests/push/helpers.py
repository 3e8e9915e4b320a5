"""Helpers for the push tests: an injected clock, sessions that make distinct notes, a client for the
sandbox, and the ledger counts that prove "stored once or not at all"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from flowdesk.connectwise.bodies import TicketRef
from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.core.models import Session, parse_session
from flowdesk.core.settings import Settings
from flowdesk.credentials import connectwise_profile_key
from flowdesk.push.enqueue import enqueue_push
from flowdesk.push.prepare import prepare_note
from flowdesk.sandbox import Sandbox
from flowdesk.store import Database, Outbox, PushJob
from flowdesk.store.db import format_time, parse_time


class FakeClock:
    """The drainer's clock: moves only when the test says so."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now

    def set(self, when: datetime) -> datetime:
        self.now = when
        return self.now


# The times FlowDesk's own clock wrote on a push job (server_date_before is ConnectWise's clock: it stays).
_PC_TIMES = ("next_attempt_at", "first_sent_at", "created_at", "updated_at", "sent_at")


def time_passes(database_file: Path, by: timedelta) -> None:
    """Move every time FlowDesk stored on its push jobs ``by`` into the past: a ``flowdesk`` process started
    now runs as if ``by`` had passed since (a subprocess's clock cannot be injected; no sleeping). Call it
    only while no FlowDesk process has the database open for writing."""
    with Database(database_file) as db, db.transaction() as conn:
        for job_id, *times in conn.execute(f"SELECT id, {', '.join(_PC_TIMES)} FROM push_jobs").fetchall():
            moved = [format_time(t - by) if (t := parse_time(text)) is not None else None for text in times]
            conn.execute(f"UPDATE push_jobs SET {' = ?, '.join(_PC_TIMES)} = ? WHERE id = ?", (*moved, job_id))


def now_to_the_minute() -> datetime:
    """The sandbox stamps notes with the real time; a clock anchored at it keeps the drainer's
    ``first_sent_at`` realistic (not earlier than the server's ``dateCreated``)."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def site_key(sb: Sandbox) -> str:
    cw = sb.info.connectwise
    return connectwise_profile_key(cw.site, cw.company)


def make_client(sb: Sandbox, *, read: float = 10.0, site: str | None = None) -> ConnectWiseClient:
    cw = sb.info.connectwise
    return ConnectWiseClient(
        site or cw.site,
        cw.company,
        cw.public_key,
        cw.private_key,
        client_id=cw.client_id,
        timeout=httpx.Timeout(read, connect=5.0),
    )


def make_session(n: int, ticket: int | None = 48211, *, minutes: int = 40) -> Session:
    """Session ``s-{n}``: starts ``n`` hours after a fixed day, so every time entry has its own timeStart."""
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC) + timedelta(hours=n)
    return parse_session(
        {
            "id": f"s-{n}",
            "status": "resolved",
            "psa_ticket_id": ticket,
            "problem_summary": f"Printer {n} offline",
            "resolution_summary": "Restarted the spooler.",
            "created_at": start.isoformat(),
            "resolved_at": (start + timedelta(minutes=minutes)).isoformat(),
        }
    )


def note_text(n: int) -> str:
    return f"Session {n}: the spooler on PRN-{n:03d} was stuck.\nRestarted it; test page printed."


def push(
    outbox: Outbox,
    sb: Sandbox,
    n: int = 1,
    *,
    ticket: int = 48211,
    kind: str = "service",
    time_entry: bool = False,
    send_end: bool = False,
    text: str | None = None,
    force: bool = False,
    status: tuple[int, str] | None = None,
    member: str | None = None,
    member_name: str | None = None,
    check_client: str | None = None,
) -> list[PushJob]:
    """Queue session ``n``'s note (its own text) and, if asked, its time entry, as ``flowdesk push`` does
    (``member``: whose keys queued it, ``member_name`` their name; None: not known, as for a push queued
    before that was kept)."""
    preview = prepare_note(make_session(n, ticket), Settings(), edited_text=text if text is not None else note_text(n))
    return enqueue_push(
        outbox,
        preview,
        ticket=TicketRef(ticket, kind),  # type: ignore[arg-type]
        site=site_key(sb),
        time_entry=time_entry,
        send_end=send_end,
        force=force,
        status=status,
        member=member,
        member_name=member_name,
        check_client=check_client,
    )


def ledger_notes(ledger: dict[str, Any], text: str) -> list[dict[str, Any]]:
    return [n for n in ledger["notes"] if n["text"] == text]


def ledger_entries(ledger: dict[str, Any], start: str, ticket: int | None = None) -> list[dict[str, Any]]:
    return [
        e for e in ledger["time_entries"] if e["timeStart"] == start and (ticket is None or e["chargeToId"] == ticket)
    ]
