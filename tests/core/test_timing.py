from __future__ import annotations

from datetime import timedelta

import pytest

from flowdesk.core.models import parse_session
from flowdesk.core.timing import (
    TimeRounding,
    format_hours,
    hours_text,
    manual_plan,
    minutes_changed,
    parse_hours,
    plan_time_entry,
    round_hours,
)
from tests import seed_oracle


@pytest.mark.parametrize("hours", [0.0, 0.01, 0.25, 0.2500001, 0.26, 0.5, 0.74, 1.0, 1.1, 2.49, 26.3])
@pytest.mark.parametrize("rounding", ["15min", "30min", "exact"])
def test_round_hours_matches_the_seed(hours, rounding):
    assert round_hours(hours, rounding) == seed_oracle._round_hours(hours, rounding)


def _session(minutes, **extra):
    return parse_session({"created_at": "2026-11-18T14:00:00Z", "resolved_at": (
        f"2026-11-18T{14 + minutes // 60:02d}:{minutes % 60:02d}:00Z"), **extra})


def test_plan_uses_session_start_and_rounded_hours():
    plan = plan_time_entry(_session(37, problem_summary="Printer offline"), TimeRounding.QUARTER_HOUR)
    assert plan is not None
    assert plan.hours == 0.75
    assert plan.start.isoformat() == "2026-11-18T14:00:00+00:00"
    assert plan.end - plan.start == timedelta(minutes=45)
    assert plan.notes == "FlowPilot session: Printer offline"


def test_plan_notes_fallback_and_none_cases():
    assert plan_time_entry(_session(10), "30min").notes == "FlowPilot session: Troubleshooting"
    assert plan_time_entry(_session(10), "none") is None
    assert plan_time_entry(parse_session({"created_at": "2026-11-18T14:00:00Z"}), "15min") is None
    assert plan_time_entry(_session(0), "exact") is None  # rounds to zero: the seed logs nothing


def test_plan_uses_escalated_at_when_not_resolved():
    s = parse_session({"created_at": "2026-11-18T14:00:00Z", "escalated_at": "2026-11-18T15:10:00Z"})
    assert plan_time_entry(s, "30min").hours == 1.5


def test_format_hours():
    assert [format_hours(h) for h in (0.25, 1.5, 2.0, 0.33)] == ["0.25 h", "1.5 h", "2 h", "0.33 h"]


def test_a_plan_logs_whole_minutes_and_the_box_shows_them():
    session = _session(16)
    assert plan_time_entry(session, "exact").hours == 16 / 60  # the seed's 0.27 h would be 16.2 minutes
    plan = manual_plan(session, parse_hours("0.26"), session.created_at)
    assert plan.hours == 16 / 60 and plan.end - plan.start == timedelta(minutes=16)
    assert plan._replace(hours=0.27).hours == 16 / 60  # hours typed in the window's box replace the plan's
    assert minutes_changed(parse_hours("0.26")) and not minutes_changed(parse_hours("0:16"))
    assert not minutes_changed(parse_hours("1.25"))
    assert [hours_text(h) for h in (16 / 60, 1.25, 2.0, 80 / 60)] == ["0:16", "1.25", "2", "1:20"]
