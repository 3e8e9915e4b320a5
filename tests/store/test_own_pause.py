"""``Outbox.whole_pause(own=True)``: the engineer's own pause (what *Pause sending* shows), not a refused account's."""

from __future__ import annotations

from flowdesk.store import Database, Outbox

from .conftest import T0, FakeClock

SITE = "connectwise:acme@na.myconnectwise.net"
KEYS = "ConnectWise did not accept your API keys (HTTP 401)."


def test_only_the_engineers_own_pause_is_theirs(db: Database, clock: FakeClock):
    outbox = Outbox(db, clock=clock)
    assert outbox.whole_pause(own=True) is None
    outbox.pause(KEYS, T0, kind="account")  # the drainer's, after a 401: every push waits, but not by the engineer
    assert outbox.whole_pause() == KEYS and outbox.whole_pause(own=True) is None
    outbox.pause("Jo's words", T0, kind="member", site=SITE, member="dwhitfield")  # over it: still not theirs
    assert outbox.whole_pause() == KEYS and outbox.whole_pause(own=True) is None

    outbox.resume()
    outbox.pause_whole("Sending paused by you.", T0)
    assert outbox.whole_pause(own=True) == "Sending paused by you."
    outbox.pause("Jo's words", T0, kind="member", site=SITE, member="dwhitfield")
    assert outbox.whole_pause(own=True) == "Sending paused by you."  # under the member pause, still theirs
    outbox.resume()
    outbox.pause("An old pause", T0, kind=None)  # type: ignore[arg-type]  # written before kinds were kept
    assert outbox.whole_pause(own=True) == "An old pause"  # only Resume lifts it, as the toggle does


def test_the_pause_read_at_once_says_what_each_read_of_it_says(db: Database, clock: FakeClock):
    """``Outbox.pause_state``: one query for what the window's status says (a published status read it five times)."""
    outbox = Outbox(db, clock=clock)
    for write in (
        lambda: None,
        lambda: outbox.pause(KEYS, T0, kind="account"),
        lambda: outbox.pause("Jo's words", T0, kind="member", site=SITE, member="dwhitfield"),  # over the keys' one
        lambda: outbox.lift_whole_pause(),  # the member pause alone: the member signed in still sends
        lambda: outbox.pause_whole("Sending paused by you.", T0),  # under the member pause
        lambda: outbox.resume(),
        lambda: outbox.pause("Jo's words", T0, kind="member"),  # saying whom it holds no more: everything waits
    ):
        write()
        pause = outbox.pause_state()
        assert pause.sending_paused == outbox.sending_paused()
        assert (pause.whole(), pause.whole(own=True)) == (outbox.whole_pause(), outbox.whole_pause(own=True))
        assert outbox.held_by_member_pause(pause) == outbox.held_by_member_pause()
        assert (pause.kind == "member") == (outbox.member_pause() is not None)


def test_a_lifted_pause_for_refused_keys_leaves_no_check_saying_it_waits_for_them(db: Database, clock: FakeClock):
    """A push that may already be on its ticket kept "Checking ticket #48211 for the note is paused until your
    ConnectWise keys are fixed." after the pause was lifted, until the next run; another's words stay."""
    from flowdesk.core import policy_words
    from flowdesk.store import NewJob

    outbox = Outbox(db, clock=clock)
    paused, other = outbox.enqueue([NewJob("s-1", 48211, "note", {"text": "a"}, SITE), NewJob("s-2", 48212, "note", {"text": "b"}, SITE)])
    with db.transaction() as conn:
        for job, words in ((paused, policy_words.check_paused(paused)), (other, "FlowDesk cannot check ticket #48212.")):
            conn.execute("UPDATE push_jobs SET state = 'unknown', last_error = ? WHERE id = ?", (words, job.id))
    outbox.pause(KEYS, T0, kind="account")
    outbox.resume()
    assert outbox.get(paused.id).last_error is None  # its check is due: no pause holds it
    assert outbox.get(other.id).last_error == "FlowDesk cannot check ticket #48212."
