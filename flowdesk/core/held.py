"""The words for a queue that is *held off*: after an outage answer (no connection, a server error, a
rate limit, no answer) the drainer leaves ConnectWise alone until the next try, and every waiting push
waits with it. The status bar, the tray, the queue's detail pane and the two notifications of an outage
(one when it starts, one when every waiting push is sent after it) say it with these words.

A member pause may hold pushes queued under other members' keys (``others``, as
:meth:`Outbox.held_by_member_pause <flowdesk.store.outbox.Outbox.held_by_member_pause>` lists them): they
do not go when ConnectWise answers again, so they are not counted as waiting, and are said apart as the
queue's line says them (``2 queued as Jo Smith wait for their keys``).

Plain data in, text out (no Qt, no I/O, no clock), like :mod:`flowdesk.core.present`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import NamedTuple

from flowdesk import APP_NAME
from flowdesk.core.localtime import format_when
from flowdesk.core.present import HeldPush, Notice, wait_for_their_keys, waiting_for_keys

# What a held-off queue is waiting out, by the outcome kind that started the hold-off.
_HEADLINES = {
    "offline": "ConnectWise unreachable",
    "server": "ConnectWise unreachable",
    "ambiguous": "ConnectWise unreachable",
    "rate_limited": "ConnectWise is rate limiting FlowDesk",
}
_CAUSES = {
    "offline": "FlowDesk could not connect to ConnectWise",
    "server": "ConnectWise answered with server errors",
    "ambiguous": "ConnectWise did not answer in time",
    "rate_limited": "ConnectWise asked FlowDesk to slow down",
}
WAITING_STATES = ("pending", "retry_wait", "unknown", "sending")
SEND_ALL_NOW = "Send all now"


class HeldOff(NamedTuple):
    """Sending is held off until ``until`` because of an outcome of kind ``why``."""

    until: datetime
    why: str

    @property
    def headline(self) -> str:
        return _HEADLINES.get(self.why, "ConnectWise unreachable")

    @property
    def cause(self) -> str:
        return _CAUSES.get(self.why, "ConnectWise did not take the last push")


def waiting(counts: dict[str, int], others: Sequence[HeldPush] = ()) -> int:
    """Pushes not sent yet and not given up on (failed and cancelled ones are not waiting), but those a member
    pause holds (``others``): what goes when ConnectWise answers."""
    return sum(counts.get(s, 0) for s in WAITING_STATES) - len(waiting_for_keys(others))


def _for_their_keys(others: Sequence[HeldPush], *, still: bool = False) -> str:
    """``2 queued as Jo Smith wait for their keys``, or "" when a member pause holds none of ``others``."""
    held = waiting_for_keys(others)
    return wait_for_their_keys(held, still=still) if held else ""


def retryable(counts: dict[str, int]) -> int:
    """What *Retry all* would send now: every waiting, held-off or failed push (not one being sent)."""
    return sum(counts.get(s, 0) for s in ("pending", "retry_wait", "unknown", "failed"))


def held_line(
    held: HeldOff, counts: dict[str, int], now: datetime, tz: tzinfo | None = None, others: Sequence[HeldPush] = ()
) -> str:
    """The status bar and the tray: ``ConnectWise unreachable — 2 waiting, next try 14:05`` (then, while a
    member pause holds some: ``, 1 queued as Jo Smith waits for their keys``)."""
    parts = [f"{waiting(counts, others)} waiting"]
    if counts.get("failed", 0):
        parts.append(f"{counts['failed']} failed")
    parts.append(f"next try {format_when(held.until, now, tz)}")
    if keys := _for_their_keys(others):
        parts.append(keys)
    return f"{held.headline} — {', '.join(parts)}"


def next_try_line(line: str, next_try: datetime | None, counts: dict[str, int], now: datetime,
                  tz: tzinfo | None = None, others: Sequence[HeldPush] = ()) -> str:
    """``Queue: 1 waiting, next try 14:05`` when the waiting pushes are waiting for a later try."""
    if next_try is None or next_try <= now or not waiting(counts, others):
        return line
    return f"{line}, next try {format_when(next_try, now, tz)}"


def held_detail(held: HeldOff, now: datetime, tz: tzinfo | None = None) -> str:
    """Why a waiting push is not being sent, and when it will be (the queue's detail pane)."""
    return (
        f"Held off: {held.cause}, so FlowDesk sends nothing until the next try "
        f"({format_when(held.until, now, tz)}). Click {SEND_ALL_NOW} to try at once."
    )


def held_banner(
    held: HeldOff, counts: dict[str, int], now: datetime, tz: tzinfo | None = None, others: Sequence[HeldPush] = ()
) -> str:
    n = waiting(counts, others)
    pushes = "push is" if n == 1 else "pushes are"
    keys = _for_their_keys(others)
    return (
        f"{held.headline}: {held.cause}. {n} {pushes} waiting; the next try is at "
        f"{format_when(held.until, now, tz)}.{f' {keys}.' if keys else ''} Nothing is lost."
    )


def held_notice(
    held: HeldOff, counts: dict[str, int], now: datetime, tz: tzinfo | None = None, others: Sequence[HeldPush] = ()
) -> Notice:
    """The one notification when an outage starts."""
    n = waiting(counts, others)
    pushes = "push" if n == 1 else "pushes"
    keys = _for_their_keys(others)
    detail = (
        f"{held.cause}. {n} {pushes} waiting; FlowDesk tries again at {format_when(held.until, now, tz)}."
        f"{f' {keys}.' if keys else ''}"
    )
    return Notice(title=held.headline, text=f"{detail} Click to see the queue in {APP_NAME}.", detail=detail)


def back_notice(n_sent: int, others: Sequence[HeldPush] = ()) -> Notice:
    """The one notification when every waiting push is sent after an outage; while a member pause holds some
    of ``others``, it says they still wait (not that every push is sent)."""
    pushes = "push" if n_sent == 1 else "pushes"
    if keys := _for_their_keys(others, still=True):
        text = f"{n_sent} {pushes} sent after the outage; {keys}."
    else:
        text = f"Every waiting push is sent ({n_sent} {pushes} after the outage)."
    return Notice(title="ConnectWise is back", text=text, detail=text)


CANCEL_PUSH = "Cancel this push"
KEEP_IT = "Keep it"


class Retried(NamedTuple):
    """What *Retry all* / *Send all now* did: ``n`` pushes were asked to go now; ``after_check`` of them go
    only once FlowDesk has looked on their ticket, at ``check_at`` (a push whose answer was lost, which
    ConnectWise may have saved, and the time entries waiting for such a note)."""

    n: int
    after_check: int = 0
    check_at: datetime | None = None


def retried_all(done: Retried, now: datetime, tz: tzinfo | None = None) -> str:
    """After *Retry all* / *Send all now* in the window: what goes now, and what waits for a check (a push
    that may be on its ticket is looked for no sooner than a minute after its answer was lost)."""
    if not done.n:
        return "Nothing is waiting or failed."
    later = min(done.after_check, done.n) if done.check_at is not None else 0
    if not later:
        return f"Sending {done.n} {'push' if done.n == 1 else 'pushes'} now."
    first = "" if later == done.n else f"Sending {done.n - later} {'push' if done.n - later == 1 else 'pushes'} now. "
    goes = "push goes" if later == 1 else "pushes go"
    return (
        f"{first}{later} {goes} at {format_when(done.check_at, now, tz)}, after FlowDesk has looked on the ticket: "
        "ConnectWise may have saved what was sent before its answer was lost, and nothing is posted twice."
    )
