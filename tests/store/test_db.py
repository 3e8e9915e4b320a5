"""Opening the database: pragmas, migrations, refusing files it must not touch, per-thread connections."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest

from flowdesk.store.db import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    Database,
    DatabaseUnreadable,
    Migration,
    MigrationFailed,
    SchemaTooNew,
    StoreError,
    format_time,
    parse_time,
)
from flowdesk.store.sessions import SessionCache

from .conftest import T0


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


def test_new_file_gets_the_current_schema_and_safe_pragmas(db: Database, db_path: Path):
    assert db_path.exists()
    assert db.schema_version == SCHEMA_VERSION == len(MIGRATIONS) == 11
    conn = db.connect()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert {"sessions", "session_raw", "push_jobs", "post_log", "meta"} <= tables(db_path)


def test_macos_syncs_through_the_drive_cache(db_path: Path, monkeypatch):
    """On macOS plain fsync stops at the drive's cache; SQLite uses F_FULLFSYNC only when told to."""
    monkeypatch.setattr("flowdesk.store.db.sys.platform", "darwin")
    with Database(db_path) as db:
        conn = db.connect()
        assert conn.execute("PRAGMA fullfsync").fetchone()[0] == 1
        assert conn.execute("PRAGMA checkpoint_fullfsync").fetchone()[0] == 1


def test_other_systems_keep_sqlites_default_sync(db: Database):
    conn = db.connect()
    assert conn.execute("PRAGMA fullfsync").fetchone()[0] == 0


def test_a_v1_file_migrates_to_current_keeping_its_data(db_path: Path, sample_items):
    old = Database(db_path, migrations=MIGRATIONS[:1])  # what the first release wrote
    assert old.schema_version == 1
    SessionCache(old).upsert(sample_items[:3], source="api")
    old.close()
    assert "push_jobs" not in tables(db_path)

    new = Database(db_path)
    try:
        assert new.schema_version == SCHEMA_VERSION
        assert SessionCache(new).count() == 3
        assert {"push_jobs", "post_log", "meta"} <= tables(db_path)
    finally:
        new.close()
    # opening again changes nothing
    before = digest(db_path)
    Database(db_path).close()
    assert user_version(db_path) == SCHEMA_VERSION
    assert digest(db_path) == before


def test_jobs_of_a_v6_file_migrate_without_a_pending_retry(db_path: Path):
    from flowdesk.store import Outbox

    Database(db_path, migrations=MIGRATIONS[:6]).close()
    with sqlite3.connect(db_path) as conn:  # a job as version 6 wrote it (it had no send_if_absent)
        conn.execute(
            "INSERT INTO push_jobs (client_ref, session_id, ticket_id, ticket_kind, kind, site, body, state, "
            "next_attempt_at, created_at, updated_at) VALUES ('c-1', 's-1', 48211, 'service', 'note', "
            "'na.myconnectwise.net', '{}', 'unknown', '2026-11-18T13:00:00Z', '2026-11-18T13:00:00Z', '2026-11-18T13:00:00Z')"
        )
    conn.close()
    new = Database(db_path)
    try:
        assert new.schema_version == SCHEMA_VERSION
        (migrated,) = Outbox(new).jobs()
        assert (migrated.state, migrated.send_if_absent) == ("unknown", False)
    finally:
        new.close()


def test_a_newer_schema_is_refused_and_left_untouched(db_path: Path):
    Database(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA user_version = 99")
    before = digest(db_path)
    with pytest.raises(SchemaTooNew) as err:
        Database(db_path)
    text = str(err.value)
    assert str(db_path) in text and "newer FlowDesk" in text and "version 99" in text and "Update FlowDesk" in text
    assert digest(db_path) == before
    assert user_version(db_path) == 99


def test_a_failing_migration_leaves_the_file_at_its_previous_version(db_path: Path):
    Database(db_path).close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(MigrationFailed) as err:
        Database(db_path, migrations=(*MIGRATIONS, Migration(SCHEMA_VERSION + 1, "broken", broken)))
    assert f"version {SCHEMA_VERSION + 1}" in str(err.value) and f"left at version {SCHEMA_VERSION}" in str(err.value)
    assert user_version(db_path) == SCHEMA_VERSION
    assert "half_done" not in tables(db_path)


def test_migrations_must_be_numbered_in_order(db_path: Path):
    with pytest.raises(ValueError, match="expected 2"):
        Database(db_path, migrations=(MIGRATIONS[0], Migration(3, "gap", lambda c: None)))


def test_a_file_that_is_not_sqlite_is_refused_with_what_to_do(db_path: Path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"these are not the bytes of a database\n" * 200)
    before = digest(db_path)
    with pytest.raises(DatabaseUnreadable) as err:
        Database(db_path)
    text = str(err.value)
    assert str(db_path) in text
    assert "damaged or is not a database" in text
    assert "move the file aside" in text and "did not change it" in text
    assert digest(db_path) == before  # never deleted or rewritten


def test_a_damaged_header_is_refused(db_path: Path):
    Database(db_path).close()
    data = bytearray(db_path.read_bytes())
    data[0:16] = b"garbage-garbage!"
    db_path.write_bytes(bytes(data))
    with pytest.raises(DatabaseUnreadable):
        Database(db_path)
    assert db_path.read_bytes()[:16] == b"garbage-garbage!"


def test_another_programs_database_is_refused(tmp_path: Path):
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE contacts (name)")
    with pytest.raises(DatabaseUnreadable, match="did not create"):
        Database(other)
    assert tables(other) == {"contacts"}

    tagged = tmp_path / "tagged.sqlite3"
    with sqlite3.connect(tagged) as conn:
        conn.execute("PRAGMA application_id = 1234")
    with pytest.raises(DatabaseUnreadable, match="another program"):
        Database(tagged)


def test_a_path_that_cannot_be_opened_says_so(tmp_path: Path):
    folder = tmp_path / "is-a-folder"
    folder.mkdir()
    with pytest.raises(StoreError, match="cannot open"):
        Database(folder)


def test_check_reports_a_sound_file(db: Database):
    assert db.check() == []


def test_connections_are_per_thread_and_see_each_others_commits(db: Database):
    main = db.connect()
    assert db.connect() is main
    seen: dict[str, object] = {}

    def worker():
        conn = db.connect()
        seen["same_again"] = db.connect() is conn
        seen["conn"] = conn
        with db.transaction() as c:
            c.execute("INSERT INTO meta (key, value) VALUES ('from-thread', 'yes')")

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen["same_again"] is True
    assert seen["conn"] is not main
    assert main.execute("SELECT value FROM meta WHERE key = 'from-thread'").fetchone() == ("yes",)


def test_transaction_commits_or_rolls_back_whole(db: Database):
    with db.transaction() as conn:
        conn.execute("INSERT INTO meta VALUES ('a', '1')")
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("INSERT INTO meta VALUES ('b', '2')")
        with db.transaction() as inner:  # a nested transaction joins the outer one
            inner.execute("INSERT INTO meta VALUES ('c', '3')")
        raise RuntimeError("boom")
    keys = {r[0] for r in db.connect().execute("SELECT key FROM meta")}
    assert keys == {"a"}
    assert not db.connect().in_transaction


def test_closed_database_refuses_new_work(db_path: Path):
    database = Database(db_path)
    database.close()
    with pytest.raises(StoreError, match="closed"):
        database.connect()


def test_times_are_fixed_width_utc_text():
    assert format_time(T0) == "2026-11-18T14:02:00.000000Z"
    assert parse_time(format_time(T0)) == T0
    assert format_time(None) is None
    with pytest.raises(ValueError, match="naive"):
        format_time(T0.replace(tzinfo=None))
