"""One API request through the faults: the pipeline, written once, and what its effects become.

:func:`pipeline` is a generator. It yields where time passes (:class:`Delay`) or where the request is
held (:class:`Hold`), and returns what happened: :class:`Answered` or :class:`Unanswered` (the
connection ends without a response). Order of effects::

    latency → delay_ms → hold(before) → drop(before) → redirect | status without store | handler
    → delay_after_store_ms → hold(after) → drop(after) → status with store → body / json → headers

Two drivers run it:

* :func:`over_socket` — our server put a :class:`Connection` in the environ: delays are waited, holds
  block until released, no answer ends the socket (an RST with ``SO_LINGER`` 0, or a FIN).
* :func:`in_process` — no socket (``httpx.WSGITransport``): what the client would have seen is raised as
  the httpx exception the socket would have produced (``ReadError`` for a reset, ``RemoteProtocolError``
  for a close, ``ReadTimeout`` for a wait longer than the client's read timeout), with the server's side
  done exactly as a server would do it (a note is stored; a held request goes on when released).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx

from flowdesk.logs import get_logger
from flowdesk.sandbox.faults import Fault
from flowdesk.sandbox.http import REASONS, Request, Response, dumps, html_response, json_response
from flowdesk.sandbox.seed import iso_ms, utcnow
from flowdesk.sandbox.state import SandboxState

log = get_logger("sandbox")

BLOCK = b" " * 65536


class Connection(Protocol):
    """What a server that owns the socket offers the app (``environ[CONNECTION_KEY]``)."""

    def end(self, how: str) -> None:
        """Write nothing for this request and end the connection: ``reset`` (RST) or ``close`` (FIN)."""

    def close_after(self) -> None:
        """Close the connection once this response is written (a streamed body fault)."""


class Api(Protocol):
    def handle(self, req: Request) -> Response: ...
    def fault_response(self, status: int) -> Response: ...
    def decorate(self, resp: Response, request_id: str) -> None: ...


@dataclass
class Delay:
    seconds: float
    generation: int  # the reset generation the request started in: a reset since then cuts the wait short


@dataclass
class Hold:
    info: dict[str, Any]


@dataclass
class Answered:
    response: Response
    entry: dict[str, Any]
    received: datetime
    stream: Fault | None = None  # a body_bytes / endless / trickle fault: recorded when its body ends


@dataclass
class Unanswered:
    how: str  # "reset" | "close"


Outcome = Answered | Unanswered
Steps = Generator[Delay | Hold, bool | None, Outcome]


# ---------------------------------------------------------------------------------------- pipeline


def pipeline(state: SandboxState, req: Request, api: Api | None, entry: dict[str, Any], received: datetime) -> Steps:
    with state.cond:
        latency = state.config.latency_ms
        generation = state.reset_generation
    entry["delays_ms"] = latency
    yield Delay(latency / 1000.0, generation)
    fault = state.take_fault(req.method, req.path)
    if fault is not None:
        entry["fault"] = fault.id
        entry["delays_ms"] += fault.delay_ms + fault.delay_after_store_ms
        yield Delay(fault.delay_ms / 1000.0, generation)
        if fault.hold == "before_store" and not (yield _hold(req, entry, "before_store")):
            return _unanswered(state, entry, "aborted", "reset")
        if fault.drop == "before_store":
            return _unanswered(state, entry, "dropped", fault.drop_with)

    if fault is not None and fault.redirect is not None:
        resp = Response(fault.status or 302, b"", [("Location", fault.redirect)])
    elif fault is not None and fault.status is not None and not fault.store:
        resp = _fault_response(api, fault)
    else:
        resp = _safe(api, req)
        if fault is not None:
            yield Delay(fault.delay_after_store_ms / 1000.0, generation)
            if fault.hold == "after_store" and not (yield _hold(req, entry, "after_store")):
                return _unanswered(state, entry, "aborted", "reset")
            if fault.drop == "after_store":
                return _unanswered(state, entry, "dropped", fault.drop_with)
            if fault.status is not None:
                resp = _fault_response(api, fault)
    if fault is not None:
        resp = _override_body(resp, fault)
    if api is not None:
        api.decorate(resp, entry["request_id"])
    if fault is not None:
        for name, value in fault.headers.items():
            resp.set_header(name, value)
    entry["status"] = resp.status
    entry["outcome"] = "answered"
    if fault is not None and fault.streams:
        return Answered(resp, entry, received, fault)
    finish(state, entry, received, "answered")
    return Answered(resp, entry, received)


def finish(state: SandboxState, entry: dict[str, Any], received: datetime, outcome: str) -> None:
    """Record a request in the ledger with its outcome and duration."""
    entry["outcome"] = outcome
    entry["duration_ms"] = round((utcnow() - received).total_seconds() * 1000, 3)
    state.record_request(entry)


def _hold(req: Request, entry: dict[str, Any], phase: str) -> Hold:
    return Hold({"method": req.method, "path": req.path, "phase": phase, "request_id": entry["request_id"], "time": iso_ms(utcnow())})


def _unanswered(state: SandboxState, entry: dict[str, Any], outcome: str, how: str) -> Unanswered:
    entry["status"] = None
    entry["outcome"] = outcome
    state.record_request(entry)
    return Unanswered(how)


def _fault_response(api: Api | None, fault: Fault) -> Response:
    status = fault.status or 503
    resp = api.fault_response(status) if api is not None else json_response(status, {"detail": "fault"})
    if fault.retry_after is not None:
        resp.set_header("Retry-After", str(fault.retry_after))
    return resp


def _safe(api: Api | None, req: Request) -> Response:
    if api is None:
        return json_response(404, {"detail": "Not Found"})
    try:
        return api.handle(req)
    except Exception:  # a sandbox bug must still answer (in the API's own error shape), and loudly in the log
        log.exception("sandbox handler failed for %s %s", req.method, req.path)
        return api.fault_response(500)


def _override_body(resp: Response, fault: Fault) -> Response:
    """``json`` (that very JSON) or ``body``: ``html`` / ``malformed_json`` / ``empty`` / ``binary``; the
    status and the other headers stay."""
    if not fault.has_json and fault.body is None:
        return resp
    headers = [(k, v) for k, v in resp.headers if k.lower() != "content-type"]
    json_type = [("Content-Type", "application/json; charset=utf-8")]
    if fault.has_json:
        return Response(resp.status, dumps(fault.json), json_type + headers)
    if fault.body == "html":
        page = html_response(resp.status, REASONS.get(resp.status, "Error"))
        return Response(resp.status, page.body, page.headers + headers)
    if fault.body == "malformed_json":
        return Response(resp.status, b'{"code": "ConnectWiseApi", "message": "trunc', json_type + headers)
    if fault.body == "binary":
        return Response(resp.status, b"\x00\xff\xfe garbage \x80\x81", [("Content-Type", "application/octet-stream"), *headers])
    return Response(resp.status, b"", json_type + headers)


# ----------------------------------------------------------------------------------------- drivers


def over_socket(state: SandboxState, steps: Steps) -> Outcome:
    """Run the pipeline for a server: real waits (cut short by reset/stop), holds until released."""
    reply: bool | None = None
    try:
        while True:
            step = steps.send(reply)
            if isinstance(step, Delay):
                state.sleep(step.seconds, step.generation)
                reply = None
            else:
                reply = state.hold(step.info)
    except StopIteration as done:
        return done.value


def in_process(state: SandboxState, steps: Steps, timeout: float | None, spawn: Callable[[Callable[[], None]], None]) -> Outcome:
    """Run the pipeline for an in-process client whose read timeout is ``timeout`` seconds (None: it has
    none). A wait that outlasts the timeout is not waited: the server's side is done at once and the client
    gets ``httpx.ReadTimeout``. A hold blocks the caller for at most what is left of the timeout; then the
    caller gets ``ReadTimeout`` and the held exchange goes on in a thread (``spawn``) as a server's would."""
    silent = 0.0  # how long the server has kept quiet so far
    timed_out = False
    reply: bool | None = None
    try:
        while True:
            step = steps.send(reply)
            reply = None
            if isinstance(step, Delay):
                if timeout is not None and silent + step.seconds > timeout:
                    timed_out = True  # the client gives up before this wait ends: do not wait for it
                elif not timed_out:
                    state.sleep(step.seconds, step.generation)
                silent += step.seconds
                continue
            record = state.begin_hold(step.info)
            left = None if timeout is None else (0.0 if timed_out else max(0.0, timeout - silent))
            result = state.end_hold(record, left)
            if result is None:  # still held when the client gives up
                spawn(functools.partial(_finish_held, state, steps, record))
                raise httpx.ReadTimeout("timed out")
            reply = result == "released"
    except StopIteration as done:
        outcome: Outcome = done.value
    if timed_out:
        if isinstance(outcome, Answered) and outcome.stream is not None:
            finish(state, outcome.entry, outcome.received, "client_gone")
        raise httpx.ReadTimeout("timed out")
    if isinstance(outcome, Unanswered):
        raise unanswered_error(outcome.how)
    return outcome


def _finish_held(state: SandboxState, steps: Steps, record: dict[str, Any]) -> None:
    """The rest of an exchange whose client stopped waiting during a hold: what a server thread would do."""
    try:
        outcome = over_socket(state, _resume(steps, state.end_hold(record) == "released"))
    except Exception:  # noqa: BLE001 - a background thread: log, never raise into nowhere
        log.exception("sandbox: finishing a held request failed")
        return
    if isinstance(outcome, Answered) and outcome.stream is not None:
        finish(state, outcome.entry, outcome.received, "client_gone")


def _resume(steps: Steps, first: bool) -> Steps:
    """``steps``, continued by sending ``first`` (the hold's result) as the answer to its pending yield."""
    try:
        step = steps.send(first)
        while True:
            reply = yield step
            step = steps.send(reply)
    except StopIteration as done:
        return done.value


def unanswered_error(how: str) -> httpx.TransportError:
    """What httpx raises when a server ends the connection after reading the request and before answering."""
    if how == "close":
        return httpx.RemoteProtocolError("Server disconnected without sending a response.")
    exc = httpx.ReadError("[Errno 104] Connection reset by peer")
    exc.__cause__ = ConnectionResetError(104, "Connection reset by peer")  # as httpx's own: the OS error is its cause
    return exc


# ----------------------------------------------------------------------------------------- streams


@dataclass
class Stream:
    """The body of a ``body_bytes`` / ``endless`` / ``trickle_ms`` fault, written block by block (never held
    whole in memory) and recorded in the ledger when it ends: ``streamed`` (all of it) or ``client_gone``
    (the client left, or a reset or stop cut it). In process a cut body raises what httpx would raise."""

    state: SandboxState
    answer: Answered
    in_process: bool
    timeout: float | None = None
    generation: int = field(init=False)

    def __post_init__(self) -> None:
        with self.state.cond:
            self.generation = self.state.reset_generation

    def length(self) -> int:
        """The ``Content-Length`` to announce (-1: none, the body is chunked)."""
        fault = self.answer.stream
        assert fault is not None
        if fault.endless:
            return -1
        return fault.body_bytes or len(self.answer.response.body)

    def __iter__(self) -> Iterator[bytes]:
        fault = self.answer.stream
        assert fault is not None
        outcome = "client_gone"
        try:
            if fault.endless:
                yield b"["
                while not self._cut():
                    yield BLOCK
                self._raise_cut(None)
            elif fault.body_bytes:
                left = fault.body_bytes - 2
                yield b"["
                while left > 0:
                    if self._cut():
                        self._raise_cut(fault.body_bytes - 1 - left)
                        return
                    n = min(left, len(BLOCK))
                    yield BLOCK[:n]
                    left -= n
                yield b"]"
                outcome = "streamed"
            else:
                body = self.answer.response.body
                pause = fault.trickle_ms / 1000.0
                for i in range(len(body)):
                    yield body[i : i + 1]
                    if i + 1 == len(body):
                        break
                    if self.in_process and self.timeout is not None and pause > self.timeout:
                        raise httpx.ReadTimeout("timed out")  # the next byte comes later than the client waits
                    self.state.sleep(pause, self.generation)
                    if self._cut():
                        self._raise_cut(i + 1)
                        return
                outcome = "streamed"
        finally:
            finish(self.state, self.answer.entry, self.answer.received, outcome)

    def _cut(self) -> bool:
        return self.state.interrupted_since(self.generation)

    def _raise_cut(self, received: int | None) -> None:
        """Over a socket the server just closes; in process, what httpx says about a body cut short."""
        if not self.in_process:
            return
        if received is None:
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body: incomplete chunked read")
        raise httpx.RemoteProtocolError(
            f"peer closed connection without sending complete message body: received {received} bytes, expected {self.length()}"
        )


def run_in_thread(threads: set[threading.Thread], lock: threading.Lock) -> Callable[[Callable[[], None]], None]:
    """A ``spawn`` for :func:`in_process` that keeps its threads in ``threads`` (to be joined on close)."""

    def spawn(fn: Callable[[], None]) -> None:
        def target() -> None:
            try:
                fn()
            finally:
                with lock:
                    threads.discard(threading.current_thread())

        t = threading.Thread(target=target, name="flowdesk-sandbox-held", daemon=True)
        with lock:
            threads.add(t)
        t.start()

    return spawn
