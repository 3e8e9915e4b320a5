"""FlowDesk's SQLite file: opening it safely, per-thread connections, transactions, migrations.

* WAL, ``synchronous=FULL`` (a commit is on disk before ``COMMIT`` returns), ``foreign_keys=ON`` and a
  busy timeout on every connection. Not ``NORMAL``, the usual desktop choice with WAL: it survives FlowDesk
  crashing, but a power cut or an OS crash may drop the last commits, and a lost ``sending`` mark would
  turn a note that reached ConnectWise back into a pending job, posted again. The price is one fsync per
  commit (about 2 ms on a cloud VM's disk): two per note sent, the floor of a long drain's rate. Connections are per thread (:meth:`Database.connect`), opened in
  autocommit mode; every write goes through :meth:`Database.transaction` (``BEGIN IMMEDIATE``, so two
  writers never both read-then-write the same rows).
* The schema version is ``PRAGMA user_version``; :data:`MIGRATIONS` is the ordered list of changes, each
  applied in its own transaction together with the version bump, so a file is always at one whole
  version. A file from a newer FlowDesk is refused (never "migrated" backwards); a file that is not
  SQLite, is damaged, or is some other program's database is refused with a message naming the file
  and what to do. FlowDesk never deletes or replaces the file on its own.
* Times are stored as UTC ISO-8601 text with a fixed width (``2026-11-18T14:02:11.000000Z``), so text
  order is time order and SQL can compare them.
"""

from __future__ import annotations

import errno
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from flowdesk.core import trouble
from flowdesk.logs import get_logger

log = get_logger("store")

APPLICATION_ID = 0x46444B31  # "FDK1" in the SQLite header: this file is FlowDesk's
DEFAULT_BUSY_TIMEOUT_MS = 10_000

# SQLite primary result codes (exc.sqlite_errorcode & 0xFF)
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26


class StoreError(Exception):
    """Something is wrong with FlowDesk's database. ``str()`` says what and what to do, in plain words."""


class DatabaseUnreadable(StoreError):
    """The file is not a FlowDesk database, or it is damaged. It is left exactly as it is."""


class SchemaTooNew(StoreError):
    """The file was written by a newer FlowDesk."""


class MigrationFailed(StoreError):
    """A schema upgrade failed; the file stays at its previous version."""


def _folder_words(folder: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return trouble.disk_full(folder)
    if exc.errno == errno.EROFS:
        return trouble.read_only(folder)
    if isinstance(exc, PermissionError):
        return trouble.no_permission(folder)
    return trouble.cannot_use(folder, exc.strerror or type(exc).__name__)


# -- time -------------------------------------------------------------------------------------------
def utcnow() -> datetime:
    return datetime.now(UTC)


def format_time(dt: datetime | None) -> str | None:
    """UTC, fixed width, ``Z``: text order is time order. Naive datetimes are refused (inject UTC clocks)."""
    if dt is None:
        return None
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()} given to the store; pass an aware (UTC) time")
    if dt.tzinfo is not UTC:
        dt = dt.astimezone(UTC)
    return dt.isoformat(timespec="microseconds")[:-6] + "Z"  # "+00:00" -> "Z"


def parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text)


def select(conn: sqlite3.Connection, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
    """Run ``sql`` on a cursor whose rows are :class:`sqlite3.Row`: read by column name (``row["state"]``).
    The connection's own rows stay plain tuples."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(sql, params)


# -- migrations -------------------------------------------------------------------------------------
class Migration(NamedTuple):
    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _run(conn: sqlite3.Connection, script: str) -> None:
    """Run ``;``-separated DDL statement by statement (``executescript`` would commit on its own)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _m1_session_cache(conn: sqlite3.Connection) -> None:
    _run(
        conn,
        """
        CREATE TABLE sessions (
            id                       TEXT PRIMARY KEY NOT NULL,
            status                   TEXT,
            session_type             TEXT,
            psa_ticket_id            INTEGER,
            client_name              TEXT,
            summary                  TEXT NOT NULL DEFAULT '',
            created_at               TEXT,
            updated_at               TEXT,
            ended_at                 TEXT,
            sort_at                  TEXT,     -- ended_at, else updated_at, else created_at: list order
            duration_seconds         REAL,
            state_version            INTEGER,
            posted_by_resolutionflow INTEGER NOT NULL DEFAULT 0,
            source                   TEXT NOT NULL,
            cached_at                TEXT NOT NULL
        );
        -- The session exactly as received (JSON text), apart from the listing columns so a list
        -- reads only small rows.
        CREATE TABLE session_raw (
            id   TEXT PRIMARY KEY NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            json TEXT NOT NULL
        );
        CREATE INDEX sessions_newest ON sessions (sort_at DESC, id DESC);
        CREATE INDEX sessions_status_newest ON sessions (status, sort_at DESC, id DESC)
        """,
    )
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _m2_outbox(conn: sqlite3.Connection) -> None:
    _run(
        conn,
        """
        CREATE TABLE push_jobs (
            id               INTEGER PRIMARY KEY,
            client_ref       TEXT NOT NULL UNIQUE,               -- uuid4, FlowDesk's own reference
            session_id       TEXT NOT NULL,
            ticket_id        INTEGER NOT NULL,
            ticket_kind      TEXT NOT NULL CHECK (ticket_kind IN ('service', 'project')),
            kind             TEXT NOT NULL CHECK (kind IN ('note', 'time_entry')),
            parent_id        INTEGER REFERENCES push_jobs(id),   -- a time entry's note job
            site             TEXT NOT NULL,
            body             TEXT NOT NULL,                      -- the exact JSON to send
            visibility       TEXT,
            state            TEXT NOT NULL CHECK (state IN
                               ('pending', 'sending', 'sent', 'retry_wait', 'unknown', 'failed', 'cancelled')),
            attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            next_attempt_at  TEXT,
            last_error       TEXT,
            last_http_status INTEGER,
            last_request_id  TEXT,
            remote_id        INTEGER,
            first_sent_at    TEXT,                               -- when the first POST left
            created_at       TEXT NOT NULL,
            updated_at       TEXT NOT NULL,
            sent_at          TEXT,
            CHECK (kind = 'time_entry' OR parent_id IS NULL),
            CHECK (state <> 'sent' OR remote_id IS NOT NULL)
        );
        CREATE INDEX push_jobs_due ON push_jobs (state, next_attempt_at, id);
        CREATE INDEX push_jobs_session_ticket ON push_jobs (session_id, ticket_id, kind);
        CREATE INDEX push_jobs_parent ON push_jobs (parent_id);
        CREATE TABLE post_log (
            id          INTEGER PRIMARY KEY,
            job_id      INTEGER NOT NULL REFERENCES push_jobs(id) ON DELETE CASCADE,
            at          TEXT NOT NULL,
            outcome     TEXT NOT NULL,
            http_status INTEGER,
            request_id  TEXT,
            error       TEXT,
            duration_ms INTEGER
        );
        CREATE INDEX post_log_job ON post_log (job_id, id);
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY NOT NULL,
            value TEXT
        )
        """,
    )


def _m3_remote_once(conn: sqlite3.Connection) -> None:
    # One ConnectWise record (a note or a time entry, by its id on one site) belongs to at most one push
    # job. The drainer's check of an ``unknown`` job skips records other jobs already own; this index is
    # the backstop, so two jobs can never both be marked sent with the same note.
    _run(
        conn,
        """
        CREATE UNIQUE INDEX push_jobs_remote_once ON push_jobs (site, kind, remote_id)
            WHERE remote_id IS NOT NULL
        """,
    )


def _m4_send_boundary(conn: sqlite3.Connection) -> None:
    # What was on the ticket just before a job's first POST: the highest note / time-entry id there and the
    # server's Date header of that read. The check after a lost answer looks only at records newer than it,
    # so it depends neither on the PC's clock nor on fields a record may lack (project notes have no
    # dateCreated). NULL: not read (an older job, or the read failed): the check falls back to times.
    _run(
        conn,
        """
        ALTER TABLE push_jobs ADD COLUMN seen_before_id INTEGER;
        ALTER TABLE push_jobs ADD COLUMN server_date_before TEXT
        """,
    )


def _m5_drafts(conn: sqlite3.Connection) -> None:
    # The engineer's edits to a session's note, kept as they type (flowdesk.store.drafts): never sent anywhere.
    _run(
        conn,
        """
        CREATE TABLE drafts (
            session_id    TEXT PRIMARY KEY NOT NULL,
            text          TEXT NOT NULL,
            note_format   TEXT,
            include_steps INTEGER,
            visibility    TEXT,
            updated_at    TEXT NOT NULL
        )
        """,
    )


# The two CHECKs of push_jobs (migration 2) that migration 6 widens, as written there and as they become.
_KIND_CHECKS = (
    ("CHECK (kind IN ('note', 'time_entry'))", "CHECK (kind IN ('note', 'time_entry', 'status'))"),
    ("CHECK (kind = 'time_entry' OR parent_id IS NULL)", "CHECK (kind <> 'note' OR parent_id IS NULL)"),
)


def _m6_status_jobs(conn: sqlite3.Connection) -> None:
    # A third job kind, ``status``: a ticket's status change queued after its note (``parent_id``), its
    # remote_id the status id it set (many tickets share one, so the one-record-per-job index skips it).
    # The two CHECKs only get wider (every stored row still meets them), which SQLite's documentation
    # allows by editing the table's stored CREATE statement (sqlite.org/lang_altertable.html, "Making Other
    # Kinds Of Table Schema Changes"), instead of copying the table (which would cascade to post_log).
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'push_jobs'").fetchone()[0]
    for old, new in _KIND_CHECKS:
        if old not in sql:
            raise sqlite3.OperationalError(f"push_jobs has no {old}")
        sql = sql.replace(old, new)
    version = int(conn.execute("PRAGMA schema_version").fetchone()[0])
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'push_jobs'", (sql,))
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")
    _run(
        conn,
        """
        DROP INDEX push_jobs_remote_once;
        CREATE UNIQUE INDEX push_jobs_remote_once ON push_jobs (site, kind, remote_id)
            WHERE remote_id IS NOT NULL AND kind <> 'status'
        """,
    )
    problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise sqlite3.DatabaseError("; ".join(problems[:3]))


def _m7_send_if_absent(conn: sqlite3.Connection) -> None:
    # Retry on a push that may be on its ticket (``unknown``): it is checked first and, if the check finds it
    # absent, sent at once. The request is kept here, not in the app's memory, so that the drainer honours it
    # whoever drains (the window, ``flowdesk queue drain``) and a check that cannot look yet keeps it.
    _run(conn, "ALTER TABLE push_jobs ADD COLUMN send_if_absent INTEGER NOT NULL DEFAULT 0")


def _m8_draft_choices(conn: sqlite3.Connection) -> None:
    # A draft keeps the engineer's push choices too (the ticket typed, the time entry, the status to set), as
    # JSON in ``choices``; ``text`` becomes NULL for a draft of choices alone (the note as generated). SQLite
    # cannot drop a NOT NULL in place: the table (no index, no foreign key) is copied.
    _run(
        conn,
        """
        CREATE TABLE drafts_new (
            session_id    TEXT PRIMARY KEY NOT NULL,
            text          TEXT,
            note_format   TEXT,
            include_steps INTEGER,
            visibility    TEXT,
            choices       TEXT,
            updated_at    TEXT NOT NULL
        );
        INSERT INTO drafts_new (session_id, text, note_format, include_steps, visibility, updated_at)
            SELECT session_id, text, note_format, include_steps, visibility, updated_at FROM drafts;
        DROP TABLE drafts;
        ALTER TABLE drafts_new RENAME TO drafts
        """,
    )


def _m9_member(conn: sqlite3.Connection) -> None:
    # Whose ConnectWise keys queued a push (the member identifier): the drainer never sends it with another
    # member's keys (ConnectWise would record it as theirs), and a check looks for that member's notes. NULL
    # for pushes queued before: not known, taken as the member whose keys are saved.
    _run(conn, "ALTER TABLE push_jobs ADD COLUMN member TEXT")


def _m10_member_name(conn: sqlite3.Connection) -> None:
    # That member's name as the saved account knew it when the push was queued: what the words the engineer
    # reads call them (a pause for pushes of another member). NULL: not known, their identifier is used.
    _run(conn, "ALTER TABLE push_jobs ADD COLUMN member_name TEXT")


def _m11_check_client(conn: sqlite3.Connection) -> None:
    # A note queued before its ticket's company was checked (ConnectWise unreachable at Push, auto-push): the
    # session's client, which the ticket's company must be before the note is sent. NULL: checked when queued.
    _run(conn, "ALTER TABLE push_jobs ADD COLUMN check_client TEXT")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "session cache", _m1_session_cache),
    Migration(2, "outbox: push jobs, post log, queue state", _m2_outbox),
    Migration(3, "outbox: a ConnectWise record belongs to one push job", _m3_remote_once),
    Migration(4, "outbox: what was on the ticket before the first send", _m4_send_boundary),
    Migration(5, "drafts: the engineer's edits to a note", _m5_drafts),
    Migration(6, "outbox: ticket status changes", _m6_status_jobs),
    Migration(7, "outbox: send a retried push once its check finds it absent", _m7_send_if_absent),
    Migration(8, "drafts: the push choices, and drafts of choices alone", _m8_draft_choices),
    Migration(9, "outbox: the member whose keys queued each push", _m9_member),
    Migration(10, "outbox: the name of that member", _m10_member_name),
    Migration(11, "outbox: the client a ticket's company is checked against before sending", _m11_check_client),
)
SCHEMA_VERSION = len(MIGRATIONS)


# -- the database -----------------------------------------------------------------------------------
def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _move_aside_hint(path: Path) -> str:
    return (
        f"Quit FlowDesk, move the file aside (for example rename it to {path.name}.broken) and start "
        "FlowDesk again to begin with an empty queue and session cache; keep the old file if you need "
        "what was queued in it."
    )


def damaged(path: Path, why: str) -> DatabaseUnreadable:
    return DatabaseUnreadable(
        f"FlowDesk's database {path} is damaged or is not a database ({why}). "
        f"FlowDesk did not change it. {_move_aside_hint(path)}"
    )


def explain(path: Path, exc: sqlite3.Error) -> StoreError:
    """SQLite's error on FlowDesk's database at ``path`` in words naming the file and what to do: when it is
    opened, in a transaction, or in a read that finds a damaged page long after the file was opened."""
    code = _code(exc)
    if code in (_SQLITE_NOTADB, _SQLITE_CORRUPT):
        return damaged(path, str(exc))
    if code == _SQLITE_FULL:
        return StoreError(trouble.disk_full(path))
    if code in (_SQLITE_READONLY, _SQLITE_PERM):
        return StoreError(trouble.read_only(path))
    if code == _SQLITE_IOERR:
        return StoreError(trouble.cannot_use(path, str(exc)))
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StoreError(
            f"FlowDesk's database {path} is locked by another program ({exc}): close what has it open (a "
            "database browser, a backup or sync tool) and try again. Nothing was changed."
        )
    if code == _SQLITE_CANTOPEN:
        return StoreError(
            f"FlowDesk cannot open its database {path} ({exc}). Check that the folder exists, "
            "that you may write to it and that the disk is not full."
        )
    return StoreError(f"FlowDesk's database {path} failed: {exc}.")


def trouble_words(exc: BaseException, path: Path) -> str | None:
    """What to tell a person about an error from FlowDesk's database at ``path`` that no caller turned into
    words (a read meeting a damaged page, a lock); None when ``exc`` is not the database's."""
    if isinstance(exc, StoreError):
        return str(exc)
    if isinstance(exc, sqlite3.Error):
        return str(explain(path, exc))
    return None


class Database:
    """One SQLite file. ``connect()`` gives the calling thread its own connection."""

    def __init__(
        self,
        path: Path | str,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._migrations = tuple(migrations)
        for i, m in enumerate(self._migrations, start=1):
            if m.version != i:
                raise ValueError(f"migration {m.description!r} has version {m.version}, expected {i}")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(_folder_words(self.path.parent, exc)) from None
        try:
            self._migrate(self.connect())
        except BaseException:
            self.close()
            raise

    @property
    def target_version(self) -> int:
        return len(self._migrations)

    # -- connections --------------------------------------------------------------------------------
    def connect(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self._closed:
            raise StoreError(f"the database {self.path} is closed")
        conn = self._open()
        self._local.conn = conn
        self._local.depth = 0
        with self._lock:
            self._connections.append(conn)
        return conn

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                str(self.path),
                timeout=self.busy_timeout_ms / 1000,
                isolation_level=None,  # autocommit; transactions are explicit
                check_same_thread=False,  # only so close() may close every thread's connection
            )
        except sqlite3.Error as exc:
            raise self._explain(exc) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("SQLite kept journal mode %s for %s (WAL unavailable here)", mode, self.path)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            if sys.platform == "darwin":
                # macOS's fsync leaves the data in the drive's cache, where power loss can drop it: without
                # these SQLite syncs with plain fsync there, and a "sent" mark could vanish (SQLite docs).
                conn.execute("PRAGMA fullfsync = ON")
                conn.execute("PRAGMA checkpoint_fullfsync = ON")
        except sqlite3.Error as exc:
            conn.close()
            raise self._explain(exc) from exc
        return conn

    def _explain(self, exc: sqlite3.Error) -> StoreError:
        return explain(self.path, exc)

    def close(self) -> None:
        """Close every connection (at shutdown, when no other thread is using the database)."""
        with self._lock:
            self._closed = True
            conns, self._connections = self._connections, []
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:  # pragma: no cover - closing never matters more than the caller's error
                log.debug("closing a connection to %s failed", self.path, exc_info=True)
        self._local = threading.local()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on any exception). Committed, and with
        ``synchronous=FULL`` on disk, when the ``with`` block ends. A nested call joins the outer one."""
        conn = self.connect()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield conn
            finally:
                self._local.depth -= 1
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._explain(exc) from exc
        self._local.depth = 1
        try:
            yield conn
        except sqlite3.Error as exc:  # a full disk, a read-only file: the words and what to do
            self._local.depth = 0
            self._rollback(conn)
            raise self._explain(exc) from exc
        except BaseException:
            self._local.depth = 0
            self._rollback(conn)
            raise
        self._local.depth = 0
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback(conn)
            raise self._explain(exc) from exc

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        """Undo the open transaction; a rollback that fails too (the disk went away) leaves it to SQLite,
        which undoes it from the journal when the file is next opened."""
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                log.warning("rolling back a transaction failed; SQLite undoes it when the file is next opened")

    # -- schema ---------------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return int(self.connect().execute("PRAGMA user_version").fetchone()[0])

    def _check_identity(self, conn: sqlite3.Connection, version: int) -> None:
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        if app_id not in (0, APPLICATION_ID):
            raise DatabaseUnreadable(
                f"{self.path} is another program's SQLite database (application id {app_id:#x}), not "
                f"FlowDesk's. FlowDesk did not change it. {_move_aside_hint(self.path)}"
            )
        if version == 0:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            if tables:
                raise DatabaseUnreadable(
                    f"{self.path} is a SQLite database FlowDesk did not create (it has tables "
                    f"{', '.join(sorted(tables)[:5])}). FlowDesk did not change it. {_move_aside_hint(self.path)}"
                )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        target = self.target_version
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            self._check_identity(conn, version)
        except sqlite3.Error as exc:
            raise self._explain(exc) from exc
        if version > target:
            raise SchemaTooNew(
                f"{self.path} was written by a newer FlowDesk (database version {version}; this FlowDesk "
                f"knows up to version {target}). Update FlowDesk to use it. The file was not changed."
            )
        for m in self._migrations[version:]:
            with self.transaction():
                current = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if current >= m.version:  # another process got there first
                    continue
                try:
                    m.apply(conn)
                    conn.execute(f"PRAGMA user_version = {m.version}")
                except sqlite3.Error as exc:
                    raise MigrationFailed(
                        f"Upgrading FlowDesk's database {self.path} to version {m.version} "
                        f"({m.description}) failed: {exc}. The file was left at version {current}; "
                        "FlowDesk cannot start with it until this is fixed."
                    ) from exc
            log.info("database %s migrated to version %d (%s)", self.path, m.version, m.description)

    def check(self) -> list[str]:
        """``PRAGMA quick_check``: an empty list when the file is sound, else SQLite's findings."""
        rows = [r[0] for r in self.connect().execute("PRAGMA quick_check")]
        return [] if rows == ["ok"] else rows
