"""The time entry's options under the note, with real Qt widgets: editing the hours, the 8 h warning, typing
hours for a session without timestamps, choosing a work type, work role and billable option."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flowdesk.core import present
from flowdesk.core.models import load_session_file
from flowdesk.core.timing import TimeRule, plan_time_entry
from tests.conftest import SAMPLES

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def box(qtbot):
    from flowdesk.ui.time_entry_box import TimeEntryBox

    widget = TimeEntryBox()
    qtbot.addWidget(widget)
    return widget


def test_the_proposed_hours_say_their_rule_and_can_be_edited(box, qtbot):
    session = load_session_file(SAMPLES / "05-vpn-cgnat-over-24h.json")  # paused overnight
    box.set_plan(plan_time_entry(session, "15min"), session)
    assert box.hours.text() == "2.5" and box.rule.text() == present.TIME_RULES["pauses"]
    box.hours.clear()
    qtbot.keyClicks(box.hours, "1:45")
    plan = box.plan(NOW)
    assert plan.hours == 1.75 and plan.start == session.created_at and box.warning.text() == ""


def test_more_than_eight_hours_warns_and_bad_hours_say_so(box, qtbot):
    session = load_session_file(SAMPLES / "01-outlook-credential-loop.json")
    box.set_plan(plan_time_entry(session, "15min"), session)
    box.hours.clear()
    qtbot.keyClicks(box.hours, "9.5")
    assert box.warning.text() == present.long_time_entry(9.5)
    box.hours.clear()
    qtbot.keyClicks(box.hours, "lots")
    assert "not hours" in box.warning.text()
    with pytest.raises(ValueError, match="not hours"):
        box.plan(NOW)


def test_a_session_without_timestamps_takes_typed_hours(box, qtbot):
    session = load_session_file(SAMPLES / "15-no-timestamps.json")
    box.set_plan(plan_time_entry(session, "15min"), session)  # None: nothing to propose
    assert box.hours.text() == "" and box.rule.text() == present.TIME_RULES["manual"]
    qtbot.keyClicks(box.hours, "0.5")
    plan = box.plan(NOW)
    assert plan.hours == 0.5 and plan.rule == TimeRule.MANUAL and plan.start == datetime(2026, 11, 25, 11, 30, tzinfo=UTC)


def test_choosing_a_work_type_role_and_billable_option(box, qtbot):
    session = load_session_file(SAMPLES / "01-outlook-credential-loop.json")
    box.set_plan(plan_time_entry(session, "15min"), session)
    box.set_lists([(3, "Remote Support"), (4, "Onsite")], [(7, "Systems Engineer")], work_type_id=3)
    assert box.work_type.currentText() == "Remote Support"  # the last choice preselected
    box.work_type.setCurrentIndex(box.work_type.findText("Onsite"))
    box.billable.setCurrentIndex(box.billable.findText("NoCharge"))
    plan = box.plan(NOW)
    assert (plan.work_type_id, plan.work_role_id, plan.billable) == (4, None, "NoCharge")


def test_hours_that_are_not_whole_minutes_say_what_will_be_logged(box, qtbot):
    session = load_session_file(SAMPLES / "01-outlook-credential-loop.json")
    box.set_plan(None, session)
    qtbot.keyClicks(box.hours, "0.26")
    assert box.warning.text() == present.whole_minutes_logged(0.26)
    assert "16 minutes (0.27 h) will be logged" in box.warning.text()
    assert box.plan(NOW).hours == 16 / 60
    box.set_plan(box.plan(NOW), session)
    assert box.hours.text() == "0:16" and box.warning.text() == ""


def test_the_empty_hours_show_their_whole_hint(box):
    """Empty (a session without timestamps: the hours are typed), the box read '1.5 or …'."""
    box.set_plan(None, None)
    hint = box.hours.placeholderText()
    assert box.hours.text() == "" and hint == "1.5 or 1:30"
    assert box.hours.width() >= box.hours.fontMetrics().horizontalAdvance(hint) + 12
