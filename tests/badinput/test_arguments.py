"""Wrong command-line arguments: one line saying what is wrong (exit 2), never "Unexpected error", and a
command refused for its argument changes nothing (a mistyped push number lifts no pause)."""

from __future__ import annotations

import pytest

from tests.badinput.conftest import db_rows
from tests.commands.test_queue import OUTLOOK

HUGE = "99999999999999999999999999"  # past SQLite's 64-bit integers


@pytest.mark.parametrize("argv", [("retry", "999"), ("retry", HUGE), ("retry", "1")])
def test_a_retry_that_is_refused_leaves_the_pause_as_it_was(connected, cli, flowdesk_home, argv):
    """`queue retry 999` (a typo) said "Sending resumed" before "There is no push 999": the pause was gone."""
    assert cli("push", str(OUTLOOK), "--no-time-entry").code == 0
    assert cli("queue", "cancel", "1").code == 0  # push 1 cannot be sent again: retry refuses it
    assert cli("queue", "pause").code == 0
    before = db_rows(flowdesk_home)
    done = cli("queue", *argv)
    if argv[1] == "1":
        done.one_line(1, "cancelled")
    else:
        done.one_line(2, f"There is no push {argv[1]} in the queue.")
    assert done.out == "" and db_rows(flowdesk_home) == before


def test_cancel_of_a_number_past_sqlites_range_is_no_such_push(connected, cli, flowdesk_home):
    cli("queue", "cancel", HUGE).one_line(2, f"There is no push {HUGE} in the queue.")
