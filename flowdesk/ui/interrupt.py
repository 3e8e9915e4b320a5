"""Ctrl+C in the terminal that started the window quits it as Quit does: the drafts are written, the queue
is kept, and one line reaches the terminal. (Left to Python, the ``KeyboardInterrupt`` surfaces in whatever
Qt slot runs next: a traceback, the window still up, maybe a draft half saved.) So do SIGTERM (``kill``, a
service manager, the system shutting down: left to Python, the process just ended, the last keystrokes not
yet written to the draft, the demo's folder left behind) and SIGHUP (the terminal closed), unless it was
ignored already (``nohup``).

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
_KEPT = "quitting; waiting pushes and drafts are kept."
# The signals that quit the window, and the line each prints. Windows has no SIGHUP, and SIGTERM there only
# comes from the process itself; handling it is harmless.
SAYS: dict[int, str] = {signal.SIGINT: INTERRUPTED, signal.SIGTERM: f"flowdesk: asked to stop (SIGTERM): {_KEPT}"}
if hasattr(signal, "SIGHUP"):
    SAYS[signal.SIGHUP] = f"flowdesk: the terminal closed (SIGHUP): {_KEPT}"


class QuitOnInterrupt(QObject):
    """While it lives, SIGINT, SIGTERM and SIGHUP call ``quit`` on the event loop (once)."""

    def __init__(self, quit_app: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._quit = quit_app
        self._asked = False
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous: dict[int, Any] = {}
        try:
            for signum in SAYS:
                if signum != signal.SIGINT and signal.getsignal(signum) is signal.SIG_IGN:
                    continue  # nohup: the terminal closing is not meant to stop it
                self._previous[signum] = signal.signal(signum, self._interrupted)
            self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        except (OSError, ValueError):
            self._restore()
            self._reader.close()
            self._writer.close()
            raise
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def _drain(self) -> None:
        """The byte the wake-up wrote (Python has run the handler by the time this slot runs)."""
        with contextlib.suppress(OSError):
            self._reader.recv(512)

    def _interrupted(self, signum: int, _frame: FrameType | None) -> None:
        if self._asked:
            return
        self._asked = True
        if sys.stderr is not None:
            with contextlib.suppress(Exception):  # a closed terminal (SIGHUP) cannot be written to
                print(SAYS.get(signum, INTERRUPTED), file=sys.stderr, flush=True)
        QTimer.singleShot(0, self._quit)

    def _restore(self) -> None:
        for signum, previous in self._previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(signum, previous)
        self._previous = {}

    def close(self) -> None:
        """Python's own handling again (at shutdown)."""
        self._notifier.setEnabled(False)
        self._restore()
        with contextlib.suppress(ValueError, OSError):
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
