"""What the drainer needs from the outbox beyond queueing: correcting a ticket's kind, the remote ids other
jobs own (and the index that makes one record belong to one job), and what is due per site."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from flowdesk.core import policy
from flowdesk.core.policy import Outcome
from flowdesk.store import Database, InvalidTransition, NewJob, Outbox, StateConflict
from flowdesk.store.db import MIGRATIONS

from .conftest import T0
from .test_outbox import NOTE_BODY, TIME_BODY, note, time_entry


def sent(outbox: Outbox, job_id: int, remote_id: int):
    job = outbox.transition(job_id, expect=("pending", "retry_wait"), to="sending")
    return outbox.apply(job_id, policy.decide(job.snapshot(), Outcome.success(remote_id), T0))


def test_set_ticket_kind_moves_the_note_and_its_unsent_time_entry_in_one_go(outbox: Outbox):
    n, t = outbox.enqueue([note(), time_entry(parent=0)])
    outbox.transition(n.id, expect="pending", to="sending")
    job = outbox.set_ticket_kind(
        n.id, "project", expect="sending", child_fields={"chargeToType": "ProjectTicket"}, reason="it is a project ticket"
    )
    assert (job.state, job.ticket_kind, job.body) == ("sending", "project", n.body)  # the note's body is the same
    entry = outbox.get(t.id)
    assert entry.ticket_kind == "project"
    assert entry.body_json() == {**TIME_BODY, "chargeToType": "ProjectTicket"}
    assert list(entry.body_json()) == list(TIME_BODY)  # same keys, same order
    assert [(a.outcome, a.error) for a in outbox.attempts(n.id)] == [("ticket_kind", "it is a project ticket")]


def test_set_ticket_kind_is_compare_and_set_and_leaves_everything_on_a_conflict(outbox: Outbox):
    n, t = outbox.enqueue([note(), time_entry(parent=0)])
    with pytest.raises(StateConflict):
        outbox.set_ticket_kind(n.id, "project", expect="sending", child_fields={"chargeToType": "ProjectTicket"})
    assert outbox.get(n.id).ticket_kind == "service" and outbox.get(t.id).body_json() == TIME_BODY
    with pytest.raises(ValueError, match="note"):
        outbox.set_ticket_kind(t.id, "project", expect="pending")
    with pytest.raises(ValueError, match="service' or 'project"):
        outbox.set_ticket_kind(n.id, "agreement", expect="pending")


def test_set_ticket_kind_never_changes_a_time_entry_that_was_sent_once(outbox: Outbox):
    n, t = outbox.enqueue([note(), time_entry(parent=0)])
    sent(outbox, n.id, 1)
    outbox.transition(t.id, expect="pending", to="sending")
    outbox.recover_after_crash()  # the time entry is unknown: it may be on the server as it was sent
    outbox.set_ticket_kind(n.id, "project", expect="sent", child_fields={"chargeToType": "ProjectTicket"})
    assert outbox.get(t.id).body_json() == TIME_BODY and outbox.get(t.id).ticket_kind == "service"


def test_claimed_remote_ids(outbox: Outbox):
    a, b = outbox.enqueue([note("s-1"), note("s-2")])
    [c] = outbox.enqueue([NewJob("s-3", 48211, "note", NOTE_BODY, "other.example.com")])
    [d] = outbox.enqueue([note("s-4", ticket=48300)])
    for job, rid in ((a, 10), (b, 11), (c, 12), (d, 13)):
        sent(outbox, job.id, rid)
    site = "na.myconnectwise.net"
    assert outbox.claimed_remote_ids(site=site, kind="note") == {10, 11, 13}
    assert outbox.claimed_remote_ids(site=site, kind="note", ticket_id=48211) == {10, 11}
    assert outbox.claimed_remote_ids(site=site, kind="note", exclude=a.id) == {11, 13}
    assert outbox.claimed_remote_ids(site=site, kind="time_entry") == set()


def test_one_remote_record_belongs_to_one_job_per_site(outbox: Outbox):
    a, b = outbox.enqueue([note("s-1"), note("s-2")])
    [other_site] = outbox.enqueue([NewJob("s-3", 48211, "note", NOTE_BODY, "other.example.com")])
    sent(outbox, a.id, 42)
    with pytest.raises(InvalidTransition):
        sent(outbox, b.id, 42)
    assert outbox.get(b.id).state == "sending"  # the failed apply changed nothing
    assert sent(outbox, other_site.id, 42).state == "sent"  # ids are per ConnectWise site


def test_next_due_by_site(outbox: Outbox, clock):
    assert outbox.next_due_by_site() == {}
    outbox.enqueue([note("s-1")])
    clock.advance(minutes=3)
    outbox.enqueue([NewJob("s-2", 1, "note", NOTE_BODY, "other.example.com")])
    outbox.enqueue([note("s-3")])
    assert outbox.next_due_by_site() == {"na.myconnectwise.net": T0, "other.example.com": T0 + timedelta(minutes=3)}
    outbox.pause("keys")
    assert outbox.next_due_by_site() == {}


def test_a_v2_file_gets_the_remote_once_index_keeping_its_jobs(tmp_path: Path):
    path = tmp_path / "f.sqlite3"
    old = Database(path, migrations=MIGRATIONS[:2])
    with old.transaction() as conn:  # as a v2 FlowDesk wrote them (today's Outbox reads columns v2 lacks)
        for i, kind in enumerate(("note", "time_entry")):
            conn.execute(
                "INSERT INTO push_jobs (client_ref, session_id, ticket_id, ticket_kind, kind, parent_id, site, body, "
                "visibility, state, attempts, created_at, updated_at) VALUES (?, 's-1', 48211, 'service', ?, ?, "
                "'site', ?, 'internal', 'pending', 0, ?, ?)",
                (f"ref-{i}", kind, 1 if i else None, json.dumps(TIME_BODY if i else NOTE_BODY), T0.isoformat(), T0.isoformat()),
            )
    old.close()
    new = Database(path)
    try:
        assert new.schema_version == len(MIGRATIONS) and len(Outbox(new).jobs()) == 2
    finally:
        new.close()
    with sqlite3.connect(path) as conn:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'push_jobs_remote_once'").fetchone()[0]
    assert "UNIQUE" in sql and "remote_id IS NOT NULL" in sql
