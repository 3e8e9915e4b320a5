"""The log's rotation: ``logging.handlers.RotatingFileHandler`` with FlowDesk's quiet handling of trouble.

Kept out of :mod:`flowdesk.logs` because ``logging.handlers`` imports ``socket`` and ``pickle``: the
window logs to a plain file until its first paint and rotates from then on (``logs.rotate_log``).
"""

from __future__ import annotations

import contextlib
import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from flowdesk.logs import BACKUPS, MAX_BYTES, SafeFileHandler, error_words


class SafeRotatingFileHandler(SafeFileHandler, RotatingFileHandler):
    """Rotates at ``maxBytes`` into ``.1`` … ``.{backups}``, as ``RotatingFileHandler`` does. A rotation that
    fails (Windows: ``PermissionError`` while another process holds the file) keeps writing to the current
    file, is said once on stderr (as :class:`SafeFileHandler` says its trouble) and is tried again only after the file has
    grown by another tenth of ``maxBytes``. Records that cannot be written: as :class:`SafeFileHandler`."""

    def __init__(self, filename: Path, *, max_bytes: int | None = None, backups: int = BACKUPS) -> None:
        RotatingFileHandler.__init__(
            self, filename, mode="a", maxBytes=MAX_BYTES if max_bytes is None else max_bytes,
            backupCount=backups, encoding="utf-8", delay=True,
        )  # fmt: skip
        self.reported = None
        self._retry_at = 0

    def shouldRollover(self, record: logging.LogRecord) -> bool:  # noqa: N802 - logging's name
        if not super().shouldRollover(record):  # it opened the stream
            return False
        return self.stream is not None and self.stream.tell() >= self._retry_at

    def doRollover(self) -> None:  # noqa: N802 - logging's name
        try:
            super().doRollover()
        except OSError as exc:
            self.close_quietly()
            with contextlib.suppress(OSError):
                self._retry_at = os.path.getsize(self.baseFilename) + max(self.maxBytes // 10, 1)
            self.report(f"cannot rotate the log {self.baseFilename} ({error_words(exc)}); it goes on growing for now")
        else:
            self._retry_at = 0
