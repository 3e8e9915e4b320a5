"""The words for a queue that is *held off*: after an outage answer (no connection, a server error, a
rate limit, no answer) the drainer leaves ConnectWise alone until the next try, and every waiting push
waits with it. The status bar, the tray, the queue's detail pane and the two notifications of an outage
(one when it starts, one when every waiting push is sent after it) say it with these words.

A member pause may hold pushes queued under other members' keys (``others``, as
:meth:`Outbox.held_by_member_pause <flowdesk.store.outbox.Outbox.held_by_member_pause>` lists them): they
do not go when ConnectWise answers again, so they are not counted as waiting, and are said apart as the
queue's line says them (``2 queued as Jo Smith wait for their keys``). *Retry all* / *Send all now* leaves
them as they are (:func:`left_alone`), counts only what it sends, and points them at their keys or Resume.

Plain data in, text out (no Qt, no I/O, no clock), like :mod:`flowdesk.core.present`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import NamedTuple, TypeVar

from flowdesk import APP_NAME
from flowdesk.core.localtime import format_when
from flowdesk.core.parts import KindCounts, are, count_parts, parts
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
# The notification when every waiting push is sent after the hold-off: its title, and when they were sent
# ("2 notes after the outage"). A rate limit is ConnectWise asking FlowDesk to slow down, not an outage; no
# connection may have been the engineer's own network or proxy, not ConnectWise being down.
_BACK = {
    "offline": ("Connected to ConnectWise again", "once FlowDesk could connect again"),
    "server": ("ConnectWise is back", "after the outage"),
    "ambiguous": ("ConnectWise is back", "after the outage"),
    "rate_limited": ("ConnectWise's rate limit is over", "after ConnectWise's rate limit"),
}
WAITING_STATES = ("pending", "retry_wait", "unknown", "sending")
RETRY_STATES = ("pending", "retry_wait", "unknown", "failed")  # what *Send all now* may send (held off)
FAILED_STATES = ("failed",)  # what *Retry all* sends: a push waiting for its time or its check has not failed
SEND_ALL_NOW = "Send all now"
SEND_ALL_TIP = "Send every waiting, held-off or failed push now"
RETRY_ALL_TIP = "Send every failed push again now"
_Held = TypeVar("_Held", bound=HeldPush)


def send_states(held_off: bool) -> tuple[str, ...]:
    """What one click sends: while sending is held off, *Send all now* sends every waiting or failed push;
    otherwise *Retry all* sends the failed ones (not one merely waiting for its scheduled try or check)."""
    return RETRY_STATES if held_off else FAILED_STATES


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

    @property
    def lead(self) -> str:
        """The banner's first sentence: the headline and its cause, or the headline alone where the cause only says
        it again ("ConnectWise is rate limiting FlowDesk: ConnectWise asked FlowDesk to slow down")."""
        return self.headline if self.why == "rate_limited" else f"{self.headline}: {self.cause}"


def held_after(held: HeldOff | None, until: datetime | None, why: str | None, *, tried: bool, due: datetime | None,
               now: datetime) -> HeldOff | None:
    """Whether sending is held off after a run: until ``until`` (for ``why``) when the run says so; or, when it held
    off nothing, still (``held``: as before it, None once the network is said to be back) if ConnectWise was known
    unreachable and the run ``tried`` nothing: a Retry / Send all now whose only push waits for its look on the
    ticket forgot the hold-off and sent nothing. Then until that look (``due``: when something is next due)."""
    if until is not None:
        return HeldOff(until, why or "server")
    if held is None or tried or due is None or due <= now:
        return None
    return HeldOff(due, held.why)


def waiting(counts: dict[str, int], others: Sequence[HeldPush] = ()) -> int:
    """Pushes not sent yet and not given up on (failed and cancelled ones are not waiting), but those a member
    pause holds (``others``): what goes when ConnectWise answers."""
    return sum(counts.get(s, 0) for s in WAITING_STATES) - len(waiting_for_keys(others))


def _waiting_parts(counts: dict[str, int], others: Sequence[HeldPush] = (), kinds: KindCounts | None = None) -> str:
    """What :func:`waiting` counts, its parts named (``1 note, 1 time entry and 1 status change``) when
    ``kinds`` (the counts by state and kind) is given, else as a number."""
    return (waiting_named(kinds, others) if kinds is not None else "") or f"{waiting(counts, others)}"


def waiting_named(kinds: KindCounts, others: Sequence[HeldPush] = ()) -> str:
    """What goes while FlowDesk runs (:func:`waiting`) by part: ``1 note and 1 time entry`` ("" for none)."""
    return parts(count_parts(kinds, WAITING_STATES, waiting_for_keys(others)))


def _failed_parts(counts: dict[str, int], kinds: KindCounts | None) -> str:
    return (parts(count_parts(kinds, ("failed",))) if kinds is not None else "") or f"{counts.get('failed', 0)}"


def _for_their_keys(others: Sequence[HeldPush], *, still: bool = False) -> str:
    """``2 queued as Jo Smith wait for their keys``, or "" when a member pause holds none of ``others``."""
    held = waiting_for_keys(others)
    return wait_for_their_keys(held, still=still) if held else ""


def retryable(counts: dict[str, int], others: Sequence[HeldPush] = (), states: Sequence[str] = RETRY_STATES) -> int:
    """What *Send all now* (``states``: :data:`RETRY_STATES`, every waiting, held-off or failed push, not one
    being sent) or *Retry all* (:data:`FAILED_STATES`) sends now, but those a member pause holds (``others``:
    they wait for their keys or Resume, see :func:`left_alone`)."""
    return sum(counts.get(s, 0) for s in states) - len(left_alone(others, states))


def left_alone(others: Sequence[_Held], states: Sequence[str] = RETRY_STATES) -> list[_Held]:
    """Of the pushes a member pause holds (``others``), those *Retry all* / *Send all now* would have sent and
    leaves as they are: queued under another member's keys, they go with those keys or after Resume."""
    return [j for j in others if j.state in states]


def keys_or_resume(left: Sequence[HeldPush], resume_as: str) -> str:
    """``2 queued as Jo Smith wait for their keys: save their keys in Settings, or Resume to send them as Dana
    Whitfield`` (``resume_as``: the member signed in)."""
    them = "it" if len(left) == 1 else "them"
    return f"{wait_for_their_keys(left)}: save their keys in Settings, or Resume to send {them} as {resume_as}"


class SendAll(NamedTuple):
    """*Retry all* / *Send all now* (the queue tab's button, the Queue menu, the tray): text, enabled, tooltip."""

    text: str
    enabled: bool
    tip: str


def send_all(
    label: str, counts: dict[str, int], others: Sequence[HeldPush], resume_as: str, *, held_off: bool, asks: int = 0
) -> SendAll:
    """``label`` (``Send all now`` while ``held_off``, else ``Retry all``, with its mnemonic) with what it sends:
    ``Send all now (2)`` (every waiting or failed push), ``Retry all (1)`` (the failed ones: off when none has
    failed). Pushes a member pause holds are not counted; when they are all that is left, it is disabled and
    points at what sends them: ``Retry all: 2 wait for their keys or Resume``. Nor are the ``asks`` failed notes
    for another company's ticket (not held by a member pause), which it leaves for Retry on each."""
    states = send_states(held_off)
    n, left = retryable(counts, others, states) - asks, left_alone(others, states)
    base = SEND_ALL_TIP if held_off else RETRY_ALL_TIP
    if asks:
        base = f"{base}. {asks_left(asks)}" if n else asks_left(asks)
    if n:
        text = f"{label} ({n})"
    elif left:
        text = f"{label}: {len(left)} {'waits' if len(left) == 1 else 'wait'} for their keys or Resume"
    else:
        text = label
    if not left:
        return SendAll(text, bool(n), base)
    tip = f"{base}. {keys_or_resume(left, resume_as)}." if n else nothing_to_send(left, resume_as)
    return SendAll(text, bool(n), tip)


def nothing_to_send(left: Sequence[HeldPush], resume_as: str) -> str:
    """*Retry all* / *Send all now* while only pushes a member pause holds are left (``left``)."""
    return f"Nothing to send now: {keys_or_resume(left, resume_as)}."


def held_line(
    held: HeldOff, counts: dict[str, int], now: datetime, tz: tzinfo | None = None, others: Sequence[HeldPush] = (),
    kinds: KindCounts | None = None,
) -> str:
    """The status bar and the tray: ``ConnectWise unreachable — 1 note and 1 time entry waiting, next try
    14:05`` (then, while a member pause holds some: ``, 1 queued as Jo Smith waits for their keys``)."""
    n = waiting(counts, others)  # none: every waiting push cancelled (not "0 waiting, next try 14:05")
    said = [f"{_waiting_parts(counts, others, kinds)} waiting" if n else "nothing waiting"]
    if counts.get("failed", 0):
        said.append(f"{_failed_parts(counts, kinds)} failed")
    if n:
        said.append(f"next try {format_when(held.until, now, tz)}")
    if keys := _for_their_keys(others):
        said.append(keys)
    return f"{held.headline} — {', '.join(said)}"


def next_try_line(line: str, next_try: datetime | None, counts: dict[str, int], now: datetime,
                  tz: tzinfo | None = None, others: Sequence[HeldPush] = ()) -> str:
    """``Queue: 1 waiting, next try 14:05`` when the waiting pushes are waiting for a later try."""
    if next_try is None or next_try <= now or not waiting(counts, others):
        return line
    return f"{line}, next try {format_when(next_try, now, tz)}"


def held_detail(held: HeldOff, now: datetime, tz: tzinfo | None = None, *, timed: bool = True) -> str:
    """Why a waiting push is not being sent, and when it will be (the queue's detail pane; ``timed`` False: the
    pane's first line says when already, ``Retrying at 14:05``)."""
    when = f" ({format_when(held.until, now, tz)})" if timed else ""
    return f"Held off: {held.cause}, so FlowDesk sends nothing until the next try{when}. Click {SEND_ALL_NOW} to try at once."


def _waiting_and_keys(counts: dict[str, int], others: Sequence[HeldPush], kinds: KindCounts | None) -> tuple[str, str, str]:
    """What goes when ConnectWise answers (``2 pushes``, or by part with ``kinds``: ``1 note and 1 time entry``),
    ``is`` / ``are`` after it, and the sentence on those a member pause holds (`` 2 queued as Jo Smith wait for
    their keys.``, or "")."""
    keys = f" {k}." if (k := _for_their_keys(others)) else ""
    counted = count_parts(kinds, WAITING_STATES, waiting_for_keys(others)) if kinds is not None else {}
    if counted:
        return parts(counted), are(counted), keys
    n = waiting(counts, others)
    return f"{n} {'push' if n == 1 else 'pushes'}", "is" if n == 1 else "are", keys


def held_banner(
    held: HeldOff, counts: dict[str, int], now: datetime, tz: tzinfo | None = None, others: Sequence[HeldPush] = (),
    kinds: KindCounts | None = None, *, paused: bool = False,
) -> str:
    """``paused``: nothing may be sent (Pause sending, refused keys): no try is coming at the hold-off's end."""
    what, verb, keys = _waiting_and_keys(counts, others, kinds)
    then = "sending is paused" if paused else f"the next try is at {format_when(held.until, now, tz)}"
    return f"{held.lead}. {what} {verb} waiting; {then}.{keys} Nothing is lost."


def held_notice(
    held: HeldOff, counts: dict[str, int], now: datetime, tz: tzinfo | None = None, others: Sequence[HeldPush] = (),
    kinds: KindCounts | None = None,
) -> Notice:
    """The one notification when an outage starts."""
    what, _, keys = _waiting_and_keys(counts, others, kinds)
    detail = f"{held.cause}. {what} waiting; FlowDesk tries again at {format_when(held.until, now, tz)}.{keys}"
    return Notice(title=held.headline, text=f"{detail} Click to see the queue in {APP_NAME}.", detail=detail)


def back_notice(sent: Sequence[str], others: Sequence[HeldPush] = (), why: str = "server") -> Notice:
    """The one notification when every waiting push is sent after an outage (``sent``: the kind of each, named
    by part: ``1 note and 1 time entry``); ``why``: the outcome kind that held sending off (a rate limit is said
    as one, not as an outage). While a member pause holds some of ``others``, it says they still wait (not that
    every push is sent)."""
    title, after = _BACK.get(why, _BACK["server"])
    pushes = _named(len(sent), sent)[0]
    if keys := _for_their_keys(others, still=True):
        text = f"{pushes} sent {after}; {keys}."
    else:
        text = f"Every waiting push is sent ({pushes} {after})."
    return Notice(title=title, text=text, detail=text)


CANCEL_PUSH = "Cancel this push"
KEEP_IT = "Keep it"


class Retried(NamedTuple):
    """What *Retry all* / *Send all now* did: ``n`` pushes were asked to go now; ``after_check`` of them go
    only once FlowDesk has looked on their ticket, at ``check_at`` (a push whose answer was lost, which
    ConnectWise may have saved, and the time entries waiting for such a note). ``left``: the pushes a member
    pause holds, left as they were (:func:`left_alone`); Resume would send them as ``resume_as``."""

    n: int
    after_check: int = 0
    check_at: datetime | None = None
    left: Sequence[HeldPush] = ()
    resume_as: str = ""
    failed_only: bool = False  # *Retry all* (not held off): only failed pushes were asked to go
    kinds: Sequence[str] = ()  # the kind of each push asked to go, and of each waiting for the check: the words
    later_kinds: Sequence[str] = ()  # name the parts ("1 note and 1 time entry"), not "2 pushes"
    asks: int = 0  # failed notes for another company's ticket, left: Retry on each asks first (never asked here)


def _named(n: int, kinds: Sequence[str]) -> tuple[str, bool]:
    """``1 note and 1 time entry`` (by ``kinds``, when known) or ``2 pushes``; and whether it is one thing."""
    if kinds and len(kinds) == n:
        counted = Counter(str(k) for k in kinds)
        return parts(counted), n == 1
    return f"{n} {'push' if n == 1 else 'pushes'}", n == 1


def asks_left(n: int) -> str:
    """The failed notes for another company's ticket that *Retry all* / *Send all now* leave (Retry on each asks)."""
    one = n == 1
    return (f"{n} {'note' if one else 'notes'} for another company's ticket {'is' if one else 'are'} left: "
            f"click Retry on {'it' if one else 'each'} to answer FlowDesk's question.")


def retried_all(done: Retried, now: datetime, tz: tzinfo | None = None) -> str:
    """After *Retry all* / *Send all now* in the window: what goes now, and what waits for a check (a push
    that may be on its ticket is looked for no sooner than a minute after its answer was lost), and which
    pushes a member pause holds (said apart, and not counted), and the notes for another company's ticket left."""
    asks = asks_left(done.asks) if done.asks else ""
    if not done.n:
        if done.left:
            return nothing_to_send(done.left, done.resume_as) + (f" {asks}" if asks else "")
        return asks or ("Nothing has failed." if done.failed_only else "Nothing is waiting or failed.")
    keys = f" {keys_or_resume(done.left, done.resume_as)}." if done.left else ""
    keys += f" {asks}" if asks else ""
    later = min(done.after_check, done.n) if done.check_at is not None else 0
    if not later:
        return f"Sending {_named(done.n, done.kinds)[0]} now.{keys}"
    now_kinds = list((Counter(done.kinds) - Counter(done.later_kinds)).elements()) if done.kinds else []
    first = "" if later == done.n else f"Sending {_named(done.n - later, now_kinds)[0]} now. "
    what, one = _named(later, done.later_kinds)
    return (
        f"{first}{what} {'goes' if one else 'go'} at {format_when(done.check_at, now, tz)}, after FlowDesk has looked "
        f"on the ticket (an answer was lost): nothing is posted twice.{keys}"
    )
