"""A push is sent with the keys of the member who queued it, never another's: ConnectWise records a note as
the member whose keys post it (on a shared desk PC, another engineer's name on the client's ticket)."""

from __future__ import annotations

from datetime import UTC

from flowdesk.push.drainer import Connection, Drainer
from flowdesk.store import Outbox

from .helpers import ledger_notes, note_text, push


def drainer_as(outbox: Outbox, client, clock, member: str | None, name: str | None = None) -> Drainer:
    """A drainer whose saved keys are ``member``'s (the profile's identifier and name)."""
    return Drainer(outbox, lambda site: Connection(client, member, name), clock=clock, tz=UTC)


def test_a_push_queued_by_another_member_pauses_the_queue_and_nothing_is_sent(outbox, client, sandbox, sandbox_admin, clock):
    jobs = [push(outbox, sandbox, n, member="jsmith")[0] for n in (1, 2)]
    report = drainer_as(outbox, client, clock, "dwhitfield", "Dana Whitfield").run_due()

    reason = (
        "2 pushes were queued as jsmith; FlowDesk now signs in to ConnectWise as Dana Whitfield. Resume to send "
        "them as Dana Whitfield, or cancel in the Queue tab those that are not Dana Whitfield's."
    )
    assert (outbox.paused_reason(), outbox.paused_kind()) == (reason, "member")
    assert report.paused == reason and report.stopped == "paused" and report.results == []
    assert [(j.state, j.attempts) for j in outbox.jobs()] == [("pending", 0), ("pending", 0)]
    assert [outbox.attempts(j.id) for j in jobs] == [[], []]
    ledger = sandbox_admin.ledger()
    assert ledger["notes"] == [] and [r for r in ledger["requests"] if r["method"] != "GET"] == []


def test_the_same_member_in_other_case_and_a_push_of_no_known_member_are_sent(outbox, client, sandbox, sandbox_admin, clock):
    push(outbox, sandbox, 1, member="DWhitfield")
    push(outbox, sandbox, 2)  # queued before the member was kept: the member signed in now
    drainer_as(outbox, client, clock, "dwhitfield").run_due()
    assert outbox.paused_reason() is None
    assert [j.state for j in outbox.jobs()] == ["sent", "sent"]


def test_resume_sends_them_once_as_the_member_signed_in(outbox, client, sandbox, sandbox_admin, clock):
    [job] = push(outbox, sandbox, member="jsmith")
    drainer = drainer_as(outbox, client, clock, "dwhitfield")
    drainer.run_due()
    assert outbox.paused_kind() == "member"

    assert outbox.resume(site=job.site, member="dwhitfield") == 1  # the engineer's Resume
    report = drainer.run_due()
    assert report.sent == 1 and outbox.paused_reason() is None
    sent = outbox.get(job.id)
    assert (sent.state, sent.member) == ("sent", "dwhitfield")
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1
    drainer.run_due()
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1


def test_cancel_still_works_while_paused_for_another_member(outbox, client, sandbox, sandbox_admin, clock):
    [job] = push(outbox, sandbox, member="jsmith")
    drainer_as(outbox, client, clock, "dwhitfield").run_due()
    assert [j.state for j in outbox.cancel(job.id)] == ["cancelled"]
    outbox.resume(site=job.site, member="dwhitfield")
    drainer_as(outbox, client, clock, "dwhitfield").run_due()
    assert sandbox_admin.ledger()["notes"] == [] and outbox.get(job.id).member == "jsmith"


def _waiting_words(queued_as: str, now: str, n: int = 1) -> str:
    them = "1 push was" if n == 1 else f"{n} pushes were"
    return (
        f"{them} queued as {queued_as}; FlowDesk now signs in to ConnectWise as {now}. Resume to send them as "
        f"{now}, or cancel in the Queue tab those that are not {now}'s."
    )


def test_the_pause_names_the_member_who_queued_by_the_name_their_pushes_kept(outbox, client, sandbox, clock):
    """Found in review: the drainer's pause named the member by identifier ("jsmith") where the window used
    their name. Each push now keeps the name its member's saved account had when it was queued."""
    push(outbox, sandbox, 1, member="jsmith", member_name="Jo Smith")
    push(outbox, sandbox, 2, member="JSmith")  # the same member, queued when the name was not known
    report = drainer_as(outbox, client, clock, "dwhitfield", "Dana Whitfield").run_due()
    assert outbox.paused_reason() == report.paused == _waiting_words("Jo Smith", "Dana Whitfield", 2)

