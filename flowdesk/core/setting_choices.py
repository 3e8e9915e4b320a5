"""The settings' choices and names (where a note shows, notifications, the proxy mode, the redaction
categories), apart from the settings' models in :mod:`flowdesk.core.settings`, which re-exports them: the
window's first paint needs these, and the models load pydantic (validated just after the paint)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

# flowdesk.redact's category names and always-redacted families (a test keeps them equal): the settings
# are read before the window's first paint, and the redaction package is not needed for that.
REDACTION_CATEGORIES = (
    "private_key",
    "connection_string",
    "access_key",
    "password",
    "token",
    "email",
    "unc_path",
    "ip",
)
ALWAYS_REDACTED_NAMES = frozenset({"private_key", "connection_string", "access_key", "password", "token"})
CUSTOMER_VISIBLE = frozenset({"discussion", "resolution"})


class Visibility(StrEnum):
    """Where the note shows on the ticket (ConnectWise's Internal / Discussion / Resolution)."""

    INTERNAL = "internal"
    DISCUSSION = "discussion"
    RESOLUTION = "resolution"

    @property
    def label(self) -> str:
        return {"internal": "Internal analysis", "discussion": "Discussion", "resolution": "Resolution"}[self.value]


VISIBILITY_ALIASES = {"both": Visibility.DISCUSSION, "internal_analysis": Visibility.INTERNAL, "detail": Visibility.DISCUSSION}


class NotificationLevel(StrEnum):
    ERRORS = "errors"
    ALL = "all"
    NONE = "none"


class ProxyMode(StrEnum):
    """How FlowDesk reaches ConnectWise and ResolutionFlow (see ``flowdesk.http.proxy``)."""

    SYSTEM = "system"  # the operating system's proxy for each address (the window asks the OS; the CLI reads the environment)
    ENVIRONMENT = "environment"  # HTTPS_PROXY / HTTP_PROXY / NO_PROXY
    MANUAL = "manual"  # the proxy below
    NONE = "none"  # always direct


# pydantic's lax reading of a bool, so that a value read before validation means what validation makes of it
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def peek_flag(path: Path, name: str, default: bool = False) -> bool:
    """A top-level on/off setting read from the settings file as plain JSON, before (and without) the full
    validation of :func:`flowdesk.core.settings.load_settings`, which reports any problem just after the
    window's first paint. A missing, unreadable or invalid file or value gives ``default``, as validation
    would (a bad value falls back to its default)."""
    from flowdesk.core import userfile  # lazy: only for the window's start-up

    try:
        doc = userfile.parse_json(userfile.decode_text(userfile.read_bytes(path, PEEK_MAX_BYTES), "settings"), "settings")
    except (OSError, ValueError):  # UserFileError is a ValueError
        return default
    value = doc.get(name) if isinstance(doc, dict) else None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    return default


PEEK_MAX_BYTES = 1024 * 1024  # as flowdesk.core.settings.MAX_SETTINGS_BYTES (a test keeps them equal)
