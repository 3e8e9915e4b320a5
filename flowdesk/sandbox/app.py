"""The sandbox as one WSGI application (PEP 3333): ConnectWise, ResolutionFlow and the admin API, with faults.

    app = SandboxApp()                                   # its own seeded state, random keys
    with httpx.Client(transport=app.transport()) as c:   # in process: no socket, no server thread
        c.get(f"{app.info.connectwise.site}/login/companyinfo/{app.info.connectwise.company}")
    admin = app.admin()                                  # SandboxAdmin over the same transport

:class:`flowdesk.sandbox.server.Sandbox` serves the same application over real sockets. A request there
carries ``environ[CONNECTION_KEY]``, through which the app resets or closes the socket (``drop``) and asks
for the connection to close after a streamed body. Without it (in process) those effects become the
httpx exceptions a socket would have produced; see :mod:`flowdesk.sandbox.exchange`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from flowdesk.logs import register_secret
from flowdesk.sandbox.connectwise import ConnectWiseApp
from flowdesk.sandbox.control import AdminApp
from flowdesk.sandbox.exchange import Stream, Unanswered, in_process, over_socket, pipeline, run_in_thread
from flowdesk.sandbox.http import Request
from flowdesk.sandbox.info import SandboxInfo
from flowdesk.sandbox.resolutionflow import ResolutionFlowApp
from flowdesk.sandbox.seed import DEFAULT_COMPANY, iso_ms, new_secrets, utcnow
from flowdesk.sandbox.state import (
    HIDDEN_HEADERS,
    MASK,
    SECRET_BODY_KEYS,
    SandboxState,
    mask_value,
    new_request_id,
)

if TYPE_CHECKING:
    from flowdesk.sandbox.admin import SandboxAdmin

CONNECTION_KEY = "flowdesk.sandbox.connection"  # set by a server that owns the socket (ours)
READ_TIMEOUT_KEY = "flowdesk.sandbox.read_timeout"  # set by SandboxTransport: the client's read timeout, seconds
IN_PROCESS_URL = "https://sandbox.flowdesk.invalid"  # any host reaches an in-process app; this one reaches nothing else
MAX_RECORDED_BODY = 256 * 1024


class SandboxApp:
    """The sandbox's API logic with its own state. ``SandboxApp(url, seed, latency_ms, company)``: ``url`` is
    the address ``info`` names (in process any address reaches the app; a server binds its own)."""

    def __init__(self, *, url: str = IN_PROCESS_URL, seed: bool = True, latency_ms: int = 0, company: str = DEFAULT_COMPANY) -> None:
        self.secrets = new_secrets(company)
        self.register_secrets()
        self.state = SandboxState(self.secrets, seed_data=seed, latency_ms=latency_ms)
        self.connectwise = ConnectWiseApp(self.state)
        self.resolutionflow = ResolutionFlowApp(self.state)
        self.control = AdminApp(self.state, lambda: self.info.as_json())
        self._info = SandboxInfo.of(url.rstrip("/"), self.secrets)
        self._threads: set[threading.Thread] = set()
        self._threads_lock = threading.Lock()
        self._spawn = run_in_thread(self._threads, self._threads_lock)

    # -- what its users see --------------------------------------------------------------------------

    @property
    def info(self) -> SandboxInfo:
        return self._info

    def bind(self, url: str, ca_file: str | None = None) -> None:
        """Name the address a server serves this app on (``info`` then gives it)."""
        self._info = SandboxInfo.of(url.rstrip("/"), self.secrets, ca_file)

    def register_secrets(self) -> None:
        """Make the keys and the password secrets for FlowDesk's log masking (again, after a test forgot them)."""
        for secret in (self.secrets.public_key, self.secrets.private_key, self.secrets.rf_password):
            register_secret(secret)

    def transport(self, **kwargs: Any) -> SandboxTransport:
        """An httpx transport into this app, for ``httpx.Client(transport=...)`` or FlowDesk's clients."""
        return SandboxTransport(self, **kwargs)

    def admin(self, timeout: float = 30.0) -> SandboxAdmin:
        """The admin API (faults, ledger, config, wait, seeding) in process."""
        from flowdesk.sandbox.admin import SandboxAdmin

        return SandboxAdmin(self.info.admin, transport=self.transport(), timeout=timeout)

    def reset(self) -> None:
        """Back to the seeded state (as ``POST /__sandbox__/reset``)."""
        self.state.reset()

    def close(self) -> None:
        """End held requests and streams, and wait for the threads that finish held requests in process."""
        self.state.stop()
        with self._threads_lock:
            threads = list(self._threads)
        for t in threads:
            t.join(10)

    # -- WSGI ------------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        received = utcnow()
        req = Request.from_environ(environ)
        if self.control.owns(req.path):
            return self.control.handle(req).wsgi(start_response, req.method)
        api: Any = None
        name = "other"
        if self.connectwise.owns(req.path):
            api, name = self.connectwise, "connectwise"
        elif self.resolutionflow.owns(req.path):
            api, name = self.resolutionflow, "resolutionflow"
        entry = self.ledger_entry(req, received, new_request_id(), name)
        steps = pipeline(self.state, req, api, entry, received)
        conn = environ.get(CONNECTION_KEY)
        timeout = environ.get(READ_TIMEOUT_KEY)
        outcome = over_socket(self.state, steps) if conn is not None else in_process(self.state, steps, timeout, self._spawn)
        if isinstance(outcome, Unanswered):  # over a socket only: in process it raised
            assert conn is not None
            conn.end(outcome.how)
            start_response("502 Bad Gateway", [("Content-Length", "0")])  # never written: the connection ends
            return []
        if outcome.stream is None:
            return outcome.response.wsgi(start_response, req.method)
        if conn is not None:
            conn.close_after()
        stream = Stream(self.state, outcome, in_process=conn is None, timeout=timeout)
        outcome.response.start(start_response, length=stream.length())
        return iter(stream)

    def ledger_entry(self, req: Request, received: datetime, request_id: str, api: str) -> dict[str, Any]:
        """What the ledger keeps of a request: no Authorization/Cookie, secret values masked."""
        headers = {k: v for k, v in req.headers.items() if k not in HIDDEN_HEADERS}
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
            "auth_sent": "authorization" in req.headers,  # whether an Authorization header came, never what
            "request_id": request_id,
            "status": None,
            "outcome": None,
            "fault": None,
        }


class SandboxTransport(httpx.WSGITransport):
    """``httpx.WSGITransport`` into a :class:`SandboxApp` that also tells the app each request's read
    timeout, so that a delay or hold longer than it ends in ``httpx.ReadTimeout`` (a plain
    ``WSGITransport`` works too, but knows no timeout: every wait is then waited out)."""

    def __init__(self, app: SandboxApp, **kwargs: Any) -> None:
        super().__init__(app=app, **kwargs)
        self.sandbox = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        read = (request.extensions.get("timeout") or {}).get("read")
        sandbox = self.sandbox

        def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            environ[READ_TIMEOUT_KEY] = read
            return sandbox(environ, start_response)

        inner = httpx.WSGITransport(
            app=app,
            raise_app_exceptions=self.raise_app_exceptions,
            script_name=self.script_name,
            remote_addr=self.remote_addr,
            wsgi_errors=self.wsgi_errors,
        )
        return inner.handle_request(request)
