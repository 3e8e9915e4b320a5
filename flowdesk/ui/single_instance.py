"""One FlowDesk window per data folder: a second launch asks the first to come forward and exits.

The OS lock on ``AppPaths.instance_lock_file`` decides who is first, not the local server: on Windows two
``QLocalServer`` can listen on one pipe name (and ``removeServer`` does nothing there), so two launches close
together would both start. The lock goes with the process however it ends, so a crash never blocks a start.
The window takes the lock before it is built and starts listening just after its first paint
(``claim_instance(listen=False)``, then ``InstanceServer.listen``): QtNetwork is not loaded before that paint.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from flowdesk import APP_NAME
from flowdesk.logs import get_logger
from flowdesk.push.lock import FileLock

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = get_logger("ui")
RAISE = b"raise\n"
QUEUE_CHANGED = b"queue\n"  # `flowdesk push`, `queue retry`, `queue resume`: the window shows and sends it
ACCOUNT_CHANGED = b"account\n"  # `flowdesk connect` saved an account: the window reads it (and its keys) again
ASFW_ANY = -1  # (DWORD)-1: any process may bring its window forward


class AlreadyRunning(Exception):
    """Another FlowDesk holds this data folder. ``str()`` is the one line to show."""


def server_name(data_dir: str) -> str:
    import hashlib  # lazy: OpenSSL's libcrypto, not before the first paint (the server listens after it)

    user = os.environ.get("USER") or os.environ.get("USERNAME") or "user"
    # normcase: on Windows C:\Users\Dana and c:\users\dana are one folder and must give one name
    digest = hashlib.sha256(f"{user}:{os.path.normcase(os.path.abspath(data_dir))}".encode()).hexdigest()[:16]
    return f"flowdesk-{digest}"


def allow_foreground() -> None:
    """Windows lets only the process the user just started take the foreground; hand that right on, so the
    running FlowDesk may raise its window when asked (``AllowSetForegroundWindow``)."""
    if sys.platform == "win32":
        import ctypes

        with contextlib.suppress(Exception):
            ctypes.windll.user32.AllowSetForegroundWindow(ASFW_ANY)


def ask_running_instance_to_raise(name: str, timeout_ms: int = 2000, message: bytes = RAISE) -> bool:
    """True when another FlowDesk answered (and was asked to show its window, or given ``message``). A busy
    machine (or the running one's GUI thread in a long paint) may take a while to take a Windows pipe's
    connection: a launch waits up to ``timeout_ms`` rather than telling the engineer it "did not answer"."""
    from PySide6.QtNetwork import QLocalSocket

    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(timeout_ms):
        return False
    sock.write(message)
    sock.flush()
    sock.waitForBytesWritten(timeout_ms)
    sock.disconnectFromServer()
    return True


def claim_instance(data_dir: Path, lock_file: Path, *, listen: bool = True) -> InstanceServer:
    """Become the one FlowDesk for ``data_dir``: take the instance lock, then listen for later launches
    (``listen=False``: when the caller says, with :meth:`InstanceServer.listen`; a launch before that is
    told this one "may still be starting"). Raises :class:`AlreadyRunning` (after asking the running one to
    come forward) when the lock is taken."""
    brought_forward = f"{APP_NAME} is already running: its window was brought forward."
    lock: FileLock | None = None
    try:
        lock = FileLock(lock_file)
        taken = lock.acquire()
    except OSError as exc:  # the data folder cannot be written: the store will say so; do not stop here
        log.warning("cannot take the instance lock %s: %s", lock_file, exc)
        if ask_running_instance_to_raise(server_name(str(data_dir))):
            raise AlreadyRunning(brought_forward) from None
        lock, taken = None, True
    if not taken:
        allow_foreground()
        if ask_running_instance_to_raise(server_name(str(data_dir))):
            raise AlreadyRunning(brought_forward)
        # Nobody answered. A command (`flowdesk push`, `queue ...`) takes the lock for a moment to see whether
        # a window runs (``tell_window_queue_changed``); it has let go by now, so a second try decides.
        with contextlib.suppress(OSError):
            taken = lock is not None and lock.acquire()
    if not taken:
        pid = lock.holder_pid() if lock is not None else None
        raise AlreadyRunning(
            f"{APP_NAME} is already running{f' (pid {pid})' if pid else ''} but did not answer; it may still be "
            "starting: look for its window or tray icon."
        )
    server = InstanceServer(str(data_dir), lock=lock)
    if listen:
        server.listen()
    return server


def tell_window_queue_changed(data_dir: Path, lock_file: Path, message: bytes = QUEUE_CHANGED) -> bool:
    """A command changed the queue (``push``, ``queue retry``, ``queue resume``), or the account
    (``connect``: ``message`` :data:`ACCOUNT_CHANGED`): if a window runs for ``data_dir`` (it holds the
    instance lock), tell it, so it shows and sends what was queued now — it holds the drain lock, so the
    command cannot send it — with the keys saved now, not those it holds. True when a window was told."""
    probe = FileLock(lock_file)
    try:
        if probe.acquire():  # no window: nothing to tell (and no QtNetwork loaded for it)
            probe.release()
            return False
    except OSError:
        return False
    return ask_running_instance_to_raise(server_name(str(data_dir)), 1000, message)


class InstanceServer(QObject):
    """Listens for later launches to ``data_dir`` (on :func:`server_name`); emits ``raise_requested`` when one
    asks, ``queue_changed`` when a command changed the queue this window sends, ``account_changed`` when
    ``flowdesk connect`` saved an account."""

    raise_requested = Signal()
    queue_changed = Signal()
    account_changed = Signal()

    def __init__(self, data_dir: str, parent: QObject | None = None, *, lock: FileLock | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self._lock = lock  # held while this server lives
        self._server: QLocalServer | None = None  # made by listen()
        self._sockets: list[QLocalSocket] = []

    def listen(self) -> bool:
        from PySide6.QtNetwork import QLocalServer  # lazy: not before the window's first paint

        if self._server is not None:
            return self._server.isListening()
        name = server_name(self.data_dir)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_connection)
        if self._server.listen(name):
            return True
        # A stale socket file from a crashed run: nobody answered (and with the instance lock held, no other
        # FlowDesk is running), so it is safe to take it over.
        QLocalServer.removeServer(name)
        ok = self._server.listen(name)
        if not ok:
            log.warning("single-instance server could not listen: %s", self._server.errorString())
        return ok

    def _on_connection(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        if self._server is None:
            return
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            # The server owns the socket and deletes it with itself; deleting it ourselves as well (a
            # deleteLater on "disconnected") is a double delete waiting to happen.
            self._sockets = [s for s in self._sockets if s.state() != QLocalSocket.LocalSocketState.UnconnectedState]
            self._sockets.append(sock)
            sock.readyRead.connect(self._on_ready)
            if sock.bytesAvailable():
                self._read(sock)

    def _on_ready(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        sock = self.sender()
        if isinstance(sock, QLocalSocket):
            self._read(sock)

    def _read(self, sock: QLocalSocket) -> None:
        data = bytes(sock.readAll().data())
        if data.startswith(RAISE.strip()):
            self.raise_requested.emit()
        elif data.startswith(QUEUE_CHANGED.strip()):
            self.queue_changed.emit()
        elif data.startswith(ACCOUNT_CHANGED.strip()):
            self.account_changed.emit()
        sock.disconnectFromServer()

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
