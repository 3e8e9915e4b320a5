"""ResolutionFlow's sign-in as an ``httpx.Auth``: bearer tokens, renewed before they expire and once on a 401.

ResolutionFlow hands out a 5-minute access token and a 7-day refresh token that *rotates* (every renewal
revokes the old one; rf §2.4). :class:`TokenAuth` keeps both and, for every request it authenticates:

1. renews first when the access token is about to expire (``renew_at``, from the token's own ``exp -
   iat`` anchored on when it arrived, so a wrong clock on this computer cannot make every request renew);
2. adds ``Authorization: Bearer …`` and sends the request;
3. on a 401, renews once (unless another thread already did) and sends it again; a second 401 ends the
   sign-in (:class:`SignInRequired` ``rejected``).

The renewal is a request of the same httpx flow (``POST /auth/refresh``), so it gets the same deadline,
size cap and proxy as any other. One lock serialises renewals: concurrent 401s renew once. Every new
refresh token goes to ``on_tokens`` (the keyring) while the lock is held, so they arrive in order.
``session_expired_idle`` / ``invalid_refresh_token`` end the sign-in with :class:`SignInRequired`.

A pasted access token (single sign-on accounts) is never renewed: when it is refused, the engineer is
asked to paste a new one.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import threading
from collections.abc import Callable, Generator
from typing import Any

import httpx

from flowdesk.logs import get_logger, register_secret
from flowdesk.resolutionflow.errors import (
    ENDED,
    EXPIRED_IDLE,
    NOT_SIGNED_IN,
    REJECTED,
    REVOKED,
    TOKEN_EXPIRED,
    TOKEN_REJECTED,
    ProtocolError,
    SignInRequired,
)

log = get_logger("resolutionflow")

REFRESH_MARGIN = 30.0  # seconds before expiry at which the access token is renewed (capped at 1/5 of its life)

Flow = Generator[httpx.Request, httpx.Response, None]


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


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


class TokenAuth(httpx.Auth):
    """The sign-in's tokens and their renewal (see the module docstring). Thread-safe.

    ``refresh_request(token)`` builds the ``POST /auth/refresh`` request; ``read(response)`` reads an
    answer within the size cap and returns ``(detail, request_id)``; ``accept(response)`` returns the
    JSON of a good renewal or raises the client's error for it.
    """

    def __init__(
        self,
        *,
        refresh_request: Callable[[str], httpx.Request],
        read: Callable[[httpx.Response], tuple[str | None, str | None]],
        accept: Callable[[httpx.Response], Any],
        on_tokens: Callable[[str], None] | None,
        clock: Callable[[], float],
    ) -> None:
        self._refresh_request, self._read, self._accept = refresh_request, read, accept
        self._on_tokens, self._clock = on_tokens, clock
        self.lock = threading.RLock()
        self.access: str | None = None
        self.refresh: str | None = None
        self.pasted = False
        self.renew_at: float | None = None  # local clock time at which to renew the access token
        self.expires_at: float | None = None  # when the access token expires (local clock), if known

    # ------------------------------------------------------------------ the tokens

    def take(self, data: Any, action: str, *, keep_refresh: bool) -> None:
        """Adopt the tokens of a login/refresh answer and hand the refresh token to ``on_tokens``."""
        access = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(access, str) or not access.strip():
            raise ProtocolError(
                f"ResolutionFlow answered the request to {action} without an access token. "
                "Its sign-in API may have changed: update FlowDesk."
            )
        refresh = data.get("refresh_token")
        with self.lock:
            if not isinstance(refresh, str) or not refresh.strip():
                refresh = self.refresh if keep_refresh else None
            register_secret(access)
            register_secret(refresh)
            now = self._clock()
            claims = jwt_claims(access) or {}
            exp, iat = number(claims.get("exp")), number(claims.get("iat"))
            expires_in = number(data.get("expires_in"))
            lifetime = (exp - iat) if exp is not None and iat is not None and exp > iat else expires_in
            if lifetime is None and exp is not None:
                lifetime = exp - now
            self.access = access.strip()
            self.refresh = refresh.strip() if refresh else None
            if lifetime is not None and lifetime > 0:
                self.expires_at = now + lifetime
                self.renew_at = now + lifetime - min(REFRESH_MARGIN, lifetime / 5)
            else:
                self.expires_at = self.renew_at = None  # unknown: rely on the 401
            if self.refresh and self._on_tokens is not None:
                self._on_tokens(self.refresh)

    def resume(self, refresh_token: str) -> None:
        register_secret(refresh_token)
        with self.lock:
            self.access, self.refresh, self.pasted = None, refresh_token, False
            self.renew_at = self.expires_at = None

    def use_pasted(self, token: str) -> None:
        register_secret(token)
        exp = number((jwt_claims(token) or {}).get("exp"))
        with self.lock:
            self.access, self.refresh, self.pasted = token, None, True
            self.renew_at = None
            self.expires_at = exp  # the server's clock; used for display only

    def clear(self) -> tuple[str | None, str | None]:
        """Forget the tokens; returns what they were ``(access, refresh)``."""
        with self.lock:
            old = self.access, self.refresh
            self.access = self.refresh = None
            self.renew_at = self.expires_at = None
            return old

    # ------------------------------------------------------------------ the flow

    def sync_auth_flow(self, request: httpx.Request) -> Flow:
        with self.lock:
            if self.refresh is not None and (
                self.access is None or (self.renew_at is not None and self._clock() >= self.renew_at)
            ):
                yield from self._renew()
            token = self.access
        if token is None:
            raise SignInRequired(NOT_SIGNED_IN)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        detail, rid = self._read(response)
        with self.lock:
            if self.access is None or self.access == token:  # nobody renewed meanwhile
                if self.refresh is None:
                    self._ended(detail, rid)
                yield from self._renew()
            token = self.access
        assert token is not None
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            detail, rid = self._read(response)
            with self.lock:
                if self.access == token:
                    self.access = None
            raise SignInRequired(REJECTED, detail=detail, status=401, request_id=rid)

    def async_auth_flow(self, request: httpx.Request) -> Any:
        raise NotImplementedError("FlowDesk's ResolutionFlow client is synchronous")

    def _ended(self, detail: str | None, rid: str | None) -> None:
        """A 401 with nothing to renew with (lock held): a pasted token expired or was refused, or a sign-in
        that came without a refresh token simply ended."""
        self.access = None
        if self.pasted:
            expired = "expired" in (detail or "").lower() or (self.expires_at is not None and self._clock() >= self.expires_at)
            reason = TOKEN_EXPIRED if expired else TOKEN_REJECTED
            raise SignInRequired(reason, detail=None if expired else detail, status=401, request_id=rid)
        raise SignInRequired(ENDED, detail=detail, status=401, request_id=rid)

    def _renew(self) -> Flow:
        """``POST /auth/refresh`` with the refresh token (lock held); rotation hands a new one to on_tokens."""
        assert self.refresh is not None
        response = yield self._refresh_request(self.refresh)
        if response.status_code in (401, 403):
            detail, rid = self._read(response)
            text = (detail or "").lower()
            if "invalid_refresh_token" in text or "revoked" in text:
                reason = REVOKED
            elif "expired" in text:
                reason = EXPIRED_IDLE
            else:
                reason = ENDED
            self.clear()
            log.info("ResolutionFlow refused to renew the sign-in: %s", reason)
            raise SignInRequired(reason, detail=detail, status=response.status_code, request_id=rid)
        self.take(self._accept(response), "renew FlowDesk's ResolutionFlow sign-in", keep_refresh=True)
        log.debug("renewed the ResolutionFlow access token")
