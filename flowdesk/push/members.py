"""Whose keys send a site's pushes now, and the pause for those queued under another member's keys.

ConnectWise records a push as the member whose keys send it, so a push queued under one member's keys is
never sent with another's unless the engineer chooses to (Resume makes the member signed in its owner). Who
is signed in is told here — by the drainer at the start of each run and when it meets such a push, by the
window when keys are saved — and :func:`hold_for_member` keeps the queue's member pause true to it: it holds
(and names) the other members' pushes while that member's own still go, and lifts itself once none wait,
as when the first member's keys are saved again. The engineer's own pause, or a refused account's, is never
lifted here: one a member pause was written over comes back when it lifts.
"""

from __future__ import annotations

from datetime import datetime

from flowdesk.core import present
from flowdesk.store import Outbox


def hold_for_member(outbox: Outbox, site: str, member: str | None, name: str | None, now: datetime) -> str | None:
    """``member`` (called ``name`` in the words, else by identifier) is signed in at ``site``. The site's pushes
    queued under other members' keys wait: the queue pauses (kind ``member``), naming those members, while
    ``member``'s own pushes still go. When none wait, a member pause lifts itself. Returns the member pause's
    words, or None when there is none. A ``member`` not known (None) changes nothing."""
    member = (member or "").strip()
    if not member:  # whose keys these are is not known: nothing to tell
        held = outbox.member_pause()
        return held.reason if held is not None else None
    waiting = outbox.waiting_for_other_member(member, site)
    if not waiting:
        outbox.lift_member_pause(now)
        return None
    reason = present.other_member_waiting(waiting, (name or "").strip() or member)
    held = outbox.member_pause()
    if held is None or (held.reason, held.site, held.member) != (reason, site, member):
        outbox.pause(reason, now, kind="member", site=site, member=member)
    return reason


__all__ = ["hold_for_member"]
