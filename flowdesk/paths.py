"""Where FlowDesk keeps its files.

platformdirs gives the per-OS folders; ``FLOWDESK_HOME`` puts config, data, cache and logs under one
folder instead (tests, portable use, ``flowdesk --demo``). On macOS and Windows config and data share
a folder, so every file has a distinct name and nothing ever wipes a whole folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from flowdesk import APP_NAME

HOME_ENV = "FLOWDESK_HOME"


class _File:
    """A file of one of the folders: ``paths.database_file`` is ``paths.data_dir / "flowdesk.sqlite3"``."""

    def __init__(self, folder: str, name: str) -> None:
        self.folder, self.name = folder, name

    def __get__(self, paths: object, owner: type | None = None) -> Path:
        return Path(getattr(paths, self.folder)) / self.name


class _Folders(NamedTuple):
    config_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path


class AppPaths(_Folders):
    """FlowDesk's four folders (a named tuple: cheaper to define than a frozen dataclass, on the start-up's
    path) and the files in them."""

    __slots__ = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AppPaths:
        env = os.environ if env is None else env
        home = env.get(HOME_ENV)
        if home:
            root = Path(home).expanduser().resolve()
            return cls(root / "config", root / "data", root / "cache", root / "logs")
        from platformdirs import PlatformDirs  # lazy: not needed with FLOWDESK_HOME

        dirs = PlatformDirs(APP_NAME, appauthor=False)
        return cls(
            Path(dirs.user_config_dir),
            Path(dirs.user_data_dir),
            Path(dirs.user_cache_dir),
            Path(dirs.user_log_dir),
        )

    settings_file = _File("config_dir", "settings.json")
    database_file = _File("data_dir", "flowdesk.sqlite3")
    drain_lock_file = _File("data_dir", "drain.lock")
    instance_lock_file = _File("data_dir", "instance.lock")
    log_file = _File("log_dir", "flowdesk.log")  # the window's log
    # The commands' log: apart from the window's, because Windows cannot rotate (rename) a file that
    # another process holds open.
    cli_log_file = _File("log_dir", "flowdesk-cli.log")

    def all_dirs(self) -> tuple[Path, ...]:
        return (self.config_dir, self.data_dir, self.cache_dir, self.log_dir)

    def ensure(self) -> AppPaths:
        for d in self.all_dirs():
            d.mkdir(parents=True, exist_ok=True)
        return self

    def as_dict(self) -> dict[str, str]:
        return {
            "config": str(self.config_dir),
            "data": str(self.data_dir),
            "cache": str(self.cache_dir),
            "logs": str(self.log_dir),
        }
