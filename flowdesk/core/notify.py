"""Which notifications to raise, given how push jobs changed (pure, so the tray's rules are testable).

Rules (from what users of sync tools complain about): one notification per *transition* to failed,
never per attempt; several failures that arrive together become one ("3 notes failed to post");
``errors`` level shows only failures, ``all`` also shows successes, ``none`` nothing. The failed list
in the window is the lasting record either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobChange:
    job_id: int
    kind: str  # "note" | "time_entry"
    ticket_id: int
    old_state: str | None
    new_state: str
    error: str | None = None


@dataclass(frozen=True)
class Notification:
    title: str
    text: str  # for a desktop notification (ends by pointing to FlowDesk)
    job_ids: tuple[int, ...]
    error: bool
    detail: str = ""  # the same without the pointer, for a banner inside the window


def _noun(kind: str, n: int) -> str:
    base = "note" if kind == "note" else "time entry"
    if n == 1:
        return base
    return "notes" if kind == "note" else "time entries"


def notifications_for(changes: Iterable[JobChange], level: str) -> list[Notification]:
    if level == "none":
        return []
    changes = list(changes)
    failed = [c for c in changes if c.new_state == "failed" and c.old_state != "failed"]
    out: list[Notification] = []
    if len(failed) == 1:
        c = failed[0]
        reason = c.error or "ConnectWise did not accept it."
        out.append(
            Notification(
                title=f"The {_noun(c.kind, 1)} for ticket #{c.ticket_id} failed to post",
                text=reason + " Click to open it in FlowDesk.",
                job_ids=(c.job_id,),
                error=True,
                detail=reason,
            )
        )
    elif failed:
        kinds = {c.kind for c in failed}
        what = _noun(failed[0].kind, len(failed)) if len(kinds) == 1 else "pushes"
        tickets = sorted({c.ticket_id for c in failed})
        shown = ", ".join(f"#{t}" for t in tickets[:4]) + (" …" if len(tickets) > 4 else "")
        out.append(
            Notification(
                title=f"{len(failed)} {what} failed to post",
                text=f"Tickets {shown}. Click to see why in FlowDesk.",
                job_ids=tuple(c.job_id for c in failed),
                error=True,
                detail=f"Tickets {shown}: the queue says why for each.",
            )
        )
    if level == "all":
        sent = [c for c in changes if c.new_state == "sent" and c.old_state != "sent"]
        if sent:
            if len(sent) == 1:
                title = f"Posted the {_noun(sent[0].kind, 1)} to ticket #{sent[0].ticket_id}"
            else:
                title = f"Posted {len(sent)} items to ConnectWise"
            out.append(Notification(title=title, text="", job_ids=tuple(c.job_id for c in sent), error=False))
    return out


def tray_state(counts: dict[str, int], *, paused: bool, offline: bool, sending: bool) -> str:
    """ok / sending / failed / offline / paused — the most urgent wins."""
    if counts.get("failed", 0):
        return "failed"
    if paused:
        return "paused"
    if offline:
        return "offline"
    if sending or counts.get("sending", 0):
        return "sending"
    return "ok"
