"""The app's long-lived parts, opened once: folders, settings, the SQLite store, the keyring.

Qt-free, so the window and the command line wire FlowDesk the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from flowdesk.core.settings import Settings, load_settings, save_settings
from flowdesk.credentials import CredentialStore
from flowdesk.paths import AppPaths
from flowdesk.store.db import Database
from flowdesk.store.outbox import Outbox
from flowdesk.store.sessions import SessionCache


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    paths: AppPaths
    settings: Settings
    db: Database
    cache: SessionCache
    outbox: Outbox
    credentials: CredentialStore
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, paths: AppPaths | None = None, *, credentials: CredentialStore | None = None) -> Services:
        paths = (paths or AppPaths.from_env()).ensure()
        loaded = load_settings(paths.settings_file)
        db = Database(paths.database_file)
        return cls(
            paths=paths,
            settings=loaded.settings,
            db=db,
            cache=SessionCache(db, clock=utcnow),
            outbox=Outbox(db, clock=utcnow),
            credentials=credentials or CredentialStore(),
            warnings=list(loaded.warnings),
        )

    def save_settings(self) -> None:
        save_settings(self.settings, self.paths.settings_file)

    def close(self) -> None:
        self.db.close()
