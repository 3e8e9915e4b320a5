"""What can go wrong talking to ConnectWise: one exception hierarchy, one class per decision the caller makes.

| class | kind | when | the outbox does |
|---|---|---|---|
| :class:`AuthError` | auth | 401, or ``UserNotAuthenticated`` | pause the queue until the keys are fixed |
| :class:`PermissionDenied` | permission | 403 | fail at once, naming the missing right |
| :class:`NotFound` (:class:`CompanyNotFound`) | not_found | 404 (companyinfo ``null``) | fail at once |
| :class:`ValidationFailed` | validation | 400 and other 4xx | fail at once with ConnectWise's words |
| :class:`RateLimited` | rate_limited | 429 | wait ``retry_after`` |
| :class:`ServerError` | server | 5xx, redirects, unreadable answers to reads | retry later (``may_have_stored``: verify first) |
| :class:`Offline` | offline | nothing was sent: DNS, refused, connect timeout, TLS | retry when the network is back |
| :class:`Ambiguous` | ambiguous | a write was sent but no usable answer came back | verify before any re-send |

``str(error)`` is plain words (what happened, what to do) plus ``(request id …)`` when ConnectWise gave one.
No error ever holds a key, a header or an httpx object: the client raises them ``from None``, outside
the ``except`` block that caught the transport error, so neither ``__cause__`` nor ``__context__`` is set.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flowdesk.http_common import parse_retry_after  # noqa: F401 (callers import it with the errors)

# ConnectWise's own words for the security-role rights FlowDesk needs ("Module › Function: Level").
RIGHT_SERVICE_NOTES = "Service Desk › Service Tickets: Add"
RIGHT_PROJECT_NOTES = "Project › Project Tickets: Add"
RIGHT_TIME = "Time & Expense › Time Entry: Add"
RIGHT_READ_SERVICE_TICKETS = "Service Desk › Service Tickets: Inquire"
RIGHT_READ_PROJECT_TICKETS = "Project › Project Tickets: Inquire"
RIGHT_READ_TIME = "Time & Expense › Time Entry: Inquire"
RIGHT_READ_MEMBER = "System › Member Maintenance: Inquire"


class ConnectWiseError(Exception):
    """Base of every ConnectWise failure. ``str()`` is what happened and what to do; never a key."""

    kind: ClassVar[str] = "error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        server_code: str | None = None,
        server_message: str | None = None,
        may_have_stored: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.request_id = request_id
        self.retry_after = retry_after
        self.server_code = server_code
        self.server_message = server_message
        self.may_have_stored = may_have_stored

    def __str__(self) -> str:
        if self.request_id:
            return f"{self.message} (request id {self.request_id})"
        return self.message

    def __repr__(self) -> str:
        fields = [f"{k}={v!r}" for k, v in self._state().items() if k != "message" and v not in (None, False)]
        return f"{type(self).__name__}({self.message!r}{''.join(', ' + f for f in fields)})"

    def _state(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable/copyable despite keyword-only arguments
        return (_rebuild, (type(self), self._state()))


def _rebuild(cls: type[ConnectWiseError], state: dict[str, Any]) -> ConnectWiseError:
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("message", ""))
    err.__dict__.update(state)
    return err


class AuthError(ConnectWiseError):
    """401: the company ID or the API keys are wrong, or the keys were deleted."""

    kind = "auth"


class PermissionDenied(ConnectWiseError):
    """403: the keys work but the member's security role lacks ``missing_right``."""

    kind = "permission"

    def __init__(self, message: str, *, missing_right: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.missing_right = missing_right


class NotFound(ConnectWiseError):
    """404: no such ticket (or not visible to this member), or no ConnectWise at this address."""

    kind = "not_found"


class CompanyNotFound(NotFound):
    """``/login/companyinfo/{company}`` answered ``null``: the site has no such company ID."""


class ValidationFailed(ConnectWiseError):
    """400 (and other 4xx): ConnectWise refused the request; ``server_message`` is its own words."""

    kind = "validation"


class RateLimited(ConnectWiseError):
    """429: too many requests; ``retry_after`` seconds when ConnectWise said how long to wait."""

    kind = "rate_limited"


class ServerError(ConnectWiseError):
    """5xx, a redirect, or an unreadable answer to a read. For a write, ``may_have_stored`` is True."""

    kind = "server"


class Offline(ConnectWiseError):
    """Nothing was sent: DNS failure, connection refused, connect timeout, or a failed TLS handshake
    (``tls`` is True then, and the message says it is a certificate or TLS problem)."""

    kind = "offline"

    def __init__(self, message: str, *, tls: bool = False, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.tls = tls


class Ambiguous(ConnectWiseError):
    """A write was sent but no usable answer came back: it may or may not be stored. Verify first."""

    kind = "ambiguous"

    def __init__(self, message: str, **kw: Any) -> None:
        kw.setdefault("may_have_stored", True)
        super().__init__(message, **kw)


ERROR_CLASSES: tuple[type[ConnectWiseError], ...] = (
    AuthError,
    PermissionDenied,
    NotFound,
    CompanyNotFound,
    ValidationFailed,
    RateLimited,
    ServerError,
    Offline,
    Ambiguous,
)

