"""The app's long-lived parts, opened once: folders, settings, the SQLite store, the keyring.

Qt-free, so the window and the command line wire FlowDesk the same way.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flowdesk.credentials import CredentialStore
from flowdesk.paths import AppPaths
from flowdesk.store.db import Database
from flowdesk.store.outbox import Outbox
from flowdesk.store.sessions import SessionCache

if TYPE_CHECKING:
    from flowdesk.core.settings import Settings


def utcnow() -> datetime:
    return datetime.now(UTC)


class Services:
    """``settings`` are read and validated on first use, not when the services open: the window's first
    paint needs none of them (the settings' models load pydantic, a third of a bare window's start-up)."""

    def __init__(
        self, paths: AppPaths, db: Database, cache: SessionCache, outbox: Outbox, credentials: CredentialStore
    ) -> None:
        self.paths = paths
        self.db = db
        self.cache = cache
        self.outbox = outbox
        self.credentials = credentials
        self._settings: Settings | None = None
        self._warnings: list[str] = []
        # one reading of the file, whichever thread asks first (the window reads it on the GUI thread just after
        # its first paint, before any worker starts; the proxy setting is read on workers)
        self._settings_lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            with self._settings_lock:
                if self._settings is None:
                    from flowdesk.core.settings import load_settings  # lazy: pydantic

                    loaded = load_settings(self.paths.settings_file)
                    self._settings, self._warnings = loaded.settings, list(loaded.warnings)
        return self._settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = value

    def flag(self, name: str) -> bool:
        """An on/off setting; before the settings are read, from the file as plain JSON (the window's start-up
        needs one or two before its first paint, and none of pydantic)."""
        if self._settings is not None:
            return bool(getattr(self._settings, name))
        from flowdesk.core.setting_choices import peek_flag

        return peek_flag(self.paths.settings_file, name)

    @property
    def warnings(self) -> list[str]:
        """What was wrong with the settings file (read now if it was not yet), one line each."""
        _ = self.settings
        return self._warnings

    @classmethod
    def open(cls, paths: AppPaths | None = None, *, credentials: CredentialStore | None = None) -> Services:
        paths = (paths or AppPaths.from_env()).ensure()
        db = Database(paths.database_file)
        return cls(
            paths=paths,
            db=db,
            cache=SessionCache(db, clock=utcnow),
            outbox=Outbox(db, clock=utcnow),
            credentials=credentials or CredentialStore(),
        )

    def save_settings(self) -> None:
        from flowdesk.core.settings import save_settings

        save_settings(self.settings, self.paths.settings_file)

    def close(self) -> None:
        self.db.close()
