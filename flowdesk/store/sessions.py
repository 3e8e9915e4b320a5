"""The offline cache of ResolutionFlow sessions.

Each session is kept twice: its JSON exactly as received (``session_raw``, so a newer FlowDesk can read
fields this one ignores) and a row of listing columns (``sessions``) so the list never parses JSON.
Upserts keep the newest copy: the higher ``updated_at`` wins, then the higher ``state_version``; an
older or equal copy is ignored (``replace_equal=True`` lets an equal one replace it, for a detail fetch
that follows a list summary with the same version).

The cache also remembers how far each sync source got (:meth:`SessionCache.sync_state`): one row of the
``meta`` table per scope (``sync:<scope>``), holding JSON, so no schema change was needed for it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from flowdesk.core.userfile import parse_stored_json
from flowdesk.store.db import Database, format_time, parse_time, utcnow

if TYPE_CHECKING:  # the models load pydantic: listing the cached sessions (the first paint) needs none
    from flowdesk.core.models import Session

Version = tuple[str | None, int | None]

_CHUNK = 500  # ids per IN (...) query


class UpsertReport(NamedTuple):
    """What an upsert did. Two reports are equal when their counts are (``changed_ids`` is left out)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0  # same version as the cached copy
    skipped_older: int = 0  # older than the cached copy
    kept_synced: int = 0  # a file's copy of a session whose cached copy came from ResolutionFlow: not taken
    skipped_invalid: int = 0  # no id: cannot be cached
    changed_ids: tuple[str, ...] = ()  # inserted or updated

    @property
    def changed(self) -> int:
        return self.inserted + self.updated

    def _counts(self) -> tuple[int, ...]:
        return self[:6]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UpsertReport) and self._counts() == other._counts()

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._counts())


class SessionRow(NamedTuple):
    """One session as the list shows it (no JSON parsing). A named tuple: the window lists 10,000 of these
    per reload, and a frozen dataclass took five times as long to make (each field set through
    ``object.__setattr__``) and held a dict per row."""

    id: str
    status: str | None
    session_type: str | None
    psa_ticket_id: int | None
    client_name: str | None
    summary: str
    created_at: datetime | None
    updated_at: datetime | None
    ended_at: datetime | None
    duration_seconds: float | None
    state_version: int | None
    posted_by_resolutionflow: bool
    source: str
    cached_at: datetime

    @property
    def duration(self) -> timedelta | None:
        return None if self.duration_seconds is None else timedelta(seconds=self.duration_seconds)


class SyncState(NamedTuple):
    """How far a sync source got: ``watermark`` is the newest ``updated_at`` it has seen (the server's
    clock), set only by a sync that finished; the rest is for "last refreshed at" displays."""

    scope: str
    watermark: datetime | None = None
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = None


_SYNC_PREFIX = "sync:"
API_SOURCE = "api"  # the ``source`` of a copy from ResolutionFlow's API; a file's is "file:{path}"


def session_version(session: Session) -> Version:
    """The version the cache compares: (``updated_at`` as stored, ``state_version``)."""
    return (format_time(session.updated_at), session.state_version)


def _key(v: Version) -> tuple[str, int]:
    return (v[0] or "", -1 if v[1] is None else v[1])


def is_newer(candidate: Version, cached: Version | None) -> bool:
    """True when ``candidate`` should replace ``cached`` (a missing time or version counts as oldest)."""
    return cached is None or _key(candidate) > _key(cached)


def _raw_text(raw: Any) -> str:
    if isinstance(raw, str):  # the response text itself: stored byte for byte, no re-encoding
        if not raw.lstrip().startswith("{"):
            raise ValueError("a cached session's raw text must be a JSON object")
        return raw
    # Compact, and ASCII with \u escapes: the same JSON value, and the encoder's fast path (a fifth
    # quicker than ensure_ascii=False on this machine's 10,000-session benchmark).
    return json.dumps(raw, separators=(",", ":"))


def _decide(
    batch: list[tuple[str, Any, Session]], current: dict[str, Version], synced: set[str], from_api: bool, replace_equal: bool
) -> tuple[dict[str, tuple[Any, Session, Version]], tuple[int, int, int, int, int]]:
    """Which copies of ``batch`` replace the cached ones (``current``, ``synced``: :meth:`SessionCache._versions`,
    fresh for each call: changed as the batch goes), and the counts: inserted, updated, unchanged, older, kept synced."""
    inserted = updated = unchanged = older = kept_synced = 0
    winners: dict[str, tuple[Any, Session, Version]] = {}
    for sid, raw, session in batch:
        version = session_version(session)
        cached = current.get(sid)
        if cached is None:
            inserted += 1
        elif from_api and sid not in synced:  # ResolutionFlow's copy replaces a file's, whatever its time
            updated += 1
        elif is_newer(version, cached) or (replace_equal and _key(version) == _key(cached)):
            if sid in synced and not from_api:  # a file never replaces ResolutionFlow's copy
                kept_synced += 1
                continue
            updated += 1
        elif _key(version) == _key(cached):
            unchanged += 1
            continue
        else:
            older += 1
            continue
        current[sid] = version
        if from_api:
            synced.add(sid)
        winners[sid] = (raw, session, version)
    return winners, (inserted, updated, unchanged, older, kept_synced)


def _row(sid: str, raw: Any, s: Session, version: Version, source: str, cached_at: str | None) -> tuple[tuple[Any, ...], str]:
    """The ``sessions`` row of a copy that wins, and its JSON text for ``session_raw``."""
    ended_text = format_time(s.ended_at)
    created = format_time(s.created_at)
    duration = s.duration
    row = (
        sid, s.status, s.session_type, s.psa_ticket_id, s.client_name, s.summary, created, version[0], ended_text,
        ended_text or version[0] or created, None if duration is None else duration.total_seconds(), s.state_version,
        int(s.posted_by_resolutionflow), source, cached_at,
    )
    return row, _raw_text(raw)


_COLUMNS = ", ".join(SessionRow._fields)  # in the order of SessionRow's fields


def _rows(cursor: sqlite3.Cursor) -> list[SessionRow]:
    """The cursor's rows (``SELECT {_COLUMNS}``: SessionRow's fields in order) as listing rows: each one
    made from one tuple, only its times and flag converted (``parse_time`` inlined); the window lists 10,000
    of these per reload."""
    at = datetime.fromisoformat
    make = SessionRow._make
    return [
        make((r[0], r[1], r[2], r[3], r[4], r[5],
              None if r[6] is None else at(r[6]), None if r[7] is None else at(r[7]), None if r[8] is None else at(r[8]),
              r[9], r[10], bool(r[11]), r[12], at(r[13])))
        for r in cursor
    ]  # fmt: skip


class SessionCache:
    def __init__(self, db: Database, *, clock=utcnow) -> None:
        self._db = db
        self._clock = clock

    def upsert(
        self, sessions: Iterable[tuple[Any, Session]], *, source: str, replace_equal: bool = False
    ) -> UpsertReport:
        """Cache ``(raw, session)`` pairs in one transaction; the newest copy of each session wins, except
        that ResolutionFlow's word is final: a copy from the API (``source="api"``) always replaces one
        from a file, and a file's copy never replaces one from the API (however new its ``updated_at``).

        ``raw`` is the session as received: a dict (stored as compact JSON, key order kept) or JSON text
        (stored as is). ``source`` says where it came from (``"api"``, ``"file:…"``).

        The rows (and the JSON text) of the copies likely to win are made before the write lock is taken,
        from the cache as it is read then; the transaction reads it again and decides for good, making any
        row it did not foresee. A 10,000-session import held the lock ~1.2 s with them made inside, and the
        window's own writes (a draft, a Push) waited that long on the GUI thread.
        """
        cached_at = format_time(self._clock())
        pairs = list(sessions)
        batch: list[tuple[str, Any, Session]] = [(s.id, raw, s) for raw, s in pairs if s.id]
        invalid = len(pairs) - len(batch)  # no id: cannot be cached
        ids = list({sid for sid, _, _ in batch})
        from_api = source == API_SOURCE
        foreseen = _decide(batch, *self._versions(self._db.connect(), ids), from_api, replace_equal)[0]
        made = {sid: _row(sid, raw, s, version, source, cached_at) for sid, (raw, s, version) in foreseen.items()}
        with self._db.transaction() as conn:
            winners, counts = _decide(batch, *self._versions(conn, ids), from_api, replace_equal)
            rows = [
                made[sid] if sid in made and foreseen[sid][1] is s else _row(sid, raw, s, version, source, cached_at)
                for sid, (raw, s, version) in winners.items()
            ]
            conn.executemany(
                "INSERT INTO sessions (id, status, session_type, psa_ticket_id, client_name, summary, "
                "created_at, updated_at, ended_at, sort_at, duration_seconds, state_version, "
                "posted_by_resolutionflow, source, cached_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
                "session_type = excluded.session_type, psa_ticket_id = excluded.psa_ticket_id, "
                "client_name = excluded.client_name, summary = excluded.summary, "
                "created_at = excluded.created_at, updated_at = excluded.updated_at, "
                "ended_at = excluded.ended_at, sort_at = excluded.sort_at, "
                "duration_seconds = excluded.duration_seconds, state_version = excluded.state_version, "
                "posted_by_resolutionflow = excluded.posted_by_resolutionflow, source = excluded.source, "
                "cached_at = excluded.cached_at",
                [row for row, _ in rows],
            )
            conn.executemany(
                "INSERT INTO session_raw (id, json) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET json = excluded.json",
                [(row[0], text) for row, text in rows],
            )
        inserted, updated, unchanged, older, kept_synced = counts
        return UpsertReport(inserted, updated, unchanged, older, kept_synced=kept_synced, skipped_invalid=invalid,
                            changed_ids=tuple(winners))

    @staticmethod
    def _versions(conn: sqlite3.Connection, ids: list[str]) -> tuple[dict[str, Version], set[str]]:
        """The cached version of each of ``ids`` there is, and the ids whose cached copy came from the API."""
        current: dict[str, Version] = {}
        synced: set[str] = set()
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for sid, upd, ver, src in conn.execute(
                f"SELECT id, updated_at, state_version, source FROM sessions WHERE id IN ({marks})", chunk
            ):
                current[sid] = (upd, ver)
                if src == API_SOURCE:
                    synced.add(sid)
        return current, synced

    def get(self, session_id: str) -> Session | None:
        """The cached session, parsed again from its stored JSON."""
        data = self.raw(session_id)
        if data is None:
            return None
        from flowdesk.core.models import parse_session

        return parse_session(data, f"cached session {session_id}")

    def raw(self, session_id: str) -> dict | None:
        """The stored JSON, parsed as it was when it was cached (lone surrogates replaced)."""
        row = self._db.connect().execute("SELECT json FROM session_raw WHERE id = ?", (session_id,)).fetchone()
        return None if row is None else parse_stored_json(row[0], f"cached session {session_id}")

    def raw_text(self, session_id: str) -> str | None:
        """The stored JSON text, exactly as it was written."""
        row = self._db.connect().execute("SELECT json FROM session_raw WHERE id = ?", (session_id,)).fetchone()
        return None if row is None else row[0]

    def rows(
        self, *, status: str | Iterable[str] | None = None, limit: int | None = None, offset: int = 0
    ) -> list[SessionRow]:
        """Newest first: by when the work ended, else last update, else creation (undated ones last)."""
        sql = f"SELECT {_COLUMNS} FROM sessions"
        params: list[Any] = []
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            sql += f" WHERE status IN ({','.join('?' * len(statuses))})"
            params += statuses
        sql += " ORDER BY sort_at DESC, id DESC LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
        return _rows(self._db.connect().execute(sql, params))

    def versions(self, *, source: str | None = None) -> dict[str, Version]:
        """Every cached session's (``updated_at``, ``state_version``), or those cached from ``source``
        (e.g. :data:`API_SOURCE`); compare with :func:`is_newer`."""
        sql = "SELECT id, updated_at, state_version FROM sessions"
        params: tuple[str, ...] = ()
        if source is not None:
            sql, params = sql + " WHERE source = ?", (source,)
        return {sid: (upd, ver) for sid, upd, ver in self._db.connect().execute(sql, params)}

    def count(self, *, status: str | None = None) -> int:
        if status is None:
            return int(self._db.connect().execute("SELECT count(*) FROM sessions").fetchone()[0])
        return int(
            self._db.connect().execute("SELECT count(*) FROM sessions WHERE status = ?", (status,)).fetchone()[0]
        )

    # -- sync state ------------------------------------------------------------------------------

    def sync_state(self, scope: str) -> SyncState | None:
        """What the last syncs of ``scope`` (e.g. ``resolutionflow:{url}:{email}``) recorded, or None."""
        row = self._db.connect().execute("SELECT value FROM meta WHERE key = ?", (_SYNC_PREFIX + scope,)).fetchone()
        return None if row is None else _sync_state(scope, row[0])

    def record_sync(
        self, scope: str, *, ok: bool, watermark: datetime | None = None, error: str | None = None,
        now: datetime | None = None,
    ) -> SyncState:
        """Record one sync of ``scope``. A finished one (``ok``) moves the watermark forward (never back)
        and clears the error; a failed one keeps the watermark and records ``error``."""
        now = now or self._clock()
        key = _SYNC_PREFIX + scope
        with self._db.transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            old = _sync_state(scope, row[0]) if row else SyncState(scope)
            if ok:
                mark = old.watermark
                if watermark is not None and (mark is None or watermark > mark):
                    mark = watermark
                new = SyncState(scope, mark, now, now, None)
            else:
                new = SyncState(scope, old.watermark, old.last_success_at, now, error or "failed")
            value = json.dumps(
                {
                    "watermark": format_time(new.watermark),
                    "last_success_at": format_time(new.last_success_at),
                    "last_attempt_at": format_time(new.last_attempt_at),
                    "last_error": new.last_error,
                }
            )
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        return new

    def clear_sync_state(self, scope: str) -> bool:
        """Forget ``scope``'s sync state: its next sync lists everything again."""
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM meta WHERE key = ?", (_SYNC_PREFIX + scope,)).rowcount > 0

    def delete(self, session_id: str) -> bool:
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0


def _sync_state(scope: str, value: str | None) -> SyncState:
    try:
        doc = json.loads(value or "{}")
        if not isinstance(doc, dict):
            raise ValueError("not an object")
        return SyncState(
            scope,
            parse_time(doc.get("watermark")),
            parse_time(doc.get("last_success_at")),
            parse_time(doc.get("last_attempt_at")),
            doc.get("last_error") if isinstance(doc.get("last_error"), str) else None,
        )
    except (ValueError, TypeError):  # an unreadable record only costs a full listing
        return SyncState(scope)
