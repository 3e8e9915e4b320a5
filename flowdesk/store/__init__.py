"""FlowDesk's SQLite store: the database file (``db``), the session cache (``sessions``) and the outbox
(``outbox``)."""

from flowdesk.store.db import (
    SCHEMA_VERSION,
    Database,
    DatabaseUnreadable,
    MigrationFailed,
    SchemaTooNew,
    StoreError,
)
from flowdesk.store.outbox import (
    ActionRefused,
    Attempt,
    DuplicatePush,
    InvalidTransition,
    JobNotFound,
    NewJob,
    Outbox,
    OutboxError,
    PushJob,
    QueuePaused,
    StateConflict,
)
from flowdesk.store.sessions import SessionCache, SessionRow, SyncState, UpsertReport

__all__ = [
    "SCHEMA_VERSION",
    "ActionRefused",
    "Attempt",
    "Database",
    "DatabaseUnreadable",
    "DuplicatePush",
    "InvalidTransition",
    "JobNotFound",
    "MigrationFailed",
    "NewJob",
    "Outbox",
    "OutboxError",
    "PushJob",
    "QueuePaused",
    "SchemaTooNew",
    "SessionCache",
    "SessionRow",
    "StateConflict",
    "StoreError",
    "SyncState",
    "UpsertReport",
]
