"""Importing sessions from JSON exports into the cache.

A path is a session file (one JSON object), a file holding a list of sessions, a file holding
``{"items": [...]}`` (a saved API page; its list may also be under ``sessions``, ``results`` or
``data``, as the client reads a page), or a folder of such files: its ``*.json`` entries (any case),
sorted by name, not recursing into sub-folders, skipping hidden files (``.name.json``: editor and sync
tool leftovers) and never following a symbolic link to something outside the folder.

Every session of a file is validated before any is stored, and a file's sessions are stored in one
transaction: a file with one bad session imports nothing. Each bad file is reported with one line —
:class:`~flowdesk.core.models.SessionFormatError`'s ``file: field: problem`` (for a list, the field path
starts with the session's index, e.g. ``[3].steps[0].step_order`` or ``items[3].status``).
Files larger than :data:`MAX_FILE_BYTES` are refused unread. A file's copy of a session replaces an older
copy from a file, never one synced from ResolutionFlow (counted as ``synced`` and reported on the file's line).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flowdesk.core.models import PAGE_LIST_KEYS, Session, SessionFormatError, parse_session, read_json_file
from flowdesk.core.userfile import why_unreadable
from flowdesk.logs import get_logger
from flowdesk.store.sessions import SessionCache

log = get_logger("resolutionflow")

MAX_FILE_BYTES = 128 * 1024 * 1024  # ~20,000 sessions of the samples' size; split bigger exports into a folder


@dataclass
class FileResult:
    path: str
    ok: bool
    sessions: int = 0  # sessions in the file (when it was readable)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0  # same version as the cached copy
    older: int = 0  # older than the cached copy: kept the cached one
    synced: int = 0  # newer, but the cached copy came from ResolutionFlow: kept that one
    error: str | None = None  # one line: "file: field: problem"

    def line(self) -> str:
        if not self.ok:
            return str(self.error)
        noun = "session" if self.sessions == 1 else "sessions"
        detail = [f"{self.inserted} new", f"{self.updated} updated", f"{self.unchanged} unchanged"]
        if self.older:
            detail.append(f"{self.older} older than the cached copy")
        text = f"{self.path}: {self.sessions} {noun} ({', '.join(detail)})"
        if self.synced:
            many = "sessions" if self.synced > 1 else "session"
            text += f"; {self.synced} {many} already synced from ResolutionFlow; not replaced"
        return text


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def good(self) -> list[FileResult]:
        return [f for f in self.files if f.ok]

    @property
    def bad(self) -> list[FileResult]:
        return [f for f in self.files if not f.ok]

    @property
    def sessions(self) -> int:
        return sum(f.sessions for f in self.good)

    @property
    def inserted(self) -> int:
        return sum(f.inserted for f in self.files)

    @property
    def updated(self) -> int:
        return sum(f.updated for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [asdict(f) for f in self.files],
            "good_files": len(self.good),
            "bad_files": len(self.bad),
            "sessions": self.sessions,
            "inserted": self.inserted,
            "updated": self.updated,
        }

    def summary(self) -> str:
        if not self.good:
            if len(self.bad) == 1:
                return "Nothing was imported: the file could not be read as a session export."
            return f"Nothing was imported: none of the {len(self.bad)} files could be read as a session export."
        text = (
            f"Imported {self.sessions} session{'' if self.sessions == 1 else 's'} from {len(self.good)} "
            f"file{'' if len(self.good) == 1 else 's'} ({self.inserted} new, {self.updated} updated)"
        )
        if self.bad:
            text += f"; {len(self.bad)} file{'' if len(self.bad) == 1 else 's'} could not be imported"
        return text + "."


def expand_paths(paths: Iterable[Path | str]) -> list[tuple[Path, str | None]]:
    """The files to read, in order, each with None or the reason it cannot be (a path that does not
    exist, an empty folder, a link out of a folder). The same file given twice is read once."""
    out: list[tuple[Path, str | None]] = []
    seen: set[Path] = set()

    def add(path: Path, problem: str | None = None) -> None:
        try:
            key = path.resolve()
        except (OSError, RuntimeError):  # RuntimeError: a symbolic-link loop (Python 3.11)
            key = path.absolute()
        if problem is None and key in seen:
            return
        seen.add(key)
        out.append((path, problem))

    for raw in paths:
        path = Path(raw)
        try:
            os.lstat(path)
            is_dir = path.is_dir()
            is_file = not is_dir and path.is_file()
        except OSError as exc:  # a folder on the way you may not open, a link into one: not "no such file"
            add(path, "no such file or folder" if exc.errno in (errno.ENOENT, errno.ENOTDIR) else why_unreadable(exc))
            continue
        except ValueError:  # a NUL in the name
            add(path, "no such file or folder")
            continue
        if not is_dir:
            add(path, None if is_file else _not_a_file(path))
            continue
        try:
            folder = path.resolve()
        except (OSError, RuntimeError):
            add(path, "a symbolic link that loops")
            continue
        try:
            entries = sorted(path.iterdir(), key=lambda p: p.name)
        except OSError as exc:
            add(path, f"cannot read the folder ({exc.strerror or exc})")
            continue
        found = 0
        for entry in entries:
            if entry.name.startswith(".") or not entry.name.lower().endswith(".json"):
                continue
            if entry.is_symlink():
                try:
                    target = entry.resolve(strict=True)
                except (OSError, RuntimeError):
                    found += 1
                    add(entry, _not_a_file(entry))
                    continue
                if not target.is_relative_to(folder):
                    found += 1
                    add(entry, f"a link to {target}, outside the folder; not followed")
                    continue
            try:
                if entry.is_dir():
                    continue
                problem = None if entry.is_file() else _not_a_file(entry)
            except OSError as exc:  # a folder you may list but not open (no "x")
                problem = why_unreadable(exc)
            found += 1
            add(entry, problem)
        if not found:
            add(path, "no *.json files in this folder")
    return out


def _not_a_file(path: Path) -> str | None:
    """Why a link cannot be read; None for anything else (the reader says what it is: a pipe, a device…)."""
    if not path.is_symlink():
        return None
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link that loops"
    return "a broken link"


def _page_key(data: dict[str, Any]) -> str | None:
    """The key of a saved page's list of sessions: ``items``, or (in an object that is not a session, having no
    ``id``) another key a listing's page may carry it under (``PAGE_LIST_KEYS``), as the client reads a page."""
    if "items" in data:
        return "items"
    if "id" in data:
        return None
    return next((key for key in PAGE_LIST_KEYS if isinstance(data.get(key), list)), None)


def read_sessions(path: Path, *, max_bytes: int | None = None) -> list[tuple[dict[str, Any], Session]]:
    """Every session of one file, all validated; raises :class:`SessionFormatError` for the first problem."""
    source = str(path)
    data = read_json_file(path, max_bytes=MAX_FILE_BYTES if max_bytes is None else max_bytes)
    if isinstance(data, dict) and (prefix := _page_key(data)) is not None:
        items = data[prefix]
        if not isinstance(items, list):
            raise SessionFormatError(source, prefix, "expected a list of sessions")
    elif isinstance(data, dict):
        items, prefix = [data], None
    elif isinstance(data, list):
        items, prefix = data, ""
    else:
        kind = {str: "a string", int: "a number", float: "a number", bool: "true/false"}.get(type(data), "null")
        raise SessionFormatError(source, None, f"expected a session (a JSON object) or a list of sessions, found {kind}")
    out: list[tuple[dict[str, Any], Session]] = []
    for index, item in enumerate(items):
        where = None if prefix is None else f"{prefix}[{index}]"
        try:
            session = parse_session(item, source)
        except SessionFormatError as exc:
            fld = exc.field if where is None else (where + ("." + exc.field if exc.field else ""))
            raise SessionFormatError(source, fld, exc.problem) from None
        if not (session.id or "").strip():  # "   " is no id either: no list could tell it from another blank one
            raise SessionFormatError(
                source, "id" if where is None else f"{where}.id", "missing: a session needs an id to be cached"
            )
        out.append((item, session))
    return out


def import_paths(paths: Iterable[Path | str], cache: SessionCache, *, max_bytes: int | None = None) -> ImportReport:
    """Import every session file under ``paths`` into ``cache``; see the module docstring."""
    report = ImportReport()
    for path, problem in expand_paths(paths):
        if problem is not None:
            report.files.append(FileResult(str(path), False, error=str(SessionFormatError(str(path), None, problem))))
            continue
        try:
            items = read_sessions(path, max_bytes=max_bytes)
        except SessionFormatError as exc:
            log.info("import: %s", exc)
            report.files.append(FileResult(str(path), False, error=str(exc)))
            continue
        result = FileResult(str(path), True, sessions=len(items))
        if items:
            r = cache.upsert(items, source=f"file:{path.resolve()}")  # one transaction: all or nothing
            result.inserted, result.updated, result.unchanged, result.older, result.synced = (
                r.inserted, r.updated, r.unchanged, r.skipped_older, r.kept_synced,
            )  # fmt: skip
        report.files.append(result)
    return report
