"""Fixtures for the push tests: a real outbox on a temp SQLite file, an injected clock, sandbox clients."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest

from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.push.drainer import Connection, Drainer
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


@pytest.fixture
def drainer(outbox: Outbox, client: ConnectWiseClient, clock: FakeClock, changes) -> Drainer:
    """A drainer over the sandbox; the member identifier comes from the 'profile' (no who_am_i)."""

    def on_change(job: PushJob) -> None:
        changes.append((job.id, job.state.value))

    return Drainer(
        outbox, lambda site: Connection(client, "dwhitfield"), clock=clock, tz=UTC, on_change=on_change
    )
