"""The sandbox server: a stdlib ``ThreadingHTTPServer`` serving ConnectWise, ResolutionFlow and the admin API.

One request goes through :meth:`_Handler.dispatch`::

    read → (admin? answer, not recorded) → latency → fault: delay → hold(before) → drop(before)
         → status fault without store? error : handler (may store) → delay_after_store → hold(after)
         → drop(after) → status fault with store? error → body override → record in the ledger → write
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import ssl
import struct
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flowdesk import CONNECTWISE_CLIENT_ID
from flowdesk.logs import get_logger, register_secret
from flowdesk.sandbox import tls
from flowdesk.sandbox.connectwise import ConnectWiseApp
from flowdesk.sandbox.control import AdminApp
from flowdesk.sandbox.http import REASONS, Request, Response, html_response, json_response
from flowdesk.sandbox.resolutionflow import ResolutionFlowApp
from flowdesk.sandbox.state import (
    HIDDEN_HEADERS,
    MASK,
    SECRET_BODY_KEYS,
    Fault,
    SandboxState,
    iso_ms,
    mask_value,
    new_request_id,
    new_secrets,
    utcnow,
)

log = get_logger("sandbox")

MAX_RECORDED_BODY = 256 * 1024


# --------------------------------------------------------------------------------------------- info


@dataclass(frozen=True)
class ConnectWiseInfo:
    site: str  # "http://127.0.0.1:PORT" (scheme included)
    company: str
    public_key: str
    private_key: str = field(repr=False)
    client_id: str


@dataclass(frozen=True)
class ResolutionFlowInfo:
    url: str  # the server root; routes live under /api/v1
    email: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class SandboxInfo:
    connectwise: ConnectWiseInfo
    resolutionflow: ResolutionFlowInfo
    admin: str  # URL of /__sandbox__/
    ca_file: str | None

    def ssl_context(self) -> ssl.SSLContext | None:
        """A client context trusting only the sandbox's CA (``verify=`` for httpx); None without TLS."""
        return client_ssl_context(self.ca_file) if self.ca_file else None

    def as_json(self) -> dict[str, Any]:
        """Exactly what ``flowdesk sandbox`` prints on its first line."""
        cw, rf = self.connectwise, self.resolutionflow
        return {
            "connectwise": {
                "site": cw.site,
                "company": cw.company,
                "public_key": cw.public_key,
                "private_key": cw.private_key,
                "client_id": cw.client_id,
            },
            "resolutionflow": {"url": rf.url, "email": rf.email, "password": rf.password},
            "admin": self.admin,
            "ca_file": self.ca_file,
        }


def client_ssl_context(ca_file: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file)


# ------------------------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: Sandbox, ssl_context: ssl.SSLContext | None, family: int) -> None:
        self.address_family = family
        self.sandbox = sandbox
        self.ssl_context = ssl_context
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
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # -- reading and writing ----------------------------------------------------------------------

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

    def _write(self, resp: Response) -> None:
        reason = REASONS.get(resp.status, "Unknown")
        lines = [f"HTTP/1.1 {resp.status} {reason}", f"Server: {self.server_version}", f"Date: {self.date_time_string()}"]
        for k, v in resp.headers:
            lines.append(f"{k}: {v}")
        lines.append(f"Content-Length: {len(resp.body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        payload = head if self.command == "HEAD" else head + resp.body
        try:
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True
            log.debug("client went away before the response to %s %s", self.command, self.path)

    def _drop(self) -> None:
        """Close without any response: a reset (SO_LINGER 0) once the handler thread lets go."""
        self.close_connection = True
        self._reset_on_close = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    # -- the pipeline -------------------------------------------------------------------------------

    def dispatch(self) -> None:
        sandbox = self.server.sandbox
        state = sandbox.state
        received = utcnow()
        body = self._read_body()
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or sandbox.hostport
        req = Request(
            method=self.command,
            path=unquote(parts.path) or "/",
            raw_query=parts.query,
            headers=self.headers,
            body=body,
            peer=self.client_address[0],
            scheme=sandbox.scheme,
            host=host,
        )
        if sandbox.admin_app.owns(req.path):
            self._write(self._safe(sandbox.admin_app, req))
            return

        if sandbox.cw_app.owns(req.path):
            app: Any = sandbox.cw_app
            api = "connectwise"
        elif sandbox.rf_app.owns(req.path):
            app, api = sandbox.rf_app, "resolutionflow"
        else:
            app, api = None, "other"
        request_id = new_request_id()
        entry = sandbox.ledger_entry(req, received, request_id, api)

        with state.cond:
            latency = state.config.latency_ms
        entry["delays_ms"] = latency
        state.sleep(latency / 1000.0)
        fault = state.take_fault(req.method, req.path)
        if fault is not None:
            entry["fault"] = fault.id
            entry["delays_ms"] += fault.delay_ms + fault.delay_after_store_ms
            state.sleep(fault.delay_ms / 1000.0)
            if fault.hold == "before_store" and not self._hold(state, req, entry, "before_store"):
                return
            if fault.drop == "before_store":
                self._finish_dropped(state, entry, "dropped")
                return

        if fault is not None and fault.redirect is not None:
            resp = Response(fault.status or 302, b"", [("Location", fault.redirect)])
        elif fault is not None and fault.status is not None and not fault.store:
            resp = self._fault_response(app, fault)
        else:
            resp = self._safe(app, req) if app is not None else json_response(404, {"detail": "Not Found"})
            if fault is not None:
                state.sleep(fault.delay_after_store_ms / 1000.0)
                if fault.hold == "after_store" and not self._hold(state, req, entry, "after_store"):
                    return
                if fault.drop == "after_store":
                    self._finish_dropped(state, entry, "dropped")
                    return
                if fault.status is not None:
                    resp = self._fault_response(app, fault)
        if fault is not None and fault.body is not None:
            resp = _override_body(resp, fault.body)
        if app is not None:
            app.decorate(resp, request_id)
        entry["status"] = resp.status
        entry["outcome"] = "answered"
        if fault is not None and (fault.body_bytes or fault.endless or fault.trickle_ms):
            entry["outcome"] = self._stream(state, resp, fault)
            entry["duration_ms"] = round((utcnow() - received).total_seconds() * 1000, 3)
            state.record_request(entry)
            return
        entry["duration_ms"] = round((utcnow() - received).total_seconds() * 1000, 3)
        state.record_request(entry)
        self._write(resp)

    def _stream(self, state: SandboxState, resp: Response, fault: Fault) -> str:
        """The body faults a hostile or broken server showed: ``body_bytes`` (an oversized body, written
        64 KiB at a time, never held in memory), ``endless`` (a chunked body that never ends) and
        ``trickle_ms`` (the real body, one byte every so many milliseconds). Each ends when the client goes
        away, or at a reset or stop. Returns the ledger outcome: ``streamed`` (all of it written) or
        ``client_gone``."""
        self.close_connection = True
        with state.cond:
            generation = state.reset_generation
        headers = [(k, v) for k, v in resp.headers if k.lower() not in ("content-length", "transfer-encoding")]
        if fault.endless:
            headers.append(("Transfer-Encoding", "chunked"))
        else:
            size = fault.body_bytes if fault.body_bytes else len(resp.body)
            headers.append(("Content-Length", str(size)))
        reason = REASONS.get(resp.status, "Unknown")
        lines = [f"HTTP/1.1 {resp.status} {reason}", f"Server: {self.server_version}", f"Date: {self.date_time_string()}"]
        lines += [f"{k}: {v}" for k, v in headers]
        lines.append("Connection: close")
        block = b" " * 65536
        try:
            self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"))
            if fault.endless:
                self.wfile.write(b"1\r\n[\r\n")
                while not state.interrupted_since(generation):
                    self.wfile.write(b"10000\r\n" + block + b"\r\n")
                return "client_gone"
            if fault.body_bytes:
                left = fault.body_bytes - 2
                self.wfile.write(b"[")
                while left > 0:
                    if state.interrupted_since(generation):
                        return "client_gone"
                    n = min(left, len(block))
                    self.wfile.write(block[:n])
                    left -= n
                self.wfile.write(b"]")
                return "streamed"
            for i in range(len(resp.body)):
                self.wfile.write(resp.body[i : i + 1])
                self.wfile.flush()
                state.sleep(fault.trickle_ms / 1000.0)
                if state.interrupted_since(generation):
                    return "client_gone"
            return "streamed"
        except OSError:
            return "client_gone"

    def _hold(self, state: SandboxState, req: Request, entry: dict[str, Any], phase: str) -> bool:
        released = state.hold(
            {"method": req.method, "path": req.path, "phase": phase, "request_id": entry["request_id"], "time": iso_ms(utcnow())}
        )
        if not released:  # reset or stop: the request never completes
            self._finish_dropped(state, entry, "aborted")
        return released

    def _finish_dropped(self, state: SandboxState, entry: dict[str, Any], outcome: str) -> None:
        entry["status"] = None
        entry["outcome"] = outcome
        state.record_request(entry)
        self._drop()

    @staticmethod
    def _fault_response(app: Any, fault: Fault) -> Response:
        status = fault.status or 503
        resp = app.fault_response(status) if app is not None else json_response(status, {"detail": "fault"})
        if fault.retry_after is not None:
            resp.set_header("Retry-After", str(fault.retry_after))
        return resp

    @staticmethod
    def _safe(app: Any, req: Request) -> Response:
        try:
            return app.handle(req)
        except Exception:  # a sandbox bug must still answer (in the API's own error shape), and loudly in the log
            log.exception("sandbox handler failed for %s %s", req.method, req.path)
            if hasattr(app, "fault_response"):
                return app.fault_response(500)
            return json_response(500, {"error": "sandbox internal error"})


def _override_body(resp: Response, kind: str) -> Response:
    """``html`` / ``malformed_json`` / ``empty``: keep the status (and headers), replace the body."""
    headers = [(k, v) for k, v in resp.headers if k.lower() != "content-type"]
    if kind == "html":
        page = html_response(resp.status, REASONS.get(resp.status, "Error"))
        return Response(resp.status, page.body, page.headers + headers)
    if kind == "malformed_json":
        return Response(resp.status, b'{"code": "ConnectWiseApi", "message": "trunc', [("Content-Type", "application/json; charset=utf-8"), *headers])
    return Response(resp.status, b"", [("Content-Type", "application/json; charset=utf-8"), *headers])


# ------------------------------------------------------------------------------------------ Sandbox


class Sandbox:
    """A loopback ConnectWise + ResolutionFlow emulation with fault injection.

    ``Sandbox(host, port, tls, latency_ms, seed, cert_dir)``; ``start()`` returns once the socket accepts
    connections; ``info`` holds the URLs and the (random, per start) credentials; ``stop()`` ends it.
    Usable as a context manager. ``seed=False`` starts with no ResolutionFlow sessions and no ticket
    history notes (the 17 tickets are always there).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        latency_ms: int = 0,
        seed: bool = True,
        cert_dir: str | Path | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.cert_dir = Path(cert_dir) if cert_dir is not None else None
        self.secrets = new_secrets()
        for s in (self.secrets.public_key, self.secrets.private_key, self.secrets.rf_password):
            register_secret(s)
        self.state = SandboxState(self.secrets, seed=seed, latency_ms=latency_ms)
        self.cw_app = ConnectWiseApp(self.state)
        self.rf_app = ResolutionFlowApp(self.state)
        self.admin_app = AdminApp(self.state, lambda: self.info.as_json())
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: Path | None = None
        self._info: SandboxInfo | None = None

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        ctx = None
        ca_file = None
        if self.tls:
            cert_dir = self.cert_dir
            if cert_dir is None:
                self._tmpdir = Path(tempfile.mkdtemp(prefix="flowdesk-sandbox-tls-"))
                cert_dir = self._tmpdir
            files = tls.generate(cert_dir, [self.host])
            ctx = tls.server_context(files)
            ca_file = str(files.ca_file)
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self.state.stopping.clear()
        self._server = _Server((self.host, self.port), self, ctx, family)
        port = self._server.server_address[1]
        self.port = port
        self._info = self._make_info(port, ca_file)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"flowdesk-sandbox-{port}", daemon=True
        )
        self._thread.start()
        log.info("sandbox listening on %s (tls=%s)", self.url, self.tls)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self.state.stop()  # wakes holds (aborted), waits and latency sleeps
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
        if self._info is None:
            raise RuntimeError("start() the sandbox first")
        return self._info

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def hostport(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1" if host == "0.0.0.0" else "[::1]"
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.hostport}"

    def reset(self) -> None:
        """Back to the seeded state, directly (the admin API's ``POST reset`` does the same)."""
        self.state.reset()

    def _make_info(self, port: int, ca_file: str | None) -> SandboxInfo:
        s = self.secrets
        return SandboxInfo(
            connectwise=ConnectWiseInfo(
                site=self.url,
                company=s.company,
                public_key=s.public_key,
                private_key=s.private_key,
                client_id=CONNECTWISE_CLIENT_ID,
            ),
            resolutionflow=ResolutionFlowInfo(url=self.url, email=s.rf_email, password=s.rf_password),
            admin=f"{self.url}/__sandbox__/",
            ca_file=ca_file,
        )

    def ledger_entry(self, req: Request, received: Any, request_id: str, api: str) -> dict[str, Any]:
        """What the ledger keeps of a request: no Authorization/Cookie, secret values masked."""
        headers = {k: v for k, v in req.lower_headers.items() if k not in HIDDEN_HEADERS}
        query = {k: (MASK if k.lower() in SECRET_BODY_KEYS else v) for k, v in req.query.items()}
        body: Any = None
        if req.body:
            raw = req.body[:MAX_RECORDED_BODY]
            if req.content_type == "application/x-www-form-urlencoded":
                body = dict(req.form)
            else:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
            if len(req.body) > MAX_RECORDED_BODY:
                body = {"truncated": True, "bytes": len(req.body)}
        secrets_ = [self.secrets.private_key, self.secrets.rf_password]
        return {
            "time": iso_ms(received),
            "method": req.method,
            "path": req.path,
            "query": mask_value(query, secrets_),
            "headers": mask_value(headers, secrets_),
            "body": mask_value(body, secrets_),
            "api": api,
            "auth_sent": "authorization" in req.lower_headers,  # whether an Authorization header came, never what
            "request_id": request_id,
            "status": None,
            "outcome": None,
            "fault": None,
        }
