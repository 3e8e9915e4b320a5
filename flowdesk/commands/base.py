"""What every command shares: exit codes, one-line errors, the app's folders and settings, and the
console streams made the same on every platform:

* stdout and stderr write UTF-8 with ``\n`` line ends, whatever the console, pipe or file (Windows gives a
  redirected stream the ANSI code page, ``errors=strict`` and ``\r\n`` translation), stderr never fails on a
  character (``backslashreplace``);
* stdin is read as bytes and decoded as UTF-8, a byte-order mark dropped (Windows PowerShell 5.1 pipes one);
* without stdout/stderr at all (the windowed ``FlowDesk.exe``), what a command prints goes to the log and
  the log says to use ``flowdesk-cli.exe``; nothing raises.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import logging
import sys
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NoReturn

from flowdesk.core import present
from flowdesk.core.settings import LoadResult, Settings, load_settings
from flowdesk.core.terminal import printable
from flowdesk.paths import AppPaths

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


class CommandError(Exception):
    """Ends a command with a one-line message on stderr and the given exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


def environment_words(exc: OSError) -> str | None:
    """A file-system error as one line naming the file or folder and the fix; None for other OSErrors."""
    where = exc.filename if exc.filename is not None else "FlowDesk's data folder"
    if exc.errno == errno.ENOSPC or getattr(exc, "winerror", None) == 112:
        return present.disk_full(where)
    if exc.errno == errno.EROFS:
        return present.read_only(where)
    if isinstance(exc, PermissionError):
        return present.no_permission(where)
    if exc.filename is not None:
        return present.cannot_use(where, exc.strerror or type(exc).__name__)
    return None


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


WINDOWED_COMMAND = (
    "FlowDesk.exe is the window and has no console: what this command printed is in this log. "
    "Run commands with flowdesk-cli.exe to see their output."
)


def utf8_stdout() -> None:
    """Notes carry box-drawing characters and the engineer's unicode; never let a C locale or a Windows code
    page mangle them, nor Windows' text mode turn ``\n`` into ``\r\n`` (``redact`` keeps the input's own line
    ends; ``render`` prints what Linux prints, byte for byte). Idempotent; called first thing in ``main``."""
    for stream, errors in ((sys.stdout, "replace"), (sys.stderr, "backslashreplace")):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        # a stream that cannot change (already read from, closed) stays as it is
        with contextlib.suppress(ValueError, OSError, io.UnsupportedOperation):
            reconfigure(encoding="utf-8", errors=errors, newline="\n")


def write_exact(text: str) -> None:
    """Write ``text`` to stdout as UTF-8 bytes exactly as given: no code page, no ``\n`` → ``\r\n`` (a note's
    own ``\r\n`` would become ``\r\r\n`` in Windows' text mode). On a terminal, control characters and bidi
    overrides from the session are shown as escapes (:func:`~flowdesk.core.terminal.printable`); a pipe or a
    file gets the exact text."""
    out = sys.stdout
    with contextlib.suppress(AttributeError, ValueError, OSError):
        if out.isatty():
            text = printable(text, lines=True)
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(text)
    else:
        out.flush()
        buffer.write(text.encode("utf-8", "replace"))
        buffer.flush()


class _LogStream(io.TextIOBase):
    """Stands in for a missing stdout/stderr: each line written becomes one log record (cli logger)."""

    _busy = threading.local()

    def __init__(self, name: str, level: int) -> None:
        super().__init__()
        self.name = name
        self._level = level
        self._partial = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if getattr(self._busy, "on", False):
            return len(text)  # something inside logging printed: do not loop
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        self._busy.on = True
        try:
            log = logging.getLogger("flowdesk.cli")
            for line in lines:
                if line.strip():
                    log.log(self._level, "(%s) %s", self.name, line)
        finally:
            self._busy.on = False
        return len(text)


def prepare_stdio() -> bool:
    """Make stdout/stderr usable before anything is printed (argparse's help and errors included): UTF-8,
    ``\n``, and a stand-in writing to the log where the process has no stream (the windowed exe, started
    without a console). True when a stream was missing."""
    missing = sys.stdout is None or sys.stderr is None
    if sys.stdout is None:
        sys.stdout = _LogStream("stdout", logging.INFO)
    if sys.stderr is None:
        sys.stderr = _LogStream("stderr", logging.WARNING)
    utf8_stdout()
    return missing


def read_stdin_text(what: str, prompt: str) -> str:
    """All of stdin as text: bytes decoded as UTF-8 (a byte-order mark dropped), else in the stream's own
    encoding when that is a legacy code page. Typed at a terminal: a hidden ``prompt``."""
    stream = sys.stdin
    if stream is None or stream.closed:
        bad_input(f"no stdin to read the {what} from")
    if stream.isatty():
        import getpass

        return getpass.getpass(prompt)
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text stream with no bytes underneath (tests, embedding)
        return str(stream.read()).removeprefix("\ufeff")
    data = buffer.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    legacy = (getattr(stream, "encoding", None) or "").lower()
    if legacy and legacy.replace("-", "").replace("_", "") not in ("utf8", "utf8sig"):
        try:
            return data.decode(legacy)
        except (UnicodeDecodeError, LookupError):
            pass
    bad_input(f"the {what} on stdin is not UTF-8 text")
