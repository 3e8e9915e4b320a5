"""The crash test: 100 push jobs (50 notes + 50 time entries) drained by ``flowdesk queue drain --until-empty``
SUBPROCESSES against the sandbox, SIGKILLed at a dozen points, restarted until the queue is done. Then the
sandbox's ledger holds every note and every time entry exactly once, and every job is ``sent``.

The kill points are made exact with the sandbox's ``hold`` faults (a request parked before or after the
server stores it, until ``release``) and its ``wait`` (block until N notes exist / a request is held): the
test never sleeps. Two points are "wherever the drain happens to be" once a few more notes arrived.

Keys reach the subprocesses through the private Secret Service (``real_keyring``; see ``procs.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from flowdesk.connectwise.bodies import TicketRef
from flowdesk.core.policy import VERIFY_DELAY
from flowdesk.core.settings import Settings, load_settings
from flowdesk.credentials import connectwise_profile_key
from flowdesk.paths import AppPaths
from flowdesk.push.enqueue import enqueue_push
from flowdesk.push.prepare import prepare_note
from flowdesk.store import Database, Outbox
from tests.conftest import KILLED

from . import procs
from .helpers import make_session, note_text, time_passes

pytestmark = [
    pytest.mark.real_keyring,
    pytest.mark.slow,
]

# open tickets that take time entries; 31207 is a project ticket, queued as a service ticket (as when
# `flowdesk push` ran offline), so the drainer meets the 404 and moves it to the project path
TICKETS = [48211, 48397, 48405, 48452, 48466, 48470, 48479, 48488, 48493, 48501, 48510, 48517, 48523, 48531, 31207]
SESSIONS = 50
WAIT = 60.0  # seconds a sandbox wait may take before the test fails (it returns as soon as the condition holds)


@dataclass
class KillPoint:
    name: str
    fault: dict[str, Any] | None  # added before the drain starts
    reached: Callable[[Any, dict[str, int]], None]  # blocks until the drain is exactly there
    after: Callable[[Any, dict[str, int]], None] | None = None  # after the SIGKILL
    release_after_restart: bool = False  # the held request is released only once the next drain started


def held(admin, before):
    admin.wait("held", 1, timeout=WAIT)


def notes_more(n: int):
    return lambda admin, before: admin.wait("notes", before["notes"] + n, timeout=WAIT)


def entries_more(n: int):
    return lambda admin, before: admin.wait("time_entries", before["time_entries"] + n, timeout=WAIT)


def release(admin, before):
    admin.release()


def release_and_wait_stored(what: str):
    def after(admin, before):
        current = len(admin.ledger()[what])
        admin.release()  # the request was parked before the server stored it: now it is stored
        admin.wait(what, current + 1, timeout=WAIT)

    return after


NOTE = {"method": "POST", "path": "*/service/tickets/*/notes"}
KILL_POINTS = [
    KillPoint("at start-up, discovering the site (companyinfo held)",
              {"method": "GET", "path": "/login/companyinfo/*", "hold": "before_store"}, held, release),
    KillPoint("a note stored by ConnectWise, its answer not yet read (hold after_store)",
              {**NOTE, "hold": "after_store"}, held, release),
    KillPoint("checking that note on the ticket after the restart (GET notes held)",
              {"method": "GET", "path": "*/tickets/*/notes", "hold": "before_store"}, held, release),
    KillPoint("a time entry stored, its answer not yet read (hold after_store)",
              {"method": "POST", "path": "/*/time/entries", "hold": "after_store"}, held, release),
    KillPoint("checking that time entry after the restart (GET time entries held)",
              {"method": "GET", "path": "/*/time/entries", "hold": "before_store"}, held, release),
    KillPoint("a note POST in flight, stored only after the kill (hold before_store)",
              {**NOTE, "hold": "before_store"}, held, release_and_wait_stored("notes")),
    KillPoint("a time entry POST in flight, stored only after the kill (hold before_store)",
              {"method": "POST", "path": "/*/time/entries", "hold": "before_store"}, held,
              release_and_wait_stored("time_entries")),
    KillPoint("wherever the drain is once 3 more notes arrived", None, notes_more(3)),
    KillPoint("a project ticket's note: kind recorded after the 404, project POST stored (hold after_store)",
              {"method": "POST", "path": "*/project/tickets/*/notes", "hold": "after_store"}, held, release),
    KillPoint("after the 404 on a project ticket, looking the ticket up (GET service ticket held)",
              {"method": "GET", "path": "*/service/tickets/31207", "hold": "before_store"}, held, release),
    KillPoint("wherever the drain is once 4 more time entries arrived", None, entries_more(4)),
    KillPoint("a note stored, killed; the next drain starts while its request is still held",
              {**NOTE, "hold": "after_store"}, held, release_after_restart=True),
    KillPoint("wherever the drain is once 2 more notes arrived", None, notes_more(2)),
]  # fmt: skip


def enqueue_all(home) -> tuple[list, str]:
    paths = AppPaths.from_env({"FLOWDESK_HOME": str(home)})
    profile = load_settings(paths.settings_file).settings.connectwise
    site = connectwise_profile_key(profile.site, profile.company)
    with Database(paths.database_file) as db:
        outbox = Outbox(db)
        jobs = []
        for n in range(SESSIONS):
            ticket = TICKETS[n % len(TICKETS)]
            preview = prepare_note(make_session(n, ticket), Settings(), edited_text=note_text(n))
            jobs += enqueue_push(outbox, preview, ticket=TicketRef(ticket), site=site, time_entry=True, send_end=False)
    return jobs, site


def queue_state(home) -> list:
    with Database(AppPaths.from_env({"FLOWDESK_HOME": str(home)}).database_file) as db:
        return Outbox(db).jobs()


def counts(admin) -> dict[str, int]:
    ledger = admin.ledger()
    patches = sum(1 for r in ledger["requests"] if r["method"] == "PATCH")
    return {"notes": len(ledger["notes"]), "time_entries": len(ledger["time_entries"]), "patches": patches}


def a_minute_passes(home) -> None:
    """The restart comes VERIFY_DELAY after the kill, so the sends it interrupted are checked at once (a
    restart sooner waits that long for a slow server: ``test_stopping.py`` and the drainer tests show it)."""
    time_passes(AppPaths.from_env({"FLOWDESK_HOME": str(home)}).database_file, VERIFY_DELAY)


def kill_and_restart(points: list[KillPoint], env, sandbox_admin, home) -> tuple[list[str], int, list[int]]:
    """Start a drain for each point, SIGKILL it once it is exactly there, then restart until the queue is
    done (a job whose check found nothing waits 5 minutes: the engineer clicks Retry). Returns the points
    killed at, how many drains ran, and the jobs retried by hand."""
    launches = 0
    killed: list[str] = []
    pending_release = False
    for point in points:
        sandbox_admin.clear_faults()
        if point.fault:
            sandbox_admin.add_fault(**point.fault)
        before = counts(sandbox_admin)
        a_minute_passes(home)
        drain = procs.start(env, "queue", "drain", "--until-empty")
        launches += 1
        try:
            if pending_release:  # the previous point's request is still parked: let it finish now
                sandbox_admin.release()
                pending_release = False
            point.reached(sandbox_admin, before)
            assert drain.poll() is None, f"the drain ended before '{point.name}': {drain.communicate()}"
            drain.kill()  # SIGKILL; Windows: TerminateProcess
            drain.communicate(timeout=WAIT)
            assert drain.returncode == KILLED
        finally:
            if drain.poll() is None:
                drain.kill()
                drain.communicate()
        killed.append(point.name)
        if point.after is not None:
            point.after(sandbox_admin, before)
        pending_release = point.release_after_restart

    sandbox_admin.clear_faults()
    if pending_release:
        sandbox_admin.release()
    retried: list[int] = []
    for _ in range(4):
        a_minute_passes(home)
        done = procs.run(env, "queue", "drain", "--until-empty", timeout=300)
        launches += 1
        assert done.returncode == 0, done.stderr + done.stdout
        state = queue_state(home)
        waiting = [j for j in state if j.state != "sent"]
        if not waiting:
            break
        notes_sent = {j.id for j in state if j.kind == "note" and j.state == "sent"}
        for job in waiting:
            if job.state == "pending" and job.parent_id is not None and job.parent_id not in notes_sent:
                continue  # a time entry (or status change) waiting for its note
            assert job.state == "retry_wait", (job.id, job.state, job.last_error)
            assert procs.run(env, "queue", "retry", str(job.id)).returncode == 0
            retried.append(job.id)
    return killed, launches, retried


def test_sigkill_anywhere_loses_nothing_and_posts_nothing_twice(sandbox, sandbox_admin, secret_service, real_keyring, flowdesk_home):
    env = procs.flowdesk_env(secret_service, flowdesk_home)
    procs.connect(env, sandbox.info.connectwise)
    jobs, _ = enqueue_all(flowdesk_home)
    assert len(jobs) == 2 * SESSIONS

    killed, launches, retried = kill_and_restart(KILL_POINTS, env, sandbox_admin, flowdesk_home)

    final = queue_state(flowdesk_home)
    assert [j.state for j in final] == ["sent"] * (2 * SESSIONS)
    ledger = sandbox_admin.ledger()
    assert len(ledger["notes"]) == SESSIONS and len(ledger["time_entries"]) == SESSIONS
    notes = {n["id"]: n for n in ledger["notes"]}
    entries = {e["id"]: e for e in ledger["time_entries"]}
    for job in final:
        body = job.body_json()
        if job.kind == "note":
            same = [n for n in ledger["notes"] if n["text"] == body["text"]]
            assert len(same) == 1, (job.id, len(same))  # exactly once
            assert job.remote_id == same[0]["id"] and notes[job.remote_id]["ticketId"] == job.ticket_id
        else:
            same = [e for e in ledger["time_entries"] if e["timeStart"] == body["timeStart"]]
            assert len(same) == 1, (job.id, len(same))
            assert job.remote_id == same[0]["id"] and entries[job.remote_id]["chargeToId"] == job.ticket_id
    project = [j for j in final if j.ticket_id == 31207]
    assert project and all(j.ticket_kind == "project" for j in project)
    assert all(entries[j.remote_id]["chargeToType"] == "ProjectTicket" for j in project if j.kind == "time_entry")
    print(f"\ncrash test: {len(killed)} SIGKILLs, {launches} drain processes ({launches - 1} restarts), "
          f"manual retries for jobs {retried or 'none'}")
    for name in killed:
        print(f"  killed: {name}")


# -- status changes (kind ``status``): queued after their note, a PATCH then the ticket read back ----------
PATCH = {"method": "PATCH", "path": "*/tickets/*"}
STATUS_SESSIONS = 14  # on 14 tickets, one of them the project ticket 31207 (queued as a service ticket)
FIRST_TICKET = TICKETS[0]  # its note is queued first: nothing reads the ticket itself before its PATCH


def patches_more(n: int):
    return lambda admin, before: admin.wait("requests", before["patches"] + n, timeout=WAIT, method="PATCH")


def release_and_wait_patched(admin, before):
    admin.release()  # the PATCH was parked before the server applied it: now it is applied
    admin.wait("requests", before["patches"] + 1, timeout=WAIT, method="PATCH")


STATUS_KILL_POINTS = [
    KillPoint(f"the first PATCH applied, reading ticket #{FIRST_TICKET} back (GET ticket held)",
              {"method": "GET", "path": f"*/service/tickets/{FIRST_TICKET}", "hold": "before_store"}, held, release),
    KillPoint("a status PATCH applied by ConnectWise, its answer not yet read (hold after_store)",
              {**PATCH, "hold": "after_store"}, held, release),
    KillPoint("a status PATCH in flight, applied only after the kill (hold before_store)",
              {**PATCH, "hold": "before_store"}, held, release_and_wait_patched),
    KillPoint("wherever the drain is once 2 more PATCHes arrived", None, patches_more(2)),
    KillPoint("a PATCH in flight; the next drain starts (and checks) while it is still parked",
              {**PATCH, "hold": "before_store"}, held, release_after_restart=True),
]  # fmt: skip


def enqueue_with_status(home, sandbox) -> dict[int, int]:
    """Notes with a status change each, on their own tickets: ``{ticket: the status id it is to get}``."""
    from .helpers import make_client

    tickets = [*TICKETS[: STATUS_SESSIONS - 1], 31207]
    wanted: dict[int, tuple[int, str]] = {}
    with make_client(sandbox) as client:
        for ticket_id in tickets:
            ticket = client.get_ticket(ticket_id)
            statuses = client.board_statuses(ticket.board_id)  # type: ignore[arg-type]
            wanted[ticket_id] = next(((s, n) for s, n in statuses if s != ticket.status_id), statuses[0])
    paths = AppPaths.from_env({"FLOWDESK_HOME": str(home)})
    profile = load_settings(paths.settings_file).settings.connectwise
    site = connectwise_profile_key(profile.site, profile.company)
    with Database(paths.database_file) as db:
        outbox = Outbox(db)
        for n, ticket_id in enumerate(tickets, start=100):
            preview = prepare_note(make_session(n, ticket_id), Settings(), edited_text=note_text(n))
            enqueue_push(
                outbox, preview, ticket=TicketRef(ticket_id), site=site, time_entry=False, send_end=False,
                status=wanted[ticket_id],
            )  # fmt: skip
    return {t: s for t, (s, _) in wanted.items()}


def test_sigkill_while_changing_statuses_loses_none_and_sets_each_after_its_note(
    sandbox, sandbox_admin, secret_service, real_keyring, flowdesk_home
):
    env = procs.flowdesk_env(secret_service, flowdesk_home)
    procs.connect(env, sandbox.info.connectwise)
    wanted = enqueue_with_status(flowdesk_home, sandbox)

    killed, launches, retried = kill_and_restart(STATUS_KILL_POINTS, env, sandbox_admin, flowdesk_home)

    final = queue_state(flowdesk_home)
    assert [(j.kind, j.state) for j in final] == [("note", "sent"), ("status", "sent")] * STATUS_SESSIONS
    ledger = sandbox_admin.ledger()
    assert len(ledger["notes"]) == STATUS_SESSIONS
    from .helpers import make_client

    with Database(AppPaths.from_env({"FLOWDESK_HOME": str(flowdesk_home)}).database_file) as db, make_client(sandbox) as client:
        attempts = Outbox(db).attempts
        for job in final:
            if job.kind == "note":
                assert len([n for n in ledger["notes"] if n["text"] == job.body_json()["text"]]) == 1  # exactly once
                continue
            assert client.get_ticket(job.ticket_id).status_id == wanted[job.ticket_id] == job.remote_id
            kind = job.ticket_kind
            patches = [r for r in ledger["requests"] if r["method"] == "PATCH" and r["path"].endswith(f"/{kind}/tickets/{job.ticket_id}")]
            # a PATCH is sent again only after a check read the ticket and found the status not yet set (a
            # parked PATCH whose drain was killed may never reach the handler: then fewer are recorded)
            again = sum(1 for a in attempts(job.id) if a.outcome == "absent")
            assert 1 <= len(patches) <= 1 + again, (job.ticket_id, len(patches), again)
            note = next(j for j in final if j.id == job.parent_id)
            note_posted = next(i for i, r in enumerate(ledger["requests"]) if r["method"] == "POST" and r["path"].endswith(f"/tickets/{job.ticket_id}/notes") and r["status"] == 201)
            first_patch = next(i for i, r in enumerate(ledger["requests"]) if r in patches)
            assert note.state == "sent" and note_posted < first_patch  # after its note
    assert next(j for j in final if j.ticket_id == 31207 and j.kind == "status").ticket_kind == "project"
    print(f"\nstatus crash test: {len(killed)} SIGKILLs, {launches} drain processes, manual retries {retried or 'none'}")
    for name in killed:
        print(f"  killed: {name}")
