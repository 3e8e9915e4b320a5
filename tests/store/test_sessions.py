"""The session cache: newest copy wins, raw JSON kept as received, listing newest first, 10,000 rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from flowdesk.core.models import Session, parse_session
from flowdesk.core.userfile import parse_json
from flowdesk.store import SessionCache, UpsertReport
from flowdesk.store.sessions import is_newer, session_version

from .conftest import T0


def make(sid: str = "s-1", *, updated: datetime | None = T0, version: int | None = 1, **extra) -> tuple[dict, Session]:
    raw = {"id": sid, "status": "resolved", "problem_summary": f"summary {sid}", "state_version": version,
           "updated_at": updated.isoformat().replace("+00:00", "Z") if updated else None, **extra}
    return raw, parse_session(raw)


def test_insert_then_identical_copy_is_unchanged(cache: SessionCache):
    assert cache.upsert([make()], source="api") == UpsertReport(inserted=1)
    assert cache.upsert([make()], source="api") == UpsertReport(unchanged=1)
    assert cache.count() == 1


def test_older_update_is_ignored(cache: SessionCache):
    cache.upsert([make(updated=T0, version=5, client_name="New name")], source="api")
    report = cache.upsert([make(updated=T0 - timedelta(seconds=1), version=9, client_name="Old name")], source="file")
    assert report == UpsertReport(skipped_older=1)
    row = cache.rows()[0]
    assert (row.client_name, row.state_version, row.source) == ("New name", 5, "api")
    assert cache.raw("s-1")["client_name"] == "New name"


def test_equal_version_is_ignored_unless_asked(cache: SessionCache):
    cache.upsert([make(client_name="List summary")], source="api")
    assert cache.upsert([make(client_name="Detail")], source="api") == UpsertReport(unchanged=1)
    assert cache.get("s-1").client_name == "List summary"
    # a detail fetch of the same version may replace the list summary
    assert cache.upsert([make(client_name="Detail")], source="api", replace_equal=True) == UpsertReport(updated=1)
    assert cache.get("s-1").client_name == "Detail"


def test_state_version_breaks_a_tie_on_updated_at(cache: SessionCache):
    cache.upsert([make(version=3, client_name="v3")], source="api")
    assert cache.upsert([make(version=2, client_name="v2")], source="api") == UpsertReport(skipped_older=1)
    assert cache.upsert([make(version=4, client_name="v4")], source="api") == UpsertReport(updated=1)
    assert cache.get("s-1").client_name == "v4"
    assert cache.versions() == {"s-1": ("2026-11-18T14:02:00.000000Z", 4)}


def test_newer_updated_at_wins_even_with_a_lower_state_version(cache: SessionCache):
    cache.upsert([make(version=9)], source="api")
    report = cache.upsert([make(updated=T0 + timedelta(minutes=1), version=1, client_name="later")], source="api")
    assert report == UpsertReport(updated=1)
    assert cache.get("s-1").client_name == "later"


FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


def test_a_file_never_replaces_a_session_synced_from_resolutionflow(cache: SessionCache):
    cache.upsert([make(psa_ticket_id=100)], source="api")
    report = cache.upsert([make(updated=FAR_FUTURE, psa_ticket_id=999)], source="file:/tmp/export.json")
    assert report == UpsertReport(kept_synced=1)
    row = cache.rows()[0]
    assert (row.psa_ticket_id, row.source, row.updated_at) == (100, "api", T0)
    assert cache.upsert([make(updated=T0 - timedelta(days=1))], source="file:/tmp/old.json") == UpsertReport(skipped_older=1)


def test_resolutionflows_copy_replaces_a_files_whatever_their_times(cache: SessionCache):
    cache.upsert([make(updated=FAR_FUTURE, psa_ticket_id=999)], source="file:/tmp/export.json")
    assert cache.versions(source="api") == {}
    assert cache.upsert([make(psa_ticket_id=100)], source="api") == UpsertReport(updated=1)
    row = cache.rows()[0]
    assert (row.psa_ticket_id, row.source, row.updated_at) == (100, "api", T0)
    assert cache.versions(source="api") == cache.versions() == {"s-1": session_version(make()[1])}


def test_a_lone_surrogate_in_an_answer_is_replaced_when_read_back_as_it_was_when_checked(cache: SessionCache):
    text = '{"id": "s-9", "status": "resolved", "problem_summary": "bad \\ud800 char \\ud83d\\ude00", "steps": []}'
    checked = parse_session(parse_json(text, "session s-9"))  # what the client validates
    cache.upsert([(text, checked)], source="api")
    assert cache.raw_text("s-9") == text  # stored as received
    assert cache.get("s-9").problem_summary == checked.problem_summary == "bad \ufffd char \U0001f600"


def test_missing_versions_count_as_oldest(cache: SessionCache):
    cache.upsert([make(updated=None, version=None, client_name="undated")], source="file")
    assert cache.upsert([make(updated=None, version=None)], source="file") == UpsertReport(unchanged=1)
    assert cache.upsert([make(updated=T0, version=None, client_name="dated")], source="api") == UpsertReport(updated=1)
    assert cache.upsert([make(updated=None, version=7)], source="file") == UpsertReport(skipped_older=1)
    assert cache.get("s-1").client_name == "dated"
    assert is_newer(("2026", None), None)
    assert not is_newer((None, None), (None, None))


def test_duplicates_in_one_batch_keep_the_newest(cache: SessionCache):
    report = cache.upsert(
        [make(version=2, client_name="b"), make(version=1, client_name="a"), make(version=3, client_name="c")],
        source="api",
    )
    assert report == UpsertReport(inserted=1, updated=1, skipped_older=1)
    assert cache.get("s-1").client_name == "c"


def test_sessions_without_an_id_are_counted_not_cached(cache: SessionCache):
    no_id = ({"status": "resolved"}, parse_session({"status": "resolved"}))
    assert cache.upsert([no_id, make()], source="file") == UpsertReport(inserted=1, skipped_invalid=1)


def test_raw_json_is_kept_as_received_including_unknown_fields(cache: SessionCache):
    raw, session = make(future_field={"nested": ["kept", 1, None]}, client_name="Zoë & Co")
    cache.upsert([(raw, session)], source="api")
    assert cache.raw("s-1") == raw
    assert list(cache.raw("s-1")) == list(raw)  # key order kept too
    assert cache.get("s-1") == session
    assert cache.raw("nope") is None and cache.get("nope") is None


def test_raw_text_is_stored_byte_for_byte(cache: SessionCache):
    text = '{ "id": "s-9",  "status": "resolved", "note": "caf\\u00e9 \u2603\\n", "updated_at": "2026-11-18T14:02:00Z" }'
    cache.upsert([(text, parse_session(json.loads(text)))], source="api")
    assert cache.raw_text("s-9") == text
    with pytest.raises(ValueError):
        cache.upsert([("[1, 2]", parse_session({"id": "x"}))], source="api")


def test_listing_columns(cache: SessionCache, sample_items):
    cache.upsert(sample_items, source="file:samples")
    by_id = {r.id: r for r in cache.rows()}
    assert len(by_id) == len(sample_items)
    for _raw, s in sample_items:
        row = by_id[s.id]
        assert (row.status, row.session_type, row.psa_ticket_id, row.client_name, row.summary) == (
            s.status, s.session_type, s.psa_ticket_id, s.client_name, s.summary)
        assert (row.created_at, row.updated_at, row.ended_at) == (s.created_at, s.updated_at, s.ended_at)
        assert row.duration == s.duration
        assert row.posted_by_resolutionflow == s.posted_by_resolutionflow
        assert row.source == "file:samples"
    assert any(r.posted_by_resolutionflow for r in by_id.values())


def test_list_is_newest_first_by_end_then_update_then_creation(cache: SessionCache):
    def at(minutes: int) -> str:
        return (T0 + timedelta(minutes=minutes)).isoformat()

    items = [
        ({"id": "ended-early", "created_at": at(0), "updated_at": at(100), "resolved_at": at(10)}),
        ({"id": "updated-only", "created_at": at(0), "updated_at": at(50)}),
        ({"id": "created-only", "created_at": at(30), "status": "active"}),
        ({"id": "undated"}),
        ({"id": "escalated-late", "created_at": at(0), "escalated_at": at(60), "status": "escalated"}),
    ]
    cache.upsert([(r, parse_session(r)) for r in items], source="api")
    assert [r.id for r in cache.rows()] == ["escalated-late", "updated-only", "created-only", "ended-early", "undated"]
    assert [r.id for r in cache.rows(limit=2, offset=1)] == ["updated-only", "created-only"]
    assert [r.id for r in cache.rows(status="escalated")] == ["escalated-late"]
    assert [r.id for r in cache.rows(status=["active", "escalated"])] == ["escalated-late", "created-only"]
    assert cache.count(status="active") == 1


def test_delete_removes_the_row_and_its_json(cache: SessionCache, db):
    cache.upsert([make("a"), make("b")], source="api")
    assert cache.delete("a") is True
    assert cache.delete("a") is False
    assert cache.count() == 1 and cache.raw("a") is None
    assert db.connect().execute("SELECT count(*) FROM session_raw").fetchone()[0] == 1


def test_ten_thousand_sessions_round_trip_in_order(cache: SessionCache, sample_items):
    """Correctness at 10,000 rows (timings are measured separately, not asserted)."""
    n = 10_000
    base = datetime(2026, 1, 1, tzinfo=UTC)
    items = []
    expected = {}
    for i in range(n):
        raw0, s0 = sample_items[i % len(sample_items)]
        sid = f"sess-{(i * 7919) % n:05d}"  # ids not in time order
        created = base + timedelta(minutes=(i * 104729) % n)
        ended = created + timedelta(minutes=20)
        raw = {**raw0, "id": sid, "created_at": created.isoformat(), "updated_at": (ended + timedelta(minutes=5)).isoformat(),
               "resolved_at": ended.isoformat(), "escalated_at": None, "state_version": i}
        items.append((raw, s0.model_copy(update={"id": sid, "created_at": created, "updated_at": ended + timedelta(minutes=5),
                                                  "resolved_at": ended, "escalated_at": None, "state_version": i})))
        expected[sid] = ended
    assert cache.upsert(items, source="api") == UpsertReport(inserted=n)
    rows = cache.rows()
    assert len(rows) == n == cache.count()
    assert [r.id for r in rows] == sorted(expected, key=lambda sid: (expected[sid], sid), reverse=True)
    assert all(r.ended_at == expected[r.id] for r in rows)
    assert cache.upsert(items, source="api") == UpsertReport(unchanged=n)
    versions = cache.versions()
    assert len(versions) == n and versions["sess-00000"] == session_version(items[0][1])
    assert cache.raw(rows[0].id)["id"] == rows[0].id


# -- sync state ------------------------------------------------------------------------------------


def test_sync_state_moves_the_watermark_forward_only_and_records_failures(cache: SessionCache, clock, db):
    scope = "resolutionflow:https://api.resolutionflow.com:dana@example.com"
    assert cache.sync_state(scope) is None
    first = cache.record_sync(scope, ok=True, watermark=T0)
    assert (first.watermark, first.last_success_at, first.last_attempt_at, first.last_error) == (T0, T0, T0, None)
    clock.advance(minutes=5)
    cache.record_sync(scope, ok=True, watermark=T0 - timedelta(days=1))  # an older one never moves it back
    assert cache.sync_state(scope).watermark == T0
    cache.record_sync(scope, ok=True, watermark=None)  # nothing listed
    assert cache.sync_state(scope).watermark == T0
    clock.advance(minutes=5)
    failed = cache.record_sync(scope, ok=False, watermark=T0 + timedelta(days=1), error="Cannot reach ResolutionFlow")
    assert failed.watermark == T0 and failed.last_error == "Cannot reach ResolutionFlow"
    assert failed.last_success_at == T0 + timedelta(minutes=5) and failed.last_attempt_at == T0 + timedelta(minutes=10)
    assert cache.sync_state(scope) == failed
    later = cache.record_sync(scope, ok=True, watermark=T0 + timedelta(hours=1))
    assert later.watermark == T0 + timedelta(hours=1) and later.last_error is None
    assert cache.sync_state("resolutionflow:other") is None  # scopes are independent
    assert SessionCache(db).sync_state(scope) == later  # stored, not remembered
    assert cache.clear_sync_state(scope) is True and cache.sync_state(scope) is None
    assert cache.clear_sync_state(scope) is False


def test_an_unreadable_sync_state_only_costs_a_full_listing(cache: SessionCache, db):
    with db.transaction() as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('sync:x', '[not json')")
    state = cache.sync_state("x")
    assert state is not None and state.watermark is None
    assert cache.record_sync("x", ok=True, watermark=T0).watermark == T0


def test_rows_and_json_are_made_before_the_write_lock_is_taken(cache: SessionCache, db_path, monkeypatch):
    """An import of many sessions makes their rows and JSON text (most of its time) without holding SQLite's
    write lock: meanwhile another connection (the window's: a draft, a Push) can write at once."""
    import sqlite3

    import flowdesk.store.sessions as sessions_module

    made = sessions_module._row
    writable: list[bool] = []

    def row(*args):
        other = sqlite3.connect(db_path, timeout=0)  # no waiting: a lock held is an error at once
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            writable.append(True)
        except sqlite3.OperationalError:
            writable.append(False)
        finally:
            other.close()
        return made(*args)

    monkeypatch.setattr(sessions_module, "_row", row)
    assert cache.upsert([make(f"s-{i}") for i in range(3)], source="file") == UpsertReport(inserted=3)
    assert writable == [True, True, True]
    assert [r.id for r in cache.rows()] and cache.count() == 3


def test_a_copy_cached_meanwhile_is_judged_again_in_the_transaction(cache: SessionCache, db, monkeypatch):
    """The rows made before the lock follow the cache as read then; the transaction reads it again and decides
    for good: a newer copy cached in between (a refresh from ResolutionFlow) is not overwritten by the file's."""
    import flowdesk.store.sessions as sessions_module

    versions = sessions_module.SessionCache._versions
    calls: list[int] = []

    def read_then_refresh(conn, ids):
        calls.append(len(calls))
        if len(calls) == 1:  # the foresight: nothing cached yet; then ResolutionFlow's newer copy arrives
            seen = versions(conn, ids)
            raw, session = make(version=7, client_name="From ResolutionFlow")
            SessionCache(db).upsert([(raw, session)], source="api")
            return seen
        return versions(conn, ids)

    monkeypatch.setattr(sessions_module.SessionCache, "_versions", staticmethod(read_then_refresh))
    report = cache.upsert([make(version=2, client_name="From a file")], source="file")
    assert report == UpsertReport(skipped_older=1)
    assert cache.get("s-1").client_name == "From ResolutionFlow" and cache.rows()[0].source == "api"
