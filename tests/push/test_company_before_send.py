"""A note queued before its ticket's company was checked goes only to a ticket of the session's client.

Push queues the session's own ticket while ConnectWise cannot be reached, auto-push never looks its tickets
up, and ``flowdesk push`` queues when ConnectWise does not answer: such a note carries ``check_client`` (the
session's client), and the drainer reads the ticket before each send. Another company's ticket fails the
push with words saying whose ticket it is, nothing sent and no try used; its time entry never goes either.
A read that fails is a send that failed (nothing in doubt, nothing to check on the ticket afterwards).
"""

from __future__ import annotations

import pytest

from flowdesk.core import policy_words

from .helpers import ledger_notes, note_text, push

TICKET = "*/service/tickets/48211"  # Brightsmile Dental Group (BrightsmileDental)


def test_a_ticket_of_the_sessions_client_is_read_then_sent(outbox, drainer, sandbox, sandbox_admin):
    # ConnectWise's name with a legal form dropped, and its identifier: both the same company
    for n, client in ((1, "Brightsmile Dental Group, Inc."), (2, "BrightsmileDental")):
        [job] = push(outbox, sandbox, n, check_client=client)
        assert job.check_client == client
    assert drainer.run_due().sent == 2
    assert all(len(ledger_notes(sandbox_admin.ledger(), note_text(n))) == 1 for n in (1, 2))


def test_another_companys_ticket_fails_the_push_sending_nothing(outbox, drainer, sandbox, sandbox_admin, changes):
    note, entry = push(outbox, sandbox, 1, time_entry=True, check_client="Harlow & Pierce LLP")
    assert (note.check_client, entry.check_client) == ("Harlow & Pierce LLP", None)  # the note is read for both
    report = drainer.run_due()
    words = policy_words.other_company(48211, "Brightsmile Dental Group", "Harlow & Pierce LLP")
    assert words.startswith("Ticket #48211 belongs to Brightsmile Dental Group, not to this session's client")
    assert (report.sent, report.failed, [r.message for r in report.results]) == (0, 1, [words])
    failed = outbox.get(note.id)
    assert (failed.state, failed.attempts, failed.last_error, failed.next_attempt_at) == ("failed", 0, words, None)
    assert (note.id, "failed") in changes  # the failure is told (the tray), as any failed push
    assert outbox.get(entry.id).state == "pending"  # waits for its note, which never went
    assert sandbox_admin.ledger()["notes"] == [] == sandbox_admin.ledger()["time_entries"]
    assert [a.outcome for a in outbox.attempts(note.id)] == ["other_company"]

    assert outbox.failed_for_other_company(note.id) and not outbox.failed_for_other_company(entry.id)
    assert policy_words.other_company_question(words) == (
        "Ticket #48211 belongs to Brightsmile Dental Group, not to this session's client Harlow & Pierce LLP. Post the "
        "note to this ticket anyway?"
    )

    outbox.retry(note.id)  # Retry all reads the ticket again: still another company's, still nothing sent
    assert drainer.run_due().failed == 1
    assert outbox.get(note.id).last_error == words
    assert sandbox_admin.ledger()["notes"] == []

    outbox.retry(note.id, other_company=True)  # the engineer said this ticket is right: posted there, with its time
    assert drainer.run_due().sent == 2
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1 and len(sandbox_admin.ledger()["time_entries"]) == 1
    assert outbox.get(note.id).check_client is None and not outbox.failed_for_other_company(note.id)


def test_a_ticket_read_that_fails_is_a_failed_send_never_one_in_doubt(outbox, drainer, sandbox, sandbox_admin, clock):
    [job] = push(outbox, sandbox, 1, check_client="Brightsmile Dental Group")
    sandbox_admin.add_fault(method="GET", path=TICKET, status=503, times=1)
    drainer.run_due()
    waiting = outbox.get(job.id)
    assert (waiting.state, waiting.attempts, waiting.last_http_status) == ("retry_wait", 1, 503)
    assert sandbox_admin.ledger()["notes"] == []

    sandbox_admin.add_fault(method="GET", path=TICKET, drop="before_store", times=1)  # the read's answer is lost
    clock.set(waiting.next_attempt_at)
    drainer.run_due()
    assert outbox.get(job.id).state == "retry_wait"  # not "unknown": a read posts nothing, so nothing to check
    clock.set(outbox.get(job.id).next_attempt_at)
    assert drainer.run_due().sent == 1
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1


def test_a_note_checked_when_queued_is_sent_without_reading_its_ticket(outbox, drainer, sandbox, sandbox_admin):
    sandbox_admin.add_fault(method="GET", path=TICKET, status=500, times=None)  # a read would fail the send
    [job] = push(outbox, sandbox, 1)
    assert job.check_client is None
    assert drainer.run_due().sent == 1


def test_a_project_ticket_is_read_on_the_project_board(outbox, drainer, sandbox, sandbox_admin):
    push(outbox, sandbox, 1, ticket=31207, kind="project", check_client="Hartwell Logistics")
    push(outbox, sandbox, 2, ticket=31207, kind="project", check_client="Kessler Precision Machining")
    report = drainer.run_due()
    assert (report.sent, report.failed) == (1, 1)
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1
    assert ledger_notes(sandbox_admin.ledger(), note_text(2)) == []


def test_a_session_without_a_clients_name_has_nothing_to_compare_and_is_sent(outbox, drainer, sandbox, sandbox_admin):
    push(outbox, sandbox, 1, check_client=" - ")  # no words that name a company: as the ticket card, said not asked
    assert drainer.run_due().sent == 1


@pytest.mark.parametrize(
    "answer",
    [{"id": 48211, "summary": "No company"}, {"id": 48211, "company": 5}, {"id": 48211, "company": {"name": ["x"]}}],
    ids=["none", "a number", "a list for a name"],
)
def test_a_ticket_whose_company_cannot_be_read_is_not_taken_for_the_clients(outbox, drainer, sandbox, sandbox_admin, answer):
    """Every ConnectWise ticket has a company: an answer without one that FlowDesk can read is a server that
    lies or a change it does not know; nobody watches a send, so the push fails and Retry asks."""
    sandbox_admin.add_fault(method="GET", path=TICKET, status=200, json=answer, times=1)
    [job] = push(outbox, sandbox, 1, check_client="Brightsmile Dental Group")
    assert drainer.run_due().failed == 1
    failed = outbox.get(job.id)
    assert failed.last_error == policy_words.other_company(48211, "", "Brightsmile Dental Group")
    assert failed.last_error.startswith("ConnectWise did not say which company ticket #48211 belongs to, so FlowDesk ")
    assert policy_words.other_company_question(failed.last_error).endswith("Post the note to this ticket anyway?")
    assert sandbox_admin.ledger()["notes"] == [] and outbox.failed_for_other_company(job.id)


def test_an_answer_about_another_ticket_is_a_bad_answer(outbox, drainer, sandbox, sandbox_admin):
    """A server that answers for ticket #48211 with ticket #48397 (Harlow & Pierce's) is not believed either way."""
    sandbox_admin.add_fault(method="GET", path=TICKET, status=200, json={"id": 48397, "company": {"name": "Brightsmile Dental Group"}}, times=1)
    [job] = push(outbox, sandbox, 1, check_client="Brightsmile Dental Group")
    drainer.run_due()
    waiting = outbox.get(job.id)
    assert (waiting.state, waiting.attempts) == ("retry_wait", 1) and sandbox_admin.ledger()["notes"] == []


def test_keys_that_may_not_read_tickets_fail_the_push_naming_the_read_right(outbox, drainer, sandbox, sandbox_admin):
    """Keys that may add notes but not read tickets: the check's read is refused (403), so nothing is sent, and
    the words name the right to read tickets (not the right to add notes, which the keys have)."""
    sandbox_admin.config(member={"can_read_tickets": False})
    [job] = push(outbox, sandbox, 1, check_client="Brightsmile Dental Group")
    report = drainer.run_due()
    assert (report.sent, report.failed) == (0, 1)
    failed = outbox.get(job.id)
    assert failed.state == "failed" and failed.last_http_status == 403
    assert failed.last_error.startswith(
        "Your ConnectWise account is not allowed to read ticket #48211, so FlowDesk could not check that it belongs to "
        "this session's client before posting the note: nothing was sent."
    )
    assert failed.last_error.endswith(
        "Ask your ConnectWise administrator for permission to view tickets (Service Desk › Service Tickets: Inquire), "
        "then click Retry."
    )
    assert "add notes" not in failed.last_error
    assert sandbox_admin.ledger()["notes"] == [] and not outbox.failed_for_other_company(job.id)

    sandbox_admin.config(member={"can_read_tickets": True})  # the administrator gave the right: Retry sends it
    outbox.retry(job.id)
    assert drainer.run_due().sent == 1
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1


def test_a_refused_note_post_still_names_the_right_to_add_notes(outbox, drainer, sandbox, sandbox_admin):
    sandbox_admin.config(member={"can_add_notes": False})
    [job] = push(outbox, sandbox, 1, check_client="Brightsmile Dental Group")
    assert drainer.run_due().failed == 1
    assert "permission to add notes to service tickets" in outbox.get(job.id).last_error
