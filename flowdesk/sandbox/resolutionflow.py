"""The ResolutionFlow side of the sandbox (``/api/v1``, FastAPI-style ``{"detail": ...}`` errors).

Follows ``/work/shared/reference/resolutionflow.md`` §2 (cited as "rf §2.N"). Auth is JWT bearer with a
5-minute access token and a rotating refresh token (rf §2.4). Choices where the reference is silent are
marked ``CHOICE``.
"""

from __future__ import annotations

import copy
import hmac
import math
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flowdesk.sandbox import jwt
from flowdesk.sandbox.http import BadJson, Request, Response, Router, json_response, raw_json_response, route
from flowdesk.sandbox.seed import MEMBER_NAME, RF_ACCOUNT_ID, RF_USER_ID
from flowdesk.sandbox.sessions import parse_iso
from flowdesk.sandbox.state import SandboxState

PREFIX = "/api/v1"
BEARER = [("WWW-Authenticate", "Bearer")]
MAX_PAGE_SIZE = 100  # CHOICE: rf §2.2 does not say; FastAPI apps commonly cap at 100
DEFAULT_PAGE_SIZE = 20

FAULT_DETAILS = {
    400: "Bad Request",
    401: "Could not validate credentials",
    402: "An active subscription is required to use this feature.",
    403: "Insufficient permissions",
    404: "Not Found",
    409: "Conflict",
    429: "Rate limit exceeded: 60 per 1 minute",  # slowapi's wording (rf §2.1: FastAPI + slowapi)
    500: "Internal Server Error",
}


def detail(status: int, text: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return json_response(status, {"detail": text}, headers)


def validation_error(loc: list[str], kind: str, msg: str, value: Any, ctx: dict[str, Any] | None = None) -> Response:
    """FastAPI's 422 body."""
    item: dict[str, Any] = {"type": kind, "loc": loc, "msg": msg, "input": value}
    if ctx:
        item["ctx"] = ctx
    return json_response(422, {"detail": [item]})


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ResolutionFlowApp:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.router = Router.of(self)

    @staticmethod
    def owns(path: str) -> bool:
        return path == PREFIX or path.startswith(PREFIX + "/")

    def decorate(self, resp: Response, request_id: str) -> None:
        resp.set_header("x-request-id", request_id)

    def fault_response(self, status: int) -> Response:
        return detail(status, FAULT_DETAILS.get(status, "Service Unavailable"))

    def handle(self, req: Request) -> Response:
        rest = req.path[len(PREFIX) :].rstrip("/") or "/"
        handler, groups, known = self.router.match(req.method, rest)
        if handler is None:
            return detail(405, "Method Not Allowed") if known else detail(404, "Not Found")
        return handler(req, **groups)

    # -- tokens -----------------------------------------------------------------------------------

    def _issue(self, *, auth_time: float | None = None) -> dict[str, Any]:
        """A new access + refresh pair; the refresh token's jti is remembered for rotation (rf §2.4)."""
        s = self.state.secrets
        now = time.time()
        with self.state.cond:
            rf = copy.deepcopy(self.state.config.resolutionflow)
            generation = self.state.access_generation
        auth_time = now if auth_time is None else auth_time
        access_exp = math.ceil(now + rf.access_ttl)
        refresh_exp = math.ceil(now + rf.refresh_ttl)
        access = jwt.encode(
            {"sub": RF_USER_ID, "email": s.rf_email, "type": "access", "iat": int(now), "exp": access_exp,
             "jti": uuid.uuid4().hex, "gen": generation},
            s.jwt_key,
        )  # fmt: skip
        refresh_jti = uuid.uuid4().hex
        idle_max = rf.refresh_ttl
        abs_max = 14 * 24 * 3600
        refresh = jwt.encode(
            {"sub": RF_USER_ID, "type": "refresh", "iat": int(now), "exp": refresh_exp, "jti": refresh_jti,
             "auth_time": int(auth_time), "idle_max": idle_max, "abs_max": abs_max},
            s.jwt_key,
        )  # fmt: skip
        with self.state.cond:
            self.state.refresh_tokens[refresh_jti] = {"revoked": False, "exp": refresh_exp, "auth_time": auth_time}
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": rf.access_ttl,
            "refresh_expires_in": rf.refresh_ttl,
            "idle_expires_at": _iso(now + idle_max),
            "absolute_expires_at": _iso(auth_time + abs_max),
        }

    def _authenticate(self, req: Request) -> Response | dict[str, Any]:
        """The access token's claims, or the 401 to answer with."""
        header = req.header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return detail(401, "Not authenticated", BEARER)
        try:
            claims = jwt.decode(token.strip(), self.state.secrets.jwt_key)
        except jwt.TokenError:
            return detail(401, "Could not validate credentials", BEARER)
        if claims.get("type") != "access" or claims.get("sub") != RF_USER_ID:
            return detail(401, "Could not validate credentials", BEARER)
        with self.state.cond:
            generation = self.state.access_generation
            revoked = claims.get("jti") in self.state.revoked_access
        if revoked:
            return detail(401, "Could not validate credentials", BEARER)
        exp = claims.get("exp")
        if claims.get("gen") != generation or not isinstance(exp, int | float) or exp <= time.time():
            # CHOICE: rf §2.4 names no detail for an expired access token
            return detail(401, "Token has expired", BEARER)
        return claims

    def _gate(self, req: Request) -> Response | None:
        """Auth, then subscription (402, rf §2.1), then role (403)."""
        claims = self._authenticate(req)
        if isinstance(claims, Response):
            return claims
        with self.state.cond:
            rf = copy.deepcopy(self.state.config.resolutionflow)
        if rf.subscription_lapsed:
            return detail(402, FAULT_DETAILS[402])
        if rf.role == "viewer":
            # CHOICE: the brief's switch; rf §2.1 lists viewer as the lowest role
            return detail(403, "Insufficient permissions: this action needs the engineer role or higher.")
        return None

    # -- auth routes ------------------------------------------------------------------------------

    @route("POST", r"/auth/login")
    def login(self, req: Request) -> Response:
        """JSON ``{email, password}`` or OAuth2 form ``username``/``password`` (rf §2.4: either, [I])."""
        if req.content_type == "application/x-www-form-urlencoded":
            form = req.form
            email, password, where = form.get("username"), form.get("password"), "username"
        else:
            try:
                body = req.json
            except BadJson:
                return validation_error(["body"], "json_invalid", "JSON decode error", req.body.decode("utf-8", "replace")[:100])
            if not isinstance(body, dict):
                return validation_error(["body"], "model_attributes_type", "Input should be a valid dictionary or object to extract fields from", body)
            email, password, where = body.get("email", body.get("username")), body.get("password"), "email"
        for name, value in ((where, email), ("password", password)):
            if value is None:
                return validation_error(["body", name], "missing", "Field required", None)
            if not isinstance(value, str):
                return validation_error(["body", name], "string_type", "Input should be a valid string", value)
        assert isinstance(email, str) and isinstance(password, str)  # checked just above
        s = self.state.secrets
        ok_email = hmac.compare_digest(email.strip().lower().encode(), s.rf_email.lower().encode())
        ok_password = hmac.compare_digest(password.encode(), s.rf_password.encode())
        if not (ok_email and ok_password):
            return detail(401, "Incorrect email or password", BEARER)
        return json_response(200, self._issue())

    @route("POST", r"/auth/refresh")
    def refresh(self, req: Request) -> Response:
        try:
            body = req.json
        except BadJson:
            return validation_error(["body"], "json_invalid", "JSON decode error", None)
        token = body.get("refresh_token") if isinstance(body, dict) else None
        if token is None:
            return validation_error(["body", "refresh_token"], "missing", "Field required", None)
        with self.state.cond:
            forced = self.state.config.resolutionflow.refresh_error
        if forced:
            return detail(401, forced)  # rf §2.4: session_expired_idle vs invalid_refresh_token
        try:
            claims = jwt.decode(token, self.state.secrets.jwt_key) if isinstance(token, str) else None
        except jwt.TokenError:
            claims = None
        if not claims or claims.get("type") != "refresh":
            return detail(401, "invalid_refresh_token")
        jti = claims.get("jti")
        with self.state.cond:
            record = self.state.refresh_tokens.get(str(jti))
            if record is None or record["revoked"]:
                return detail(401, "invalid_refresh_token")
            exp = claims.get("exp")
            if not isinstance(exp, int | float) or exp <= time.time():
                return detail(401, "session_expired_idle")
            record["revoked"] = True  # rotation: each refresh revokes the old jti (rf §2.4)
            auth_time = record.get("auth_time")
        return json_response(200, self._issue(auth_time=auth_time))

    @route("POST", r"/auth/logout")
    def logout(self, req: Request) -> Response:
        """CHOICE: idempotent; revokes the refresh token in the body and the bearer access token, if any."""
        try:
            body = req.json
        except BadJson:
            body = None
        token = body.get("refresh_token") if isinstance(body, dict) else None
        key = self.state.secrets.jwt_key
        with self.state.cond:
            if isinstance(token, str):
                try:
                    claims = jwt.decode(token, key)
                    rec = self.state.refresh_tokens.get(str(claims.get("jti")))
                    if rec is not None:
                        rec["revoked"] = True
                except jwt.TokenError:
                    pass
            header = req.header("Authorization") or ""
            if header.lower().startswith("bearer "):
                try:
                    claims = jwt.decode(header[7:].strip(), key)
                    if claims.get("jti"):
                        self.state.revoked_access.add(claims["jti"])
                except jwt.TokenError:
                    pass
        return json_response(200, {"message": "Logged out"})

    @route("GET", r"/auth/me")
    def me(self, req: Request) -> Response:
        claims = self._authenticate(req)
        if isinstance(claims, Response):
            return claims
        with self.state.cond:
            role = self.state.config.resolutionflow.role
        return json_response(
            200,
            {
                "id": RF_USER_ID,
                "email": self.state.secrets.rf_email,
                "full_name": MEMBER_NAME,
                "display_name": MEMBER_NAME,
                "role": role,
                "account_id": RF_ACCOUNT_ID,
                "is_active": True,
                "is_service_account": False,
            },
        )

    # -- sessions ---------------------------------------------------------------------------------

    @route("GET", r"/ai-sessions")
    def list_sessions(self, req: Request) -> Response:
        """``{items, total, page, page_size}`` of summaries, newest ``updated_at`` first (rf §2.2 [I])."""
        gate = self._gate(req)
        if gate is not None:
            return gate
        q = req.query
        page = self._int_param(q, "page", default=1, ge=1)
        if isinstance(page, Response):
            return page
        with self.state.cond:
            rf = copy.deepcopy(self.state.config.resolutionflow)
        clamp = rf.clamp_page_size
        page_size = self._int_param(q, "page_size", default=DEFAULT_PAGE_SIZE, ge=1, le=None if clamp else MAX_PAGE_SIZE)
        if isinstance(page_size, Response):
            return page_size
        if clamp:
            page_size = min(page_size, clamp)  # a server that serves smaller pages than asked (and says so)
        since = None
        if q.get("updated_since"):
            since = parse_iso(q["updated_since"])
            if since is None:
                return validation_error(
                    ["query", "updated_since"],
                    "datetime_from_date_parsing",
                    "Input should be a valid datetime or date, invalid character in year",
                    q["updated_since"],
                )
        with self.state.cond:
            items, total = self.state.sessions.list_page(
                page=page,
                page_size=page_size,
                session_type=q.get("session_type") or None,
                status=q.get("status") or None,
                updated_since=since,
            )
        joined = ",".join(items)
        if rf.list_shape == "bare":
            return raw_json_response(200, f"[{joined}]".encode())
        claimed = "" if rf.list_shape == "no_total" else f',"total":{total if rf.list_total is None else rf.list_total}'
        body = f'{{"items":[{joined}]{claimed},"page":{page},"page_size":{page_size}}}'
        return raw_json_response(200, body.encode("utf-8"))

    @staticmethod
    def _int_param(q: dict[str, str], name: str, *, default: int, ge: int, le: int | None = None) -> int | Response:
        raw = q.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            return validation_error(
                ["query", name], "int_parsing", "Input should be a valid integer, unable to parse string as an integer", raw
            )
        if value < ge:
            return validation_error(["query", name], "greater_than_equal", f"Input should be greater than or equal to {ge}", raw, {"ge": ge})
        if le is not None and value > le:
            return validation_error(["query", name], "less_than_equal", f"Input should be less than or equal to {le}", raw, {"le": le})
        return value

    @route("GET", r"/ai-sessions/(?P<sid>[^/]+)")
    def get_session(self, req: Request, sid: str) -> Response:
        """The full session exactly as stored (rf §2.2: ``AISessionDetail``)."""
        gate = self._gate(req)
        if gate is not None:
            return gate
        with self.state.cond:
            text = self.state.sessions.get_json(sid)
        if text is None:
            return detail(404, "Session not found")
        return raw_json_response(200, text.encode("utf-8"))
