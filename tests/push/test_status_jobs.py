"""A ticket status change as a push job (kind ``status``), drained against the sandbox: queued after its note,
sent only once the note is sent, as a JSON Patch verified by reading the ticket back; a lost answer is
checked on the ticket (never a blind re-send), and a status ConnectWise keeps is a failure the engineer sees."""

from __future__ import annotations

import pytest

from flowdesk.core import present
from flowdesk.store import NewJob, Outbox

from .helpers import ledger_notes, note_text, push


def states(outbox: Outbox) -> dict[int, str]:
    return {j.id: j.state.value for j in outbox.jobs()}


def other_status(client, ticket_id: int = 48211) -> tuple[int, str]:
    """A status of the ticket's board that it does not have now."""
    ticket = client.get_ticket(ticket_id)
    return next((sid, name) for sid, name in client.board_statuses(ticket.board_id) if sid != ticket.status_id)


def api(ledger, method: str) -> list[str]:
    return [r["path"].split("/apis/3.0")[-1] for r in ledger["requests"] if r["method"] == method and "/apis/3.0/" in r["path"]]


def test_a_status_change_is_sent_after_its_note_and_verified_by_reading_the_ticket(
    outbox, drainer, sandbox, sandbox_admin, client, changes
):
    wanted = other_status(client)
    note, status = push(outbox, sandbox, status=wanted)
    assert (status.kind, status.parent_id, status.body_json()) == ("status", note.id, {"status": {"id": wanted[0], "name": wanted[1]}})
    before = len(sandbox_admin.ledger()["requests"])
    report = drainer.run_due()

    assert states(outbox) == {note.id: "sent", status.id: "sent"}
    assert outbox.get(status.id).remote_id == wanted[0]
    assert changes == [(note.id, "sending"), (note.id, "sent"), (status.id, "sending"), (status.id, "sent")]
    assert client.get_ticket(48211).status_id == wanted[0]
    requests = sandbox_admin.ledger()["requests"][before:]
    order = [(r["method"], r["path"].split("/apis/3.0")[-1]) for r in requests if "/apis/3.0/" in r["path"]]
    note_at = order.index(("POST", "/service/tickets/48211/notes"))
    patch_at = order.index(("PATCH", "/service/tickets/48211"))
    assert note_at < patch_at  # after the note
    assert ("GET", "/service/tickets/48211") in order[patch_at + 1 :]  # read back after the PATCH
    patch = next(r for r in requests if r["method"] == "PATCH")
    assert patch["body"] == [{"op": "replace", "path": "status/id", "value": wanted[0]}]
    assert report.sent == 2 and report.ok
    assert present.state_detail(outbox.get(status.id), report.finished_at).startswith("Status of ticket #48211 changed")


def test_the_status_change_waits_while_its_note_is_not_sent(outbox, drainer, sandbox, sandbox_admin, client, clock):
    wanted = other_status(client)
    sandbox_admin.add_fault(method="POST", path="*/notes", status=429, retry_after=60)
    note, status = push(outbox, sandbox, status=wanted)
    drainer.run_due()
    assert states(outbox) == {note.id: "retry_wait", status.id: "pending"}
    assert api(sandbox_admin.ledger(), "PATCH") == []
    waiting = outbox.get(status.id)
    assert present.state_text(waiting, clock.now, waiting_for_note=present.waits_for_note(waiting, "retry_wait")) == "Waiting for its note"
    clock.advance(minutes=5)
    drainer.run_due()
    assert states(outbox) == {note.id: "sent", status.id: "sent"}


def test_the_status_change_goes_after_the_notes_time_entry(outbox, drainer, sandbox, sandbox_admin, client, clock):
    """A closed status could refuse the time entry: the status waits until its note's time entry is done."""
    wanted = other_status(client)
    sandbox_admin.add_fault(method="POST", path="*/time/entries", status=429, retry_after=60, times=1)
    note, entry, status = push(outbox, sandbox, time_entry=True, status=wanted)
    drainer.run_due()
    assert states(outbox) == {note.id: "sent", entry.id: "retry_wait", status.id: "pending"}
    assert api(sandbox_admin.ledger(), "PATCH") == []
    clock.advance(minutes=5)
    drainer.run_due()
    assert states(outbox) == {note.id: "sent", entry.id: "sent", status.id: "sent"}


def test_a_status_connectwise_ignores_ends_as_a_visible_failure_with_its_reason(
    outbox, drainer, sandbox, sandbox_admin, client, clock
):
    before = client.get_ticket(48211)
    wanted = other_status(client)
    sandbox_admin.config(member={"ignore_status": True})
    note, status = push(outbox, sandbox, status=wanted)
    report = drainer.run_due()

    failed = outbox.get(status.id)
    assert states(outbox) == {note.id: "sent", status.id: "failed"}
    assert failed.last_error.startswith(present.status_kept(48211, before.status))
    assert client.get_ticket(48211).status_id == before.status_id
    assert [r.message for r in report.results if r.job_id == status.id] == [failed.last_error]
    summary = present.session_push(outbox.jobs(), False, clock.now)
    assert summary is not None and summary.state == "failed"
    assert summary.text.startswith("Sent") and summary.text.endswith(" (status change failed)")
    assert summary.tooltip == failed.last_error
    assert present.job_title(failed, "Printer 1 offline") == f"Status change → {wanted[1]} — Printer 1 offline"


def test_a_lost_answer_reads_the_ticket_first_and_never_patches_twice(outbox, drainer, sandbox, sandbox_admin, client, clock):
    wanted = other_status(client)
    sandbox_admin.add_fault(method="PATCH", path="*/service/tickets/48211", drop="after_store", times=1)
    note, status = push(outbox, sandbox, status=wanted)
    drainer.run_due()
    assert states(outbox) == {note.id: "sent", status.id: "unknown"}
    clock.advance(minutes=2)
    drainer.run_due()
    assert states(outbox) == {note.id: "sent", status.id: "sent"}
    assert [a.outcome for a in outbox.attempts(status.id)] == ["ambiguous", "found"]
    assert api(sandbox_admin.ledger(), "PATCH") == ["/service/tickets/48211"]  # once
    assert client.get_ticket(48211).status_id == wanted[0]


def test_a_lost_answer_before_the_server_stored_it_sends_the_patch_again(outbox, drainer, sandbox, sandbox_admin, client, clock):
    wanted = other_status(client)
    sandbox_admin.add_fault(method="PATCH", path="*/service/tickets/48211", drop="before_store", times=1)
    note, status = push(outbox, sandbox, status=wanted)
    drainer.run_due()
    clock.advance(minutes=2)
    drainer.run_due()  # the check: absent -> retry at the schedule
    assert outbox.get(status.id).state == "retry_wait"
    clock.advance(minutes=5)
    drainer.run_due()
    assert states(outbox) == {note.id: "sent", status.id: "sent"}
    assert client.get_ticket(48211).status_id == wanted[0]


def test_cancelling_the_note_cancels_its_status_change(outbox, sandbox, client):
    note, status = push(outbox, sandbox, status=other_status(client))
    changed = outbox.cancel(note.id)
    assert [(j.id, j.state.value) for j in changed] == [(note.id, "cancelled"), (status.id, "cancelled")]


def test_a_project_ticket_status_follows_its_note_to_the_project_path(outbox, drainer, sandbox, sandbox_admin, client):
    """Queued as a service ticket (as when `push` ran offline): the note's 404 moves both jobs to the project path."""
    ticket = client.get_ticket(31207)
    wanted = client.board_statuses(ticket.board_id)[0]  # the seed's project board has one status: set it again
    note, status = push(outbox, sandbox, ticket=31207, status=wanted)
    drainer.run_due()
    assert states(outbox) == {note.id: "sent", status.id: "sent"}
    assert outbox.get(status.id).ticket_kind == "project"
    assert outbox.get(status.id).body_json() == {"status": {"id": wanted[0], "name": wanted[1]}}  # no chargeToType
    assert api(sandbox_admin.ledger(), "PATCH") == ["/project/tickets/31207"]
    assert client.get_ticket(31207).status_id == wanted[0]
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1


def test_a_status_job_needs_its_note(outbox):
    with pytest.raises(ValueError, match="after its note"):
        outbox.enqueue([NewJob("s-1", 48211, "status", {"status": {"id": 1, "name": "x"}}, "site")])


def test_a_sandbox_reset_undoes_status_changes(sandbox, client):
    """The sandbox is shared by the tests: a status one test sets must not leak into the next."""
    from flowdesk.connectwise.bodies import TicketRef

    before = client.get_ticket(48211)
    wanted = other_status(client)
    client.set_ticket_status(TicketRef(48211), wanted[0])
    assert client.get_ticket(48211).status_id == wanted[0]
    sandbox.reset()
    again = client.get_ticket(48211)
    assert (again.status_id, again.status) == (before.status_id, before.status)
