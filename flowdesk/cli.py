"""The ``flowdesk`` command: the window by default, subcommands for everything else.

Exit codes: 0 ok, 1 failure, 2 bad input.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flowdesk import __version__
from flowdesk.commands import COMMAND_MODULES
from flowdesk.commands.base import EXIT_FAILURE, CommandError, Context, environment_words
from flowdesk.commands.console import WINDOWED_COMMAND, prepare_stdio
from flowdesk.core import trouble
from flowdesk.core.terminal import printable
from flowdesk.gui import run_gui
from flowdesk.logs import get_logger, install_excepthook, setup_logging


def opens_the_window(argv: Sequence[str]) -> bool:
    """No command and no ``--help``: the window (or ``--self-check``/``--version``). Every top-level option
    is a flag, so any other word names a command."""
    return all(a.startswith("-") and a not in ("-h", "--help") for a in argv)


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The command line; ``commands=False`` leaves the command modules unimported (they import the
    redaction tables, the push code...): the window's start-up needs none of them before its first paint."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log to the console as well")

    parser = argparse.ArgumentParser(
        prog="flowdesk",
        description="FlowDesk: review FlowPilot sessions as ConnectWise notes and post them with your own keys. "
        "Without a command, opens the window.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"FlowDesk {__version__}")
    parser.add_argument("--demo", action="store_true", help="open the window against a built-in sandbox with sample sessions")
    parser.add_argument("--tray", action="store_true",
                        help="start in the tray, the window closed (as FlowDesk does when it starts at sign-in)")
    parser.add_argument("--self-check", action="store_true", help="print what FlowDesk finds (Qt, keyring, folders) as JSON and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if commands else ():
        importlib.import_module(name).register(sub, common)
    return parser


def no_arguments() -> argparse.Namespace:
    """What the command line gives without any argument (``build_parser().parse_args([])``): the window."""
    return argparse.Namespace(demo=False, tray=False, self_check=False, command=None)


def main(argv: Sequence[str] | None = None) -> int:
    windowed = prepare_stdio()  # first: argparse's help and errors print "→" and the user's paths
    argv = list(sys.argv[1:] if argv is None else argv)
    # Without arguments (as a desktop launcher starts it) there is nothing to parse: building the parser
    # was ~4 ms of the window's start-up (gettext's look-ups for its words, locale, argparse's regexes)
    args = build_parser(commands=not opens_the_window(argv)).parse_args(argv) if argv else no_arguments()
    ctx = Context(verbose=getattr(args, "verbose", False))
    command = getattr(args, "func", None) is not None or args.self_check
    if command:
        gc.enable()  # paused by __main__ for the window's start-up only (flowdesk.ui.app resumes it)
    log_file: Path | None = None
    log_problem: str | None = None
    try:
        install_excepthook()
        # the window and the commands log to files of their own: Windows cannot rotate a file another process holds
        log_file = ctx.paths.cli_log_file if command else ctx.paths.log_file
        try:
            # the window's log rotates once the window is painted (logs.rotate_log): logging.handlers loads then
            setup_logging(log_file, verbose=ctx.verbose, rotate=command)
        except OSError as exc:  # a read-only home must not stop `render` or `redact`
            setup_logging(None, verbose=ctx.verbose)
            log_file, log_problem = None, trouble.logging_off(exc.strerror or type(exc).__name__)
        if windowed and command:
            get_logger("cli").warning(WINDOWED_COMMAND)
        code = _run(args, ctx)
    except CommandError as exc:
        _say(str(exc))
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_FAILURE
    except Exception as exc:  # the last resort: one line, the traceback (masked) in the log only
        _say(last_resort(exc, log_file))
        return EXIT_FAILURE
    if log_problem:  # said once, after the command's own output; not when an error line was said instead
        _say(f"warning: {log_problem}")
    return code


def _run(args: argparse.Namespace, ctx: Context) -> int:
    from flowdesk import network  # the proxy setting and its keyring entry, read when a client is built

    network.use_settings(lambda: ctx.settings.proxy, _credential_store)
    try:
        if getattr(args, "func", None) is not None:
            return int(args.func(args, ctx) or 0)
        if args.self_check:
            # lazy: ssl, sqlite3 and the resources, for --self-check only
            from flowdesk.selfcheck import run_self_check

            return run_self_check(ctx)
        return run_gui(ctx, demo=args.demo, tray=args.tray)
    finally:
        network.use_settings(None)


def _say(line: str) -> None:
    """One line on stderr: the message with anything a terminal would act on shown as an escape."""
    err = sys.stderr
    if err is None:
        return
    try:
        err.write(f"flowdesk: {printable(line)}\n")
        err.flush()
    except (OSError, ValueError):
        pass


def last_resort(exc: BaseException, log_file: Path | None) -> str:
    """The line for an error no command turned into words: a broken environment (a full disk, a read-only
    or forbidden folder) named with its fix, else "unexpected" with the log file, which holds the masked
    traceback."""
    import sqlite3  # lazy: not every command opens the database

    from flowdesk.paths import AppPaths
    from flowdesk.store.db import trouble_words

    if isinstance(exc, sqlite3.Error):  # a read that met a damaged page, a lock: named with the file and the fix
        get_logger("cli").error("database error", exc_info=(type(exc), exc, exc.__traceback__))
    if (words := trouble_words(exc, AppPaths.from_env().database_file)) is not None:
        return words
    if isinstance(exc, OSError) and environment_words(exc):
        return environment_words(exc) or ""
    if isinstance(exc, RecursionError | MemoryError):
        what = "nested too deeply" if isinstance(exc, RecursionError) else "too large"
        get_logger("cli").error("a command's input was %s", what, exc_info=(type(exc), exc, exc.__traceback__))
        return trouble.too_much_input(what, log_file)  # it said "Unexpected error (…); … Please report it."
    get_logger("cli").critical("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    return trouble.unexpected(type(exc).__name__, log_file)


def _credential_store() -> Any:
    from flowdesk.credentials import CredentialStore

    return CredentialStore()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
