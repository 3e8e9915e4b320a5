from __future__ import annotations

from flowdesk.core.notify import JobChange, notifications_for, tray_state


def change(job_id, new, old="sending", kind="note", ticket=48211, error="ConnectWise said no."):
    return JobChange(job_id, kind, ticket, old, new, error)


def test_one_failure_one_notification_naming_ticket_and_reason():
    [n] = notifications_for([change(1, "failed")], "errors")
    assert n.error and n.job_ids == (1,)
    assert "#48211" in n.title and "ConnectWise said no." in n.text and "FlowDesk" in n.text
    assert n.detail == "ConnectWise said no."  # the in-window banner: no pointer to the window it is in


def test_several_failures_together_are_coalesced():
    out = notifications_for([change(1, "failed"), change(2, "failed", ticket=48397), change(3, "failed", ticket=48405)], "errors")
    assert len(out) == 1
    assert out[0].title == "3 notes failed to post" and out[0].job_ids == (1, 2, 3)
    assert "#48211" in out[0].text and "#48405" in out[0].text


def test_mixed_kinds_are_named_by_part():
    [n] = notifications_for([change(1, "failed"), change(2, "failed", kind="time_entry")], "errors")
    assert n.title == "1 note and 1 time entry failed to post"  # as the queue's line names them (not "2 pushes")


def test_only_transitions_notify():
    assert notifications_for([change(1, "failed", old="failed")], "errors") == []
    assert notifications_for([change(1, "retry_wait")], "errors") == []


def test_levels():
    changes = [change(1, "failed"), change(2, "sent")]
    assert notifications_for(changes, "none") == []
    assert [n.error for n in notifications_for(changes, "errors")] == [True]
    assert [n.error for n in notifications_for(changes, "all")] == [True, False]


def test_tray_state_priority():
    assert tray_state({"failed": 1}, paused=True, offline=True, sending=True) == "failed"
    assert tray_state({}, paused=True, offline=True, sending=True) == "paused"
    assert tray_state({}, paused=False, offline=True, sending=True) == "offline"
    assert tray_state({"sending": 1}, paused=False, offline=False, sending=False) == "sending"
    assert tray_state({"sent": 9}, paused=False, offline=False, sending=False) == "ok"


def test_a_failure_notified_then_posted_says_it_posted_after_all_once():
    from flowdesk.core.notify import Notices

    notices = Notices()
    [failed] = notices.of([change(1, "failed")], "errors")
    assert failed.error and failed.kind == "failed"
    assert notices.of([change(1, "pending", old="failed")], "errors") == []  # Retry: nothing yet
    [posted] = notices.of([change(1, "sending", old="pending"), change(1, "sent")], "errors")
    assert posted.kind == "posted" and not posted.error and posted.job_ids == (1,)
    assert posted.title == "The note for ticket #48211 posted after all"
    assert notices.of([change(1, "sent", old="sent")], "errors") == []  # said once
    assert notices.of([change(2, "sent")], "errors") == []  # a push that never failed: nothing at "errors"


def test_posted_after_all_comes_before_a_new_failure_and_is_not_said_twice_at_all():
    from flowdesk.core.notify import Notices

    notices = Notices()
    notices.of([change(1, "failed"), change(2, "failed", ticket=48397)], "all")
    out = notices.of([change(1, "sent"), change(3, "failed", ticket=48405), change(4, "sent", ticket=48500)], "all")
    assert [n.kind for n in out] == ["posted", "failed", "sent"]  # the last message shown is the new failure's
    assert out[0].job_ids == (1,) and out[2].job_ids == (4,)
    assert notices.of([change(2, "cancelled", old="failed")], "errors") == []  # cancelled: forgotten, no message
    assert notices.of([change(2, "sent")], "errors") == []
    assert notices.of([change(3, "sent")], "none") == []
