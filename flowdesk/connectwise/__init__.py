"""ConnectWise PSA: request bodies, the REST client, its errors and site discovery.

Names are re-exported lazily, so ``flowdesk.connectwise.bodies`` stays cheap to import (no httpx).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "TicketRef": "bodies",
    "note_body": "bodies",
    "time_entry_body": "bodies",
    "cw_datetime": "bodies",
    "ConnectWiseClient": "client",
    "normalise_site": "site",
    "SiteInfo": "site",
    "SiteConfigError": "site",
    "Member": "models",
    "Permissions": "models",
    "ConnectionReport": "models",
    "Ticket": "models",
    "PostedNote": "models",
    "NoteRecord": "models",
    "PostedTimeEntry": "models",
    "TimeEntryRecord": "models",
    "ConnectWiseError": "errors",
    "AuthError": "errors",
    "PermissionDenied": "errors",
    "NotFound": "errors",
    "CompanyNotFound": "errors",
    "ValidationFailed": "errors",
    "RateLimited": "errors",
    "ServerError": "errors",
    "Offline": "errors",
    "Ambiguous": "errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
