"""Whether sending is still held off after a run that held off nothing (:func:`flowdesk.core.held.held_after`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flowdesk.core.held import HeldOff, held_after

NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)
LOOK = NOW + timedelta(minutes=1)
HELD = HeldOff(NOW + timedelta(minutes=5), "server")


def test_the_runs_own_hold_off_wins():
    assert held_after(HELD, LOOK, "offline", tried=True, due=LOOK, now=NOW) == HeldOff(LOOK, "offline")


def test_a_run_that_tried_nothing_keeps_the_outage_until_the_next_look():
    assert held_after(HELD, None, None, tried=False, due=LOOK, now=NOW) == HeldOff(LOOK, "server")


def test_a_run_that_reached_connectwise_or_the_network_back_ends_it():
    assert held_after(HELD, None, None, tried=True, due=LOOK, now=NOW) is None
    assert held_after(None, None, None, tried=False, due=LOOK, now=NOW) is None  # no outage known (or network back)
    assert held_after(HELD, None, None, tried=False, due=None, now=NOW) is None  # nothing waits
    assert held_after(HELD, None, None, tried=False, due=NOW, now=NOW) is None  # due now: not waiting for a try
