"""FlowDesk's SQLite store: the database file (``db``), the session cache (``sessions``) and the outbox
(``outbox``, its records in ``jobs`` and its refusals in ``outbox_errors``)."""

from flowdesk.store.db import (
    SCHEMA_VERSION,
    Database,
    DatabaseUnreadable,
    MigrationFailed,
    SchemaTooNew,
    StoreError,
)
from flowdesk.store.jobs import Attempt, NewJob, PushJob
from flowdesk.store.outbox import Outbox
from flowdesk.store.outbox_errors import (
    ActionRefused,
    DuplicatePush,
    InvalidTransition,
    JobNotFound,
    OutboxError,
    QueuePaused,
    StateConflict,
)
from flowdesk.store.pause import MemberPause, PauseState
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
    "MemberPause",
    "MigrationFailed",
    "NewJob",
    "Outbox",
    "OutboxError",
    "PauseState",
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
