"""The ResolutionFlow API client: sign-in, token renewal, and reading the engineer's FlowPilot sessions.

Written from ``shared/reference/resolutionflow.md`` (rf §2.N below):

* JWT bearer auth (rf §2.4) as an ``httpx.Auth`` (:mod:`flowdesk.resolutionflow.auth`): renewed shortly
  before the access token expires and once more on a 401; every new (rotated) refresh token goes to
  ``on_tokens`` so the caller can keep it in the keyring.
* "Paste an access token" for single-sign-on accounts: no renewal; a clear "sign in again" when it
  expires.
* How FlowDesk signs in (route, JSON or OAuth2 form) is unverified (rf §2.4 [?]): it lives in one place,
  :data:`LOGIN`, and the constructor takes another :class:`LoginRequest`.
* ``GET /ai-sessions`` is paginated but the mechanism is unverified (rf §2.2 [?]): FlowDesk sends
  ``page``/``page_size``, accepts a bare list or ``{items, total}``, stops at ``total`` (a server serving
  smaller pages than asked is followed to it), else on a short or empty page, and refuses to loop on a
  server that ignores the page number. (A server that silently serves smaller pages *without* a total
  looks like a list that ended: nothing can tell them apart.)
* HTTP through :mod:`flowdesk.http` (explicit timeouts, an overall deadline per request, a size cap, the
  OS trust store plus ``ca_file``, the proxy setting, redirects never followed); plain http only for
  loopback test servers. No request is repeated after it was sent, except once after a renewal on a 401.
  What the answers mean, in ResolutionFlow's words, is :mod:`flowdesk.resolutionflow.answers`.

Tokens and the password never reach a log line or an exception: each is registered with
``flowdesk.logs.register_secret`` as soon as it is seen, requests are logged as method, path, status and
``x-request-id`` only, and transport errors become FlowDesk errors outside the ``except`` block.

Thread-safe; a call blocks for up to its deadline (60 seconds a request), so run them on a worker
thread; ``close()`` from another thread ends a request in flight at once.

A refresh whose answer is lost (read timeout after sending) may have rotated the token on the server:
the next renewal then gets ``invalid_refresh_token`` and the engineer has to sign in again. Nothing on
the client side can avoid that; it is the price of rotation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import quote

import httpx

from flowdesk.core.models import PAGE_LIST_KEYS, Session, SessionFormatError, parse_session, parse_utc
from flowdesk.core.userfile import UserFileError, parse_json
from flowdesk.http.client import CONNECT_RETRIES, DEFAULT_TIMEOUT, HttpClient, ServiceClient, read_within
from flowdesk.http.proxy import ProxyConfig
from flowdesk.http.urls import AddressWords, split_address
from flowdesk.logs import get_logger, register_secret
from flowdesk.resolutionflow.answers import (
    REFRESH_PATH,
    Op,
    checked_json,
    detail_of,
    failure_error,
    looks_like_bad_credentials,
    no_api_here,
    not_json,
    request_id,
    status_error,
)
from flowdesk.resolutionflow.auth import REFRESH_MARGIN, TokenAuth, jwt_claims
from flowdesk.resolutionflow.errors import (
    WRONG_PASSWORD,
    InvalidRecord,
    ProtocolError,
    ResolutionFlowConfigError,
    ResolutionFlowError,
    SignInRequired,
)

__all__ = [
    "CONNECT_RETRIES",
    "DEFAULT_TIMEOUT",
    "LOGIN",
    "REFRESH_MARGIN",
    "LoginRequest",
    "ResolutionFlowClient",
    "SessionListing",
    "jwt_claims",
    "normalise_base_url",
]

log = get_logger("resolutionflow")

API_PREFIX = "/api/v1"  # rf §2.1 [V]
MAX_PAGE_SIZE = 100  # rf §2.2 does not say; FastAPI apps commonly cap at 100
DEFAULT_PAGE_SIZE = 100
MAX_PAGES = 5_000  # 500,000 sessions at 100 a page: a server that never ends stops here
SESSIONS_PATH = "/ai-sessions"  # rf §2.2 [V]
LOGOUT_PATH = "/auth/logout"  # [I]
ME_PATH = "/auth/me"  # rf §2.4 [V]
_ADDRESS = AddressWords(
    "ResolutionFlow", "enter the ResolutionFlow address, e.g. https://api.resolutionflow.com", ResolutionFlowConfigError
)


@dataclass(frozen=True)
class LoginRequest:
    """How FlowDesk signs in with an e-mail address and password.

    The reference could not see ResolutionFlow's login route or body (rf §2.4 [?]: "could be JSON or
    OAuth2 form — make it configurable"); this is the one place that knows. ``form=True`` sends FastAPI's
    OAuth2 password form (``username``/``password``) instead of JSON ``{email, password}``.
    """

    path: str = "/auth/login"
    form: bool = False

    def request_kwargs(self, email: str, password: str) -> dict[str, Any]:
        if self.form:
            return {"data": {"username": email, "password": password}}
        return {"json": {"email": email, "password": password}}


LOGIN = LoginRequest()


class SkippedRecord(NamedTuple):
    """A listed session FlowDesk could not read: its id (or where it was) and ``field: problem``."""

    session_id: str
    reason: str


@dataclass(frozen=True)
class SignInResult:
    """What a sign-in gave: when the access token must be renewed and when the sign-in itself ends."""

    access_expires_at: datetime | None
    can_renew: bool  # a refresh token came with it
    idle_expires_at: datetime | None = None
    absolute_expires_at: datetime | None = None


@dataclass(frozen=True)
class SignOutResult:
    revoked: bool  # ResolutionFlow confirmed the sign-out
    problem: str | None = None  # why it could not be confirmed (the local tokens are gone anyway)


@dataclass(frozen=True)
class Account:
    """``GET /auth/me`` (``UserResponse``, rf §2.4), read leniently."""

    id: str | None
    email: str | None
    name: str | None
    role: str | None


# ---------------------------------------------------------------------------------------- addresses


def normalise_base_url(url: str) -> str:
    """``https://host[:port][/prefix]`` from what the engineer typed (``api.resolutionflow.com``,
    ``https://api.resolutionflow.com/api/v1/``, ...): no scheme means https, a trailing ``/api/v1`` and
    slashes are dropped, http is refused except for loopback test servers. Raises
    :class:`ResolutionFlowConfigError`."""
    address = split_address(url, _ADDRESS)
    if address.query or address.fragment:
        raise ResolutionFlowConfigError(f"{url!r}: enter the address without '?' or '#' parts")
    path = address.path.rstrip("/")
    for suffix in (API_PREFIX, "/api"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return address.origin + path


# ---------------------------------------------------------------------------------------- tokens


def format_since(dt: datetime) -> str:
    """``updated_since`` as sent: UTC ISO-8601 with ``Z``."""
    if dt.tzinfo is None:
        raise ValueError("updated_since must be an aware datetime")
    return dt.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------------------------- the client


class ResolutionFlowClient(ServiceClient):
    """One engineer's ResolutionFlow API session. Thread-safe; reuse it; ``close()`` it when done.

    ``on_tokens(refresh_token)`` is called (holding the client's token lock, so calls come in order)
    with every refresh token ResolutionFlow hands out: at sign-in and after every renewal. Because
    renewal revokes the previous one, the caller must store it (the keyring) or the next start needs a
    new sign-in. An exception from ``on_tokens`` propagates to the caller of the request that renewed;
    the client itself has already switched to the new tokens.
    """

    def __init__(
        self,
        base_url: str,
        *,
        ca_file: str | None = None,
        timeout: httpx.Timeout | None = None,
        transport: httpx.BaseTransport | None = None,
        on_tokens: Callable[[str], None] | None = None,
        login: LoginRequest = LOGIN,
        clock: Callable[[], float] = time.time,
        proxy: ProxyConfig | None = None,
        deadline: float | None = None,
    ) -> None:
        self._base = normalise_base_url(base_url)
        self._api = self._base + API_PREFIX
        self._host = self._base.split("://", 1)[1].split("/", 1)[0]
        self._http = HttpClient(ResolutionFlowConfigError, log, ("x-request-id",), ca_file=ca_file, proxy=proxy,
                                timeout=timeout, deadline=deadline, transport=transport)
        self._login = login
        self._auth = TokenAuth(
            refresh_request=lambda token: self._request("POST", REFRESH_PATH, json={"refresh_token": token}),
            read=self._read_refusal,
            accept=self._accept_renewal,
            on_tokens=on_tokens,
            clock=clock,
        )

    def __repr__(self) -> str:
        return f"<ResolutionFlowClient {self._base!r} signed_in={self.signed_in}>"

    @property
    def _access(self) -> str | None:  # the current access token (tests look at it)
        return self._auth.access

    @property
    def base_url(self) -> str:
        """The normalised address, without ``/api/v1`` (what the settings and the keyring entry name use)."""
        return self._base

    @property
    def signed_in(self) -> bool:
        with self._auth.lock:
            return self._auth.access is not None or self._auth.refresh is not None

    @property
    def can_renew(self) -> bool:
        """True with a refresh token; False for a pasted access token (or no sign-in)."""
        return self._auth.refresh is not None

    @property
    def access_expires_at(self) -> datetime | None:
        """When the current access token expires (from its ``exp``, or ``expires_in``), if known."""
        expires_at = self._auth.expires_at
        try:
            return None if expires_at is None else datetime.fromtimestamp(expires_at, UTC)
        except (OverflowError, OSError, ValueError):  # "expires_in": 1e300, a pasted token's "exp": 1e20
            return None

    # ------------------------------------------------------------------ signing in and out

    def sign_in(self, email: str, password: str) -> SignInResult:
        """Sign in with e-mail and password (:data:`LOGIN`); raises :class:`SignInRequired`
        (``wrong_password``) when ResolutionFlow refuses them."""
        email = (email or "").strip()
        if not email or not password:
            raise ValueError("signing in to ResolutionFlow needs an e-mail address and a password")
        register_secret(password)
        op = Op("sign in", not_found=self._no_api_here("sign-in"))
        response = self._send("POST", self._login.path, op, **self._login.request_kwargs(email, password))
        if response.status_code == 401 or (response.status_code == 400 and looks_like_bad_credentials(response)):
            raise SignInRequired(
                WRONG_PASSWORD, status=response.status_code, request_id=request_id(response), detail=detail_of(response)
            )
        data = checked_json(response, op)
        with self._auth.lock:
            self._auth.pasted = False
            self._auth.take(data, op.action, keep_refresh=False)
            result = SignInResult(
                access_expires_at=self.access_expires_at,
                can_renew=self.can_renew,
                idle_expires_at=parse_utc(data.get("idle_expires_at")),
                absolute_expires_at=parse_utc(data.get("absolute_expires_at")),
            )
        log.info("signed in to ResolutionFlow at %s%s", self._base, "" if result.can_renew else " (no refresh token)")
        return result

    def resume(self, refresh_token: str) -> None:
        """Continue a sign-in from a stored refresh token. No request is made now: the first call renews it."""
        refresh_token = (refresh_token or "").strip()
        if not refresh_token:
            raise ValueError("an empty refresh token cannot be resumed")
        self._auth.resume(refresh_token)

    def use_access_token(self, token: str) -> None:
        """Use an access token pasted by the engineer (single sign-on accounts): no renewal is possible;
        when it expires, calls raise :class:`SignInRequired` (``token_expired``)."""
        token = (token or "").strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        if not token or any(c.isspace() for c in token) or not token.isprintable():
            raise ValueError("an access token is one line without spaces")
        self._auth.use_pasted(token)

    def sign_out(self) -> SignOutResult:
        """Revoke the sign-in on ResolutionFlow when it can be reached, and forget the tokens (always)."""
        access, refresh = self._auth.clear()
        if access is None and refresh is None:
            return SignOutResult(False, "FlowDesk was not signed in")
        op = Op("sign out")
        body = {"refresh_token": refresh} if refresh else {}
        try:
            response = self._send("POST", LOGOUT_PATH, op, json=body, token=access)
            if response.status_code == 401 and refresh is not None:
                # the access token was stale: renew once (not stored: it is being revoked) and ask again
                renewed = self._send("POST", REFRESH_PATH, op, json={"refresh_token": refresh})
                if 200 <= renewed.status_code < 300:
                    data = checked_json(renewed, op)
                    access = data.get("access_token") if isinstance(data.get("access_token"), str) else None
                    refresh = data.get("refresh_token") if isinstance(data.get("refresh_token"), str) else refresh
                    register_secret(access)
                    register_secret(refresh)
                    response = self._send("POST", LOGOUT_PATH, op, json={"refresh_token": refresh}, token=access)
                elif renewed.status_code == 401:
                    return SignOutResult(True, None)  # the refresh token is already dead: nothing left to revoke
            if 200 <= response.status_code < 300:
                log.info("signed out of ResolutionFlow at %s", self._base)
                return SignOutResult(True, None)
            raise status_error(response, op)
        except ResolutionFlowError as exc:
            log.info("sign-out could not be confirmed by ResolutionFlow: %s", exc.kind)
            return SignOutResult(False, str(exc))

    def me(self) -> Account:
        """Who the sign-in belongs to (``GET /auth/me``)."""
        data = self._get_json(ME_PATH, Op("read your ResolutionFlow account", not_found=self._no_api_here("account")))
        if not isinstance(data, dict):
            raise ProtocolError(
                "ResolutionFlow answered the request for your account with something that is not an account. "
                "Its API may have changed: update FlowDesk."
            )

        def text(*keys: str) -> str | None:
            for k in keys:
                v = data.get(k)
                if isinstance(v, str | int) and not isinstance(v, bool) and str(v).strip():
                    return str(v).strip()
            return None

        return Account(text("id"), text("email"), text("display_name", "full_name", "name"), text("role"))

    # ------------------------------------------------------------------ sessions

    def list_sessions(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        updated_since: datetime | None = None,
        session_type: str | None = None,
        status: str | None = None,
    ) -> SessionListing:
        """The engineer's sessions as ResolutionFlow lists them (summaries, newest first), page by page as
        the caller iterates. Records that fail validation are skipped (``listing.skipped``) and logged."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1-{MAX_PAGE_SIZE}")
        params: dict[str, Any] = {}
        if updated_since is not None:
            params["updated_since"] = format_since(updated_since)
        if session_type:
            params["session_type"] = session_type
        if status:
            params["status"] = status
        return SessionListing(self, page_size, params)

    def get_session(self, session_id: str) -> tuple[str, Session]:
        """``(response text, Session)`` of ``GET /ai-sessions/{id}`` (``AISessionDetail``, rf §2.2).

        The text is returned exactly as received, for the cache. Raises :class:`NotFound` (deleted or not
        yours), :class:`InvalidRecord` when it fails validation, :class:`ProtocolError` for garbage."""
        if not session_id:
            raise ValueError("a session id is needed")
        op = Op(
            f"read session {session_id}",
            not_found=f"ResolutionFlow has no session {session_id} (HTTP 404): it was deleted, or it is not yours.",
        )
        response = self._call("GET", f"{SESSIONS_PATH}/{quote(session_id, safe='')}", op)
        text = response.text
        try:
            data = parse_json(text, f"session {session_id}")  # depth-limited, lone surrogates replaced
        except UserFileError as exc:
            if exc.problem.startswith("not valid JSON"):
                raise not_json(response, op) from None
            raise InvalidRecord(session_id, None, exc.problem, request_id=request_id(response)) from None
        if not isinstance(data, dict):
            raise InvalidRecord(session_id, None, "not a JSON object", status=response.status_code, request_id=request_id(response))
        try:
            session = parse_session(data, f"session {session_id}")
        except SessionFormatError as exc:
            raise InvalidRecord(session_id, exc.field, exc.problem, request_id=request_id(response)) from None
        if session.id != session_id:
            raise InvalidRecord(session_id, "id", f"the answer is for session {session.id!r}", request_id=request_id(response))
        return text, session

    # ------------------------------------------------------------------ plumbing

    def _call(
        self, method: str, path: str, op: Op, *, params: dict[str, Any] | None = None, json: Any = None
    ) -> httpx.Response:
        """An authenticated request (renewed before expiry, and once on a 401); returns a 2xx response."""
        response = self._send(method, path, op, params=params, json=json, auth=self._auth)
        if not 200 <= response.status_code < 300:
            raise status_error(response, op)
        return response

    def _get_json(self, path: str, op: Op, params: dict[str, Any] | None = None) -> Any:
        return checked_json(self._call("GET", path, op, params=params), op)

    def _request(self, method: str, path: str, *, token: str | None = None, **kw: Any) -> httpx.Request:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self._http.build_request(method, self._api + path, headers=headers, **kw)

    def _send(
        self, method: str, path: str, op: Op, *, params: dict[str, Any] | None = None, json: Any = None,
        data: dict[str, str] | None = None, token: str | None = None, auth: httpx.Auth | None = None,
    ) -> httpx.Response:
        request = self._request(method, path, token=token, params=params, json=json, data=data)
        return self._http.send(request, on_failure=lambda failure: failure_error(failure, op), auth=auth)

    def _no_api_here(self, what: str) -> str:
        return no_api_here(self._host, what)

    def _accept_renewal(self, response: httpx.Response) -> Any:
        """The JSON of a renewal's answer (read within the size cap), or the error for it."""
        read_within(response, self._http.max_bytes)
        return checked_json(response, Op("renew FlowDesk's ResolutionFlow sign-in", self._no_api_here("sign-in renewal")))

    def _read_refusal(self, response: httpx.Response) -> tuple[str | None, str | None]:
        """``(detail, request id)`` of a 401/403 met while renewing, read within the size cap."""
        read_within(response, self._http.max_bytes)
        return detail_of(response), request_id(response)

class SessionListing:
    """An iterator over the listed sessions (summaries as :class:`Session`), fetching pages as needed.

    ``skipped`` collects the records that failed validation, ``pages`` and ``total`` what was seen.
    A session listed twice (pages shifting under a listing) is yielded once."""

    def __init__(self, client: ResolutionFlowClient, page_size: int, params: dict[str, Any]) -> None:
        self._client = client
        self.page_size = page_size
        self.params = dict(params)
        self.skipped: list[SkippedRecord] = []
        self.total: int | None = None
        self.pages = 0
        self.duplicates = 0
        self._iter = self._generate()

    def __iter__(self) -> Iterator[Session]:
        return self

    def __next__(self) -> Session:
        return next(self._iter)

    def _skip(self, session_id: str, reason: str) -> None:
        self.skipped.append(SkippedRecord(session_id, reason))
        log.warning("skipped ResolutionFlow session %s: %s", session_id, reason)

    def _generate(self) -> Iterator[Session]:
        client = self._client
        op = Op("list your sessions", not_found=client._no_api_here("sessions list"))
        seen: set[str] = set()
        position = 0
        for page in range(1, MAX_PAGES + 1):
            params = {**self.params, "page": page, "page_size": self.page_size}
            data = client._get_json(SESSIONS_PATH, op, params)
            items, total, served = _page_items(data)
            self.pages = page
            if total is not None:
                self.total = total
            fresh = 0
            for index, item in enumerate(items):
                sid = _item_id(item)
                if sid is not None and sid in seen:
                    self.duplicates += 1
                    continue
                fresh += 1
                where = sid if sid and sid.strip() else f"(page {page}, item {index + 1})"
                if sid is not None:
                    seen.add(sid)
                if not isinstance(item, dict):
                    self._skip(where, f"not a JSON object (found {_json_kind(item)})")
                    continue
                try:
                    session = parse_session(item, where)
                except SessionFormatError as exc:
                    self._skip(where, f"{exc.field}: {exc.problem}" if exc.field else exc.problem)
                    continue
                if not (session.id or "").strip():
                    self._skip(where, "id: missing (a session needs an id to be cached)")
                    continue
                yield session
            position += len(items)
            if not items:
                return
            if total is not None:
                if position >= total:
                    return  # a short page before the total only means the server serves smaller pages
            elif len(items) < min(self.page_size, served or self.page_size):
                return  # without a total, a short page is the last
            if fresh == 0:
                raise ProtocolError(
                    f"ResolutionFlow sent the same sessions again for page {page} of your list, so it seems to "
                    "ignore FlowDesk's paging and the list cannot be read completely. Update FlowDesk."
                )
        raise ProtocolError(
            f"ResolutionFlow's list of your sessions did not end after {MAX_PAGES} pages of {self.page_size}. "
            "FlowDesk stopped reading it; try again later, and update FlowDesk if it keeps happening."
        )


# ---------------------------------------------------------------------------------------- helpers


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _page_items(data: Any) -> tuple[list[Any], int | None, int | None]:
    """``(items, total, page_size)`` of one page: a bare list, or an object carrying the list (``items``...)
    with, when the server says so, the total and the page size it actually served."""
    if isinstance(data, list):
        return data, None, None
    if isinstance(data, dict):
        for key in PAGE_LIST_KEYS:
            items = data.get(key)
            if isinstance(items, list):
                return items, _count(data.get("total")), _count(data.get("page_size")) or None
        keys = ", ".join(sorted(str(k) for k in data)[:6]) or "none"
        shape = f"a JSON object with the keys {keys}"
    else:
        shape = _json_kind(data)
    raise ProtocolError(
        f"ResolutionFlow answered the request to list your sessions with {shape} instead of a list of "
        "sessions. Its API may have changed: update FlowDesk."
    )


def _item_id(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    value = item.get("id", item.get("session_id"))
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
        return str(value)
    return None


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


