"""The admin API under ``/__sandbox__/`` (loopback peers only).

=======================  =========================================================================
``GET  ledger``          ``{"notes", "time_entries", "requests"}`` (notes/time entries created through the
                         API since the last reset; every non-admin request received, secrets masked)
``GET  faults``          the active faults (with ``times`` left and ``applied`` counts)
``POST faults``          add one fault (JSON spec, see :class:`flowdesk.sandbox.faults.Fault`) → ``{"id"}``
``DELETE faults``        clear every fault; ``DELETE faults/{id}`` removes one
``POST reset``           back to the seeded state (config, data, tokens, ledger, faults; held requests aborted)
``GET|POST config``      read / change settings (see ``SandboxState.apply_config``) → the whole config
``POST sessions``        upsert ResolutionFlow sessions (a JSON list of raw dicts, stored as-is)
``POST notes``           put notes on tickets as another member would have (any shape) → the stored notes
``POST time_entries``    time entries someone else entered (any shape) → the stored entries
``GET  wait``            ``what=notes|time_entries|requests|held&count=N&timeout=S`` [+ filters] → 200 or 408
``GET  held``            the requests held right now
``POST release``         release every held request → ``{"released": n}``
``GET  info``            the sandbox's connection details (what ``flowdesk sandbox`` prints)
=======================  =========================================================================
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from flowdesk.sandbox.http import BadJson, Request, Response, Router, json_response, raw_json_response, route
from flowdesk.sandbox.state import ConfigError, SandboxState

PREFIX = "/__sandbox__"
MAX_WAIT_SECONDS = 600.0


def is_loopback(peer: str) -> bool:
    try:
        addr = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(addr, "ipv4_mapped", None)
    return bool((mapped or addr).is_loopback)


def _bad(message: str, status: int = 400) -> Response:
    return json_response(status, {"error": message})


class AdminApp:
    def __init__(self, state: SandboxState, info: Callable[[], dict[str, Any]]) -> None:
        self.state = state
        self.info = info
        self.router = Router.of(self)

    @staticmethod
    def owns(path: str) -> bool:
        return path == PREFIX or path.startswith(PREFIX + "/")

    def handle(self, req: Request) -> Response:
        if not is_loopback(req.peer):
            return _bad("the sandbox admin API only answers loopback clients", 403)
        rest = re.sub(r"/+$", "", req.path[len(PREFIX) :]) or "/"
        handler, groups, known = self.router.match(req.method, rest)
        if handler is None:
            return _bad("method not allowed", 405) if known else _bad(f"no admin endpoint {req.path}", 404)
        try:
            return handler(req, **groups)
        except ConfigError as exc:
            return _bad(str(exc))
        except BadJson as exc:
            return _bad(f"the body is not JSON: {exc}")

    @route("GET", r"/ledger")
    def ledger(self, req: Request) -> Response:
        return raw_json_response(200, self.state.ledger_json())

    @route("GET POST DELETE", r"/faults")
    def faults(self, req: Request) -> Response:
        if req.method == "POST":
            fault = self.state.add_fault(req.json)
            return json_response(201, {"id": fault.id, "fault": fault.as_dict()})
        if req.method == "DELETE":
            return json_response(200, {"cleared": self.state.clear_faults()})
        return json_response(200, self.state.fault_list())

    @route("DELETE", r"/faults/(?P<fid>\d+)")
    def delete_fault(self, req: Request, fid: str) -> Response:
        if self.state.remove_fault(int(fid)):
            return json_response(200, {"removed": int(fid)})
        return _bad(f"no fault {fid}", 404)

    @route("POST", r"/reset")
    def reset(self, req: Request) -> Response:
        self.state.reset()
        return json_response(200, {"reset": True})

    @route("GET POST", r"/config")
    def config(self, req: Request) -> Response:
        if req.method == "POST":
            return json_response(200, self.state.apply_config(req.json))
        return json_response(200, self.state.config_dict())

    @route("POST", r"/sessions")
    def sessions(self, req: Request) -> Response:
        body = req.json
        if isinstance(body, dict) and isinstance(body.get("sessions"), list):
            body = body["sessions"]
        if not isinstance(body, list):
            raise ConfigError("sessions takes a JSON list of session objects")
        with self.state.cond:
            inserted, updated = self.state.sessions.upsert(body)
            total = len(self.state.sessions)
        return json_response(200, {"inserted": inserted, "updated": updated, "total": total})

    @route("POST", r"/notes")
    def notes(self, req: Request) -> Response:
        return json_response(201, self.state.seed_notes(req.json))

    @route("POST", r"/time_entries")
    def time_entries(self, req: Request) -> Response:
        return json_response(201, self.state.seed_time_entries(req.json))

    @route("GET", r"/wait")
    def wait(self, req: Request) -> Response:
        q = dict(req.query)
        what = q.pop("what", "")
        try:
            count = int(q.pop("count", "1"))
            timeout = float(q.pop("timeout", "10"))
        except ValueError:
            raise ConfigError("count must be an integer and timeout a number of seconds") from None
        if count < 0 or not 0 <= timeout <= MAX_WAIT_SECONDS:
            raise ConfigError(f"count must be >= 0 and timeout between 0 and {MAX_WAIT_SECONDS:g} seconds")
        reached, current = self.state.wait(what, count, timeout, q)
        body = {"what": what, "count": count, "current": current, "reached": reached}
        return json_response(200 if reached else 408, body)

    @route("GET", r"/held")
    def held(self, req: Request) -> Response:
        return json_response(200, self.state.held_list())

    @route("POST", r"/release")
    def release(self, req: Request) -> Response:
        return json_response(200, {"released": self.state.release()})

    @route("GET", r"/info")
    def get_info(self, req: Request) -> Response:
        return json_response(200, self.info())
