"""Logging: one named logger per area, a rotating file, and a filter that masks secrets.

One log file per kind of process (``flowdesk.log`` for the window, ``flowdesk-cli.log`` for commands):
Windows cannot rename a file another process holds open, so a window and a command sharing one file
would each fail to rotate it. Rotation that still fails (a second command, an indexer, antivirus), a full
disk or a folder that cannot be written is said ONCE, on stderr when there is one; logging goes on to the
same file where it can and never prints Python's "--- Logging error ---" traceback per record.

Every handler FlowDesk installs carries :class:`SecretMaskingFilter`, which masks Authorization
headers, key/password/token assignments, bearer tokens and JWTs, plus any exact secret registered with
:func:`register_secret` (the credential store registers every key it loads, so a private key is masked
even where no pattern would recognise it: an exception text, a repr, a URL).
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

AREAS = (
    "cli",
    "core",
    "connectwise",
    "resolutionflow",
    "store",
    "outbox",
    "credentials",
    "sandbox",
    "ui",
)

MASK = "********"

_registered: set[str] = set()
_registered_lock = threading.Lock()
_registered_re: re.Pattern[str] | None = None

# Patterns for secrets that have a recognisable shape wherever they appear.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Basic abc / Bearer abc (header dumps, curl lines, reprs of header dicts)
    (
        re.compile(r"(?i)(\b(?:proxy-)?authorization['\"]?\s*[:=,]\s*['\"]?\s*(?:basic|bearer|token)?\s*)[^\s'\",}]+"),
        r"\1" + MASK,
    ),
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1\2" + MASK),
    # key = value / "key": "value" for names that hold secrets
    (
        re.compile(
            r"(?i)(\b[\w-]*(?:private[_-]?key|privatekey|secret|password|passwd|pwd|passphrase|"
            r"access[_-]?token|refresh[_-]?token|api[_-]?key|client[_-]?secret)['\"]?\s*[:=]\s*['\"]?)"
            r"[^\s'\",}&]+"
        ),
        r"\1" + MASK,
    ),
    # JWTs
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"), MASK),
    # company+public:private as it is base64'ed for Basic auth
    (re.compile(r"\b([\w.-]+\+[A-Za-z0-9]{8,}):[A-Za-z0-9]{8,}\b"), r"\1:" + MASK),
)


def register_secret(secret: str | None) -> None:
    """Mask this exact string in every log record from now on (empty and very short values ignored)."""
    global _registered_re
    if not secret or len(secret) < 4:
        return
    with _registered_lock:
        if secret in _registered:
            return
        _registered.add(secret)
        ordered = sorted(_registered, key=len, reverse=True)
        _registered_re = re.compile("|".join(re.escape(s) for s in ordered))


def forget_secrets() -> None:
    """Drop every registered secret (tests)."""
    global _registered_re
    with _registered_lock:
        _registered.clear()
        _registered_re = None


def mask_secrets(text: str) -> str:
    """Return ``text`` with every known secret shape and registered secret masked."""
    if not text:
        return text
    pattern = _registered_re
    if pattern is not None:
        text = pattern.sub(MASK, text)
    for rx, repl in _PATTERNS:
        text = rx.sub(repl, text)
    return text


class SecretMaskingFilter(logging.Filter):
    """Masks the rendered message, the exception text and the stack of every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the record, nor leak its args
            message = str(record.msg)
        record.msg = mask_secrets(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_secrets(record.stack_info)
        return True


FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"

_installed: list[logging.Handler] = []


_SOURCE_FILTER = SecretMaskingFilter()


def get_logger(area: str) -> logging.Logger:
    """The logger of one area. Records are masked where they are made, so every handler (the file,
    the console, pytest's caplog) only ever sees masked text."""
    logger = logging.getLogger(f"flowdesk.{area}")
    if _SOURCE_FILTER not in logger.filters:
        logger.addFilter(_SOURCE_FILTER)
    return logger


MAX_BYTES = 1_000_000
BACKUPS = 5


class SafeFileHandler(logging.FileHandler):
    """A UTF-8, lazily opened log file that never turns its own trouble into noise: a record that cannot be
    written (disk full, folder gone or read-only) is dropped and the stream reopened for the next one; the
    trouble is said once per handler, one line on stderr (if the process has one). It does not rotate: the
    window logs through it until its first paint (``logging.handlers`` imports ``socket`` and ``pickle``,
    ~8 ms of CPU), then :func:`rotate_log` puts :class:`flowdesk.log_rotation.SafeRotatingFileHandler` in
    its place."""

    def __init__(self, filename: Path) -> None:
        super().__init__(filename, mode="a", encoding="utf-8", delay=True)
        self.reported: str | None = None  # the one line said about this file's trouble, if any

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        exc = sys.exc_info()[1]
        self.close_quietly()
        self.report(f"cannot write the log {self.baseFilename} ({error_words(exc)}); log lines are being lost")

    def close_quietly(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()

    def report(self, line: str) -> None:
        if self.reported is not None:
            return
        self.reported = line
        err = sys.stderr
        if err is not None:
            with contextlib.suppress(Exception):
                err.write(f"flowdesk: warning: {line}\n")
                err.flush()


def error_words(exc: BaseException | None) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__ if exc is not None else "unknown error"


def setup_logging(
    log_file: Path | None, *, verbose: bool = False, console: bool | None = None, rotate: bool = True
) -> None:
    """Install the file handler (when ``log_file`` is given) and, with ``verbose``, a console one. The file
    rotates at :data:`MAX_BYTES`; with ``rotate=False`` (the window, before its first paint) only once
    :func:`rotate_log` is called.

    Idempotent: calling it again replaces the handlers it installed before.
    """
    root = logging.getLogger("flowdesk")
    for h in _installed:
        root.removeHandler(h)
        h.close()
    _installed.clear()
    root.setLevel(logging.DEBUG)
    root.propagate = True
    masking = SecretMaskingFilter()
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        fh = SafeFileHandler(log_file)
        fh.setLevel(logging.DEBUG if verbose else logging.INFO)
        fh.setFormatter(logging.Formatter(FORMAT))
        fh.addFilter(masking)
        root.addHandler(fh)
        _installed.append(fh)
        if rotate:
            rotate_log()
    if (console if console is not None else verbose) and sys.stderr is not None:  # None: the windowed exe
        ch = logging.StreamHandler(sys.stderr)
        ch.setLevel(logging.DEBUG if verbose else logging.WARNING)
        ch.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        ch.addFilter(masking)
        root.addHandler(ch)
        _installed.append(ch)
    # Third-party loggers log full URLs and connection details at INFO/DEBUG.
    for noisy in ("httpx", "httpcore", "keyring", "secretstorage", "jeepney"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def rotate_log() -> None:
    """Put a rotating handler in place of the plain one :func:`setup_logging` installed (the same file,
    level, format and filters); nothing to do when there is none."""
    from flowdesk.log_rotation import SafeRotatingFileHandler  # lazy: logging.handlers, after the first paint

    root = logging.getLogger("flowdesk")
    for i, plain in enumerate(_installed):
        if type(plain) is not SafeFileHandler:
            continue
        rotating = SafeRotatingFileHandler(Path(plain.baseFilename), max_bytes=MAX_BYTES)
        rotating.setLevel(plain.level)
        rotating.setFormatter(plain.formatter)
        for f in plain.filters:
            rotating.addFilter(f)
        rotating.reported = plain.reported
        root.removeHandler(plain)
        plain.close()
        root.addHandler(rotating)
        _installed[i] = rotating


def install_excepthook() -> None:
    """A crash is one line on stderr naming the log; its traceback, masked, goes to the log only."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):  # Ctrl+C: one line, no traceback (the window quits on it)
            if sys.stderr is not None:
                with contextlib.suppress(Exception):
                    sys.stderr.write("flowdesk: interrupted (Ctrl+C)\n")
            return
        text = mask_secrets("".join(traceback.format_exception(exc_type, exc, tb)))
        get_logger("cli").critical("unhandled exception\n%s", text)
        _write_stderr(exc_type.__name__)

    sys.excepthook = hook

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        text = mask_secrets("".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)))
        get_logger("cli").critical("unhandled exception in thread %s\n%s", getattr(args.thread, "name", "?"), text)
        _write_stderr(args.exc_type.__name__)

    threading.excepthook = thread_hook


def log_file() -> Path | None:
    """The file this process logs to (None: none could be set up)."""
    for handler in _installed:
        if isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def _write_stderr(error: str) -> None:
    """One line to stderr when there is one (the windowed exe has none: the log has it all)."""
    err = sys.stderr
    if err is None:
        return
    from flowdesk.core.trouble import unexpected  # lazy: the words live with the others

    with contextlib.suppress(Exception):
        err.write(f"flowdesk: {unexpected(error, log_file())}\n")
        err.flush()
