"""Real time entries from ``flowdesk push``: hours as typed (1.5 or 1:30) or the session's active time, a
session without timestamps logs typed hours, work type / role / billable option chosen, whole minutes and
both ends always; and the sandbox refuses what a tenant refuses (closed time sheet, overlapping time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flowdesk.core import present
from flowdesk.core.models import parse_session
from flowdesk.core.timing import TimeRule, active_time, parse_hours
from tests.conftest import SAMPLES

from .test_push_spec import drain
from .test_queue import OUTLOOK, connect, jobs, run

NO_TIMESTAMPS = SAMPLES / "15-no-timestamps.json"
VPN = SAMPLES / "05-vpn-cgnat-over-24h.json"  # paused overnight: 26.4 h on the clock, 2.5 h of work


@pytest.fixture
def connected(sandbox, monkeypatch, capsys):
    return connect(sandbox, monkeypatch, capsys)


def entries(sandbox_admin) -> list[dict]:
    return sandbox_admin.ledger()["time_entries"]


def test_typed_hours_work_type_and_billable_option_reach_connectwise(connected, sandbox_admin, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--hours", "1:30", "--work-type", "onsite",
                       "--work-role", "8", "--billable", "DoNotBill")  # fmt: skip
    assert code == 0, err
    drain(monkeypatch, capsys)
    [entry] = entries(sandbox_admin)
    assert entry["workType"]["id"] == 4 and entry["workRole"]["id"] == 8 and entry["billableOption"] == "DoNotBill"
    assert (entry["timeStart"], entry["timeEnd"], entry["actualHours"]) == ("2026-11-18T14:02:00Z", "2026-11-18T15:32:00Z", 1.5)


def test_a_session_without_timestamps_logs_typed_hours(connected, sandbox_admin, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "push", str(NO_TIMESTAMPS), "--ticket", "48510")
    assert code == 0 and "give --hours" in err
    assert [j.kind for j in jobs()] == ["note"]
    code, _, err = run(monkeypatch, capsys, "push", str(NO_TIMESTAMPS), "--ticket", "48510", "--hours", "0.5", "--force")
    assert code == 0, err
    drain(monkeypatch, capsys)
    [entry] = entries(sandbox_admin)
    start = datetime.fromisoformat(entry["timeStart"].replace("Z", "+00:00"))
    assert start.second == 0 and entry["actualHours"] == 0.5
    assert entry["timeEnd"] == (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_more_than_eight_hours_is_warned(connected, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--hours", "9")
    assert code == 0 and present.long_time_entry(9.0) in err


def test_hours_that_are_not_whole_minutes_are_logged_as_whole_minutes_and_said(connected, sandbox_admin, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--hours", "0.26")
    assert code == 0 and present.whole_minutes_logged(0.26) in err
    drain(monkeypatch, capsys)
    [entry] = entries(sandbox_admin)
    assert (entry["timeStart"], entry["timeEnd"]) == ("2026-11-18T14:02:00Z", "2026-11-18T14:18:00Z")


@pytest.mark.parametrize(("flags", "words"), [
    (["--hours", "abc"], "--hours abc: not hours (write 1.5 or 1:30)"),
    (["--hours", "30"], "hours must be more than 0 and at most 24"),
    (["--work-type", "Gardening"], "ConnectWise has no such work type; it has: Internal Admin, Onsite, Remote Support"),
])  # fmt: skip
def test_bad_time_choices_are_one_line(connected, monkeypatch, capsys, flags, words):
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK), *flags)
    assert code != 0 and out == "" and words in err and len(err.strip().splitlines()) == 1
    assert jobs() == []


def test_an_overnight_paused_session_proposes_its_active_time():
    from flowdesk.core.models import load_session_file
    from flowdesk.core.timing import plan_time_entry

    session = load_session_file(VPN)
    spent, rule = active_time(session)  # type: ignore[misc]
    assert rule == TimeRule.PAUSES and spent < timedelta(hours=3)
    assert plan_time_entry(session, "15min").hours == 2.5  # not 26.5


def test_gaps_over_half_an_hour_between_steps_are_left_out():
    t0 = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)
    steps = [{"id": str(i), "step_order": i, "created_at": (t0 + timedelta(minutes=m)).isoformat()} for i, m in enumerate([5, 20, 140, 150])]
    session = parse_session({"id": "s", "status": "resolved", "created_at": t0.isoformat(),
                             "resolved_at": (t0 + timedelta(minutes=160)).isoformat(), "steps": steps})  # fmt: skip
    spent, rule = active_time(session)  # type: ignore[misc]
    assert rule == TimeRule.GAPS and spent == timedelta(minutes=160 - 120)  # the 20 → 140 silence is left out


@pytest.mark.parametrize(("text", "hours"), [("1.5", 1.5), ("1,25", 1.25), ("0:45", 0.75), ("2", 2.0)])
def test_hours_are_decimal_or_h_mm(text, hours):
    assert parse_hours(text) == hours


# -- what a tenant refuses ---------------------------------------------------------------------------------------
def test_a_closed_time_sheet_is_refused_and_flowdesk_says_what_to_do(connected, sandbox_admin, monkeypatch, capsys):
    sandbox_admin.config(member={"time_sheet_closed": True})
    assert run(monkeypatch, capsys, "push", str(OUTLOOK))[0] == 0
    drain_code, _, _ = run(monkeypatch, capsys, "queue", "drain")
    note, entry = jobs()
    assert (note.state, entry.state) == ("sent", "failed")
    assert "time sheet 2026-11-16 to 2026-11-22 is closed" in entry.last_error
    assert entries(sandbox_admin) == []


def test_overlapping_time_is_refused(connected, sandbox_admin, monkeypatch, capsys):
    sandbox_admin.config(member={"refuse_overlap": True})
    sandbox_admin.add_time_entries([{"chargeToId": 48405, "chargeToType": "ServiceTicket",
                                     "member": {"id": 147, "identifier": "dwhitfield", "name": "Dana Whitfield"},
                                     "timeStart": "2026-11-18T14:30:00Z", "timeEnd": "2026-11-18T15:00:00Z"}])  # fmt: skip
    assert run(monkeypatch, capsys, "push", str(OUTLOOK))[0] == 0
    run(monkeypatch, capsys, "queue", "drain")
    entry = jobs()[1]
    assert entry.state == "failed" and "overlaps your time entry" in entry.last_error
