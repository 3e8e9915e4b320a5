"""A date-time in the computer's time zone that never raises.

Windows' C library converts no time before 1970 (``datetime.fromtimestamp`` and ``astimezone()`` raise
``OSError: [Errno 22]``; cpython#80940, #107078), and ResolutionFlow and ConnectWise use ``0001-01-01``
as a "no date" placeholder. Where the C library cannot convert a time, it is shown with the computer's
current UTC offset (no DST rules before 1970 are worth a crash), and in UTC where even that overflows.
"""

from __future__ import annotations

from datetime import UTC, datetime

_CANNOT_CONVERT = (OverflowError, OSError, ValueError)


def to_local(dt: datetime) -> datetime:
    """``dt.astimezone()`` (naive times taken as UTC, the store's convention), or the nearest thing to it."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone()
    except _CANNOT_CONVERT:
        pass
    try:
        return dt.astimezone(datetime.now().astimezone().tzinfo)
    except _CANNOT_CONVERT:
        return dt.astimezone(UTC) if dt.utcoffset() else dt
