"""The one reader of files a person hands FlowDesk (session files, exports, ``--text-file``, settings.json).

Every way such a file can be unusable ends in :class:`UserFileError`, whose ``str()`` is one line naming
the file and what is wrong; nothing here lets ``OSError``, ``RecursionError``, ``UnicodeError`` or
``MemoryError`` through:

* only regular files are read: a folder, a FIFO, a device (``/dev/zero``), a socket or a symbolic-link loop
  is refused before a byte is read (a FIFO is opened non-blocking, so it cannot hang the command);
* the size is checked before reading, and reading stops at the limit (a file that grows meanwhile);
* text is UTF-8 with or without a byte-order mark, or UTF-16 with one (Windows PowerShell 5.1's
  ``Out-File`` default); other text (Latin-1, UTF-16 without the mark) is refused saying to save it as UTF-8,
  and a NUL byte where JSON goes on (a copy or save cut short) as a damaged file;
* JSON nested deeper than :data:`MAX_JSON_DEPTH` is refused whether the parser or the walk after it finds
  it (a session nests about eight levels);
* a lone UTF-16 surrogate written as an escape (``"\\ud800"``), which no file or database can encode, becomes
  U+FFFD (the replacement character) instead of failing later, far from the file.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

MAX_JSON_DEPTH = 100
_WINDOWS_INVALID_NAME = 123  # ERROR_INVALID_NAME, which Python maps to EINVAL
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_KINDS = (
    (stat.S_ISDIR, "is a folder, not a file"),
    (stat.S_ISFIFO, "not a regular file (a pipe)"),
    (stat.S_ISCHR, "not a regular file (a device)"),
    (stat.S_ISBLK, "not a regular file (a device)"),
    (stat.S_ISSOCK, "not a regular file (a socket)"),
)


NO_READ = "permission denied: your user may not read it; copy it to a folder of yours, or change its permissions"
GIVE_TEXT = "give FlowDesk the JSON or text file itself"
SAVE_AS_UTF8 = "save it as UTF-8 (in Notepad: Save as, Encoding UTF-8) and try again"


class UserFileError(ValueError):
    """A file FlowDesk cannot use. ``str()`` is one line: ``source: problem``."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"


def why_unreadable(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "is a symbolic link that loops"
    if exc.errno == errno.ENOENT:
        return "no such file"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return NO_READ
    if exc.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    if exc.errno == errno.EINVAL or getattr(exc, "winerror", None) == _WINDOWS_INVALID_NAME:
        # Windows: a name holding a character Windows refuses (a control character, ``<>:"|?*``)
        return "is not a usable file name"
    return f"cannot read it ({exc.strerror or type(exc).__name__})"


def is_folder(path: Path | str) -> bool:
    """``Path.is_dir`` that never raises: Python 3.11's raises for a path behind a folder you may not open."""
    try:
        return Path(path).is_dir()
    except (OSError, ValueError):
        return False


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else is a :class:`UserFileError`."""
    source = str(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise UserFileError(source, why_unreadable(exc)) from None
    except ValueError:  # a NUL in the name
        raise UserFileError(source, "is not a usable file name") from None
    for test, problem in _KINDS:
        if test(st.st_mode):
            raise UserFileError(source, problem)
    if not stat.S_ISREG(st.st_mode):
        raise UserFileError(source, "not a regular file")
    if st.st_size > max_bytes:
        size, limit = _size(st.st_size), _size(max_bytes)
        if size == limit:  # 1.4 MB read "file is 1 MB; the limit is 1 MB"
            size, limit = f"{st.st_size // 1024:,} KB", f"{max_bytes // 1024:,} KB"
        raise UserFileError(source, f"file is {size}; the limit is {limit}")
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise UserFileError(source, "is a folder, not a file") from None
    except PermissionError:
        # Windows refuses to open a folder as a file with "access denied"
        raise UserFileError(source, "is a folder, not a file" if is_folder(path) else NO_READ) from None
    except OSError as exc:
        raise UserFileError(source, why_unreadable(exc)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for something else since the stat above
            raise UserFileError(source, "not a regular file")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise UserFileError(source, f"file is over the limit of {_size(max_bytes)}")
    except OSError as exc:
        raise UserFileError(source, why_unreadable(exc)) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 (a byte-order mark dropped), or UTF-16 with a byte-order mark."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not raw.startswith(codecs.BOM_UTF32_LE):
        try:
            return raw.decode("utf-16")  # the mark says which byte order, and is dropped
        except UnicodeDecodeError as exc:
            raise UserFileError(source, f"not UTF-8 text, nor UTF-16 (bad byte at offset {exc.start})") from None
    if _utf16_without_mark(raw):
        raise UserFileError(source, f"UTF-16 text without a byte-order mark: {SAVE_AS_UTF8}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if b"\x00" in raw[:8192]:  # no text has NUL bytes and bytes that are not UTF-8: a zip, a PDF, a database
            raise UserFileError(source, f"not a text file (it holds binary data, such as a zip or a database): {GIVE_TEXT}") from None
        # Windows-1252 / Latin-1 (an older Notepad's "ANSI"), most likely: é is one byte there
        raise UserFileError(source, f"not UTF-8 text (bad byte at offset {exc.start}): {SAVE_AS_UTF8}") from None


def _utf16_without_mark(raw: bytes) -> bool:
    """Text (JSON starts with ASCII) as UTF-16 with no byte-order mark: a NUL every other byte, none between."""
    head = raw[:64]
    return len(head) >= 4 and any(head[i::2].count(0) == len(head[i::2]) and 0 not in head[1 - i :: 2] for i in (0, 1))


def read_text(path: Path, max_bytes: int) -> str:
    return decode_text(read_bytes(path, max_bytes), str(path))


def too_deep(max_depth: int = MAX_JSON_DEPTH) -> str:
    return f"nested more than {max_depth} levels deep; FlowDesk does not read it"


def parse_json(text: str, source: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` with a depth limit and lone surrogates replaced; one :class:`UserFileError` otherwise."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserFileError(source, _json_problem(exc)) from None
    except RecursionError:
        raise UserFileError(source, too_deep(max_depth)) from None
    except ValueError:  # the only other: an integer past Python's limit (sys.get_int_max_str_digits)
        raise UserFileError(source, f"a number too long to read (over {sys.get_int_max_str_digits():,} digits)") from None
    brackets = text.count("[") + text.count("{")
    if brackets <= max_depth and not _SURROGATE_ESCAPE.search(text):
        return data  # cannot be too deep, holds no surrogate: the walk would find nothing
    return _checked(data, source, max_depth)


CUT_SHORT = "the file may have been cut short: export or copy it again"


def _json_problem(exc: json.JSONDecodeError) -> str:
    """Where the JSON breaks, and for a file that ends inside it (a download or copy cut short) what to do."""
    where = f"line {exc.lineno}, column {exc.colno}"
    if exc.msg.startswith("Unterminated string"):  # no closing quote before the end of the file
        return f"not valid JSON: a string that starts at {where} never ends; {CUT_SHORT}"
    if not exc.doc[exc.pos :].strip():
        return f"not valid JSON: the file ends before its JSON does ({where}); {CUT_SHORT}"
    if exc.doc[exc.pos : exc.pos + 1] == "\x00":  # a NUL is never JSON, in a string or out of one
        return f"not valid JSON: a NUL byte at {where}, so the file is damaged (a copy or save cut short): export or copy it again"
    return f"not valid JSON: {exc.msg} ({where})"


def parse_stored_json(text: str, source: str) -> Any:
    """JSON that FlowDesk stored after :func:`parse_json` read it (so not too deep), lone surrogates replaced
    the same way: an answer's text is stored as received, its ``\\ud800`` escapes with it."""
    data = json.loads(text)
    return _checked(data, source, sys.maxsize) if _SURROGATE_ESCAPE.search(text) else data


def _clean(text: str) -> str:
    return LONE_SURROGATE.sub("\ufffd", text) if LONE_SURROGATE.search(text) else text


def _checked(data: Any, source: str, max_depth: int) -> Any:
    """Walk ``data`` without recursion: refuse it past ``max_depth``, replace lone surrogates in place."""
    if isinstance(data, str):
        return _clean(data)
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise UserFileError(source, too_deep(max_depth))
        if isinstance(node, dict):
            for key in list(node):
                value = node[key]
                if isinstance(value, str):
                    value = _clean(value)
                elif isinstance(value, dict | list):
                    stack.append((value, depth + 1))
                if isinstance(key, str) and LONE_SURROGATE.search(key):
                    del node[key]
                    node[_clean(key)] = value
                else:
                    node[key] = value
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    node[i] = _clean(value)
                elif isinstance(value, dict | list):
                    stack.append((value, depth + 1))
    return data


def read_json(path: Path, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A JSON file through every check above; refuses an empty file."""
    source = str(path)
    text = read_text(path, max_bytes)
    if not text.strip():
        raise UserFileError(source, "file is empty")
    return parse_json(text, source, max_depth)
