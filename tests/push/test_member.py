"""A push is sent with the keys of the member who queued it, never another's: ConnectWise records a note as
the member whose keys post it (on a shared desk PC, another engineer's name on the client's ticket)."""

from __future__ import annotations

from datetime import UTC

import pytest

from flowdesk.push.drainer import Connection, Drainer, drain_until
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
    # the pause holds only other members' pushes: the run was not stopped, sending is not paused for all
    assert (report.paused, report.member_pause, report.stopped, report.results) == (None, reason, None, [])
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
    assert outbox.paused_reason() == report.member_pause == _waiting_words("Jo Smith", "Dana Whitfield", 2)


def test_a_member_pause_lifts_itself_when_their_own_keys_are_back(outbox, client, sandbox, sandbox_admin, clock):
    """Found in review: a member pause was lifted only by Resume, even when the keys signed in were again those
    of the member who queued the pushes (signed back in after a restart, or their keys saved again)."""
    [job] = push(outbox, sandbox, member="jsmith", member_name="Jo Smith")
    drainer_as(outbox, client, clock, "dwhitfield", "Dana Whitfield").run_due()
    assert outbox.paused_kind() == "member"
    drainer_as(outbox, client, clock, None).run_due()  # whose keys these are is not known: as it was
    assert outbox.paused_kind() == "member" and sandbox_admin.ledger()["notes"] == []

    report = drainer_as(outbox, client, clock, "JSMITH", "Jo Smith").run_due()
    assert outbox.paused_reason() is None and report.paused is report.member_pause is None and report.sent == 1
    sent = outbox.get(job.id)
    assert (sent.state, sent.member) == ("sent", "jsmith")  # still theirs: nobody's Resume made it another's
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 1


@pytest.mark.parametrize("kind", ["user", "account"])
def test_their_own_keys_back_never_lift_the_engineers_pause_or_a_refused_accounts(
    outbox, client, sandbox, sandbox_admin, clock, kind
):
    """A member pause written over the engineer's own pause (keys of another member saved while paused) or
    over a refused account's holds everything; their own keys back lift the member pause only."""
    [job] = push(outbox, sandbox, member="jsmith")
    outbox.pause("Held by the engineer.", clock(), kind=kind)
    outbox.pause(_waiting_words("jsmith", "dwhitfield"), clock(), kind="member", site=job.site, member="dwhitfield")
    assert drainer_as(outbox, client, clock, "dwhitfield").run_due().results == []  # nor dwhitfield's: paused

    report = drainer_as(outbox, client, clock, "jsmith").run_due()
    assert (outbox.paused_reason(), outbox.paused_kind()) == ("Held by the engineer.", kind)
    assert report.results == [] and sandbox_admin.ledger()["notes"] == []


def test_with_several_members_pushes_only_the_signed_in_members_go(outbox, client, sandbox, sandbox_admin, clock):
    """Pushes of three members wait: each run sends those of the member signed in (and of no known member),
    with their own keys, and the pause names the others, until only Resume or their own keys can send them."""
    smith = push(outbox, sandbox, 1, member="jsmith", member_name="Jo Smith")[0]
    dana = push(outbox, sandbox, 2, member="dwhitfield", member_name="Dana Whitfield")[0]
    martin = push(outbox, sandbox, 3, member="amartin", member_name="Alex Martin")[0]
    nobody = push(outbox, sandbox, 4)[0]  # queued before the member was kept

    drainer = drainer_as(outbox, client, clock, "dwhitfield", "Dana Whitfield")
    report = drainer.run_due()
    assert outbox.paused_reason() == report.member_pause == _waiting_words("Jo Smith and Alex Martin", "Dana Whitfield", 2)
    assert outbox.paused_kind() == "member" and report.sent == 2
    states = {j.id: j.state for j in outbox.jobs()}
    assert states == {smith.id: "pending", dana.id: "sent", martin.id: "pending", nobody.id: "sent"}
    assert drainer.next_due_at() is None  # the others wait: no run is due for them
    assert [outbox.attempts(j.id) for j in (smith, martin)] == [[], []]

    report = drainer_as(outbox, client, clock, "jsmith", "Jo Smith").run_due()
    assert outbox.paused_reason() == report.member_pause == _waiting_words("Alex Martin", "Jo Smith")
    assert [(j.state, j.member) for j in outbox.jobs()] == [
        ("sent", "jsmith"), ("sent", "dwhitfield"), ("pending", "amartin"), ("sent", None)
    ]
    ledger = sandbox_admin.ledger()
    assert [len(ledger_notes(ledger, note_text(n))) for n in (1, 2, 3, 4)] == [1, 1, 0, 1]


def test_drain_until_keeps_sending_the_signed_in_members_pushes_while_a_member_pause_holds_the_others(
    outbox, client, sandbox, sandbox_admin, clock
):
    """Found in review: ``flowdesk queue drain --until-empty`` stopped after its first run whenever the queue had
    a pause, a member pause too: Dana Whitfield's own push, rate limited once, was not sent when it came due."""
    smith = push(outbox, sandbox, 1, member="jsmith", member_name="Jo Smith")[0]
    sandbox_admin.add_fault(method="POST", path="*/notes", status=429, retry_after=120)
    dana = push(outbox, sandbox, 2, member="dwhitfield", member_name="Dana Whitfield")[0]
    waits: list[float] = []

    def wait(seconds: float) -> None:  # the injected clock's wait: it just moves the clock
        waits.append(seconds)
        clock.advance(seconds=seconds)

    drainer = drainer_as(outbox, client, clock, "dwhitfield", "Dana Whitfield")
    report = drain_until(drainer, until_empty=True, max_seconds=600, clock=clock, wait=wait)
    assert waits == [300.0] and outbox.get(dana.id).state == "sent" and report.sent == 1  # before: waits == []
    assert (report.paused, report.member_pause) == (None, _waiting_words("Jo Smith", "Dana Whitfield"))
    assert not report.ok  # Jo Smith's push waits for the engineer
    assert (outbox.get(smith.id).state, outbox.get(smith.id).attempts) == ("pending", 0)
    assert len(ledger_notes(sandbox_admin.ledger(), note_text(1))) == 0


def _an_old_member_pause(outbox: Outbox, clock, reason: str) -> None:
    """A member pause as FlowDesk wrote it before it kept the site and member signed in (only its reason, time
    and kind), for pushes kept before migration 10 (their member, not their name)."""
    outbox.pause(reason, clock(), kind="member")
    held = outbox.member_pause()
    assert held is not None and (held.site, held.member, held.over) == (None, None, None)
    assert outbox.sending_paused()  # it holds every push


def test_an_old_member_pause_lifts_itself_when_the_queuing_members_keys_are_back(outbox, client, sandbox, sandbox_admin, clock):
    """Found in review: a member pause written before the pause kept its site and member was lifted only by
    Resume (or keys saved in the window), even with the keys of the member who queued the pushes signed in.
    Whose the pushes are is kept on each push (migration 9): the drain decides from them."""
    [job] = push(outbox, sandbox, member="jsmith")
    _an_old_member_pause(outbox, clock, _waiting_words("jsmith", "dwhitfield"))
    report = drainer_as(outbox, client, clock, "jsmith", "Jo Smith").run_due()
    assert outbox.paused_reason() is None and report.sent == 1  # before: still paused, nothing sent
    assert (outbox.get(job.id).state, outbox.get(job.id).member) == ("sent", "jsmith")


def test_an_old_member_pause_holds_only_the_other_members_pushes_once_a_drain_knows_whose_keys_are_signed_in(
    outbox, client, sandbox, sandbox_admin, clock
):
    smith = push(outbox, sandbox, 1, member="jsmith")[0]
    dana = push(outbox, sandbox, 2, member="dwhitfield")[0]
    _an_old_member_pause(outbox, clock, _waiting_words("jsmith", "dwhitfield"))
    drainer_as(outbox, client, clock, None).run_due()  # whose keys these are is not known: as it was
    assert outbox.member_pause().site is None and sandbox_admin.ledger()["notes"] == []

    report = drainer_as(outbox, client, clock, "dwhitfield", "Dana Whitfield").run_due()
    held = outbox.member_pause()
    assert held is not None and held.partial and held.member == "dwhitfield"
    assert report.member_pause == held.reason == _waiting_words("jsmith", "Dana Whitfield")
    assert [outbox.get(j.id).state for j in (smith, dana)] == ["pending", "sent"]


def test_an_old_member_pause_with_no_push_of_a_known_member_waiting_is_lifted(outbox, client, sandbox, clock):
    [job] = push(outbox, sandbox)  # queued before the member was kept: the member signed in's
    _an_old_member_pause(outbox, clock, _waiting_words("jsmith", "dwhitfield"))
    report = drainer_as(outbox, client, clock, None).run_due()
    assert outbox.paused_reason() is None and report.sent == 1 and outbox.get(job.id).state == "sent"
