"""A date-time in the computer's time zone that never raises, and the ways FlowDesk writes one.

Windows' C library converts no time before 1970 (``datetime.fromtimestamp`` and ``astimezone()`` raise
``OSError: [Errno 22]``; cpython#80940, #107078), and ResolutionFlow and ConnectWise use ``0001-01-01``
as a "no date" placeholder. Where the C library cannot convert a time, it is shown with the computer's
current UTC offset (no DST rules before 1970 are worth a crash), and in UTC where even that overflows.
"""

from __future__ import annotations

import time as _time
from datetime import UTC, datetime, timedelta, tzinfo

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


# -- the computer's zone, and times as a person reads them -----------------------------------------------------------------------------------------
class _LocalTime(tzinfo):
    """The computer's zone as the C library sees it, daylight saving included (``astimezone()`` with no
    argument gives a fixed offset, wrong for a time on the other side of a change)."""

    def _local(self, dt: datetime) -> _time.struct_time:
        # fromutc() hands us UTC wall time; utcoffset() is asked about local wall time.
        naive = dt.replace(tzinfo=None)
        return _time.localtime(_time.mktime((*naive.timetuple()[:8], -1)))

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return timedelta(seconds=_time.localtime().tm_gmtoff)
        return timedelta(seconds=self._local(dt).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return (_time.localtime() if dt is None else self._local(dt)).tm_zone

    def fromutc(self, dt: datetime) -> datetime:
        stamp = (dt.replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds()
        offset = _time.localtime(stamp).tm_gmtoff
        return (dt + timedelta(seconds=offset)).replace(tzinfo=self)

    def __repr__(self) -> str:
        return "LOCAL"


LOCAL: tzinfo = _LocalTime()

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_clock(when: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """``14:05`` on the same day as ``now`` (in ``tz``, default ``now``'s zone), else ``Tue 19 Nov 14:05``."""
    zone = tz or now.tzinfo
    local = when.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M")
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.strftime('%H:%M')}"


def format_date_time(when: datetime, tz: tzinfo | None = LOCAL) -> str:
    """``19 Nov 14:05`` whatever the day (the session list's Push column: as its Date column writes a time, and
    short enough for the column to show the time too)."""
    local = when.astimezone(tz)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.strftime('%H:%M')}"


def format_full_date(when: datetime, tz: tzinfo | None = LOCAL) -> str:
    """``Thu 3 Dec 2026 at 14:05`` (a tooltip saying what a short cell leaves out: the weekday and the year)."""
    local = when.astimezone(tz)
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year} at {local.strftime('%H:%M')}"


def format_when(when: datetime | None, now: datetime, tz: tzinfo | None = None) -> str:
    """A next attempt: ``now`` once it is due, else :func:`format_clock`; ``—`` for none."""
    if when is None:
        return "—"
    if when <= now:
        return "now"
    return format_clock(when, now, tz)


def format_timestamp(when: datetime | None, tz: tzinfo | None = LOCAL) -> str:
    """``2026-11-18 14:40`` (an attempt in a job's history)."""
    return "" if when is None else when.astimezone(tz).strftime("%Y-%m-%d %H:%M")
