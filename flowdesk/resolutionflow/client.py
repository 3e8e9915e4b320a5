"""The ResolutionFlow API client: sign-in, token renewal, and reading the engineer's FlowPilot sessions.

Written from ``shared/reference/resolutionflow.md`` (rf §2.N below):

* JWT bearer auth (rf §2.4): a 5-minute access token and a 7-day refresh token that *rotates* (every
  renewal revokes the old one). The client renews shortly before the access token expires and once more
  on a 401; every new refresh token goes to ``on_tokens`` so the caller can keep it in the keyring.
  ``session_expired_idle`` / ``invalid_refresh_token`` end the sign-in with :class:`SignInRequired`.
* "Paste an access token" for single-sign-on accounts: no renewal; a clear "sign in again" when it
  expires.
* How FlowDesk signs in (route, JSON or OAuth2 form) is unverified (rf §2.4 [?]): it lives in one place,
  :data:`LOGIN`, and the constructor takes another :class:`LoginRequest`.
* ``GET /ai-sessions`` is paginated but the mechanism is unverified (rf §2.2 [?]): FlowDesk sends
  ``page``/``page_size``, accepts a bare list or ``{items, total}``, stops at ``total`` (a server serving
  smaller pages than asked is followed to it), else on a short or empty page, and refuses to loop on a
  server that ignores the page number. (A server that silently serves smaller pages *without* a total
  looks like a list that ended: nothing can tell them apart.)
* One reused ``httpx.Client``; explicit timeouts; TLS always verified (system store or ``ca_file``);
  plain http only for loopback test servers. No request is retried after it was sent, except the one
  repeat after a renewal on a 401.

Tokens and the password never reach a log line or an exception: each is registered with
``flowdesk.logs.register_secret`` as soon as it is seen, requests are logged as method, path, status and
``x-request-id`` only, and transport errors become FlowDesk errors outside the ``except`` block.

Thread-safe; the calls block for up to the read timeout, so run them on a worker thread.

A refresh whose answer is lost (read timeout after sending) may have rotated the token on the server:
the next renewal then gets ``invalid_refresh_token`` and the engineer has to sign in again. Nothing on
the client side can avoid that; it is the price of rotation.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

import httpx

from flowdesk.core.models import Session, SessionFormatError, parse_session
from flowdesk.http_common import causes as _causes
from flowdesk.http_common import connect_reason as _connect_reason
from flowdesk.http_common import is_loopback, parse_retry_after, ssl_context
from flowdesk.logs import get_logger, mask_secrets, register_secret
from flowdesk.resolutionflow.errors import (
    CACHE_KEPT,
    ENDED,
    EXPIRED_IDLE,
    NOT_SIGNED_IN,
    REJECTED,
    REVOKED,
    TOKEN_EXPIRED,
    TOKEN_REJECTED,
    WRONG_PASSWORD,
    Forbidden,
    InvalidRecord,
    NotFound,
    Offline,
    ProtocolError,
    RateLimited,
    ResolutionFlowConfigError,
    ResolutionFlowError,
    ServerError,
    SignInRequired,
    SubscriptionRequired,
)

log = get_logger("resolutionflow")

API_PREFIX = "/api/v1"  # rf §2.1 [V]
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)
CONNECT_RETRIES = 2  # httpx retries only failed connection attempts: nothing was sent yet
MAX_PAGE_SIZE = 100  # rf §2.2 does not say; FastAPI apps commonly cap at 100
DEFAULT_PAGE_SIZE = 100
MAX_PAGES = 5_000  # 500,000 sessions at 100 a page: a server that never ends stops here
REFRESH_MARGIN = 30.0  # seconds before expiry at which the access token is renewed (capped at 1/5 of its life)
SESSIONS_PATH = "/ai-sessions"  # rf §2.2 [V]
REFRESH_PATH = "/auth/refresh"  # rf §2.4 [V]
LOGOUT_PATH = "/auth/logout"  # [I]
ME_PATH = "/auth/me"  # rf §2.4 [V]
# Keys under which a paged answer may carry its list; "items" is RF's pattern elsewhere (rf §2.2 [I]).
PAGE_LIST_KEYS = ("items", "sessions", "results", "data")


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


@dataclass(frozen=True)
class _Op:
    """What a request is for, in the words its error messages use."""

    action: str  # "list your sessions"
    not_found: str | None = None  # the sentence for a 404


# ---------------------------------------------------------------------------------------- addresses


def normalise_base_url(url: str) -> str:
    """``https://host[:port][/prefix]`` from what the engineer typed (``api.resolutionflow.com``,
    ``https://api.resolutionflow.com/api/v1/``, ...): no scheme means https, a trailing ``/api/v1`` and
    slashes are dropped, http is refused except for loopback test servers. Raises
    :class:`ResolutionFlowConfigError`."""
    typed = url
    url = (url or "").strip()
    if not url:
        raise ResolutionFlowConfigError("Enter the ResolutionFlow address, e.g. https://api.resolutionflow.com")
    if any(c.isspace() for c in url):
        raise ResolutionFlowConfigError(f"{typed!r} contains spaces: enter the ResolutionFlow address, e.g. https://api.resolutionflow.com")
    if "://" not in url:
        url = "https://" + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ResolutionFlowConfigError(f"{typed!r} is not a valid address ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise ResolutionFlowConfigError(f"{typed!r}: only https:// addresses are supported")
    if parts.username is not None or parts.password is not None:
        raise ResolutionFlowConfigError(f"{typed!r} contains a user name or password: enter only the address")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ResolutionFlowConfigError(f"{typed!r} has no host name: enter the ResolutionFlow address, e.g. https://api.resolutionflow.com")
    if scheme == "http" and not is_loopback(host):
        raise ResolutionFlowConfigError(
            f"{typed!r} uses http://: ResolutionFlow must be reached over https:// "
            "(plain http is only allowed for a test server on this computer)"
        )
    if parts.query or parts.fragment:
        raise ResolutionFlowConfigError(f"{typed!r}: enter the address without '?' or '#' parts")
    path = parts.path.rstrip("/")
    for suffix in (API_PREFIX, "/api"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"https": 443, "http": 80}[scheme]:
        netloc += f":{port}"
    return f"{scheme}://{netloc}{path}"


# ---------------------------------------------------------------------------------------- tokens


def jwt_claims(token: str | None) -> dict[str, Any] | None:
    """The payload of a JWT, unverified (FlowDesk only reads ``exp``/``iat``/``email``); None if unreadable."""
    if not token or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def format_since(dt: datetime) -> str:
    """``updated_since`` as sent: UTC ISO-8601 with ``Z``."""
    if dt.tzinfo is None:
        raise ValueError("updated_since must be an aware datetime")
    return dt.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------------------------- the client


class ResolutionFlowClient:
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
    ) -> None:
        self._base = normalise_base_url(base_url)
        self._api = self._base + API_PREFIX
        self._host = urlsplit(self._base).netloc
        self._timeout = timeout or DEFAULT_TIMEOUT
        if transport is None:
            transport = httpx.HTTPTransport(verify=ssl_context(ca_file, ResolutionFlowConfigError), retries=CONNECT_RETRIES)
        self._http = httpx.Client(transport=transport, timeout=self._timeout, follow_redirects=False, trust_env=False)
        self._on_tokens = on_tokens
        self._login = login
        self._clock = clock
        self._lock = threading.RLock()
        self._access: str | None = None
        self._refresh: str | None = None
        self._pasted = False
        self._renew_at: float | None = None  # local clock time at which to renew the access token
        self._expires_at: float | None = None  # when the access token expires (local clock), if known

    def __repr__(self) -> str:
        return f"<ResolutionFlowClient {self._base!r} signed_in={self.signed_in}>"

    def __enter__(self) -> ResolutionFlowClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def base_url(self) -> str:
        """The normalised address, without ``/api/v1`` (what the settings and the keyring entry name use)."""
        return self._base

    @property
    def signed_in(self) -> bool:
        with self._lock:
            return self._access is not None or self._refresh is not None

    @property
    def can_renew(self) -> bool:
        """True with a refresh token; False for a pasted access token (or no sign-in)."""
        with self._lock:
            return self._refresh is not None

    @property
    def access_expires_at(self) -> datetime | None:
        """When the current access token expires (from its ``exp``, or ``expires_in``), if known."""
        with self._lock:
            return None if self._expires_at is None else datetime.fromtimestamp(self._expires_at, UTC)

    # ------------------------------------------------------------------ signing in and out

    def sign_in(self, email: str, password: str) -> SignInResult:
        """Sign in with e-mail and password (:data:`LOGIN`); raises :class:`SignInRequired`
        (``wrong_password``) when ResolutionFlow refuses them."""
        email = (email or "").strip()
        if not email or not password:
            raise ValueError("signing in to ResolutionFlow needs an e-mail address and a password")
        register_secret(password)
        op = _Op("sign in", not_found=self._no_api_here("sign-in"))
        response = self._send("POST", self._login.path, op, **self._login.request_kwargs(email, password))
        if response.status_code == 401 or (response.status_code == 400 and _looks_like_bad_credentials(response)):
            raise SignInRequired(
                WRONG_PASSWORD, status=response.status_code, request_id=_request_id(response), detail=_detail(response)
            )
        data = self._checked_json(response, op)
        with self._lock:
            self._pasted = False
            self._take_tokens(data, op, keep_refresh=False)
            result = SignInResult(
                access_expires_at=self.access_expires_at,
                can_renew=self._refresh is not None,
                idle_expires_at=_iso(data.get("idle_expires_at")),
                absolute_expires_at=_iso(data.get("absolute_expires_at")),
            )
        log.info("signed in to ResolutionFlow at %s%s", self._base, "" if result.can_renew else " (no refresh token)")
        return result

    def resume(self, refresh_token: str) -> None:
        """Continue a sign-in from a stored refresh token. No request is made now: the first call renews it."""
        refresh_token = (refresh_token or "").strip()
        if not refresh_token:
            raise ValueError("an empty refresh token cannot be resumed")
        register_secret(refresh_token)
        with self._lock:
            self._access = None
            self._refresh = refresh_token
            self._pasted = False
            self._renew_at = self._expires_at = None

    def use_access_token(self, token: str) -> None:
        """Use an access token pasted by the engineer (single sign-on accounts): no renewal is possible;
        when it expires, calls raise :class:`SignInRequired` (``token_expired``)."""
        token = (token or "").strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        if not token or any(c.isspace() for c in token) or not token.isprintable():
            raise ValueError("an access token is one line without spaces")
        register_secret(token)
        claims = jwt_claims(token) or {}
        exp = _number(claims.get("exp"))
        with self._lock:
            self._access = token
            self._refresh = None
            self._pasted = True
            self._renew_at = None
            self._expires_at = exp  # the server's clock; used for display only

    def sign_out(self) -> SignOutResult:
        """Revoke the sign-in on ResolutionFlow when it can be reached, and forget the tokens (always)."""
        with self._lock:
            access, refresh = self._access, self._refresh
            self._clear_tokens()
        if access is None and refresh is None:
            return SignOutResult(False, "FlowDesk was not signed in")
        op = _Op("sign out")
        body = {"refresh_token": refresh} if refresh else {}
        try:
            response = self._send("POST", LOGOUT_PATH, op, json=body, token=access)
            if response.status_code == 401 and refresh is not None:
                # the access token was stale: renew once (not stored: it is being revoked) and ask again
                renewed = self._send("POST", REFRESH_PATH, op, json={"refresh_token": refresh})
                if 200 <= renewed.status_code < 300:
                    data = self._checked_json(renewed, op)
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
            raise self._status_error(response, op)
        except ResolutionFlowError as exc:
            log.info("sign-out could not be confirmed by ResolutionFlow: %s", exc.kind)
            return SignOutResult(False, str(exc))

    def me(self) -> Account:
        """Who the sign-in belongs to (``GET /auth/me``)."""
        data = self._get_json(ME_PATH, _Op("read your ResolutionFlow account", not_found=self._no_api_here("account")))
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
        op = _Op(
            f"read session {session_id}",
            not_found=f"ResolutionFlow has no session {session_id} (HTTP 404): it was deleted, or it is not yours.",
        )
        response = self._call("GET", f"{SESSIONS_PATH}/{quote(session_id, safe='')}", op)
        text = response.text
        try:
            data = json.loads(text)
        except ValueError:
            raise self._not_json(response, op) from None
        if not isinstance(data, dict):
            raise InvalidRecord(session_id, None, "not a JSON object", status=response.status_code, request_id=_request_id(response))
        try:
            session = parse_session(data, f"session {session_id}")
        except SessionFormatError as exc:
            raise InvalidRecord(session_id, exc.field, exc.problem, request_id=_request_id(response)) from None
        if session.id != session_id:
            raise InvalidRecord(session_id, "id", f"the answer is for session {session.id!r}", request_id=_request_id(response))
        return text, session

    # ------------------------------------------------------------------ plumbing: tokens

    def _take_tokens(self, data: Any, op: _Op, *, keep_refresh: bool) -> None:
        """Adopt the tokens of a login/refresh answer (lock held) and hand the refresh token to on_tokens."""
        access = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(access, str) or not access.strip():
            raise ProtocolError(
                f"ResolutionFlow answered the request to {op.action} without an access token. "
                "Its sign-in API may have changed: update FlowDesk."
            )
        refresh = data.get("refresh_token")
        if not isinstance(refresh, str) or not refresh.strip():
            refresh = self._refresh if keep_refresh else None
        register_secret(access)
        register_secret(refresh)
        now = self._clock()
        claims = jwt_claims(access) or {}
        exp, iat = _number(claims.get("exp")), _number(claims.get("iat"))
        expires_in = _number(data.get("expires_in"))
        # Lifetime from the token itself (exp - iat, both the server's clock), anchored on when it arrived,
        # so a wrong clock on this computer cannot make every request renew; else expires_in.
        lifetime = (exp - iat) if exp is not None and iat is not None and exp > iat else expires_in
        if lifetime is None and exp is not None:
            lifetime = exp - now
        self._access = access.strip()
        self._refresh = refresh.strip() if refresh else None
        if lifetime is not None and lifetime > 0:
            self._expires_at = now + lifetime
            self._renew_at = now + lifetime - min(REFRESH_MARGIN, lifetime / 5)
        else:
            self._expires_at = self._renew_at = None  # unknown: rely on the 401
        if self._refresh and self._on_tokens is not None:
            self._on_tokens(self._refresh)

    def _clear_tokens(self) -> None:
        self._access = None
        self._refresh = None
        self._renew_at = self._expires_at = None

    def _token_for_request(self) -> str:
        with self._lock:
            if self._refresh is not None and (
                self._access is None or (self._renew_at is not None and self._clock() >= self._renew_at)
            ):
                self._renew()
            if self._access is None:
                raise SignInRequired(NOT_SIGNED_IN)
            return self._access

    def _renew(self) -> None:
        """``POST /auth/refresh`` with the refresh token (lock held); rotation hands a new one to on_tokens."""
        op = _Op("renew FlowDesk's ResolutionFlow sign-in", not_found=self._no_api_here("sign-in renewal"))
        assert self._refresh is not None
        response = self._send("POST", REFRESH_PATH, op, json={"refresh_token": self._refresh})
        if response.status_code in (401, 403):
            detail = _detail(response)
            text = (detail or "").lower()
            if "invalid_refresh_token" in text or "revoked" in text:
                reason = REVOKED
            elif "expired" in text:
                reason = EXPIRED_IDLE
            else:
                reason = ENDED
            self._clear_tokens()
            log.info("ResolutionFlow refused to renew the sign-in: %s", reason)
            raise SignInRequired(reason, detail=detail, status=response.status_code, request_id=_request_id(response))
        data = self._checked_json(response, op)
        self._take_tokens(data, op, keep_refresh=True)
        log.debug("renewed the ResolutionFlow access token")

    def _after_401(self, used: str, response: httpx.Response) -> str:
        """The token to repeat a request with after a 401, renewing once; raises when none can be had."""
        with self._lock:
            if self._access is not None and self._access != used:
                return self._access  # another thread renewed meanwhile
            if self._refresh is None:
                detail = _detail(response)
                if self._pasted:
                    expired = "expired" in (detail or "").lower() or (
                        self._expires_at is not None and self._clock() >= self._expires_at
                    )
                    self._access = None
                    raise SignInRequired(
                        TOKEN_EXPIRED if expired else TOKEN_REJECTED,
                        detail=None if expired else detail,
                        status=401,
                        request_id=_request_id(response),
                    )
                self._access = None  # a sign-in that came without a refresh token: it simply ended
                raise SignInRequired(ENDED, detail=detail, status=401, request_id=_request_id(response))
            self._renew()
            assert self._access is not None
            return self._access

    # ------------------------------------------------------------------ plumbing: requests

    def _call(
        self, method: str, path: str, op: _Op, *, params: dict[str, Any] | None = None, json: Any = None
    ) -> httpx.Response:
        """An authenticated request: renews before expiry, and once on a 401; returns a 2xx response."""
        token = self._token_for_request()
        response = self._send(method, path, op, params=params, json=json, token=token)
        if response.status_code == 401:
            token = self._after_401(token, response)
            response = self._send(method, path, op, params=params, json=json, token=token)
            if response.status_code == 401:
                with self._lock:
                    if self._access == token:
                        self._access = None
                raise SignInRequired(REJECTED, detail=_detail(response), status=401, request_id=_request_id(response))
        if not 200 <= response.status_code < 300:
            raise self._status_error(response, op)
        return response

    def _get_json(self, path: str, op: _Op, params: dict[str, Any] | None = None) -> Any:
        return self._checked_json(self._call("GET", path, op, params=params), op)

    def _send(
        self,
        method: str,
        path: str,
        op: _Op,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: dict[str, str] | None = None,
        token: str | None = None,
    ) -> httpx.Response:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = self._http.build_request(method, self._api + path, params=params, json=json, data=data, headers=headers)
        failure: ResolutionFlowError | None = None
        try:
            response = self._http.send(request)
        except httpx.HTTPError as exc:
            log.debug("%s %s -> %s", method, request.url.path, type(exc).__name__)
            failure = self._transport_error(exc, op)
        if failure is not None:
            raise failure  # outside the except block: no httpx exception (holding the headers) is chained
        log.debug("%s %s -> %s x-request-id=%s", method, request.url.path, response.status_code, _request_id(response) or "-")
        return response

    def _transport_error(self, exc: httpx.HTTPError, op: _Op) -> ResolutionFlowError:
        host = self._host
        chain = list(_causes(exc))
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.ProxyError | httpx.UnsupportedProtocol):
            cert = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
            if cert is not None:
                detail = getattr(cert, "verify_message", None) or "unknown reason"
                return Offline(
                    f"Could not open a secure connection to ResolutionFlow at {host}: its TLS certificate could not "
                    f"be verified ({detail}). If your network inspects TLS with its own certificate authority, set "
                    "its CA file in the ResolutionFlow settings (or --ca-file).",
                    tls=True,
                )
            tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
            if tls is not None:
                return Offline(
                    f"Could not open a secure connection to ResolutionFlow at {host}: the TLS handshake failed "
                    f"({getattr(tls, 'reason', None) or type(tls).__name__}). Check the ResolutionFlow address "
                    "and that it serves https.",
                    tls=True,
                )
            reason = _connect_reason(exc, chain)
            check = "the ResolutionFlow address and your network connection" if "DNS" in reason else "your network connection"
            return Offline(f"Cannot reach ResolutionFlow at {host}: {reason}. Check {check} and try again. {CACHE_KEPT}")
        if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
            reason = f"no answer within {self._timeout.read:g} seconds"
        elif any(isinstance(e, ConnectionResetError) for e in chain):
            reason = "the connection was reset"
        elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError | httpx.CloseError):
            reason = "the connection was closed before an answer came"
        elif isinstance(exc, httpx.DecodingError):
            reason = "the answer could not be decoded"
        else:
            reason = f"the request failed ({type(exc).__name__})"
        return ServerError(f"ResolutionFlow did not answer the request to {op.action} ({reason}). Try again in a few minutes.")

    def _checked_json(self, response: httpx.Response, op: _Op) -> Any:
        """The decoded JSON of a response, or the right error (a non-2xx status, or not JSON)."""
        if not 200 <= response.status_code < 300:
            raise self._status_error(response, op)
        try:
            return response.json()
        except ValueError:
            raise self._not_json(response, op) from None

    def _not_json(self, response: httpx.Response, op: _Op) -> ProtocolError:
        what = "an HTML page" if _is_html(response) else "something that is not JSON"
        return ProtocolError(
            f"ResolutionFlow answered the request to {op.action} with {what} (HTTP {response.status_code}). "
            f"Check the ResolutionFlow address in Settings (the API address, e.g. https://api.resolutionflow.com); "
            "if it is right, ResolutionFlow's API may have changed: update FlowDesk.",
            status=response.status_code,
            request_id=_request_id(response),
        )

    def _status_error(self, response: httpx.Response, op: _Op) -> ResolutionFlowError:
        status = response.status_code
        detail = _detail(response)
        said = f" (ResolutionFlow said: {detail.rstrip('.')})" if detail else ""
        common: dict[str, Any] = {"status": status, "request_id": _request_id(response), "detail": detail}
        if status == 401:
            return SignInRequired(REJECTED, **common)
        if status == 402:
            return SubscriptionRequired(
                f"Your ResolutionFlow subscription is not active (HTTP 402), so FlowDesk cannot {op.action}{said}. "
                f"Ask your ResolutionFlow account owner to renew it. {CACHE_KEPT}",
                **common,
            )
        if status == 403:
            return Forbidden(
                f"Your ResolutionFlow role does not allow FlowDesk to {op.action} (HTTP 403){said}. Ask your "
                "ResolutionFlow account owner for the engineer role (viewers cannot read FlowPilot sessions).",
                **common,
            )
        if status == 404:
            text = op.not_found or (
                f"ResolutionFlow found nothing when FlowDesk tried to {op.action} (HTTP 404). "
                "Check the ResolutionFlow address in Settings."
            )
            return NotFound(text, **common)
        if status == 429:
            retry_after = _retry_after(response)
            wait = f"wait {retry_after:g} seconds" if retry_after is not None else "wait a minute"
            return RateLimited(
                f"ResolutionFlow is receiving too many requests from your account (HTTP 429): {wait} and try again.",
                retry_after=retry_after,
                **common,
            )
        if status >= 500 or status == 408:
            html = " with an HTML page" if _is_html(response) else ""
            return ServerError(
                f"ResolutionFlow had a problem answering the request to {op.action}{html} (HTTP {status}){said}. "
                f"Try again in a few minutes. {CACHE_KEPT}",
                retry_after=_retry_after(response),
                **common,
            )
        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            to = f" to {httpx.URL(location).host or location}" if location else ""
            return ProtocolError(
                f"ResolutionFlow redirected the request to {op.action} (HTTP {status}{to}) instead of answering. "
                "Check the ResolutionFlow address in Settings: it should be the API address, e.g. "
                "https://api.resolutionflow.com.",
                **common,
            )
        return ProtocolError(
            f"ResolutionFlow did not accept FlowDesk's request to {op.action} (HTTP {status}){said}. "
            "Its API may have changed: update FlowDesk.",
            **common,
        )

    def _no_api_here(self, what: str) -> str:
        return (
            f"{self._host} has no ResolutionFlow {what} (HTTP 404). Check the ResolutionFlow address in Settings: "
            "it should be the API address, e.g. https://api.resolutionflow.com."
        )


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
        op = _Op("list your sessions", not_found=client._no_api_here("sessions list"))
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
                where = sid or f"(page {page}, item {index + 1})"
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
                if not session.id:
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


def _request_id(response: httpx.Response) -> str | None:
    rid = response.headers.get("x-request-id")
    return rid.strip()[:100] if rid and rid.strip() else None


def _is_html(response: httpx.Response) -> bool:
    if "html" in response.headers.get("content-type", "").lower():
        return True
    return response.content[:200].lstrip().lower().startswith((b"<!doctype html", b"<html"))


def _detail(response: httpx.Response) -> str | None:
    """ResolutionFlow's ``{"detail": ...}`` in one line (FastAPI 422 lists as ``msg (loc)``), masked, short."""
    try:
        data = response.json()
    except ValueError:
        return None
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, str):
        text = detail.strip()
    elif isinstance(detail, list):  # FastAPI validation errors; never echo "input" (it may be a password)
        parts = []
        for item in detail[:3]:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                msg = str(item.get("msg", "invalid"))
                parts.append(f"{msg} ({loc})" if loc else msg)
        text = "; ".join(parts)
    else:
        return None
    text = " ".join(text.split())
    if not text:
        return None
    return mask_secrets(text[:200] + ("…" if len(text) > 200 else ""))


def _looks_like_bad_credentials(response: httpx.Response) -> bool:
    text = (_detail(response) or "").lower()
    return any(w in text for w in ("incorrect", "invalid credentials", "wrong password", "invalid email or password"))


def _retry_after(response: httpx.Response) -> float | None:
    return parse_retry_after(response.headers.get("Retry-After"))


