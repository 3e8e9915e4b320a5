"""One FlowDesk window per data folder: a second launch asks the first to come forward and exits."""

from __future__ import annotations

import hashlib
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from flowdesk.logs import get_logger

log = get_logger("ui")
RAISE = b"raise\n"


def server_name(data_dir: str) -> str:
    user = os.environ.get("USER") or os.environ.get("USERNAME") or "user"
    digest = hashlib.sha256(f"{user}:{os.path.abspath(data_dir)}".encode()).hexdigest()[:16]
    return f"flowdesk-{digest}"


def ask_running_instance_to_raise(name: str, timeout_ms: int = 500) -> bool:
    """True when another FlowDesk answered (and was asked to show its window)."""
    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(timeout_ms):
        return False
    sock.write(RAISE)
    sock.flush()
    sock.waitForBytesWritten(timeout_ms)
    sock.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later launches; emits ``raise_requested`` when one asks."""

    raise_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_connection)
        self._sockets: list[QLocalSocket] = []

    def listen(self) -> bool:
        if self._server.listen(self.name):
            return True
        # A stale socket file from a crashed run: nobody answered, so it is safe to take it over.
        QLocalServer.removeServer(self.name)
        ok = self._server.listen(self.name)
        if not ok:
            log.warning("single-instance server could not listen: %s", self._server.errorString())
        return ok

    def _on_connection(self) -> None:
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
        sock = self.sender()
        if isinstance(sock, QLocalSocket):
            self._read(sock)

    def _read(self, sock: QLocalSocket) -> None:
        if bytes(sock.readAll().data()).startswith(RAISE.strip()):
            self.raise_requested.emit()
        sock.disconnectFromServer()

    def close(self) -> None:
        self._server.close()
