"""``Sandbox``: the sandbox's WSGI application served over real sockets by a small threaded HTTP/1.1 server.

The server is the stdlib's ``ThreadingHTTPServer`` (one thread per connection, keep-alive, TLS with a
throwaway CA) speaking WSGI to :class:`flowdesk.sandbox.app.SandboxApp`, plus what only the owner of a
socket can do: put a :class:`_Connection` in the environ through which the app ends a connection with an
RST (``SO_LINGER`` 0) or a FIN and no response, or closes it after a streamed body; write every chunk of
a body as the app yields it (a trickle is a byte at a time; a body without a length is chunked).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flowdesk.logs import get_logger
from flowdesk.sandbox.app import CONNECTION_KEY, SandboxApp
from flowdesk.sandbox.info import SandboxInfo
from flowdesk.sandbox.seed import DEFAULT_COMPANY

log = get_logger("sandbox")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: SandboxApp, ssl_context: ssl.SSLContext | None, family: int) -> None:
        self.address_family = family
        self.app = app
        self.ssl_context = ssl_context
        self.scheme = "https" if ssl_context is not None else "http"
        self.connections: set[socket.socket] = set()
        self.threads: set[threading.Thread] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # daemon threads (never block interpreter exit), but tracked so that stop() can join them
        t = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"flowdesk-sandbox-{self.server_address[1]}-conn",
            daemon=True,
        )
        with self.connections_lock:
            self.threads.add(t)
        t.start()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.threads.discard(threading.current_thread())

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        if self.ssl_context is not None:
            # the handshake runs in the handler thread, never in the accept loop
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class _Connection:
    """The socket-level effects the app may ask for (``environ[CONNECTION_KEY]``)."""

    def __init__(self) -> None:
        self.ended: str | None = None  # "reset" | "close": write nothing, end the connection
        self.closing = False

    def end(self, how: str) -> None:
        self.ended = how

    def close_after(self) -> None:
        self.closing = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # environment.md §7: else 40 ms stalls (headers and body written apart)
    server_version = "FlowDeskSandbox/1.0"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)
        self._reset_on_close = False
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)
            if self._reset_on_close:
                with contextlib.suppress(OSError):
                    self.connection.close()  # SO_LINGER 0 → RST

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self.serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _environ(self, body: bytes, conn: _Connection) -> dict[str, Any]:
        parts = urlsplit(self.path)
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(parts.path, encoding="latin-1") or "/",  # PEP 3333: bytes as latin-1
            "QUERY_STRING": parts.query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type") or "",
            "CONTENT_LENGTH": self.headers.get("Content-Length") or (str(len(body)) if body else ""),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": self.server.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            CONNECTION_KEY: conn,
        }
        for name, value in self.headers.items():
            key = name.upper().replace("-", "_")
            if "_" not in name and key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):  # as wsgiref: no underscores
                environ["HTTP_" + key] = value
        return environ

    def serve(self) -> None:
        body = self._read_body()
        conn = _Connection()
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: None  # the legacy write() callable: the sandbox never uses it

        result = self.server.app(self._environ(body, conn), start_response)
        try:
            if conn.ended is not None:
                self._end(conn.ended)
                return
            self._send(started[0], started[1], result, conn)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    def _send(self, status: str, headers: list[tuple[str, str]], body: Iterable[bytes], conn: _Connection) -> None:
        code = int(status.split()[0])
        lines = [f"HTTP/1.1 {status}", f"Server: {self.server_version}"]
        if not any(k.lower() == "date" for k, _ in headers):  # an app may date its answers itself
            lines.append(f"Date: {self.date_time_string()}")
        lines += [f"{k}: {v}" for k, v in headers]
        chunked = not any(k.lower() == "content-length" for k, _ in headers) and self.command != "HEAD" and code >= 200 and code not in (204, 304)
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        if conn.closing:
            self.close_connection = True
        if self.close_connection:
            lines.append("Connection: close")
        pending = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        try:
            for chunk in body:  # headers go out with the first chunk (one write for a small answer)
                if chunk and self.command != "HEAD":
                    pending += b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk
                    self.wfile.write(pending)
                    pending = b""
            if chunked:
                pending += b"0\r\n\r\n"
            if pending:
                self.wfile.write(pending)
        except OSError:
            self.close_connection = True
            log.debug("client went away during the response to %s %s", self.command, self.path)

    def _end(self, how: str) -> None:
        """No response: a reset (SO_LINGER 0, once the handler thread lets go) or a plain close (FIN)."""
        self.close_connection = True
        if how == "reset":
            self._reset_on_close = True
            with contextlib.suppress(OSError):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class Sandbox:
    """A loopback ConnectWise + ResolutionFlow emulation with fault injection, over real sockets.

    ``Sandbox(host, port, tls, latency_ms, seed, cert_dir, company)``; ``start()`` returns once the socket
    accepts connections; ``info`` holds the URLs and the (random, per sandbox) credentials; ``stop()`` ends
    it. Usable as a context manager. ``seed=False`` starts with no ResolutionFlow sessions and no ticket
    history notes (the 17 tickets are always there). ``app`` is the WSGI application it serves.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        latency_ms: int = 0,
        seed: bool = True,
        cert_dir: str | Path | None = None,
        company: str = DEFAULT_COMPANY,
    ) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.cert_dir = Path(cert_dir) if cert_dir is not None else None
        self.app = SandboxApp(seed=seed, latency_ms=latency_ms, company=company)
        self.secrets = self.app.secrets
        self.state = self.app.state
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: Path | None = None
        self._started = False

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        ctx = None
        ca_file = None
        if self.tls:
            from flowdesk.sandbox import tls  # cryptography: only for HTTPS

            cert_dir = self.cert_dir
            if cert_dir is None:
                self._tmpdir = Path(tempfile.mkdtemp(prefix="flowdesk-sandbox-tls-"))
                cert_dir = self._tmpdir
            files = tls.generate(cert_dir, [self.host])
            ctx = tls.server_context(files)
            ca_file = str(files.ca_file)
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self.state.stopping.clear()
        self._server = _Server((self.host, self.port), self.app, ctx, family)
        self.port = self._server.server_address[1]
        self.app.bind(self.url, ca_file)
        self._started = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"flowdesk-sandbox-{self.port}", daemon=True
        )
        self._thread.start()
        log.info("sandbox listening on %s (tls=%s)", self.url, self.tls)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self.state.stop()  # wakes holds (aborted), waits, latency sleeps and streams
        server.shutdown()
        with server.connections_lock:
            conns = list(server.connections)
            threads = list(server.threads)
        for conn in conns:  # idle keep-alive connections would otherwise keep their threads alive
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        deadline = time.monotonic() + 10
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        if thread is not None:
            thread.join(timeout=10)
        self._server = None
        self._thread = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        log.info("sandbox on port %s stopped", self.port)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- what tests use -------------------------------------------------------------------------------

    @property
    def info(self) -> SandboxInfo:
        if not self._started:
            raise RuntimeError("start() the sandbox first")
        return self.app.info

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def hostport(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1" if host == "0.0.0.0" else "[::1]"
        if self.tls and host == "127.0.0.1":
            # HTTPS is addressed by name, as a real ConnectWise site is: Windows' certificate check
            # (CertVerifyCertificateChainPolicy, which truststore uses) matches the server name against the
            # certificate's DNS names only, not its IP addresses (Wine's crypt32 and, per golang/go#37176,
            # Windows itself), so https://127.0.0.1 fails there with "name does not match" (0x800b010f).
            host = "localhost"
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.hostport}"

    def reset(self) -> None:
        """Back to the seeded state, directly (the admin API's ``POST reset`` does the same)."""
        self.state.reset()
