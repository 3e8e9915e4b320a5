"""What every command shares: exit codes, one-line errors, the app's folders and settings. The console
streams are :mod:`flowdesk.commands.console`'s."""

from __future__ import annotations

import argparse
import errno
import sys
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from flowdesk.core import trouble
from flowdesk.paths import AppPaths

if TYPE_CHECKING:
    from flowdesk.core.settings import LoadResult, Settings

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
# what every command that talks to ConnectWise says before an account is saved
NO_ACCOUNT = "No ConnectWise account yet: run `flowdesk connect …` or open Settings"


class CommandError(Exception):
    """Ends a command with a one-line message on stderr and the given exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


def environment_words(exc: OSError) -> str | None:
    """A file-system error as one line naming the file or folder and the fix; None for other OSErrors."""
    where = exc.filename if exc.filename is not None else "FlowDesk's data folder"
    if exc.errno == errno.ENOSPC or getattr(exc, "winerror", None) == 112:
        return trouble.disk_full(where)
    if exc.errno == errno.EROFS:
        return trouble.read_only(where)
    if isinstance(exc, PermissionError):
        return trouble.no_permission(where)
    if exc.filename is not None:
        return trouble.cannot_use(where, exc.strerror or type(exc).__name__)
    return None


def bad_input(message: str) -> NoReturn:
    raise CommandError(message, EXIT_BAD_INPUT)


class Context:
    """What a command runs with: whether to log to the console too, the app's folders and its settings (both
    read when first asked)."""

    def __init__(self, verbose: bool = False, _paths: AppPaths | None = None) -> None:
        self.verbose = verbose
        self._paths = _paths

    @cached_property
    def paths(self) -> AppPaths:
        return self._paths or AppPaths.from_env()

    @cached_property
    def settings_load(self) -> LoadResult:
        # lazy: pydantic, not before the window's first paint
        from flowdesk.core.settings import load_settings

        result = load_settings(self.paths.settings_file)
        for w in result.warnings:
            print(f"flowdesk: warning: {w}", file=sys.stderr)
        return result

    @property
    def settings(self) -> Settings:
        return self.settings_load.settings


def add_command(
    sub: argparse._SubParsersAction, common: argparse.ArgumentParser, name: str, func: Any, **kwargs: Any
) -> argparse.ArgumentParser:
    """One command (or action) of the command line: its parser, taking the options every command takes
    (``common``), run by ``func(args, ctx)`` (None for a command made of actions). Its ``--help`` describes
    it with ``func``'s docstring unless a ``description`` is given."""
    if func is not None and func.__doc__ and "description" not in kwargs:
        kwargs["description"] = " ".join(func.__doc__.split())
    parser: argparse.ArgumentParser = sub.add_parser(name, parents=[common], **kwargs)
    if func is not None:
        parser.set_defaults(func=func)
    return parser


def json_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--json``: the command's result as JSON on stdout (exact, never escaped for a terminal)."""
    parser.add_argument("--json", action="store_true", help=help)


def ca_file_path(path: Path | None) -> str | None:
    """``--ca-file``: the PEM file's absolute path (None when not given); a file that is not there is bad input."""
    if path is None:
        return None
    from flowdesk.core import userfile  # lazy: json and re, for the commands that take a CA file

    path = path.expanduser().resolve()
    try:
        if not path.is_file():
            bad_input(f"--ca-file {path}: no such file")
    except OSError as exc:  # behind a folder you may not open: Python 3.11's is_file raises
        bad_input(f"--ca-file {path}: {userfile.why_unreadable(exc)}")
    return str(path)


def tell_the_window(paths: AppPaths, *, account: bool = False) -> bool:
    """A FlowDesk window running on this data folder holds the queue's drain lock, so a command that queued,
    retried, resumed, paused or cancelled a push cannot send it: tell the window, which shows the change and
    sends what is due now. ``account``: ``connect`` saved an account, which the window reads again (it would
    send with the keys it holds). Nothing happens (and QtNetwork is not loaded) when no window runs."""
    import contextlib

    with contextlib.suppress(Exception):  # a window that cannot be told sends it at its next drain all the same
        # lazy: Qt, only when a window runs
        from flowdesk.ui.single_instance import ACCOUNT_CHANGED, QUEUE_CHANGED, tell_window_queue_changed

        message = ACCOUNT_CHANGED if account else QUEUE_CHANGED
        return tell_window_queue_changed(paths.data_dir, paths.instance_lock_file, message)
    return False
