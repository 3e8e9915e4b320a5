"""The banners the queue shows (under the shown tab's list), and the button each offers: what a run that could not send says
(no keys or no account: *Open Settings*; a locked keyring: *Try again*, once it is unlocked), and what a paused
queue says (new keys for refused ones, else *Resume*). Qt-free: plain values and the outbox in, a
:class:`Banner` out; the window shows it and the app answers its button (``FlowDeskApp._on_banner_action``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flowdesk.core import policy_words, present

TRY_AGAIN = "try_again"  # a banner's action: a fresh run of the drainer, which reads the keyring again


class Banner(NamedTuple):
    key: str  # one banner per key: a new message replaces the old one
    level: str  # "info" | "warning" | "error"
    text: str
    action: str = ""  # button text, or "" for none
    action_id: str = ""


def blocked_banner(report: Any) -> Banner:
    """A run could not have a client for a site (``report.blocked``): its pushes wait. Keys missing or no
    account: Settings fixes it. A locked OS keyring (``report.keyring``: ``locked``) holds keys it would not
    give: the engineer unlocks it (the words say how), and *Try again* reads it again at once, without waiting
    for the drainer's own look in :data:`~flowdesk.core.policy.NO_CLIENT_RECHECK`. Other keyring trouble keeps
    Open Settings, as before."""
    site, why = next(iter(report.blocked.items()))
    text = present.not_sent_banner(why)
    if report.keyring.get(site) == "locked":
        return Banner("queue", "error", text, "Try again", TRY_AGAIN)
    return Banner("queue", "error", text, "Open Settings", "settings")


def paused_banner(outbox: Any, reason: str) -> Banner:
    """What the queue's banner says while sending is paused, and the button that lifts the pause: new keys
    for refused ones, else Resume (the engineer's own pause; another member's pushes: ``AppController.resume``)."""
    kind = outbox.paused_kind()
    if kind == "account":  # its button is the way: not also "(or with `flowdesk connect`)"
        return Banner("queue", "warning", policy_words.in_the_window(reason), "Open Settings", "settings")
    if kind == "user" or reason == present.USER_PAUSE:
        return Banner("queue", "info", present.PAUSED_BY_YOU, "Resume", "resume")
    held = outbox.member_pause()
    if held is not None and held.site is None:  # written before it kept whose pushes go: it holds them all
        reason = f"{reason} {present.MEMBER_KEYS_LIFT}"
    elif held is not None and held.over is not None:  # over the engineer's own pause, which Resume lifts too
        reason = f"{present.PAUSED_BY_YOU} {reason}"
    return Banner("queue", "warning", reason, "Resume", "resume")
