"""Reading ConnectWise's JSON rows leniently: references, names, tickets, permission rows, dates.

A field that is missing, of another type or empty reads as None (or ``""``): an answer from another
ConnectWise version or a server that lies must not end a look-up in a ``KeyError``.
"""

from __future__ import annotations

import contextlib
import email.utils
from datetime import UTC, datetime
from typing import Any

from flowdesk.connectwise.bodies import TicketRef
from flowdesk.connectwise.models import Ticket, lenient


def is_right(row: dict[str, Any], module: str, functions: tuple[str, ...]) -> bool:
    mods = {norm(row.get(k)) for k in ("moduleName", "moduleIdentifier", "moduleDescription")}
    funcs = {norm(row.get(k)) for k in ("moduleFunctionName", "moduleFunctionIdentifier", "moduleFunctionDescription")}
    return norm(module) in mods and any(norm(f) in funcs for f in functions)


def norm(value: Any) -> str:
    """``Time & Expense`` / ``TimeAndExpense`` / ``time_expense`` -> ``timeexpense``."""
    if not isinstance(value, str):
        return ""
    text = value.lower().replace("&", " and ")
    words = ["".join(ch for ch in w if ch.isalnum()) for w in text.replace("_", " ").replace("-", " ").split()]
    joined = "".join(w for w in words if w and w != "and")
    if joined.startswith("timeand"):  # "TimeAndExpense" as one identifier word
        joined = "time" + joined[len("timeand") :]
    return joined


def level_allows(level: Any) -> bool:
    return isinstance(level, str) and level.strip().lower() in ("all", "my")


def record(model: type[Any], row: dict[str, Any]) -> Any:
    try:
        return lenient(model, row)
    except ValueError:
        return None


def http_date(value: str | None) -> datetime | None:
    """An HTTP ``Date`` header as an aware UTC time (None: absent or unreadable)."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.astimezone(UTC) if when.tzinfo is not None else when.replace(tzinfo=UTC)


def text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def ref_id(ref: Any) -> int | None:
    if isinstance(ref, dict):
        value = ref.get("id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.isdecimal():  # "²" is a digit to isdigit, and no number to int
            return int(value)
    return None


def ref_name(ref: Any) -> str | None:
    if isinstance(ref, dict):
        return text(ref.get("name")) or text(ref.get("identifier"))
    return text(ref)


def recipient(row: dict[str, Any]) -> str:
    """``Contact``, ``Specific Member (Dana Whitfield)``, ``Email Address (ap@client.example)``."""
    who, named = ref_name(row.get("notifyWho")), ref_name(row.get("member")) or text(row.get("email"))
    return f"{who} ({named})" if who and named else who or named or ""


def ticket_of(row: dict[str, Any], kind: str) -> Ticket | None:
    tid = ref_id(row)
    if tid is None or tid <= 0:
        return None
    record_type = text(row.get("recordType"))
    if record_type in ("ProjectTicket", "ProjectIssue"):
        kind = "project"
    company = row.get("company")
    info = row.get("_info")
    updated = None
    if isinstance(info, dict) and isinstance(info.get("lastUpdated"), str):
        with contextlib.suppress(ValueError):
            updated = datetime.fromisoformat(info["lastUpdated"].replace("Z", "+00:00"))
    return Ticket(
        ref=TicketRef(tid, kind),  # type: ignore[arg-type]
        summary=text(row.get("summary")) or "",
        company=ref_name(company),
        company_identifier=text(company.get("identifier")) if isinstance(company, dict) else None,
        board=ref_name(row.get("board")),
        status=ref_name(row.get("status")),
        closed=row.get("closedFlag") is True,
        board_id=ref_id(row.get("board")),
        status_id=ref_id(row.get("status")),
        record_type=record_type,
        updated=updated,
    )
