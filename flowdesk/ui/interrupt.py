"""Ctrl+C in the terminal that started the window quits it as Quit does: the drafts are written, the queue
is kept, and one line reaches the terminal. (Left to Python, the ``KeyboardInterrupt`` surfaces in whatever
Qt slot runs next: a traceback, the window still up, maybe a draft half saved.)

Python runs a signal handler only when it next runs Python code, and Qt's event loop may stay in C++ for
minutes; ``signal.set_wakeup_fd`` writes a byte to a socket that the event loop watches (``QSocketNotifier``),
which wakes it at once, and only then: no polling timer. Installed after the first paint (``socket`` is not
on the start-up path); where the platform refuses (a wake-up socket, a handler outside the main thread) the
window simply keeps Python's default.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

from flowdesk.logs import get_logger

log = get_logger("ui")

INTERRUPTED = "flowdesk: interrupted (Ctrl+C): quitting; waiting pushes and drafts are kept."


class QuitOnInterrupt(QObject):
    """While it lives, SIGINT calls ``quit`` on the event loop (once)."""

    def __init__(self, quit_app: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._quit = quit_app
        self._asked = False
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        try:
            self._previous: Any = signal.signal(signal.SIGINT, self._interrupted)
            try:
                self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
            except (OSError, ValueError):
                signal.signal(signal.SIGINT, self._previous)
                raise
        except (OSError, ValueError):
            self._reader.close()
            self._writer.close()
            raise
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def _drain(self) -> None:
        """The byte the wake-up wrote (Python has run the handler by the time this slot runs)."""
        with contextlib.suppress(OSError):
            self._reader.recv(512)

    def _interrupted(self, _signum: int, _frame: FrameType | None) -> None:
        if self._asked:
            return
        self._asked = True
        if sys.stderr is not None:
            with contextlib.suppress(Exception):
                print(INTERRUPTED, file=sys.stderr, flush=True)
        QTimer.singleShot(0, self._quit)

    def close(self) -> None:
        """Python's own handling again (at shutdown)."""
        self._notifier.setEnabled(False)
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signal.SIGINT, self._previous)
            signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()


def quit_on_interrupt(quit_app: Callable[[], None], parent: QObject | None = None) -> QuitOnInterrupt | None:
    """:class:`QuitOnInterrupt`, or None where the platform refuses."""
    try:
        return QuitOnInterrupt(quit_app, parent)
    except (OSError, ValueError) as exc:  # no socket pair, or not the main thread
        log.debug("Ctrl+C keeps Python's default handling: %s", type(exc).__name__)
        return None
