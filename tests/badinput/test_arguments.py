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


@pytest.mark.parametrize("value", ["nan", "inf", "1e999", "1e300", "-5"])
def test_drain_refuses_a_max_seconds_that_is_no_number_of_seconds(cli, flowdesk_home, value):
    """NaN slipped past "must be 0 or more"; inf and 1e300 ended in "Unexpected error (OverflowError)"."""
    cli("queue", "drain", "--max-seconds", value).one_line(2, "--max-seconds must be a number of seconds from 0 to ")
    assert db_rows(flowdesk_home) == []


def test_a_list_limit_past_sqlites_range_lists_them_all(cli, flowdesk_home):
    assert cli("import", str(OUTLOOK)).code == 0
    done = cli("sessions", "list", "--limit", HUGE)
    assert (done.code, done.err, len(done.out.splitlines())) == (0, "", 1)


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_sandbox_refuses_a_port_no_socket_can_have(cli, port):
    cli("sandbox", "--port", port).one_line(2, f"--port {port}: give a port from 1 to 65535, or 0 for a free one")


def test_a_ca_file_behind_a_folder_you_may_not_open_is_bad_input(cli, tmp_path, monkeypatch):
    """It stopped with "FlowDesk may not write to … (permission denied)": wrong, and not bad input. Simulated:
    the suite runs as root, whom chmod does not stop."""
    import os
    from pathlib import Path

    ca = tmp_path / "theirs" / "ca.pem"
    real = os.stat

    def stat(p, *a, **k):
        if Path(p) == ca:
            raise PermissionError(13, "Permission denied", str(p))
        return real(p, *a, **k)

    monkeypatch.setattr(os, "stat", stat)
    cli("signin", "--token-stdin", "--ca-file", str(ca), stdin="x").one_line(
        2, f"--ca-file {ca}: permission denied: your user may not read it"
    )


@pytest.mark.parametrize(("flag", "value"), [("--work-role", HUGE), ("--work-type", "2147483648"), ("--work-type", "²")])
def test_a_work_type_or_role_id_connectwise_cannot_have_queues_nothing(connected, cli, flowdesk_home, flag, value):
    """An id past 32 bits was queued (ConnectWise refused it at the drain); "²" (a digit to str.isdigit, no
    number to int) was "Unexpected error (ValueError)"."""
    done = cli("push", str(OUTLOOK), "--time-entry", flag, value)
    if value == "²":
        done.one_line(2, f"{flag} ²: ConnectWise has no such ")
    else:
        done.one_line(2, f"{flag} {value}: not a ConnectWise id (1 to 2147483647)")
    assert not [r for r in db_rows(flowdesk_home) if r.startswith('INSERT INTO "push_jobs"')]
