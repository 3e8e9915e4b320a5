"""Which notifications to raise, given how push jobs changed (pure, so the tray's rules are testable).

Rules (from what users of sync tools complain about): one notification per *transition* to failed,
never per attempt; several failures that arrive together become one ("3 notes failed to post");
``errors`` level shows only failures, ``all`` also shows successes, ``none`` nothing. The failed list
in the window is the lasting record either way. The words are :mod:`flowdesk.core.present`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from flowdesk.core import present
from flowdesk.core.bidi import isolate_names


class JobChange(NamedTuple):
    job_id: int
    kind: str  # "note" | "time_entry"
    ticket_id: int
    old_state: str | None
    new_state: str
    error: str | None = None


class Notification(NamedTuple):
    title: str
    text: str  # for a desktop notification (ends by pointing to FlowDesk)
    job_ids: tuple[int, ...]
    error: bool
    detail: str = ""  # the same without the pointer, for a banner inside the window
    kind: str = "failed"  # failed | sent | posted (a failure notified earlier posted after all) | held (an outage
    # began) | back (every waiting push sent after it)


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
            out.append(_notification(notice, tuple(c.job_id for c in sent), error=False, kind="sent"))
    return out


class Notices:
    """The notifications of job changes (:func:`notifications_for`), remembering the failures they named until each
    posts or is cancelled. One that posts later raises a notification saying so (kind ``posted``), before any new
    failure: a tray balloon cannot be withdrawn everywhere (a critical one may stay on a Linux desktop until
    dismissed), so the next message says it posted; the window's failure banner gives way to it. ``failed``: the
    pushes found failed at start (their notification may still be up after a restart; the tray's icon said so).

    A cancelled one raises nothing: the engineer just did it, in the window (or ``flowdesk queue cancel``) that
    says so, and the icon and tooltip stop saying a push failed; unlike a push that posted, the balloon's word
    was true (it failed), and a message would not withdraw it either (Windows keeps both in its list)."""

    def __init__(self, failed: Iterable[int] = ()) -> None:
        self.failed: set[int] = set(failed)  # job ids a failure notification named, not posted or cancelled since

    def of(self, changes: Iterable[JobChange], level: str) -> list[Notification]:
        changes = list(changes)
        posted = [c for c in changes if c.job_id in self.failed and c.new_state == "sent"]
        self.failed -= {c.job_id for c in changes if c.new_state in ("sent", "cancelled")}
        ids = tuple(c.job_id for c in posted)
        out = notifications_for([c for c in changes if c.job_id not in ids], level)  # at ``all``: not said twice
        for n in out:
            if n.error:
                self.failed.update(n.job_ids)
        if posted and level != "none":
            notice = present.posted_after_all_notice([c.kind for c in posted], [c.ticket_id for c in posted])
            out.insert(0, _notification(notice, ids, error=False, kind="posted"))
        return out


def _notification(notice: present.Notice, job_ids: tuple[int, ...], *, error: bool, kind: str = "failed") -> Notification:
    # A right-to-left name in them (a company or contact in ConnectWise's answer) in its own isolate: the ticket
    # number and the words after it keep their order (the texts are for the screen only, never the log or a note)
    return Notification(
        title=isolate_names(notice.title), text=isolate_names(notice.text), job_ids=job_ids, error=error,
        detail=isolate_names(notice.detail), kind=kind,
    )


def outage_notification(notice: present.Notice, job_ids: tuple[int, ...], level: str, *, began: bool) -> Notification | None:
    """The one notification when an outage begins (``began``) or every waiting push is sent after it; None at
    level ``none``."""
    if level == "none":
        return None
    return _notification(notice, job_ids, error=began, kind="held" if began else "back")


def tray_state(counts: dict[str, int], *, paused: bool, offline: bool, sending: bool, held: bool = False) -> str:
    """ok / sending / failed / held / offline / paused — the most urgent wins (held: sending is held off
    after an outage, the pushes wait for the next try)."""
    if counts.get("failed", 0):
        return "failed"
    if paused:
        return "paused"
    if held:
        return "held"
    if offline:
        return "offline"
    if sending or counts.get("sending", 0):
        return "sending"
    return "ok"
