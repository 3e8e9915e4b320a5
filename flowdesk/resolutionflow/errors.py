"""What can go wrong talking to ResolutionFlow: one exception hierarchy, one class per thing the caller does.

| class | kind | when | the caller |
|---|---|---|---|
| :class:`SignInRequired` | signin | wrong password at sign-in; 401 after a refresh failed (``reason`` says why) | asks the engineer to sign in again |
| :class:`SubscriptionRequired` | subscription | 402 | tells the engineer the subscription lapsed; keeps the cache |
| :class:`Forbidden` | forbidden | 403 (the account's role) | tells the engineer which role is needed |
| :class:`NotFound` | not_found | 404 | drops that session / checks the address |
| :class:`Offline` | offline | nothing was answered: DNS, refused, connect timeout, TLS | retries when the network is back |
| :class:`ServerError` | server | 5xx, a read timeout, a dropped connection, an oversized answer | retries later |
| :class:`RateLimited` | rate_limited | 429 | retries after ``retry_after`` (at most a day) |
| :class:`ProtocolError` (:class:`InvalidRecord`) | protocol / invalid_record | an answer FlowDesk cannot read: HTML, garbage, a wrong shape, a 4xx it did not expect | checks the address, updates FlowDesk |

``str(error)`` is plain words (what happened, what to do), then ``Request id: …`` when ResolutionFlow
gave one. No error ever holds a token, a password, a header or an httpx object (they are raised outside
the ``except`` block that caught the transport error, so nothing is chained to them). The base and the
shared classes (``NotFound``, ``RateLimited``, ``ServerError``, ``Offline``) come from
:mod:`flowdesk.http.errors` and mean the same as in ConnectWise's errors.
"""

from __future__ import annotations

from typing import Any

from flowdesk.core.error_words import Where
from flowdesk.http import errors as base

SIGN_IN_AGAIN = "Sign in to ResolutionFlow again (Settings, or `flowdesk signin`)."
# How to sign in again, and where to paste an access token, for where a refused sign-in is read: the Settings page
# or the setup step the engineer is on ("here"), `flowdesk signin` ("command"), a window banner whose button opens
# Settings ("window"), anywhere else ("elsewhere").
_WAYS: dict[str, tuple[str, str]] = {
    "elsewhere": (SIGN_IN_AGAIN, "(Settings, or `flowdesk signin --token-stdin`)"),
    "here": ("Sign in again above.", "in the Access token field above"),
    "command": ("Run `flowdesk signin` again.", "with `flowdesk signin --token-stdin`"),
    "window": ("Sign in to ResolutionFlow again in Settings.", "in Settings"),
}
CACHE_KEPT = "FlowDesk keeps showing the sessions it has cached."


class ResolutionFlowConfigError(ValueError):
    """The ResolutionFlow address or CA file cannot be used as given (a settings problem, not a request)."""


class ResolutionFlowError(base.ServiceError):
    """Base of every ResolutionFlow failure. ``str()`` says what happened and what to do; never a token.
    (``kind``, ``str()``, pickling and the secret-free rules come from :class:`flowdesk.http.errors.ServiceError`.)"""

    def __init__(self, message: str, *, detail: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.detail = detail  # ResolutionFlow's own {"detail": ...} text, when it sent one


# Why a sign-in is needed (SignInRequired.reason).
WRONG_PASSWORD = "wrong_password"  # the login was refused
EXPIRED_IDLE = "expired_idle"  # refresh: session_expired_idle (or absolute lifetime over)
REVOKED = "revoked"  # refresh: invalid_refresh_token (signed out, revoked by an owner, reused)
TOKEN_EXPIRED = "token_expired"  # a pasted access token expired; nothing can renew it
TOKEN_REJECTED = "token_rejected"  # a pasted access token was never accepted (mistyped, not a token)
REJECTED = "rejected"  # 401 even with a freshly refreshed token
NOT_SIGNED_IN = "not_signed_in"  # no tokens at all
ENDED = "ended"  # refresh refused with a reason FlowDesk does not know

_SIGN_IN_TEXT = {
    WRONG_PASSWORD: (
        "ResolutionFlow did not accept that e-mail address and password. Check them and sign in again; "
        "if your account signs in through single sign-on, paste an access token instead {token}."
    ),
    EXPIRED_IDLE: (
        "Your ResolutionFlow sign-in expired because FlowDesk was not used with it for a while "
        "(ResolutionFlow said: session_expired_idle). {again}"
    ),
    REVOKED: (
        "ResolutionFlow no longer accepts FlowDesk's sign-in: it was signed out or revoked (for example by "
        "an account owner), or used by another copy of FlowDesk (ResolutionFlow said: invalid_refresh_token). {again}"
    ),
    TOKEN_EXPIRED: (
        "The ResolutionFlow access token you pasted has expired (they last about 5 minutes) and FlowDesk "
        "cannot renew it. Paste a new one {token}, or sign in with "
        "your e-mail address and password so FlowDesk can stay signed in."
    ),
    TOKEN_REJECTED: (
        "ResolutionFlow did not accept the access token you pasted{said}. Copy it again and paste it {token}, or sign in "
        "with your e-mail address and password."
    ),
    REJECTED: "ResolutionFlow refused FlowDesk's sign-in even after renewing it{said}. {again}",
    NOT_SIGNED_IN: "FlowDesk is not signed in to ResolutionFlow. {again}",
    ENDED: "ResolutionFlow ended FlowDesk's sign-in{said}. {again}",
}


class SignInRequired(ResolutionFlowError):
    """FlowDesk has no usable sign-in: ``reason`` is one of ``wrong_password``, ``expired_idle``,
    ``revoked``, ``token_expired``, ``token_rejected``, ``rejected``, ``not_signed_in``, ``ended``."""

    kind = "signin"

    def __init__(self, reason: str, *, detail: str | None = None, **kw: Any) -> None:
        super().__init__(_sign_in_text(reason, detail, "elsewhere"), detail=detail, **kw)
        self.reason = reason

    def said(self, where: Where) -> str:
        """What to do, for ``where`` it is read (Settings: the fields above; ``flowdesk signin``: run it again)."""
        return _sign_in_text(self.reason, self.detail, where)


def _sign_in_text(reason: str, detail: str | None, where: str) -> str:
    again, token = _WAYS.get(where, _WAYS["elsewhere"])
    template = _SIGN_IN_TEXT.get(reason, _SIGN_IN_TEXT[ENDED])
    said = f" (ResolutionFlow said: {detail})" if detail else ""
    return template.replace("{again}", again).replace("{token}", token).replace("{said}", said)  # its words last


class SubscriptionRequired(ResolutionFlowError):
    """402: the account's ResolutionFlow subscription is missing or locked."""

    kind = "subscription"


class Forbidden(ResolutionFlowError):
    """403: the account's role (e.g. viewer) may not do this."""

    kind = "forbidden"


class NotFound(ResolutionFlowError, base.NotFound):
    """404: no such session (deleted, or not the engineer's), or no ResolutionFlow API at the address."""


class Offline(ResolutionFlowError, base.Offline):
    """No answer could be had: DNS failure, connection refused, connect timeout, a proxy that refused, or a
    failed TLS handshake (``tls`` is True then)."""


class ServerError(ResolutionFlowError, base.ServerError):
    """5xx, a read timeout, a dropped connection, an oversized answer: ResolutionFlow had a problem; try again later."""


class RateLimited(ResolutionFlowError, base.RateLimited):
    """429: too many requests; ``retry_after`` seconds (at most a day) when ResolutionFlow said how long.
    Not a :class:`ServerError` (as in ConnectWise's errors): the service asks for a pause, it did not fail."""


class ProtocolError(ResolutionFlowError):
    """An answer FlowDesk cannot use: not JSON, an HTML page, a wrong shape, or a refusal (400/405/422...)
    that means FlowDesk's request no longer matches ResolutionFlow's API."""

    kind = "protocol"


class InvalidRecord(ProtocolError):
    """One session ResolutionFlow sent fails validation: ``session_id``, ``field`` (a path such as
    ``steps[0].step_order``) and ``problem``. Listing skips such records; ``get_session`` raises this."""

    kind = "invalid_record"

    def __init__(self, session_id: str | None, field: str | None, problem: str, **kw: Any) -> None:
        where = f"{field}: " if field else ""
        who = f"session {session_id}" if session_id else "a session"
        super().__init__(
            f"ResolutionFlow sent {who} that FlowDesk cannot read ({where}{problem}); it was skipped. "
            "It is read again when it changes; if this keeps happening, update FlowDesk.",
            **kw,
        )
        self.session_id = session_id
        self.field = field
        self.problem = problem

    @property
    def reason(self) -> str:
        """``field: problem`` — the one-line reason a sync report shows next to the session id."""
        return f"{self.field}: {self.problem}" if self.field else self.problem


ERROR_CLASSES: tuple[type[ResolutionFlowError], ...] = (
    SignInRequired,
    SubscriptionRequired,
    Forbidden,
    NotFound,
    Offline,
    ServerError,
    RateLimited,
    ProtocolError,
    InvalidRecord,
)
