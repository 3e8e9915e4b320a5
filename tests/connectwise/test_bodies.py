from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from flowdesk.connectwise.bodies import TicketRef, cw_datetime, note_body, time_entry_body
from flowdesk.core.settings import Visibility
from flowdesk.core.timing import TimeEntryPlan


@pytest.mark.parametrize(
    ("vis", "flag"),
    [("internal", "internalAnalysisFlag"), ("discussion", "detailDescriptionFlag"), ("resolution", "resolutionFlag")],
)
def test_exactly_one_visibility_flag(vis, flag):
    body = note_body("text", vis)
    flags = {k for k in ("internalAnalysisFlag", "detailDescriptionFlag", "resolutionFlag") if body[k]}
    assert flags == {flag}
    assert body["text"] == "text"


def test_unknown_visibility_rejected():
    with pytest.raises(ValueError):
        note_body("t", "everyone")
    assert note_body("t", Visibility.DISCUSSION)["detailDescriptionFlag"]


def test_cw_datetime_is_utc_z_without_millis():
    dt = datetime(2026, 11, 18, 16, 2, 11, 987654, tzinfo=timezone(timedelta(hours=2)))
    assert cw_datetime(dt) == "2026-11-18T14:02:11Z"
    assert cw_datetime(datetime(2026, 1, 1)) == "2026-01-01T00:00:00Z"


def test_time_entry_body_matches_ticket_kind_and_member_needs():
    plan = TimeEntryPlan(datetime(2026, 11, 18, 14, 0, tzinfo=UTC), 1.25, "FlowPilot session: x")
    service = time_entry_body(TicketRef(48211), plan, send_end=False)
    assert service["chargeToType"] == "ServiceTicket" and service["chargeToId"] == 48211
    assert service["timeStart"] == "2026-11-18T14:00:00Z" and service["timeEnd"] == "2026-11-18T15:15:00Z"
    assert "member" not in service
    project = time_entry_body(TicketRef(31207, "project"), plan, send_end=True)
    assert project["chargeToType"] == "ProjectTicket" and project["timeEnd"] == "2026-11-18T15:15:00Z"


def test_hours_that_are_not_whole_minutes_are_sent_as_the_minutes_the_entry_spans():
    plan = TimeEntryPlan(datetime(2026, 11, 18, 14, 0, tzinfo=UTC), 0.26, "FlowPilot session: x")  # 15.6 min
    body = time_entry_body(TicketRef(48211), plan, send_end=False)
    assert body["timeEnd"] == "2026-11-18T14:16:00Z" and body["actualHours"] * 60 == pytest.approx(16)


# -- notifications: nobody is e-mailed unless the engineer chose it -------------------------------------------------
@pytest.mark.parametrize("vis", list(Visibility))
def test_a_note_never_asks_connectwise_to_notify_by_default(vis):
    assert note_body("t", vis)["processNotifications"] is False  # ConnectWise's own default would be true


@pytest.mark.parametrize(
    ("vis", "processed"), [(Visibility.INTERNAL, False), (Visibility.DISCUSSION, True), (Visibility.RESOLUTION, True)]
)
def test_only_a_customer_facing_note_the_engineer_chose_to_email_is_notified(vis, processed):
    from flowdesk.connectwise.bodies import EmailChoice

    assert note_body("t", vis, EmailChoice(contact=True))["processNotifications"] is processed


def test_a_time_entry_carries_exactly_the_chosen_email_flags():
    from flowdesk.connectwise.bodies import EmailChoice

    plan = TimeEntryPlan(datetime(2026, 11, 18, 14, 0, tzinfo=UTC), 0.5, "n")
    none = time_entry_body(TicketRef(48211), plan, send_end=False)
    assert (none["emailContactFlag"], none["emailResourceFlag"], none["emailCcFlag"]) == (False, False, False)
    chosen = time_entry_body(TicketRef(48211), plan, send_end=False, email=EmailChoice.parse("contact, cc"))
    assert (chosen["emailContactFlag"], chosen["emailResourceFlag"], chosen["emailCcFlag"]) == (True, False, True)


@pytest.mark.parametrize(("text", "names"), [("contact", ["contact"]), ("CC,resources", ["resources", "cc"]), ("none", [])])
def test_email_choice_parses_the_cli_words(text, names):
    from flowdesk.connectwise.bodies import EmailChoice

    assert EmailChoice.parse(text).names() == names


@pytest.mark.parametrize("text", ["", "customer", "contact,boss"])
def test_email_choice_refuses_other_words(text):
    from flowdesk.connectwise.bodies import EmailChoice

    with pytest.raises(ValueError, match="choose from contact, resources, cc"):
        EmailChoice.parse(text)
