"""Who the sandbox is and what it starts with: the member and the keys, the 17 tickets, the 18 sample
sessions, the notes a real ticket would already carry; and time stamps as the two APIs write them."""

from __future__ import annotations

import copy
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from flowdesk.resources import resource_path, samples_dir

# The member who owns the sandbox's API keys.
MEMBER_ID = 147
MEMBER_IDENTIFIER = "dwhitfield"
MEMBER_NAME = "Dana Whitfield"
MEMBER_EMAIL = "dana.whitfield@harborline-it.example"

# The ResolutionFlow demo user (the same person; the id is the one the samples use for Dana).
RF_USER_ID = "34296a83-d4a8-442a-a7f8-c874e6b9197d"
RF_ACCOUNT_ID = "0f5c2a5e-51c6-4d38-9d8e-7c1b1f4b2a10"

DEFAULT_COMPANY = "flowdesk_sandbox"
FIRST_HISTORY_NOTE_ID = 1_180_001
FIRST_NOTE_ID = 1_200_001
FIRST_TIME_ENTRY_ID = 90_001


def utcnow() -> datetime:
    return datetime.now(UTC)


def cw_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ------------------------------------------------------------------------------------------ secrets


@dataclass(frozen=True)
class Secrets:
    company: str
    public_key: str
    private_key: str
    rf_email: str
    rf_password: str
    jwt_key: bytes


def new_secrets(company: str = DEFAULT_COMPANY) -> Secrets:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

    def key() -> str:
        return "".join(secrets.choice(alphabet) for _ in range(16))

    public = key()
    private = key()
    while private == public:
        private = key()
    return Secrets(
        company=company,
        public_key=public,
        private_key=private,
        rf_email=MEMBER_EMAIL,
        rf_password="Sbx-" + secrets.token_urlsafe(18),
        jwt_key=secrets.token_bytes(32),
    )


# ------------------------------------------------------------------------------------------- data


@lru_cache(maxsize=1)
def _tickets() -> dict[int, dict[str, Any]]:
    data = json.loads(resource_path("sandbox", "tickets.json").read_text(encoding="utf-8"))
    return {int(t["id"]): t for t in data}


@lru_cache(maxsize=1)
def _sample_sessions() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(samples_dir().glob("*.json"))]


def load_tickets() -> dict[int, dict[str, Any]]:
    """The 17 tickets of ``resources/sandbox/tickets.json`` by id (a fresh copy; read from disk once)."""
    return copy.deepcopy(_tickets())


def load_sample_sessions() -> list[dict[str, Any]]:
    """The 18 sample sessions of ``resources/samples`` (read from disk once). Shared and read-only: the session
    store serialises them and never changes them."""
    return list(_sample_sessions())


def member_ref(identifier: str = MEMBER_IDENTIFIER, member_id: int = MEMBER_ID, name: str = MEMBER_NAME) -> dict[str, Any]:
    return {"id": member_id, "identifier": identifier, "name": name}


def history_notes(tickets: dict[int, dict[str, Any]], sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Notes a real ticket would already carry: the initial description, and ResolutionFlow's own
    resolution note where a sample says it was posted (sample 12, note 1184523)."""
    notes: list[dict[str, Any]] = []
    next_id = FIRST_HISTORY_NOTE_ID
    portal = member_ref("Portal", 1, "Customer Portal")
    for tid in sorted(tickets):
        t = tickets[tid]
        info = t.get("_info") or {}
        created = info.get("dateEntered") or "2026-11-01T00:00:00Z"
        by = info.get("enteredBy") or "Portal"
        notes.append(
            _note(next_id, tid, f"{t.get('summary', '')}\n\nReported by {t.get('contactName') or 'the client'}.",
                  portal if by == "Portal" else member_ref(by, 100 + len(by), by), by, created, detail=True)
        )  # fmt: skip
        next_id += 1
    rf_member = member_ref("ResolutionFlowAPI", 212, "ResolutionFlow API")
    for s in sessions:
        ext = s.get("resolution_note_external_id")
        ticket_id = s.get("psa_ticket_id")
        if ext and str(ext).isdigit() and isinstance(ticket_id, int) and ticket_id in tickets:
            posted = s.get("resolution_note_posted_at") or "2026-11-01T00:00:00Z"
            text = s.get("resolution_note_markdown") or ""
            notes.append(_note(int(ext), ticket_id, text, rf_member, "ResolutionFlowAPI", posted, detail=False))
    return notes


def _note(nid: int, ticket_id: int, text: str, member: dict[str, Any], by: str, when: str, *, detail: bool) -> dict[str, Any]:
    return {
        "id": nid,
        "ticketId": ticket_id,
        "text": text,
        "detailDescriptionFlag": detail,
        "internalAnalysisFlag": False,
        "resolutionFlag": not detail,
        "issueFlag": False,
        "member": member,
        "dateCreated": when,
        "createdBy": by,
        "internalFlag": False,
        "externalFlag": True,
        "customerUpdatedFlag": False,
        "_info": {"lastUpdated": when, "updatedBy": by},
    }
