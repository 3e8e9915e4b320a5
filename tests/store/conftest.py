"""Fixtures for the store: a fresh database file per test and an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowdesk.store import Database, Outbox, SessionCache

T0 = datetime(2026, 11, 18, 14, 2, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "flowdesk.sqlite3"


@pytest.fixture
def db(db_path: Path):
    database = Database(db_path)
    yield database
    database.close()


@pytest.fixture
def outbox(db: Database, clock: FakeClock) -> Outbox:
    return Outbox(db, clock=clock, display_tz=UTC)


@pytest.fixture
def cache(db: Database, clock: FakeClock) -> SessionCache:
    return SessionCache(db, clock=clock)


@pytest.fixture(scope="session")
def sample_items():
    """The sample sessions as (raw dict, Session) pairs, as an importer hands them to the cache."""
    from flowdesk.core.models import parse_session, read_json_file
    from tests.conftest import sample_files

    out = []
    for path in sample_files():
        raw = read_json_file(path)
        out.append((raw, parse_session(raw, str(path))))
    return out
