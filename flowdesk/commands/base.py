"""What every command shares: exit codes, one-line errors, the app's folders and settings."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NoReturn

from flowdesk.core.settings import LoadResult, Settings, load_settings
from flowdesk.paths import AppPaths

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


class CommandError(Exception):
    """Ends a command with a one-line message on stderr and the given exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


def bad_input(message: str) -> NoReturn:
    raise CommandError(message, EXIT_BAD_INPUT)


@dataclass
class Context:
    verbose: bool = False
    _paths: AppPaths | None = field(default=None, repr=False)

    @cached_property
    def paths(self) -> AppPaths:
        return self._paths or AppPaths.from_env()

    @cached_property
    def settings_load(self) -> LoadResult:
        result = load_settings(self.paths.settings_file)
        for w in result.warnings:
            print(f"flowdesk: warning: {w}", file=sys.stderr)
        return result

    @property
    def settings(self) -> Settings:
        return self.settings_load.settings


def print_json(obj: Any, *, stream: Any = None) -> None:
    out = stream or sys.stdout
    out.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    out.flush()


def utf8_stdout() -> None:
    """Notes carry box-drawing characters and the engineer's unicode; never let a C locale mangle them."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="strict")
