"""Which notifications to raise, given how push jobs changed (pure, so the tray's rules are testable).

Rules (from what users of sync tools complain about): one notification per *transition* to failed,
never per attempt; several failures that arrive together become one ("3 notes failed to post");
``errors`` level shows only failures, ``all`` also shows successes, ``none`` nothing. The failed list
in the window is the lasting record either way. The words are :mod:`flowdesk.core.present`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flowdesk.core import present


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


def notifications_for(changes: Iterable[JobChange], level: str) -> list[Notification]:
    if level == "none":
        return []
    changes = list(changes)
    failed = [c for c in changes if c.new_state == "failed" and c.old_state != "failed"]
    out: list[Notification] = []
    if len(failed) == 1:
        c = failed[0]
        out.append(_notification(present.failed_notice(c.kind, c.ticket_id, c.error), (c.job_id,), error=True))
    elif failed:
        notice = present.failed_many_notice([c.kind for c in failed], [c.ticket_id for c in failed])
        out.append(_notification(notice, tuple(c.job_id for c in failed), error=True))
    if level == "all":
        sent = [c for c in changes if c.new_state == "sent" and c.old_state != "sent"]
        if sent:
            notice = present.sent_notice([c.kind for c in sent], [c.ticket_id for c in sent])
            out.append(_notification(notice, tuple(c.job_id for c in sent), error=False))
    return out


def _notification(notice: present.Notice, job_ids: tuple[int, ...], *, error: bool) -> Notification:
    return Notification(title=notice.title, text=notice.text, job_ids=job_ids, error=error, detail=notice.detail)


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
