"""What can go wrong talking to ConnectWise: one exception hierarchy, one class per decision the caller makes.

| class | kind | when | the outbox does |
|---|---|---|---|
| :class:`AuthError` | auth | 401, or ``UserNotAuthenticated`` | pause the queue until the keys are fixed |
| :class:`PermissionDenied` | permission | 403 | fail at once, naming the missing right |
| :class:`NotFound` | not_found | 404 | fail at once |
| :class:`CompanyNotFound` | no_company | companyinfo answered ``null`` | pause the queue: fix the company ID |
| :class:`ValidationFailed` | validation | 400 and other 4xx | fail at once with ConnectWise's words |
| :class:`RateLimited` | rate_limited | 429 | wait ``retry_after`` |
| :class:`ServerError` | server | 5xx, redirects, unreadable or oversized answers to reads | retry later (``may_have_stored``: verify first) |
| :class:`Offline` | offline | nothing was sent: DNS, refused, connect timeout, TLS, a proxy that refused | retry when the network is back |
| :class:`Ambiguous` | ambiguous | a write was sent but no usable answer came back (timeout, reset, deadline, oversized) | verify before any re-send |

Any of them raised by the company look-up (``company_lookup``) uses up no try of a push: ``no_company`` pauses
the queue, anything else (a 404 or an unreadable answer during an upgrade, 5xx, no answer) waits and tries again.

``str(error)`` is plain words (what happened, what to do), then ``Request id: …`` when ConnectWise gave one.
No error ever holds a key, a header or an httpx object: the client raises them ``from None``, outside
the ``except`` block that caught the transport error, so neither ``__cause__`` nor ``__context__`` is set.
The base and the shared classes (``NotFound``, ``RateLimited``, ``ServerError``, ``Offline``) come from
:mod:`flowdesk.http.errors`; they mean the same in ResolutionFlow's errors. ``retry_after`` is at most a day.
"""

from __future__ import annotations

from typing import Any

from flowdesk.core.error_words import Where, keys_rejected
from flowdesk.http import errors as base
from flowdesk.http.errors import parse_retry_after  # noqa: F401 (callers import it with the errors)

# ConnectWise's own words for the security-role rights FlowDesk needs ("Module › Function: Level").
RIGHT_SERVICE_NOTES = "Service Desk › Service Tickets: Add"
RIGHT_PROJECT_NOTES = "Project › Project Tickets: Add"
RIGHT_TIME = "Time & Expense › Time Entry: Add"
RIGHT_READ_SERVICE_TICKETS = "Service Desk › Service Tickets: Inquire"
RIGHT_READ_PROJECT_TICKETS = "Project › Project Tickets: Inquire"
RIGHT_READ_TIME = "Time & Expense › Time Entry: Inquire"
RIGHT_READ_MEMBER = "System › Member Maintenance: Inquire"


class ConnectWiseError(base.ServiceError):
    """Base of every ConnectWise failure. ``str()`` is what happened and what to do; never a key.
    (``kind``, ``str()``, pickling and the secret-free rules come from :class:`flowdesk.http.errors.ServiceError`.)

    ``company_lookup`` is True on an error of the company look-up (``/login/companyinfo``, before a request
    or again after a 404 / redirect that stored nothing): the request it was for was not stored."""

    company_lookup: bool = False

    def __init__(
        self,
        message: str,
        *,
        server_code: str | None = None,
        server_message: str | None = None,
        may_have_stored: bool = False,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.server_code = server_code
        self.server_message = server_message
        self.may_have_stored = may_have_stored


class AuthError(ConnectWiseError):
    """401: the company ID or the API keys are wrong, or the keys were deleted. ``company``: the company ID they
    were sent for (:func:`flowdesk.core.error_words.said_where` says the refusal for Settings or the command)."""

    kind = "auth"

    def __init__(self, message: str, *, company: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.company = company

    def said(self, where: Where) -> str:
        """What to do about it, for ``where`` it is read (without the request id)."""
        return keys_rejected(self.status, self.company, where) if self.company is not None else self.message


class PermissionDenied(ConnectWiseError):
    """403: the keys work but the member's security role lacks ``missing_right``."""

    kind = "permission"

    def __init__(self, message: str, *, missing_right: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.missing_right = missing_right


class NotFound(ConnectWiseError, base.NotFound):
    """404: no such ticket (or not visible to this member), or no ConnectWise at this address."""


class CompanyNotFound(NotFound):
    """``/login/companyinfo/{company}`` answered ``null``: the site has no such company ID (the settings are
    wrong, not the request: the outbox pauses instead of failing pushes)."""

    kind = "no_company"


class ValidationFailed(ConnectWiseError):
    """400 (and other 4xx): ConnectWise refused the request; ``server_message`` is its own words."""

    kind = "validation"


class RateLimited(ConnectWiseError, base.RateLimited):
    """429: too many requests; ``retry_after`` seconds (at most a day) when ConnectWise said how long."""


class ServerError(ConnectWiseError, base.ServerError):
    """5xx, a redirect, or an unreadable answer to a read. For a write, ``may_have_stored`` is True."""


class Offline(ConnectWiseError, base.Offline):
    """Nothing was sent: DNS failure, connection refused, connect timeout, a proxy that refused, or a
    failed TLS handshake (``tls`` is True then, and the message says it is a certificate or TLS problem)."""


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

