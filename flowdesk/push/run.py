"""One :meth:`~flowdesk.push.drainer.Drainer.run_due`: its state, and the typed results the scheduler loop
works with — what phase a job's request is in (:class:`Phase`), what a step of a job came to (:class:`Step`:
an outcome :class:`Stored`, or :class:`NoOutcome`), and why no new job may start (:class:`Halt`)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent import futures
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any

from flowdesk.core.policy import OutcomeKind
from flowdesk.push.report import DrainReport
from flowdesk.push.sending import ClientProvider, Connection, Connections
from flowdesk.store.jobs import PushJob


class Phase(Enum):
    DISCOVER = "discover"  # finding the API; the job is not marked sending yet
    POST = "post"  # the job is sending; its POST (and after a 404 the ticket look-up) is out
    PROJECT_POST = "project_post"  # the job is sending; its note is being posted to the project path
    CHECK = "check"  # the job is unknown; its ticket is being read


@dataclass
class Flight:
    """A job with a request out: the job as stored, its connection, the phase, when the send (or the
    check) started (monotonic)."""

    job: PushJob
    conn: Connection
    phase: Phase
    started: float

    @property
    def ticket(self) -> tuple[str, int]:
        return self.job.site, self.job.ticket_id


@dataclass(frozen=True)
class Stored:
    """One step of a job ended with this outcome committed (``paused``: and it paused the queue;
    ``company_lookup``: it was the company look-up that failed)."""

    kind: OutcomeKind
    paused: bool = False
    company_lookup: bool = False


class NoOutcome(Enum):
    """One step of a job ended with no outcome committed."""

    IN_FLIGHT = "in_flight"  # a request is out
    QUEUE_PAUSED = "queue_paused"  # the queue is paused: nothing was sent
    HELD = "held"  # queued under another member's keys: held by a member pause, not sent; the run goes on
    CONFLICT = "conflict"  # the job moved meanwhile (cancelled…): nothing was changed
    NO_CLIENT = "no_client"  # no client for its site: nothing was changed
    NOT_SENT = "not_sent"  # the API was found, but its site is held off now or the run stopped: not sent
    LEFT_SENDING = "left_sending"  # the run stopped before ConnectWise answered: checked next time


Step = Stored | NoOutcome


class HaltWhy(StrEnum):
    STOPPED = "stopped"
    DEADLINE = "deadline"
    MAX_JOBS = "max_jobs"
    PAUSED = "paused"


@dataclass(frozen=True)
class Halt:
    """Why no new job starts any more in this run (the run ends when what is out has come back)."""

    why: HaltWhy
    reason: str | None = None


class Run:
    """The state of one :meth:`Drainer.run_due`."""

    def __init__(
        self,
        provider: ClientProvider,
        pool: futures.Executor,
        *,
        max_jobs: int | None,
        deadline: datetime | None,
        stop: threading.Event | None,
        started_at: datetime,
        first: Iterable[int] = (),
    ) -> None:
        self.report = DrainReport(started_at=started_at)
        self.connections = Connections(provider)
        self.pool = pool
        self.max_jobs, self.deadline, self.stop = max_jobs, deadline, stop
        self.handled: set[int] = set()
        self.checked: set[int] = set()  # handled by a check only: one found absent after Retry is sent too
        self.first: set[int] = set(first)  # the pushes a Retry click asked for: before the others due
        self.flights: dict[futures.Future[Any], Flight] = {}
        self.halt: Halt | None = None

    @property
    def checking(self) -> bool:
        return any(f.phase is Phase.CHECK for f in self.flights.values())

    def stopping(self, now: datetime) -> bool:
        return (self.stop is not None and self.stop.is_set()) or (self.deadline is not None and now >= self.deadline)


__all__ = ["Flight", "Halt", "HaltWhy", "NoOutcome", "Phase", "Run", "Step", "Stored"]
