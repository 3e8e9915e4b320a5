"""Whose ConnectWise keys queued a push (``push_jobs.member``): stored, migrated, and made the member signed
in by a Resume after a pause for another member's pushes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from flowdesk.core.policy import JobState
from flowdesk.store import Database, NewJob, Outbox, QueuePaused
from flowdesk.store.db import MIGRATIONS, SCHEMA_VERSION

from .conftest import T0, FakeClock

SITE = "connectwise:acme@na.myconnectwise.net"


def note(session: str, member: str | None, *, site: str = SITE, name: str | None = None) -> NewJob:
    return NewJob(session, 48211, "note", {"text": session}, site, visibility="internal", member=member, member_name=name)


def test_a_v8_file_with_jobs_migrates_to_jobs_of_no_known_member(db_path: Path):
    Database(db_path, migrations=MIGRATIONS[:8]).close()
    with sqlite3.connect(db_path) as conn:  # a job as version 8 wrote it (no member column)
        conn.execute(
            "INSERT INTO push_jobs (client_ref, session_id, ticket_id, ticket_kind, kind, site, body, state, "
            "next_attempt_at, created_at, updated_at) VALUES ('c-1', 's-1', 48211, 'service', 'note', ?, '{}', "
            "'pending', '2026-11-18T13:00:00Z', '2026-11-18T13:00:00Z', '2026-11-18T13:00:00Z')",
            (SITE,),
        )
    conn.close()
    new = Database(db_path)
    try:
        assert new.schema_version == SCHEMA_VERSION == 11
        outbox = Outbox(new)
        (migrated,) = outbox.jobs()
        assert (migrated.state, migrated.member, migrated.member_name) == ("pending", None, None)
        assert not migrated.queued_by_other("jblake")  # not known: taken as the member signed in
        assert outbox.waiting_for_other_member("jblake") == []
        (queued,) = outbox.enqueue([note("s-2", "amartin")])
        assert outbox.get(queued.id).member == "amartin"  # type: ignore[union-attr]
    finally:
        new.close()


def test_the_member_is_stored_and_compared_without_case(outbox: Outbox):
    a, blank = outbox.enqueue([note("s-1", "AMartin"), note("s-2", "  ")])
    assert (a.member, blank.member) == ("AMartin", None)
    assert not a.queued_by_other("amartin") and a.queued_by_other("jblake")
    assert outbox.waiting_for_other_member("amartin") == []
    assert [j.id for j in outbox.waiting_for_other_member("jblake", SITE)] == [a.id]
    assert outbox.waiting_for_other_member("jblake", "connectwise:other@eu.myconnectwise.net") == []


def test_resume_after_a_member_pause_makes_the_member_signed_in_the_owner_of_what_waits(db: Database, clock: FakeClock):
    outbox = Outbox(db, clock=clock)
    pending, failed, unknown, sent, cancelled, elsewhere = outbox.enqueue(
        [note(f"s-{i}", "amartin") for i in range(5)] + [note("s-5", "amartin", site="connectwise:o@x.net")]
    )
    for job, state in ((failed, "failed"), (unknown, "unknown"), (sent, "sent"), (cancelled, "cancelled")):
        remote_id = 9001 if state == "sent" else None
        db.connect().execute("UPDATE push_jobs SET state = ?, remote_id = ? WHERE id = ?", (state, remote_id, job.id))

    outbox.pause("Sending paused by you.", T0)  # the engineer's own pause: Resume sends, owning nothing
    assert outbox.resume(site=SITE, member="jblake") == 0
    assert outbox.get(pending.id).member == "amartin"  # type: ignore[union-attr]

    outbox.pause("2 pushes were queued as amartin…", T0, kind="member")
    assert outbox.resume(site=SITE, member="jblake") == 2
    members = {j.id: j.member for j in outbox.jobs()}
    assert members == {
        pending.id: "jblake",
        failed.id: "jblake",
        unknown.id: "amartin",  # may be on its ticket as amartin's note: its check looks for theirs
        sent.id: "amartin",
        cancelled.id: "amartin",
        elsewhere.id: "amartin",  # another account's: not this member's to take
    }
    assert outbox.paused_reason() is None
    assert outbox.get(pending.id).state == JobState.PENDING  # type: ignore[union-attr]


def test_the_members_name_is_kept_with_each_push_and_resume_gives_the_new_owners(db: Database, clock: FakeClock):
    outbox = Outbox(db, clock=clock)
    named, unnamed, nobody = outbox.enqueue(
        [note("s-1", "amartin", name=" Alex Martin "), note("s-2", "jblake"), note("s-3", None, name="Stray Name")]
    )
    assert [(j.member, j.member_name) for j in (named, unnamed, nobody)] == [
        ("amartin", "Alex Martin"), ("jblake", None), (None, None)  # a name without an identifier names nobody
    ]
    outbox.pause("…", T0, kind="member", site=SITE, member="dwhitfield")
    assert outbox.resume(site=SITE, member="dwhitfield", member_name="Dana Whitfield") == 2
    assert {(j.member, j.member_name) for j in outbox.jobs()} == {("dwhitfield", "Dana Whitfield"), (None, None)}


def test_a_member_pause_holds_only_other_members_pushes_of_its_site(db: Database, clock: FakeClock):
    outbox = Outbox(db, clock=clock)
    other, own, unknown, elsewhere = outbox.enqueue(
        [note("s-1", "amartin"), note("s-2", "DWhitfield"), note("s-3", None), note("s-4", "dwhitfield", site="cw:o@x")]
    )
    outbox.pause("1 push was queued as amartin…", T0, kind="member", site=SITE, member="dwhitfield")
    assert [j.id for j in outbox.due(T0, 10)] == [own.id, unknown.id]
    assert outbox.next_due_by_site() == {SITE: T0} and not outbox.sending_paused()
    with pytest.raises(QueuePaused):
        outbox.transition(other.id, expect="pending", to="sending", now=T0)
    with pytest.raises(QueuePaused):
        outbox.transition(elsewhere.id, expect="pending", to="sending", now=T0)
    assert outbox.transition(own.id, expect="pending", to="sending", now=T0).state == JobState.SENDING
    assert outbox.member_pause() == ("1 push was queued as amartin…", SITE, "dwhitfield", None)


@pytest.mark.parametrize("kind", ["user", "account"])
def test_a_member_pause_over_another_holds_everything_and_gives_that_one_back(db: Database, clock: FakeClock, kind):
    """Keys of another member saved while the engineer had paused (or the account was refused): the member
    pause says so, holds everything, and lifting it brings the pause it was written over back, after a
    restart too (it is stored, not remembered by the window)."""
    outbox = Outbox(db, clock=clock)
    (job,) = outbox.enqueue([note("s-1", "dwhitfield")])
    outbox.pause("Held.", T0, kind=kind)
    outbox.pause("first words", T0, kind="member", site=SITE, member="dwhitfield")
    outbox.pause("second words", T0, kind="member", site=SITE, member="mkeller")  # a third member's keys
    assert outbox.due(T0, 10) == [] and outbox.sending_paused()
    assert outbox.member_pause() == ("second words", SITE, "mkeller", "Held.")

    again = Outbox(db, clock=clock)
    assert again.lift_member_pause(T0)
    assert (again.paused_reason(), again.paused_kind(), again.member_pause()) == ("Held.", kind, None)
    assert not again.lift_member_pause(T0)  # only a member pause lifts itself
    assert again.paused_reason() == "Held." and again.due(T0, 10) == []
    assert again.resume() == 0 and [j.id for j in again.due(T0, 10)] == [job.id]


def test_the_engineers_pause_goes_under_a_member_pause_and_lifting_it_leaves_the_member_pause(db: Database, clock: FakeClock):
    """*Pause sending* while a member pause holds another member's pushes: everything waits, the member pause
    still names them; unchecked, only the engineer's pause is lifted: nothing changes owner, and the member
    signed in sends theirs again."""
    outbox = Outbox(db, clock=clock)
    mine, theirs = outbox.enqueue([note("s-1", "dwhitfield"), note("s-2", "jsmith")])
    outbox.pause("Jo's words", T0, kind="member", site=SITE, member="dwhitfield")
    assert outbox.whole_pause() is None and not outbox.lift_whole_pause()  # not the engineer's: it stays
    assert [j.id for j in outbox.held_by_member_pause()] == [theirs.id]

    outbox.pause_whole("Sending paused by you.", T0)
    assert outbox.whole_pause() == "Sending paused by you." and outbox.sending_paused() and outbox.due(T0, 10) == []
    assert outbox.member_pause() == ("Jo's words", SITE, "dwhitfield", "Sending paused by you.")
    assert outbox.lift_whole_pause()
    assert outbox.member_pause() == ("Jo's words", SITE, "dwhitfield", None) and outbox.whole_pause() is None
    assert [j.id for j in outbox.due(T0, 10)] == [mine.id] and {j.member for j in outbox.jobs()} == {"dwhitfield", "jsmith"}

    outbox.lift_member_pause(T0)
    outbox.pause_whole("Sending paused by you.", T0)  # no member pause: the engineer's own, as ever
    assert (outbox.paused_kind(), outbox.whole_pause(), outbox.held_by_member_pause()) == ("user", "Sending paused by you.", [])
    assert outbox.lift_whole_pause() and outbox.paused_reason() is None
