"""One drainer per queue: an exclusive, non-blocking OS lock on ``AppPaths.drain_lock_file``.

:class:`FileLock` is the lock itself; the window's single-instance check takes one on
``AppPaths.instance_lock_file`` (``ui/single_instance.py``), :class:`DrainLock` on the drain lock file.

* POSIX: ``fcntl.flock(LOCK_EX | LOCK_NB)`` on the whole file; Windows: ``msvcrt.locking(LK_NBLCK)`` on one
  byte far past the pid text (Windows locks are mandatory, so the pid itself must stay readable).
* The OS drops the lock when the process dies, however it dies (SIGKILL, power loss of the process): a
  stale lock file never blocks sending. The file itself is never deleted (deleting it would let a second
  process lock a new file while the first still holds the old one).
* The holder writes its pid into the file, so a second process can say who is sending:
  "another FlowDesk is already sending this queue (pid 4242)".
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import TracebackType

_WIN_LOCK_OFFSET = 1 << 20  # the locked byte: far past the pid text, which must stay readable
_PID_BYTES = 32


class DrainLockBusy(Exception):
    """Another process holds the drain lock. ``str()`` is the one-line message; ``pid`` is its pid if known."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        who = f" (pid {pid})" if pid else ""
        super().__init__(f"another FlowDesk is already sending this queue{who}")


class FileLock:
    """An exclusive OS lock on one file held by this process: ``acquire() -> bool`` / ``release()``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock without waiting. False when another process (or another ``DrainLock`` on the same
        file in this process) holds it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        try:
            if not _try_lock(fd):
                os.close(fd)
                return False
            pid = f"{os.getpid()}\n".encode("ascii")
            os.lseek(fd, 0, os.SEEK_SET)
            if sys.platform != "win32":
                os.ftruncate(fd, 0)
            os.write(fd, pid.ljust(_PID_BYTES, b" ") if sys.platform == "win32" else pid)
        except BaseException:
            with contextlib.suppress(OSError):
                _unlock(fd)
            os.close(fd)
            raise
        self._fd = fd
        return True

    def holder_pid(self) -> int | None:
        """The pid written by the holder (this process's when it holds the lock); None if unknown."""
        try:
            with open(self.path, "rb") as fh:
                text = fh.read(_PID_BYTES).decode("ascii", "replace").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __del__(self) -> None:  # pragma: no cover - a forgotten lock still goes with its object
        with contextlib.suppress(Exception):
            self.release()


class DrainLock(FileLock):
    """``with DrainLock(paths.drain_lock_file): ...`` or ``acquire() -> bool`` / ``release()``."""

    def __enter__(self) -> DrainLock:
        if not self.acquire():
            raise DrainLockBusy(self.holder_pid())
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


# `sys.platform` itself (not a variable holding it): mypy checks only the branch of the platform it runs for
if sys.platform == "win32":  # pragma: no cover - exercised on Windows (CI runs it under Wine: .ci/windows)
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


__all__ = ["DrainLock", "DrainLockBusy", "FileLock"]
