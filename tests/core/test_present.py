"""The words a person reads about a push: one test per function of ``flowdesk.core.present``.

The retry policy's texts (``posted`` ... ``interrupted``) are also checked word for word, through the
decisions that use them, in ``test_policy.py`` and the fault matrix.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from flowdesk.core import policy_words, present
from flowdesk.core.policy import JobKind, JobSnapshot, JobState
from tests.conftest import REPO

NOW = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


@dataclass
class Job:
    id: int = 1
    kind: str = "note"
    state: str = "pending"
    ticket_id: int | None = 48211
    ticket_kind: str = "service"
    parent_id: int | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    remote_id: int | None = None
    last_error: str | None = None


@dataclass
class Attempt:
    at: datetime
    outcome: str
    http_status: int | None = None
    request_id: str | None = None


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch):
    """The computer's zone is Europe/Berlin for this test (the C library's, as LOCAL reads it)."""
    if not hasattr(time, "tzset"):
        pytest.skip("POSIX: time.tzset() (switching the C library's time zone in a running process) is Unix-only")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


# -- times -----------------------------------------------------------------------------------------
def test_format_clock_same_day_other_day_and_zone():
    assert present.format_clock(NOW + 5 * MIN, NOW) == "14:05"
    assert present.format_clock(NOW + timedelta(days=1), NOW) == "Thu 19 Nov 14:00"
    assert present.format_clock(NOW + 5 * MIN, NOW, timezone(timedelta(hours=2))) == "16:05"
    # 23:30 UTC is already tomorrow two hours east: the day is shown.
    late = NOW.replace(hour=23, minute=30)
    assert present.format_clock(late, NOW, timezone(timedelta(hours=2))) == "Thu 19 Nov 01:30"


def test_format_when_says_now_once_due_and_a_dash_for_none():
    assert present.format_when(None, NOW) == "—"
    assert present.format_when(NOW, NOW) == "now"
    assert present.format_when(NOW - MIN, NOW) == "now"
    assert present.format_when(NOW + MIN, NOW) == "14:01"


def test_format_timestamp():
    assert present.format_timestamp(None) == ""
    assert present.format_timestamp(NOW + 5 * MIN, UTC) == "2026-11-18 14:05"


def test_local_is_the_computers_zone_with_daylight_saving(berlin):
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    winter = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert summer.astimezone(present.LOCAL).strftime("%H:%M %Z") == "14:00 CEST"
    assert winter.astimezone(present.LOCAL).strftime("%H:%M %Z") == "13:00 CET"
    # The night the clocks go back (25 Oct 2026): a time after the change, seen from before it.
    before = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # 22:00 CEST
    after = datetime(2026, 10, 25, 3, 0, tzinfo=UTC)  # 04:00 CET (05:00 with a fixed offset)
    assert present.format_clock(after, before, present.LOCAL) == "Sun 25 Oct 04:00"
    assert present.format_timestamp(after) == "2026-10-25 04:00"


# -- nouns -----------------------------------------------------------------------------------------
def test_nouns():
    assert [present.thing("note"), present.thing("time_entry")] == ["note", "time entry"]
    assert [present.things("note", 2), present.things("time_entry", 1), present.things("time_entry", 3)] == [
        "notes", "time entry", "time entries",
    ]
    assert present.ticket_words(48211) == "ticket #48211"
    assert present.ticket_words(77, "project") == "project ticket #77"
    assert present.ticket_words(None) == "the ticket"
    assert present.push_name(Job(3, kind="time_entry")) == "push 3 (time entry for ticket #48211)"
    assert present.job_title(Job(), "Outlook prompts") == "Note — Outlook prompts"
    assert present.job_title(Job(kind="time_entry")) == "Time entry"


# -- states ----------------------------------------------------------------------------------------
def test_every_state_has_one_label_and_the_glossary_lists_them():
    assert [present.state_label(s) for s in JobState] == [
        "Waiting", "Sending", "Sent", "Retrying", "Checking", "Failed", "Cancelled",
    ]
    assert [s.label for s in JobState] == [present.state_label(s) for s in JobState]
    glossary = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    words = re.search(r"UI words: ([^)]*)\)", glossary)
    assert words is not None
    assert words.group(1).split(", ") == [
        "Waiting", "Sending", "Sent", "Retrying at HH:MM", "Checking at HH:MM", "Failed", "Cancelled",
    ]


def test_waits_for_note():
    assert not present.waits_for_note(Job(), None)
    assert present.waits_for_note(Job(kind="time_entry", parent_id=1), "pending")
    assert present.waits_for_note(Job(kind="time_entry", parent_id=1), None)
    assert not present.waits_for_note(Job(kind="time_entry", parent_id=1), "sent")


@pytest.mark.parametrize(
    ("job", "waiting_for_note", "text"),
    [
        (Job(state="pending"), False, "Waiting"),
        (Job(state="pending", kind="time_entry", parent_id=1), True, "Waiting for its note"),
        (Job(state="retry_wait", parent_id=1, next_attempt_at=NOW + 5 * MIN), True, "Waiting for its note"),
        (Job(state="sending"), False, "Sending"),
        (Job(state="sent", sent_at=NOW, remote_id=9), False, "Sent"),
        (Job(state="retry_wait", next_attempt_at=NOW + 5 * MIN), False, "Retrying at 14:05"),
        (Job(state="retry_wait", next_attempt_at=NOW + timedelta(days=1)), False, "Retrying at Thu 19 Nov 14:00"),
        (Job(state="retry_wait", next_attempt_at=NOW - MIN), False, "Retrying now"),
        (Job(state="retry_wait"), False, "Retrying"),
        (Job(state="unknown", next_attempt_at=NOW + MIN), False, "Checking at 14:01"),
        (Job(state="unknown", next_attempt_at=NOW - MIN), False, "Checking now"),
        (Job(state="unknown"), False, "Checking"),
        (Job(state="failed"), True, "Failed"),
        (Job(state="cancelled"), False, "Cancelled"),
    ],
)
def test_state_text(job: Job, waiting_for_note: bool, text: str):
    assert present.state_text(job, NOW, waiting_for_note=waiting_for_note) == text


@pytest.mark.parametrize(
    ("job", "detail"),
    [
        (Job(state="pending"), "Waiting to be sent."),
        (Job(state="sending"), "Being sent to ticket #48211 now."),
        (Job(state="sent", sent_at=NOW, remote_id=9), "Posted to ticket #48211 at 14:00 (ConnectWise id #9)."),
        (Job(state="sent", ticket_kind="project"), "Posted to project ticket #48211."),
        (Job(state="retry_wait", next_attempt_at=NOW + 5 * MIN), "Next attempt: 14:05."),
        (Job(state="retry_wait"), "Next attempt now."),
        (Job(state="unknown", next_attempt_at=NOW + MIN),
         "FlowDesk will check ticket #48211 for the note (14:01) before sending it again."),
        (Job(state="unknown", next_attempt_at=NOW), "FlowDesk will check ticket #48211 for the note (now) before sending it again."),
        (Job(state="unknown"), "FlowDesk will not check ticket #48211 again by itself: look at the ticket in ConnectWise."),
        (Job(state="failed"), "Not sent: click Retry to send it again, or Cancel push."),
        (Job(state="cancelled"), "Cancelled: it will not be sent."),
    ],
)
def test_state_detail(job: Job, detail: str):
    assert present.state_detail(job, NOW) == detail


@pytest.mark.parametrize("due", [NOW - MIN, NOW + 5 * MIN])
def test_while_sending_is_paused_no_check_or_retry_is_said_to_happen(due: datetime):
    """Seen in the demo: while ConnectWise's refusal of the keys (or the engineer's Pause sending) held sending, a
    push that may already be on its ticket said "Checking now" (or "Checking at 14:05"), but nothing was checked."""
    unknown, retrying = Job(state="unknown", next_attempt_at=due), Job(state="retry_wait", next_attempt_at=due)
    assert present.state_text(unknown, NOW, paused=True) == "Check paused"
    assert present.state_text(retrying, NOW, paused=True) == "Retry paused"
    assert present.state_detail(unknown, NOW, paused=True) == (
        "Sending is paused: FlowDesk will check ticket #48211 for the note once sending resumes, before sending it again."
    )
    assert present.state_detail(retrying, NOW, paused=True) == "Sending is paused: it is sent again once sending resumes."
    held = present.HeldFor("Jo Smith", "Sam")  # a member pause's words come first: it waits for their keys
    assert present.state_text(unknown, NOW, held=held, paused=True) == "Waiting for Jo Smith's keys"
    assert present.state_text(Job(state="pending"), NOW, paused=True) == "Waiting"
    detail = present.job_detail(unknown, NOW, UTC, paused=True)
    assert detail.startswith("Note for ticket #48211 — Check paused\nSending is paused: FlowDesk will check"), detail


def test_the_push_column_of_a_check_the_pause_holds():
    """The session list: "Check paused", the tooltip why (the pause's own words), not when it was due."""
    lost = policy_words.may_have_arrived(Job(), server_error=False, http_status=None, check_at="14:05")
    s = present.session_push([Job(1, state="unknown", next_attempt_at=NOW - MIN, last_error=lost)], False, NOW, paused=True)
    assert s is not None and s.text == "Check paused"
    assert s.tooltip == (
        "The connection dropped after the note was sent, so it may have reached ticket #48211. Sending is paused: "
        "FlowDesk will check ticket #48211 for the note once sending resumes, before sending it again."
    )
    keys = policy_words.check_paused(Job())
    s = present.session_push([Job(1, state="unknown", next_attempt_at=NOW, last_error=keys)], False, NOW, paused=True)
    assert s is not None and (s.text, s.tooltip) == ("Check paused", keys)


def test_state_detail_of_a_time_entry_waiting_for_its_note():
    job = Job(kind="time_entry", parent_id=1)
    assert present.state_detail(job, NOW, waiting_for_note=True) == "Waiting for its note to be sent first."


def test_job_detail_has_state_next_step_error_and_history():
    job = Job(state="retry_wait", next_attempt_at=NOW + 5 * MIN, attempts=1,
              last_error="ConnectWise is rate limiting FlowDesk. Retrying at 14:05.")
    text = present.job_detail(
        job, NOW, UTC,
        attempts=[Attempt(NOW - MIN, "rate_limited", 429, "req-1"), Attempt(NOW - 2 * MIN, "offline")],
    )
    assert text.splitlines() == [
        "Note for ticket #48211 — Retrying at 14:05",  # the time said once (it was said three times)
        "It is sent again by itself then, or at once when you click Retry.",
        "ConnectWise is rate limiting FlowDesk.",
        "",
        "Attempts:",
        # not the outcome's code, rate_limited; the request id as every error line says it (it was "HTTP 429
        # (request id req-1)")
        "  2026-11-18 13:59  Rate limited (HTTP 429). Request id: req-1",
        "  2026-11-18 13:58  Could not connect",
    ]
    from flowdesk.core.policy import INTERRUPTED, OutcomeKind

    # every outcome has its words, and so has the post log's record of a send FlowDesk stopped in the middle of
    assert set(present.ATTEMPT_OUTCOMES) == {k.value for k in OutcomeKind} | {INTERRUPTED}
    assert present.job_detail(Job(state="pending"), NOW) == "Note for ticket #48211 — Waiting\nWaiting to be sent."


# -- the session list's Push column ----------------------------------------------------------------
def test_session_push_rules():
    assert present.session_push([], False, NOW) is None
    posted = present.session_push([], True, NOW)
    assert posted is not None and posted.state == "posted_by_resolutionflow" and posted.text == "Posted by ResolutionFlow"
    # The latest note decides.
    s = present.session_push([Job(1, state="sent", sent_at=NOW), Job(2, state="pending")], False, NOW)
    assert s == present.PushSummary("pending", "Waiting", "Waiting to be sent.", 48211)
    sent = present.session_push([Job(1, state="sent", sent_at=NOW, remote_id=5)], False, NOW)
    assert sent == present.PushSummary("sent", "Sent 18 Nov 14:00", "Posted to #48211 (note 5) on Wed 18 Nov 2026 at 14:00.", 48211)
    retrying = present.session_push(
        [Job(1, state="retry_wait", next_attempt_at=NOW + 5 * MIN, last_error="Server error. Retrying at 14:05.")],
        False, NOW,
    )
    assert retrying == present.PushSummary(
        "retry_wait", "Retrying at 14:05", "Server error. It is sent again by itself then, or at once when you click Retry.", 48211
    )
    failed_te = present.session_push(
        [Job(1, state="sent", sent_at=NOW), Job(2, kind="time_entry", parent_id=1, state="failed", last_error="closed")],
        False, NOW,
    )
    assert failed_te == present.PushSummary("failed", "Sent 18 Nov 14:00 (time entry failed)", "closed", 48211)
    cancelled = present.session_push([Job(1, state="cancelled")], True, NOW)
    assert cancelled is not None and cancelled.text == "Posted by ResolutionFlow"
    assert present.session_push([Job(1, state="cancelled")], False, NOW) == present.PushSummary("cancelled", "Cancelled")


def test_the_push_tooltip_of_a_push_to_be_tried_again_does_not_say_the_time_again():
    """Seen in the demo: "Retrying at 20:07" in the cell, "ConnectWise is rate limiting FlowDesk. Retrying at 20:07."
    in its tooltip. The tooltip says why, and what happens then; the cell says when."""
    rate_limited = Job(1, state="retry_wait", next_attempt_at=NOW + 7 * MIN,
                       last_error="ConnectWise is rate limiting FlowDesk. Retrying at 14:07.")  # fmt: skip
    s = present.session_push([rate_limited], False, NOW, UTC)
    assert s is not None and s.text == "Retrying at 14:07" and "14:07" not in s.tooltip
    assert s.tooltip == "ConnectWise is rate limiting FlowDesk. It is sent again by itself then, or at once when you click Retry."
    said = policy_words.may_have_arrived(Job(), server_error=True, http_status=503, check_at="14:01")
    lost = Job(1, state="unknown", next_attempt_at=NOW + MIN, last_error=said)
    s = present.session_push([lost], False, NOW, UTC)
    assert s is not None and s.text == "Checking at 14:01" and "14:01" not in s.tooltip
    assert s.tooltip.endswith("FlowDesk will check ticket #48211 for the note then, before sending it again.")


@dataclass
class Part(Job):
    body: str = "{}"
    status_name: str = ""

    def body_json(self) -> dict:
        import json

        return json.loads(self.body)


def test_the_push_tooltip_of_a_sent_note_says_what_each_part_did_not_the_time_again():
    """Seen in the demo: the cell read "Sent 3 Dec 16:16" and its tooltip "Posted to ticket #48517 at 16:16
    (ConnectWise id #1200001)." — the time again, and nothing of the time entry or the status change. The tooltip
    says what each part did, as the note pane does after the push, with the date in full."""
    note = Job(1, state="sent", sent_at=NOW, remote_id=1200001)
    time_entry = Part(2, kind="time_entry", parent_id=1, state="sent", body='{"actualHours": 0.25}')
    status = Part(3, kind="status", parent_id=1, state="sent", status_name="Resolved")
    s = present.session_push([note, time_entry, status], False, NOW + 3 * 24 * 60 * MIN, UTC)
    assert s is not None and s.text == "Sent 18 Nov 14:00"
    assert s.tooltip == "Posted to #48211 (note 1200001) on Wed 18 Nov 2026 at 14:00, 0.25 h logged, status set to Resolved."
    waiting = present.session_push([note, Part(2, kind="time_entry", parent_id=1, state="retry_wait"),
                                    Part(3, kind="status", parent_id=1, state="pending", status_name="Resolved")], False, NOW, UTC)  # fmt: skip
    assert waiting is not None and waiting.tooltip == (
        "Posted to #48211 (note 1200001) on Wed 18 Nov 2026 at 14:00; the time entry is waiting; "
        "the status change to Resolved is waiting."
    )


# -- the queue as a whole --------------------------------------------------------------------------
def test_queue_line():
    assert present.queue_line({}, paused=False, offline=False, sending=False) == "Queue: all sent"
    counts = {"pending": 1, "retry_wait": 2, "unknown": 1, "failed": 3, "sending": 0, "sent": 9}
    assert present.queue_line(counts, paused=False, offline=True, sending=True) == (
        "Queue: sending, 4 waiting, 3 failed, ConnectWise unreachable"
    )
    assert present.queue_line({"sending": 1}, paused=True, offline=True, sending=False) == "Queue: sending, sending paused"


def test_tray_and_banner_words():
    assert present.tray_tooltip() == "FlowDesk"
    assert present.tray_tooltip("Queue: all sent") == "FlowDesk — Queue: all sent"
    assert present.paused_line("Sending paused by you.") == "Sending is paused: Sending paused by you."
    assert present.not_sent_banner("no keys.") == "Pushes are waiting: no keys."
    assert present.notice_banner("3 notes failed to post", "Tickets #1, #2, #3: the queue says why for each.") == (
        "3 notes failed to post. Tickets #1, #2, #3: the queue says why for each."
    )


# -- what the engineer did -------------------------------------------------------------------------
def test_queued():
    assert present.queued([Job()]) == "Queued the note for ticket #48211."
    assert present.queued([Job(1), Job(2, kind="time_entry")]) == "Queued the note and time entry for ticket #48211."
    assert present.queued([Job(ticket_kind="project")]) == "Queued the note for project ticket #48211."


def test_retried_failed_in_the_window_and_on_the_command_line():
    assert present.retried_failed(0) == "Nothing has failed."
    assert present.retried_failed(1) == "Sending 1 failed push again."
    assert present.retried_failed(3) == "Sending 3 failed pushes again."
    assert present.retried_failed(0, job_ids=[]) == "Nothing has failed."
    assert present.retried_failed(2, job_ids=[5, 7]) == "2 failed pushes will be sent at the next drain: 5, 7."


def test_retried_and_cancelled():
    assert present.retried(Job(1)) == "Push 1 (note for ticket #48211) will be sent at the next drain."
    assert present.retried(Job(1, state="unknown")) == (
        "Push 1 (note for ticket #48211) will be checked on the ticket at the next drain (it may be there already)"
        " and sent if it is not."
    )
    assert present.cancelled(Job(3)) == "Cancelled push 3 (note for ticket #48211)."
    assert present.cancelled(Job(3, last_error="Check the ticket.")) == "Cancelled push 3 (note for ticket #48211). Check the ticket."
    assert present.cancel_question(Job(kind="time_entry")) == "Stop trying to send this time entry to ticket #48211?"
    assert present.cancel_question(Job(state="unknown")) == (
        "Stop trying to send this note to ticket #48211? It may already be on the ticket: check it in ConnectWise."
    )
    assert present.cancel_question(Job(), also=["time_entry"]) == (
        "Stop trying to send this note and its time entry to ticket #48211?"
    )
    assert present.cancel_question(Job(), also=["time_entry", "status"]) == (  # seen in the demo: the status
        "Stop trying to send this note, its time entry and its status change to ticket #48211?"  # change went unsaid
    )


def test_auto_pushed_and_waiting_on_quit():
    assert present.auto_pushed([48211]) == "Auto-push queued 1 note (#48211)."
    assert present.auto_pushed(list(range(1, 8))) == "Auto-push queued 7 notes (#1, #2, #3, #4, #5 …)."
    assert present.auto_pushed([], [48211]) == "Auto-push left 1 edited note for you to push (#48211)."
    assert present.auto_pushed([1, 2], [3]) == "Auto-push queued 2 notes (#1, #2); left 1 edited note for you to push (#3)."
    assert present.waiting_on_quit(1) == (
        "1 push is still waiting to be sent. Quit anyway? It will be sent the next time FlowDesk starts."
    )
    assert present.waiting_on_quit(2).startswith("2 pushes are still waiting to be sent. Quit anyway? They will")
    assert present.waiting_on_quit(1, paused=True) == (  # a start does not send them: Resume does
        "1 push is still waiting to be sent. Quit anyway? Sending is paused: it will be sent once you resume it."
    )
    assert present.waiting_on_quit(2, kept=False) == (  # the demo: it promised to send them at the next start
        "2 pushes are still waiting to be sent. Quit anyway? The demo keeps nothing: they will not be sent."
    )
    assert present.waiting_on_quit(3, what="1 note, 1 time entry and 1 status change") == (  # one note pushed
        "1 note, 1 time entry and 1 status change are still waiting to be sent. Quit anyway? They will be sent the "
        "next time FlowDesk starts."
    )


# -- notifications ---------------------------------------------------------------------------------
def test_notices():
    one = present.failed_notice("time_entry", 48211, None)
    assert one == present.Notice(
        "The time entry for ticket #48211 failed to post",
        "ConnectWise did not accept it. Click to open it in FlowDesk.",
        "ConnectWise did not accept it.",
    )
    many = present.failed_many_notice(["note", "note", "note", "note", "note"], [5, 4, 3, 2, 1, 1])
    assert many.title == "5 notes failed to post"
    assert many.text == "Tickets #1, #2, #3, #4 …. Click to see why in FlowDesk."
    assert present.failed_many_notice(["note", "status"], [1, 2]).title == "1 note and 1 status change failed to post"
    assert present.sent_notice(["note"], [48211]).title == "Posted the note to ticket #48211"
    assert present.sent_notice(["note", "time_entry", "status"], [1, 1, 1]).title == (  # it said "Posted 3 items"
        "Posted 1 note, 1 time entry and 1 status change to ConnectWise"
    )


# -- the retry policy's words ----------------------------------------------------------------------
def test_policy_words_take_a_job_snapshot():
    job = JobSnapshot(state=JobState.SENDING, kind=JobKind.TIME_ENTRY, ticket_id=77, ticket_kind="project")
    assert policy_words.posted(job) == "Time entry posted to project ticket #77."
    assert policy_words.found(job) == "Time entry found on project ticket #77: it had arrived; marked as sent."
    assert policy_words.refused(job, "permission", 403, None).startswith(
        "Your ConnectWise account is not allowed to post this time entry to project ticket #77."
    )
    for kind, right in (("note", "add notes to"), ("status", "change the status of")):  # it said service tickets
        project = job._replace(kind=kind)
        assert f"for permission to {right} project tickets, then" in policy_words.refused(project, "permission", 403, None)
        assert f"to {right} service tickets," in policy_words.refused(project._replace(ticket_kind="service"), "permission", 403, None)
    assert 'says: "' + "z" * 297 + '..."' in policy_words.refused(job, "validation", 400, "z" * 400)
    assert policy_words.retrying(policy_words.server_error(502, None), "14:05") == (
        "ConnectWise had a server error (HTTP 502). Retrying at 14:05."
    )
    assert policy_words.keys_refused(401, "  ") == (
        "ConnectWise did not accept your API keys (HTTP 401). Sending waits until ConnectWise accepts them: enter "
        "your keys again in Settings > ConnectWise account (or with `flowdesk connect`)."
    )
    assert policy_words.check_later(job, rate_limited=True, http_status=429, check_at="14:05") == (
        "ConnectWise is rate limiting FlowDesk, so FlowDesk could not yet check whether the time entry reached "
        "project ticket #77. Checking again at 14:05."
    )


def test_hours_read_as_the_time_entry_logs_them_everywhere():
    """0.25 h is written 0.25 h wherever it is named (it read '0.2 h logged' after a push of 0.25 h)."""
    now = datetime(2026, 12, 2, 15, 42, tzinfo=UTC)
    assert present.note_posted(48523, 1200001, now, 0.25, now, UTC) == "Posted to #48523 (note 1200001) at 15:42, 0.25 h logged"
    assert present.note_posted(48523, None, None, 1.0, now, UTC) == "Posted to #48523, 1 h logged"
    assert "the note and 0.75 h of time" in present.push_again_question(48523, 0.75)
    # a session pushed before without its time: the note a second time, the hours once
    assert present.push_again_question(48523, 0.75, logged_before=False) == (
        "This session was pushed to #48523 before. Posting again adds the note to ticket #48523 a second time, and logs 0.75 h."
    )
    assert present.push_again_question(48523, None, logged_before=False) == present.push_again_question(48523, None) == (
        "This session was pushed to #48523 before. Posting again adds the note to ticket #48523 a second time."
    )
    assert present.long_time_entry(9.5).startswith("the time entry is 9.5 h, more than a working day")


@dataclass(frozen=True)
class _Queued:
    member: str | None
    member_name: str | None = None


def test_the_member_pause_names_each_member_once_by_name_when_a_push_of_theirs_knew_it():
    """Found in review: the drainer named the member who queued by identifier ("jsmith"), the window by name;
    and with pushes of several members it named only the first."""
    waiting = [_Queued("jsmith"), _Queued("amartin", "Alex Martin"), _Queued("JSMITH", "Jo Smith"), _Queued("kdoe")]
    assert present.member_names(waiting) == ["Jo Smith", "Alex Martin", "kdoe"]
    assert present.other_member_waiting(waiting, "Dana Whitfield") == (
        "4 pushes were queued as Jo Smith, Alex Martin and kdoe; FlowDesk now signs in to ConnectWise as Dana "
        "Whitfield. Resume to send them as Dana Whitfield, or cancel in the Queue tab those that are not Dana "
        "Whitfield's."
    )
    assert present.other_member_waiting([_Queued("jsmith")], "dwhitfield").startswith("1 push was queued as jsmith;")


def test_send_all_now_says_what_waits_for_a_look_on_its_ticket() -> None:
    from flowdesk.core import held

    now = datetime(2026, 12, 3, 7, 24, 16, tzinfo=UTC)
    at = now + timedelta(seconds=52)
    assert held.retried_all(held.Retried(0), now, UTC) == "Nothing is waiting or failed."
    assert held.retried_all(held.Retried(3), now, UTC) == "Sending 3 pushes now."
    assert held.retried_all(held.Retried(2, 2, at), now, UTC) == (
        "2 pushes go at 07:25, after FlowDesk has looked on the ticket (an answer was lost): nothing is posted twice."
    )
    assert held.retried_all(held.Retried(3, 1, at), now, UTC).startswith("Sending 2 pushes now. 1 push goes at 07:25, after")
    # Seen in a 1400-pixel window: "Sending 2 pushes now. 2 pushes go at 13:01, after FlowDesk has looked on the
    # ticket: ConnectWise may have saved …" ran under the status bar's "Queue: 2 waiting, next try 13:01", cut
    # at "and nothing is". The status bar shows it: it fits beside the queue's line (about 130 characters).
    assert len(held.retried_all(held.Retried(9, 8, at), now, UTC)) <= 130


@dataclass(frozen=True)
class _Held:
    member: str | None
    member_name: str | None = None
    state: str = "pending"


def test_the_queue_line_says_whose_pushes_a_member_pause_holds_not_that_sending_is_paused():
    """Found in review: while a member pause let the signed-in member's pushes go, the line said "sending
    paused". The pushes it holds are told apart from those waiting to be sent (a failed one stays failed)."""
    held = [_Held("jsmith", "Jo Smith"), _Held("JSMITH", state="retry_wait"), _Held("jsmith", state="failed")]
    counts = {"pending": 2, "retry_wait": 1, "failed": 1, "sent": 3}
    line = "Queue: sending, 1 waiting, 1 failed, 2 queued as Jo Smith wait for their keys"
    assert present.queue_line(counts, paused=False, offline=False, sending=True, others=held) == line
    assert present.queue_line({"pending": 1}, paused=False, offline=False, sending=False, others=held[:1]) == (
        "Queue: 1 queued as Jo Smith waits for their keys"
    )
    assert present.queue_line(counts, paused=True, offline=False, sending=False, others=held[:2]) == (
        "Queue: 1 waiting, 1 failed, 2 queued as Jo Smith wait for their keys, sending paused"
    )


def test_queue_drain_says_whose_pushes_wait_and_what_sends_them():
    assert present.members_wait([_Held("jsmith", "Jo Smith")], "Dana Whitfield") == (
        "1 push queued as Jo Smith waits for Jo Smith's keys: save them with `flowdesk connect` and drain again, "
        "or run `flowdesk queue resume` to send it as Dana Whitfield."
    )
    assert present.members_wait([_Held("jsmith"), _Held("amartin", "Alex Martin")], "dwhitfield") == (
        "2 pushes queued as jsmith and Alex Martin wait for their own members' keys: save them with `flowdesk "
        "connect` and drain again, or run `flowdesk queue resume` to send them as dwhitfield."
    )



@dataclass
class _HeldJob:
    id: int
    member: str | None
    member_name: str | None = None
    kind: str = "note"
    ticket_id: int = 48211
    ticket_kind: str = "service"


def test_queue_retry_of_a_push_held_for_another_member_says_whose_keys_it_waits_for_and_the_two_ways_out():
    assert present.retry_held(_HeldJob(4, "jsmith", "Jo Smith"), "Dana Whitfield", others=0) == (
        "Push 4 (note for ticket #48211) waits for Jo Smith's keys: save them with `flowdesk connect` and drain "
        "again, or run `flowdesk queue resume` to send it as Dana Whitfield."
    )
    assert present.retry_held(_HeldJob(4, "jsmith"), "dwhitfield", others=2) == (
        "Push 4 (note for ticket #48211) waits for jsmith's keys: save them with `flowdesk connect` and drain "
        "again, or run `flowdesk queue resume` to send it and the 2 other held pushes as dwhitfield."
    )


def test_queue_resume_says_whose_pushes_are_now_the_member_signed_in():
    held = [_Held("jsmith", "Jo Smith"), _Held("jsmith", "Jo Smith"), _Held("amartin")]
    assert present.handed_over(held[:1], "Dana Whitfield") == "1 push queued as Jo Smith will be sent as Dana Whitfield."
    assert present.handed_over(held, "dwhitfield") == "3 pushes queued as Jo Smith and amartin will be sent as dwhitfield."

def test_connectwise_words_in_quotes_end_the_sentence_once():
    job = JobSnapshot("pending", 0, "note", 48211)
    said = policy_words.refused(job, "validation", 400, "The request is invalid.")
    assert 'ConnectWise says: "The request is invalid." ' in said + " " and '.".' not in said
    assert policy_words.refused(job, "validation", 400, "Ticket 99999 not found").count('not found".') == 1


def test_the_note_pane_says_what_became_of_the_status_change_after_the_note():
    now = datetime(2026, 12, 3, 9, 40, tzinfo=UTC)
    line = present.note_posted(48545, 1200001, now, 1.0, now, UTC, status=("Resolved", "sent"))
    assert line == "Posted to #48545 (note 1200001) at 09:40, 1 h logged, status set to Resolved"
    assert present.note_posted(48545, None, None, None, now, UTC) == "Posted to #48545"
    words = {state: present.status_after_note("Closed", state) for state in ("pending", "retry_wait", "failed", "cancelled")}
    assert words == {
        "pending": "; the status change to Closed is waiting",
        "retry_wait": "; the status change to Closed is waiting",
        "failed": "; the status change to Closed failed (see the Queue tab)",
        "cancelled": "; the status change to Closed was cancelled",
    }


def test_an_outage_counts_as_waiting_only_what_goes_when_connectwise_answers():
    """The pushes a member pause holds do not go when ConnectWise answers again: the outage's words say them apart,
    as the queue's line does, and "ConnectWise is back" does not claim every push is sent while they wait."""
    from flowdesk.core import held as held_words

    now = datetime(2026, 12, 3, 7, 24, tzinfo=UTC)
    off = held_words.HeldOff(now + timedelta(minutes=5), "server")
    others = [_Held("dwhitfield", "Dana Whitfield"), _Held("dwhitfield", state="retry_wait"), _Held("dwhitfield", state="failed")]
    counts = {"pending": 3, "retry_wait": 1, "failed": 1, "sent": 3}
    assert held_words.waiting(counts) == 4 and held_words.waiting(counts, others) == 2
    assert held_words.held_line(off, counts, now, UTC, others) == (
        "ConnectWise unreachable — 2 waiting, 1 failed, next try 07:29, 2 queued as Dana Whitfield wait for their keys"
    )
    assert held_words.held_banner(off, counts, now, UTC, others) == (
        "ConnectWise unreachable: ConnectWise answered with server errors. 2 pushes are waiting; the next try is at "
        "07:29. 2 queued as Dana Whitfield wait for their keys. Nothing is lost."
    )
    assert held_words.held_notice(off, counts, now, UTC, others[:1]).detail == (
        "ConnectWise answered with server errors. 3 pushes waiting; FlowDesk tries again at 07:29. 1 queued as Dana "
        "Whitfield waits for their keys."
    )
    assert held_words.held_notice(off, counts, now, UTC).detail.startswith("ConnectWise answered with server errors. 4 pushes waiting;")
    assert held_words.back_notice(["note"], others).text == (
        "1 note sent after the outage; 2 queued as Dana Whitfield still wait for their keys."
    )
    assert held_words.back_notice(["note", "time_entry", "note"], others[2:]).text == (
        "Every waiting push is sent (2 notes and 1 time entry after the outage)."
    )


def test_send_all_now_counts_only_what_it_sends_and_points_a_held_push_at_its_keys_or_resume():
    """Found in review: "Send all now (4)" counted the pushes a member pause holds, which it does not send; with
    only those left it offered "Retry all (2)", a click that sent nothing."""
    from flowdesk.core import held

    theirs = [_Held("dwhitfield", "Dana Whitfield"), _Held("dwhitfield", "Dana Whitfield", state="retry_wait")]
    counts = {"pending": 3, "retry_wait": 1, "failed": 1, "sent": 2}
    keys = (
        "2 queued as Dana Whitfield wait for their keys: save their keys in Settings, or Resume to send them as "
        "Jordan Blake"
    )
    assert held.retryable(counts, theirs) == 3 and held.retryable(counts) == 5
    assert held.send_all("Send all &now", counts, theirs, "Jordan Blake", held_off=True) == (
        "Send all &now (3)", True, f"{held.SEND_ALL_TIP}. {keys}."
    )
    assert held.send_all("Send all &now", {"pending": 1, "retry_wait": 1}, theirs, "Jordan Blake", held_off=True) == (
        "Send all &now: 2 wait for their keys or Resume", False, f"Nothing to send now: {keys}."
    )
    assert held.send_all("Retry &all", {"sent": 1}, [], "Jordan Blake", held_off=False) == ("Retry &all", False, held.RETRY_ALL_TIP)
    # failed notes for another company's ticket are left for Retry on each (it asks): not counted, and said
    left = "1 note for another company's ticket is left: click Retry on it to answer FlowDesk's question."
    assert held.send_all("Retry &all", {"failed": 1}, [], "", held_off=False, asks=1) == ("Retry &all", False, left)
    assert held.send_all("Send all &now", {"failed": 1, "pending": 2}, [], "", held_off=True, asks=1) == (
        "Send all &now (2)", True, f"{held.SEND_ALL_TIP}. {left}"
    )
    now = datetime(2026, 12, 3, 7, 24, 16, tzinfo=UTC)
    assert held.retried_all(held.Retried(2, left=theirs, resume_as="Jordan Blake"), now, UTC) == (
        f"Sending 2 pushes now. {keys}."
    )
    assert held.retried_all(held.Retried(0, left=theirs[:1], resume_as="Jordan Blake"), now, UTC) == (
        "Nothing to send now: 1 queued as Dana Whitfield waits for their keys: save their keys in Settings, or "
        "Resume to send it as Jordan Blake."
    )


def test_a_push_a_member_pause_holds_says_whose_keys_it_waits_for_and_what_sends_it():
    """Found in review: the queue said "Waiting" (and, in an outage, "Held off … until the next try") for a push
    that waits for its member's keys, whatever ConnectWise answers."""
    whose = present.held_for(_Held("dwhitfield", "Dana Whitfield"), "Jordan Blake")
    assert whose == present.HeldFor("Dana Whitfield", "Jordan Blake")
    assert present.held_for(_Held("kdoe"), "dwhitfield").whose == "kdoe"
    job = Job(state="retry_wait", next_attempt_at=NOW - MIN, attempts=1)
    assert present.state_text(job, NOW, UTC) == "Retrying now"
    assert present.state_text(job, NOW, UTC, held=whose) == "Waiting for Dana Whitfield's keys"
    assert present.state_text(Job(state="failed"), NOW, UTC, held=whose) == "Failed"  # said as failed
    assert present.job_detail(Job(), NOW, UTC, held=whose).splitlines() == [
        "Note for ticket #48211 — Waiting for Dana Whitfield's keys",
        "Queued as Dana Whitfield: it waits for their keys. Save Dana Whitfield's keys in Settings to send it as "
        "theirs, or Resume to send it as Jordan Blake.",
    ]
    assert present.member_signed_in(None, "jblake") == "jblake"


def test_a_push_is_not_said_to_go_before_the_hold_off_after_an_outage_ends():
    """Seen in the demo: held off until 14:07, a row said "Retrying at 14:05" and its detail pane both times."""
    job = Job(state="retry_wait", next_attempt_at=NOW + 5 * MIN)
    until = NOW + 7 * MIN
    assert present.state_text(job, NOW, UTC, not_before=until) == "Retrying at 14:07"
    assert present.state_detail(job, NOW, UTC, not_before=until) == "Next attempt: 14:07."
    assert present.job_detail(job, NOW, UTC, not_before=until).splitlines()[:2] == [
        "Note for ticket #48211 — Retrying at 14:07", "It is sent again by itself then, or at once when you click Retry."
    ]
    assert present.state_text(job, NOW, UTC, not_before=NOW + MIN) == "Retrying at 14:05"  # its own time is later
    assert present.state_text(job, NOW, UTC) == "Retrying at 14:05"
    summary = present.session_push([job], False, NOW, UTC, not_before=until)
    assert summary is not None and (summary.text, summary.tooltip) == (
        "Retrying at 14:07", "It is sent again by itself then, or at once when you click Retry."
    )


def test_a_send_flowdesk_stopped_in_the_middle_of_is_said_in_words_in_the_history():
    """Seen after `kill -9` mid-push and a restart: the Queue tab's history read "13:02  interrupted", the post
    log's own code, above "Found on the ticket"."""
    from flowdesk.core.policy import INTERRUPTED

    job = Job(state="sent", sent_at=NOW, remote_id=1200004)
    text = present.job_detail(job, NOW, UTC, attempts=[Attempt(NOW - MIN, INTERRUPTED), Attempt(NOW, "found")])
    assert text.splitlines()[-2:] == [
        "  2026-11-18 13:59  FlowDesk stopped while sending",
        "  2026-11-18 14:00  Found on the ticket",
    ]


def test_one_push_of_a_note_with_its_time_entry_and_status_change_is_not_counted_as_three_pushes():
    """Seen in the demo: one note pushed with its time entry and a status change during an outage read "3 pushes
    are waiting" (banner), "3 waiting" (status bar, tray), though the engineer pushed one note. The words now name
    the parts the queue holds (one row each in the Queue tab and ``queue list``)."""
    from flowdesk.core import held as held_words

    now = datetime(2026, 12, 3, 7, 24, tzinfo=UTC)
    off = held_words.HeldOff(now + timedelta(minutes=5), "server")
    counts = {"pending": 2, "unknown": 1}
    kinds = {"unknown": {"note": 1}, "pending": {"time_entry": 1, "status": 1}}
    parts = "1 note, 1 time entry and 1 status change"
    assert held_words.held_line(off, counts, now, UTC, (), kinds) == f"ConnectWise unreachable — {parts} waiting, next try 07:29"
    assert f". {parts} are waiting; the next try" in held_words.held_banner(off, counts, now, UTC, (), kinds)
    assert f". {parts} waiting; FlowDesk tries" in held_words.held_notice(off, counts, now, UTC, (), kinds).detail
    assert present.queue_line(counts, paused=False, offline=False, sending=False, kinds=kinds) == f"Queue: {parts} waiting"
    one = {"failed": 1}
    assert present.queue_line(one, paused=False, offline=False, sending=False, kinds={"failed": {"time_entry": 1}}) == (
        "Queue: 1 time entry failed"
    )
    assert ". 1 note is waiting;" in held_words.held_banner(off, {"pending": 1}, now, UTC, (), {"pending": {"note": 1}})
    assert ". 2 notes are waiting;" in held_words.held_banner(off, {"pending": 2}, now, UTC, (), {"pending": {"note": 2}})


def test_retry_all_is_offered_only_for_failed_pushes_and_counts_them():
    """Seen in the demo: "Retry all (1)" was offered while the one push was merely waiting for its scheduled
    check ("Checking at 16:10") or being sent: nothing had failed. Retry all is on only when some push failed,
    and counts the failed ones; while sending is held off, Send all now still sends (and counts) every waiting one."""
    from flowdesk.core import held

    waiting = {"unknown": 1, "pending": 2, "retry_wait": 1, "sending": 1, "sent": 3}
    assert held.send_all("Retry &all", waiting, [], "Jo", held_off=False) == ("Retry &all", False, held.RETRY_ALL_TIP)
    assert held.send_all("Retry &all", {**waiting, "failed": 2}, [], "Jo", held_off=False) == (
        "Retry &all (2)", True, held.RETRY_ALL_TIP
    )
    assert held.send_all("Send all &now", waiting, [], "Jo", held_off=True) == ("Send all &now (4)", True, held.SEND_ALL_TIP)
    assert held.retried_all(held.Retried(0, failed_only=True), NOW, UTC) == "Nothing has failed."
    assert held.retried_all(held.Retried(0, failed_only=True, asks=2), NOW, UTC) == (
        "2 notes for another company's ticket are left: click Retry on each to answer FlowDesk's question."
    )
    assert held.retried_all(held.Retried(1, failed_only=True, kinds=["note"], asks=1), NOW, UTC) == (
        "Sending 1 note now. 1 note for another company's ticket is left: click Retry on it to answer FlowDesk's question."
    )


def test_the_queue_detail_says_when_a_push_is_checked_once():
    """Seen in the demo: the Queue tab's detail of a note whose answer was lost said its check time four times
    ("Checking at 16:25", "(16:25)" twice and the last error's "Checking again at 16:25")."""
    from flowdesk.core import policy_words

    job = Job(state="unknown", next_attempt_at=NOW + 5 * MIN, attempts=1,
              last_error=policy_words.check_later(Job(), rate_limited=False, http_status=503, check_at="14:05"))
    lines = present.job_detail(job, NOW, UTC).splitlines()
    assert lines == [
        "Note for ticket #48211 — Checking at 14:05",
        "FlowDesk will check ticket #48211 for the note then, before sending it again.",
        "ConnectWise did not answer the check (HTTP 503), so FlowDesk could not yet check whether the note reached "
        "ticket #48211.",
    ]
    lost = Job(state="unknown", next_attempt_at=NOW + 5 * MIN,
               last_error=policy_words.may_have_arrived(Job(), server_error=True, http_status=503, check_at="14:05"))
    assert "\n".join(present.job_detail(lost, NOW, UTC).splitlines()[1:]).count("14:05") == 0
    failed = Job(state="failed", last_error="ConnectWise refused the note. Retrying at 14:05.")  # not timed: kept
    assert present.job_detail(failed, NOW, UTC).splitlines()[2] == failed.last_error


def test_send_all_now_names_the_parts_it_sends_not_pushes():
    """Seen in the demo after Send all now: "3 pushes go at 16:26, after FlowDesk has looked on the ticket", for
    one note pushed with its time entry and a status change."""
    from flowdesk.core import held

    now, at = datetime(2026, 12, 3, 16, 25, tzinfo=UTC), datetime(2026, 12, 3, 16, 26, tzinfo=UTC)
    one_push = ["note", "time_entry", "status"]
    assert held.retried_all(held.Retried(3, 3, at, kinds=one_push, later_kinds=one_push), now, UTC).startswith(
        "1 note, 1 time entry and 1 status change go at 16:26, after FlowDesk has looked on the ticket"
    )
    done = held.Retried(3, 2, at, kinds=["note", "note", "time_entry"], later_kinds=["note", "time_entry"])
    assert held.retried_all(done, now, UTC).startswith("Sending 1 note now. 1 note and 1 time entry go at 16:26")
    assert held.retried_all(held.Retried(1, kinds=["note"]), now, UTC) == "Sending 1 note now."
    assert held.retried_all(held.Retried(1, 1, at, kinds=["note"], later_kinds=["note"]), now, UTC).startswith("1 note goes at")
    back = held.back_notice(one_push)  # and "ConnectWise is back" names them too (it said "3 pushes")
    assert back.text == "Every waiting push is sent (1 note, 1 time entry and 1 status change after the outage)."


def test_after_send_all_now_the_detail_does_not_say_the_check_time_again():
    """Seen in the demo: after Send all now the note's detail read "Checking at 16:26", "FlowDesk will check ticket
    #48517 for the note then, …" and the click's "Checking ticket #48517 for the note at 16:26, once …"."""
    from flowdesk.core import policy_words

    job = Job(state="unknown", next_attempt_at=NOW + MIN, last_error=policy_words.checking_first(Job(), "14:01"))
    assert present.job_detail(job, NOW, UTC).splitlines() == [
        "Note for ticket #48211 — Checking at 14:01",
        "FlowDesk will check ticket #48211 for the note then, before sending it again.",
    ]


def test_the_queue_detail_names_the_status_a_status_change_sets():
    """The What column read "Status change → Closed — …", its detail "Status change for ticket #48211"."""
    job = Job(id=2, kind="status", state="pending", parent_id=1)
    job.status_name = "Closed"  # type: ignore[attr-defined]  # PushJob.status_name
    assert present.job_detail(job, NOW, UTC, waiting_for_note=True).splitlines()[0] == (
        "Status change → Closed for ticket #48211 — Waiting for its note"
    )


def test_a_push_due_now_is_not_said_to_go_then():
    """"Retrying now" on the first line: what happens next does not say "then" (no time was said), and the last
    error's time, now past, is not said."""
    job = Job(state="retry_wait", next_attempt_at=NOW - MIN, last_error="ConnectWise is rate limiting FlowDesk. Retrying at 13:59.")
    assert present.job_detail(job, NOW, UTC).splitlines() == [
        "Note for ticket #48211 — Retrying now", "Next attempt: now.", "ConnectWise is rate limiting FlowDesk."
    ]


def test_the_queue_detail_of_a_note_for_another_company_says_what_retry_does_once():
    """Seen in the Queue tab (December 4): a note that failed because its ticket is another company's opened with
    the general "Not sent: click Retry to send it again, or Cancel push." above its own words, which say that
    Retry asks first."""
    from flowdesk.core import policy_words

    error = policy_words.other_company(48211, "Harlow & Pierce", "Brightsmile Dental")
    failed = Job(state="failed", attempts=1, last_error=error)
    lines = present.job_detail(failed, NOW, UTC, attempts=[Attempt(NOW - MIN, "other_company")]).splitlines()
    assert lines[:2] == ["Note for ticket #48211 — Failed", error]
    assert "click Retry to send it again" not in "\n".join(lines)
    # a later failure of another kind (after Retry's answer) is the general case again
    refused = Job(state="failed", attempts=2, last_error="ConnectWise refused the note.")
    history = [Attempt(NOW - 2 * MIN, "other_company"), Attempt(NOW - MIN, "validation", 400)]
    assert present.job_detail(refused, NOW, UTC, attempts=history).splitlines()[1] == (
        "Not sent: click Retry to send it again, or Cancel push.")
