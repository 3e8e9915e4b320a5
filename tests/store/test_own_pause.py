"""``Outbox.whole_pause(own=True)``: the engineer's own pause (what *Pause sending* shows), not a refused account's."""

from __future__ import annotations

from flowdesk.store import Database, Outbox

from .conftest import T0, FakeClock

SITE = "connectwise:acme@na.myconnectwise.net"
KEYS = "ConnectWise did not accept your API keys (HTTP 401)."


def test_only_the_engineers_own_pause_is_theirs(db: Database, clock: FakeClock):
    outbox = Outbox(db, clock=clock)
    assert outbox.whole_pause(own=True) is None
    outbox.pause(KEYS, T0, kind="account")  # the drainer's, after a 401: every push waits, but not by the engineer
    assert outbox.whole_pause() == KEYS and outbox.whole_pause(own=True) is None
    outbox.pause("Jo's words", T0, kind="member", site=SITE, member="dwhitfield")  # over it: still not theirs
    assert outbox.whole_pause() == KEYS and outbox.whole_pause(own=True) is None

    outbox.resume()
    outbox.pause_whole("Sending paused by you.", T0)
    assert outbox.whole_pause(own=True) == "Sending paused by you."
    outbox.pause("Jo's words", T0, kind="member", site=SITE, member="dwhitfield")
    assert outbox.whole_pause(own=True) == "Sending paused by you."  # under the member pause, still theirs
    outbox.resume()
    outbox.pause("An old pause", T0, kind=None)  # type: ignore[arg-type]  # written before kinds were kept
    assert outbox.whole_pause(own=True) == "An old pause"  # only Resume lifts it, as the toggle does
