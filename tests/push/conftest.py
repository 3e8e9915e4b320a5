"""Fixtures for the push tests: a real outbox on a temp SQLite file, an injected clock, sandbox clients."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest

from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.push.drainer import MAX_IN_FLIGHT, Connection, Drainer
from flowdesk.sandbox import Sandbox
from flowdesk.store import Database, Outbox, PushJob

from .helpers import FakeClock, make_client, now_to_the_minute


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(now_to_the_minute())


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "data" / "flowdesk.sqlite3")
    yield database
    database.close()


@pytest.fixture
def outbox(db: Database, clock: FakeClock) -> Outbox:
    return Outbox(db, clock=clock, display_tz=UTC)


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[ConnectWiseClient]:
    c = make_client(sandbox)
    yield c
    c.close()


@pytest.fixture
def changes() -> list[tuple[int, str]]:
    return []


@pytest.fixture(params=[1, MAX_IN_FLIGHT], ids=["serial", "concurrent"])
def max_in_flight(request: pytest.FixtureRequest) -> int:
    """The drainer's ``max_in_flight``: every test that uses ``drainer`` runs with the serial drainer (1, every
    request on the test's thread) and with the default (requests on a pool, one per ticket at a time)."""
    return request.param


@pytest.fixture
def drainer(outbox: Outbox, client: ConnectWiseClient, clock: FakeClock, changes, max_in_flight: int) -> Drainer:
    """A drainer over the sandbox; the member identifier comes from the 'profile' (no who_am_i)."""

    def on_change(job: PushJob) -> None:
        changes.append((job.id, job.state.value))

    return Drainer(
        outbox,
        lambda site: Connection(client, "dwhitfield"),
        clock=clock,
        tz=UTC,
        on_change=on_change,
        max_in_flight=max_in_flight,
    )
