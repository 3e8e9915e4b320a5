"""The drainer with several POSTs in flight, against the sandbox (real HTTP on loopback, its threading server).

What must hold with ``max_in_flight > 1``: every job posted exactly once; never two requests of one ticket
in flight at once (so a ticket's notes, and a time entry after its note, keep queue order); a hold-off
outcome (429 / 5xx) or a 401 stops NEW sends while the ones in flight finish and are stored; every outbox
write and every ``on_change`` call on the thread that called ``run_due``. And ``max_in_flight=1`` is the old
serial drainer: one request at a time across all tickets, on the calling thread.

Nothing sleeps: a ``hold`` fault parks one ticket's POST in the sandbox until the test releases it, and the
test waits on the sandbox (``wait``) or on an event the drainer's own ``on_change`` sets.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC
from typing import Any

import pytest

from flowdesk.connectwise.bodies import TicketRef
from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.push.drainer import MAX_IN_FLIGHT, STOP_GRACE, Connection, Drainer, DrainReport
from flowdesk.store import Outbox, PushJob

from .helpers import ledger_notes, note_text, push

# open service tickets that take notes and time entries; 31207 is a project ticket queued as a service one
TICKETS = [48211, 48397, 48405, 48452]
WAIT = 30.0  # how long an event may take before the test fails (it is set as soon as the drainer gets there)


class Watch:
    """The real client, with a count of the requests in flight per ticket (the POSTs, and the ticket look-up
    after a 404), the most ever in flight per ticket and overall, and the threads they ran on."""

    def __init__(self, client: ConnectWiseClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self.in_flight: Counter[int] = Counter()
        self.started: Counter[int] = Counter()
        self.most_per_ticket: Counter[int] = Counter()
        self.most = 0
        self.threads: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _call(self, ticket: int, fn: Any, *args: Any) -> Any:
        with self._lock:
            self.in_flight[ticket] += 1
            self.started[ticket] += 1
            self.most_per_ticket[ticket] = max(self.most_per_ticket[ticket], self.in_flight[ticket])
            self.most = max(self.most, sum(self.in_flight.values()))
            self.threads.add(threading.current_thread().name)
        try:
            return fn(*args)
        finally:
            with self._lock:
                self.in_flight[ticket] -= 1

    def post_note(self, ticket: TicketRef, body: dict[str, Any]) -> Any:
        return self._call(ticket.id, self._client.post_note, ticket, body)

    def create_time_entry(self, body: dict[str, Any]) -> Any:
        return self._call(int(body["chargeToId"]), self._client.create_time_entry, body)

    def get_ticket(self, ticket_id: int) -> Any:
        return self._call(ticket_id, self._client.get_ticket, ticket_id)


class Changes:
    """``on_change``: every (job id, state) in order, the threads it was called on, and an event set when a
    given job reaches a given state (optionally running ``then`` there, on the drain thread)."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, str]] = []
        self.threads: set[str] = set()
        self.trigger: tuple[int, str] | None = None
        self.when: Any = None  # or: once every (job id, state) of this set was seen, in any order
        self.then: Any = None
        self.reached = threading.Event()
        self.reached_at = -1  # how many changes were seen when it was reached

    def __call__(self, job: PushJob) -> None:
        self.seen.append((job.id, job.state.value))
        self.threads.add(threading.current_thread().name)
        if self.reached.is_set():
            return
        if self.trigger == (job.id, job.state.value) or (self.when is not None and self.when <= set(self.seen)):
            if self.then is not None:
                self.then()
            self.reached_at = len(self.seen)
            self.reached.set()


def make_drainer(
    outbox: Outbox, watch: Watch, clock, changes: Changes, max_in_flight: int = MAX_IN_FLIGHT, stop_grace: float = STOP_GRACE
) -> Drainer:
    return Drainer(
        outbox,
        lambda site: Connection(watch, "dwhitfield"),  # type: ignore[arg-type]
        clock=clock,
        tz=UTC,
        on_change=changes,
        max_in_flight=max_in_flight,
        stop_grace=stop_grace,
    )


def posted_order(ledger: dict[str, Any], jobs: list[PushJob]) -> dict[int, list[int]]:
    """Per ticket, the jobs whose records ConnectWise stored, in the order it stored them (the ledger's
    requests are in completion order; one ticket's never overlap, so that is also the order they were sent)."""
    by_text = {j.body_json()["text"]: j for j in jobs if j.kind == "note"}
    by_start = {j.body_json()["timeStart"]: j for j in jobs if j.kind == "time_entry"}
    order: dict[int, list[int]] = {}
    for r in ledger["requests"]:
        if r["method"] != "POST" or r["status"] != 201:
            continue
        job = by_text[r["body"]["text"]] if r["path"].endswith("/notes") else by_start[r["body"]["timeStart"]]
        order.setdefault(job.ticket_id, []).append(job.id)
    return order


def queue(
    outbox: Outbox, sandbox, tickets: list[int], per_ticket: int, *, time_entry_every: int = 0, grouped: bool = False
) -> list[PushJob]:
    """``per_ticket`` sessions per ticket, queued round-robin over ``tickets`` (one ticket's jobs interleaved
    with the others'; session 1 goes to the second ticket) or ``grouped`` (all of a ticket's jobs together,
    so the next due jobs are mostly of a ticket already in flight); every ``time_entry_every``-th session
    with its time entry."""
    jobs: list[PushJob] = []
    for n in range(1, per_ticket * len(tickets) + 1):
        entry = bool(time_entry_every) and n % time_entry_every == 0
        ticket = tickets[(n - 1) // per_ticket] if grouped else tickets[n % len(tickets)]
        jobs += push(outbox, sandbox, n, ticket=ticket, time_entry=entry)
    return jobs


# -- (a) many jobs, several tickets ------------------------------------------------------------------------
def test_many_notes_over_several_tickets_are_each_posted_once_in_each_tickets_order(outbox, client, sandbox, sandbox_admin, clock):
    jobs = queue(outbox, sandbox, [*TICKETS, 31207], 5, time_entry_every=3, grouped=True)  # 25 notes, 8 entries
    assert len(jobs) == 33
    watch, changes = Watch(client), Changes()
    report = make_drainer(outbox, watch, clock, changes).run_due()

    assert report.ok and report.sent == len(jobs) and report.stopped is None
    assert [j.state for j in outbox.jobs()] == ["sent"] * len(jobs)
    ledger = sandbox_admin.ledger()
    for job in outbox.jobs():
        if job.kind == "note":
            [stored] = [n for n in ledger["notes"] if n["text"] == job.body_json()["text"]]  # exactly once
        else:
            [stored] = [e for e in ledger["time_entries"] if e["timeStart"] == job.body_json()["timeStart"]]
            assert stored["chargeToId"] == job.ticket_id
        assert stored["id"] == job.remote_id
    assert len(ledger["notes"]) == 25 and len(ledger["time_entries"]) == 8
    # a ticket's jobs in queue order (a time entry right after its note), never two at once
    order = posted_order(ledger, jobs)
    assert sorted(order) == sorted([*TICKETS, 31207])
    assert all(ids == sorted(ids) for ids in order.values()), order
    assert set(watch.most_per_ticket.values()) == {1}
    assert watch.most <= MAX_IN_FLIGHT
    # the project ticket: its kind recorded (with its time entries' chargeToType) before the project POST
    project = [j for j in outbox.jobs() if j.ticket_id == 31207]
    assert all(j.ticket_kind == "project" for j in project)
    assert all(e["chargeToType"] == "ProjectTicket" for e in ledger["time_entries"] if e["chargeToId"] == 31207)
    # the requests ran on the pool; every outbox change was reported on this (the drain) thread
    assert threading.current_thread().name not in watch.threads
    assert changes.threads == {threading.current_thread().name}
    assert {i for i, state in changes.seen if state == "sending"} == {j.id for j in jobs}


# -- (b) one ticket stuck, the others go ---------------------------------------------------------------------
def test_while_one_tickets_post_hangs_the_other_tickets_go_and_its_next_jobs_wait(outbox, client, sandbox, sandbox_admin, clock):
    jobs = queue(outbox, sandbox, TICKETS, 3)  # 12 notes; 48211's first is the 4th in the queue
    stuck = TICKETS[0]
    sandbox_admin.add_fault(method="POST", path=f"*/service/tickets/{stuck}/notes", hold="before_store")
    watch, changes = Watch(client), Changes()
    drainer = make_drainer(outbox, watch, clock, changes)
    result: list[DrainReport] = []
    worker = threading.Thread(target=lambda: result.append(drainer.run_due()), name="drain")
    worker.start()
    try:
        sandbox_admin.wait("held", 1, timeout=WAIT)
        for ticket in TICKETS[1:]:  # every note of every other ticket is stored while 48211's POST hangs
            sandbox_admin.wait("notes", 3, timeout=WAIT, ticket=ticket)
        assert watch.started[stuck] == 1 and watch.in_flight[stuck] == 1  # its next notes were not sent
        assert [h["path"] for h in sandbox_admin.held()] == [f"/v2025_1/apis/3.0/service/tickets/{stuck}/notes"]
        assert sandbox_admin.ledger()["notes"] and not [
            n for n in sandbox_admin.ledger()["notes"] if n["ticketId"] == stuck
        ]
    finally:
        sandbox_admin.release()
        worker.join(timeout=60)
    assert not worker.is_alive()
    [report] = result
    assert report.ok and report.sent == 12
    ledger = sandbox_admin.ledger()
    assert all(len(ledger_notes(ledger, j.body_json()["text"])) == 1 for j in jobs)
    order = posted_order(ledger, jobs)
    assert order[stuck] == [j.id for j in jobs if j.ticket_id == stuck]
    assert set(watch.most_per_ticket.values()) == {1}
    assert changes.threads == {"drain"}


# -- (c, d) a struggling site or a 401: nothing new is sent, what is in flight is stored ---------------------
@pytest.mark.parametrize(
    ("status", "state", "stopped"),
    [(429, "retry_wait", "rate_limited"), (503, "unknown", "server"), (401, "pending", "paused")],
)
def test_a_hold_off_or_401_stops_new_sends_and_stores_what_is_in_flight(
    status, state, stopped, outbox, client, sandbox, sandbox_admin, clock
):
    jobs = queue(outbox, sandbox, TICKETS, 2)  # queue order: 48397, 48405, 48452, 48211, then again
    held, failing = jobs[0], jobs[1]  # sent first and second: the first is in flight when the second fails
    sandbox_admin.add_fault(method="POST", path=f"*/service/tickets/{held.ticket_id}/notes", hold="before_store")
    sandbox_admin.add_fault(
        method="POST", path=f"*/service/tickets/{failing.ticket_id}/notes", status=status, retry_after=600
    )
    watch, changes = Watch(client), Changes()
    changes.trigger = (failing.id, state)  # its outcome stored
    drainer = make_drainer(outbox, watch, clock, changes)
    result: list[DrainReport] = []
    worker = threading.Thread(target=lambda: result.append(drainer.run_due()), name="drain")
    worker.start()
    try:
        assert changes.reached.wait(WAIT)
        sandbox_admin.wait("held", 1, timeout=WAIT)  # the first job's POST is still out
    finally:
        sandbox_admin.release()
        worker.join(timeout=60)
    assert not worker.is_alive()
    [report] = result

    after = changes.seen[changes.seen.index((failing.id, state)) + 1 :]
    assert not [c for c in after if c[1] == "sending"]  # nothing new left after the outcome
    assert (held.id, "sent") in after  # ...but the one in flight finished, and its outcome was stored
    assert outbox.jobs(states=["sending"]) == []
    assert outbox.get(held.id).state == "sent" and outbox.get(failing.id).state == state
    assert outbox.get(failing.id).attempts == (1 if status == 429 else 0)
    started = {job_id for job_id, s in changes.seen if s == "sending"}
    for job in outbox.jobs():
        if job.id not in started:
            assert job.state == "pending" and job.attempts == 0, job
    assert outbox.get(jobs[4].id).state == "pending"  # the held ticket's next note waited for it, then stopped
    assert report.stopped == stopped
    ledger = sandbox_admin.ledger()
    assert len(ledger["notes"]) == report.sent == len(started) - 1
    assert all(len(ledger_notes(ledger, note_text(n))) <= 1 for n in range(1, 9))
    if status == 401:
        assert outbox.paused_reason().startswith("ConnectWise did not accept your API keys (HTTP 401)")
        assert report.paused == outbox.paused_reason() and report.next_due_at is None
    else:  # the site is left alone until the failed job's next attempt
        assert drainer.next_due_at() == outbox.get(failing.id).next_attempt_at > clock.now
        assert outbox.next_due_at() == clock.now  # though jobs are due
        assert drainer.run_due().results == []


def test_stop_lets_the_requests_in_flight_finish_and_stores_them(outbox, client, sandbox, sandbox_admin, clock):
    jobs = queue(outbox, sandbox, TICKETS, 2)
    held, other = jobs[0], jobs[1]
    sandbox_admin.add_fault(method="POST", path=f"*/service/tickets/{held.ticket_id}/notes", hold="before_store")
    stop = threading.Event()
    watch, changes = Watch(client), Changes()
    # The engineer quits once the other ticket's note is sent and this one's is out (in either order: under
    # load the other may be sent before this one's request leaves, and nothing would be in flight to finish).
    changes.when, changes.then = {(other.id, "sent"), (held.id, "sending")}, stop.set
    drainer = make_drainer(outbox, watch, clock, changes, stop_grace=WAIT)  # the release comes within the grace
    result: list[DrainReport] = []
    worker = threading.Thread(target=lambda: result.append(drainer.run_due(stop=stop)), name="drain")
    worker.start()
    try:
        assert changes.reached.wait(WAIT)
        sandbox_admin.wait("held", 1, timeout=WAIT)
    finally:
        sandbox_admin.release()
        worker.join(timeout=60)
    [report] = result
    after = changes.seen[changes.reached_at :]
    assert not [c for c in after if c[1] == "sending"] and (held.id, "sent") in after
    assert report.stopped == "stopped" and outbox.jobs(states=["sending"]) == []
    assert outbox.get(jobs[4].id).state == "pending"


# -- (e) max_in_flight=1 is the serial drainer ---------------------------------------------------------------
def test_one_in_flight_is_serial_across_tickets_on_the_calling_thread(outbox, client, sandbox, sandbox_admin, clock):
    jobs = queue(outbox, sandbox, TICKETS, 2, time_entry_every=2)  # 8 notes, 4 time entries
    watch, changes = Watch(client), Changes()
    report = make_drainer(outbox, watch, clock, changes, max_in_flight=1).run_due()
    assert report.sent == len(jobs) and watch.most == 1
    assert watch.threads == changes.threads == {threading.current_thread().name}
    # committed before each call, one job at a time, in due order: each note, then its time entry
    expected = []
    for note in [j for j in jobs if j.kind == "note"]:
        expected += [note.id] + [j.id for j in jobs if j.parent_id == note.id]
    assert changes.seen == [(i, s) for i in expected for s in ("sending", "sent")]
    posts = [r for r in sandbox_admin.ledger()["requests"] if r["method"] == "POST"]
    assert [r["path"].rsplit("/", 1)[-1] for r in posts] == [
        "notes" if j.kind == "note" else "entries" for j in sorted(jobs, key=lambda j: expected.index(j.id))
    ]


def test_max_in_flight_must_be_at_least_one(outbox):
    with pytest.raises(ValueError):
        Drainer(outbox, lambda site: None, max_in_flight=0)  # type: ignore[arg-type]
