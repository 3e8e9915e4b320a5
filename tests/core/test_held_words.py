"""The words of a held-off queue (:mod:`flowdesk.core.held`) that follow what held sending off."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from flowdesk.core import held as held_words


class _Held(NamedTuple):  # a push a member pause holds, as the outbox lists it
    member: str
    member_name: str | None = None
    state: str = "pending"


def test_the_end_of_a_hold_off_is_said_for_what_held_it():
    """Seen in the demo: pushes a rate limit (429) held said "ConnectWise is back … sent after the outage" when they
    went: a rate limit is ConnectWise asking FlowDesk to slow down, not an outage. Each reason reads right."""
    def said(why: str) -> tuple[str, str]:
        n = held_words.back_notice(["note", "time_entry"], (), why)
        return n.title, n.text

    assert said("rate_limited") == (
        "ConnectWise's rate limit is over", "Every waiting push is sent (1 note and 1 time entry after ConnectWise's rate limit)."
    )
    assert said("server") == said("ambiguous") == (
        "ConnectWise is back", "Every waiting push is sent (1 note and 1 time entry after the outage)."
    )
    assert said("offline") == (  # the engineer's network or proxy, perhaps: not ConnectWise "back"
        "Connected to ConnectWise again", "Every waiting push is sent (1 note and 1 time entry once FlowDesk could connect again)."
    )
    held = [_Held("dwhitfield", "Dana Whitfield")]
    assert held_words.back_notice(["note"], held, "rate_limited").text == (
        "1 note sent after ConnectWise's rate limit; 1 queued as Dana Whitfield still waits for their keys."
    )
    assert "outage" not in held_words.held_notice(
        held_words.HeldOff(datetime(2026, 12, 3, 7, 29, tzinfo=UTC), "rate_limited"), {"pending": 1},
        datetime(2026, 12, 3, 7, 24, tzinfo=UTC), UTC,
    ).text


def test_the_rate_limit_banner_says_it_once():
    """Seen in the demo: "ConnectWise is rate limiting FlowDesk: ConnectWise asked FlowDesk to slow down." An outage's
    banner keeps its cause."""
    now = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    until = datetime(2026, 12, 4, 14, 5, tzinfo=UTC)
    counts = {"pending": 2}
    limited = held_words.held_banner(held_words.HeldOff(until, "rate_limited"), counts, now, UTC)
    assert limited == "ConnectWise is rate limiting FlowDesk. 2 pushes are waiting; the next try is at 14:05. Nothing is lost."
    outage = held_words.held_banner(held_words.HeldOff(until, "server"), counts, now, UTC)
    assert outage.startswith("ConnectWise unreachable: ConnectWise answered with server errors. 2 pushes are waiting;")


def test_a_paused_queue_banner_promises_no_try():
    """Found in the demo: Pause sending during an outage left the banner saying "the next try is at 11:20"."""
    now = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    held = held_words.HeldOff(datetime(2026, 12, 4, 14, 5, tzinfo=UTC), "server")
    text = held_words.held_banner(held, {"pending": 1}, now, UTC, paused=True)
    assert text == ("ConnectWise unreachable: ConnectWise answered with server errors. 1 push is waiting; sending is paused. "
                    "Nothing is lost.")
