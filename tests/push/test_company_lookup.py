"""A failed company look-up (``/login/companyinfo``) against the sandbox: it fails no push and uses no try.

ConnectWise answering ``null`` (no such company ID) pauses the queue with one message; anything else (a 404
or junk from a site mid-upgrade, a 5xx, no answer) leaves the site alone until :data:`LOOKUP_RETRY` has
passed, every push still queued. Both before a send and in the look-up again after a 404 that stored nothing.
"""

from __future__ import annotations

from datetime import UTC

import pytest

from flowdesk.core import policy_words
from flowdesk.core.policy import LOOKUP_RETRY, format_clock
from flowdesk.push.drainer import Connection, Drainer

from .helpers import ledger_notes, note_text, push

COMPANYINFO = "/login/companyinfo/*"


def test_no_such_company_pauses_the_queue_with_one_message_and_fails_no_push(outbox, drainer, sandbox, sandbox_admin, changes):
    for n, ticket in ((1, 48211), (2, 48397), (3, 48405)):
        push(outbox, sandbox, n, ticket=ticket, time_entry=n == 1)
    sandbox_admin.add_fault(method="GET", path=COMPANYINFO, json=None, times=None)  # ConnectWise: no such company
    report = drainer.run_due()
    assert (report.paused, report.failed, [r.message for r in report.results]) == (policy_words.NO_COMPANY, 0, [policy_words.NO_COMPANY])
    assert outbox.paused_reason() == policy_words.NO_COMPANY
    assert [(j.state, j.attempts) for j in outbox.jobs()] == [("pending", 0)] * 4
    assert "failed" not in {state for _, state in changes}  # so no failure notification either
    assert sandbox_admin.ledger()["notes"] == []

    sandbox_admin.clear_faults()  # the company ID is right after all (or was fixed): resume sending
    outbox.resume()
    assert drainer.run_due().sent == 4
    for n in (1, 2, 3):
        assert len(ledger_notes(sandbox_admin.ledger(), note_text(n))) == 1


@pytest.mark.parametrize(
    "fault",
    [{"status": 404}, {"status": 503}, {"status": 200, "body": "empty"}, {"status": 200, "json": {}},
     {"drop": "before_store"}],
    ids=["404", "503", "empty", "not-company-info", "no-answer"],
)
def test_a_failed_company_look_up_holds_the_site_off_and_keeps_every_push(outbox, drainer, sandbox, sandbox_admin, clock, fault):
    jobs = [j for n, ticket in ((1, 48211), (2, 48397), (3, 48405)) for j in push(outbox, sandbox, n, ticket=ticket)]
    sandbox_admin.add_fault(method="GET", path=COMPANYINFO, times=None, **fault)
    t0 = clock.now
    report = drainer.run_due()
    assert (report.failed, report.paused, report.held_until, report.held_why) == (0, None, t0 + LOOKUP_RETRY, "server")
    [(job_id, state)] = [(r.job_id, r.state) for r in report.results]  # the first to meet it; the site is then left alone
    assert state == "retry_wait"
    met = outbox.get(job_id)
    assert (met.attempts, met.next_attempt_at) == (0, t0 + LOOKUP_RETRY)
    assert met.last_error.startswith("ConnectWise could not look up your company")
    assert met.last_error.endswith(f"Trying again at {format_clock(t0 + LOOKUP_RETRY, t0)}.")
    assert {(j.state, j.attempts) for j in outbox.jobs() if j.id != job_id} == {("pending", 0)}
    assert drainer.next_due_at() == t0 + LOOKUP_RETRY
    assert drainer.run_due().results == []  # held off: not one look-up more per queued push

    sandbox_admin.clear_faults()  # the upgrade is over
    clock.advance(seconds=LOOKUP_RETRY.total_seconds())
    assert drainer.run_due().sent == 3
    assert sorted(j.id for j in outbox.jobs(states=["sent"])) == sorted(j.id for j in jobs)


def test_a_look_up_failing_after_a_codebase_upgrade_404_keeps_the_push(outbox, client, sandbox, sandbox_admin, clock):
    """The POST meets a 404 (the codebase changed: nothing stored), the look-up again answers 503: the push
    waits with its tries untouched and goes to the new codebase once the look-up answers."""
    drainer = Drainer(outbox, lambda site: Connection(client, "dwhitfield"), clock=clock, tz=UTC)
    push(outbox, sandbox, 1)
    assert drainer.run_due().sent == 1  # the site is known (cached by the client)
    [job] = push(outbox, sandbox, 2)
    sandbox_admin.config(codebase="v2026_1/")
    sandbox_admin.add_fault(method="GET", path=COMPANYINFO, status=503, times=None)
    drainer.run_due()
    waiting = outbox.get(job.id)
    assert (waiting.state, waiting.attempts, waiting.next_attempt_at) == ("retry_wait", 0, clock.now + LOOKUP_RETRY)
    assert ledger_notes(sandbox_admin.ledger(), note_text(2)) == []
    sandbox_admin.clear_faults()
    clock.advance(seconds=LOOKUP_RETRY.total_seconds())
    drainer.run_due()
    assert outbox.get(job.id).state == "sent"
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(2))) == 1


def test_a_check_whose_look_up_fails_is_tried_again_not_given_up(outbox, drainer, sandbox, sandbox_admin, clock):
    [job] = push(outbox, sandbox)
    outbox.transition(job.id, expect="pending", to="sending")
    clock.advance(minutes=1)  # started again a minute after the crash
    drainer.recover()
    sandbox_admin.add_fault(method="GET", path=COMPANYINFO, status=404, times=None)
    drainer.run_due()
    checking = outbox.get(job.id)
    assert (checking.state, checking.attempts, checking.next_attempt_at) == ("unknown", 0, clock.now + LOOKUP_RETRY)
    sandbox_admin.clear_faults()
    clock.advance(seconds=LOOKUP_RETRY.total_seconds())
    drainer.run_due()  # checked: not there, so it waits for its next send (a check never sends blindly)
    assert outbox.get(job.id).state == "retry_wait" and sandbox_admin.ledger()["notes"] == []
