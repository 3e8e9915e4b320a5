"""Time rounding and the time entry a session turns into (the seed's ``_round_hours`` and its rules)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple, Self

if TYPE_CHECKING:
    from flowdesk.core.models import Session


class TimeRounding(StrEnum):
    QUARTER_HOUR = "15min"
    HALF_HOUR = "30min"
    EXACT = "exact"
    NONE = "none"  # no time entry at all


def round_hours(hours: float, rounding: TimeRounding | str) -> float:
    """Round ``hours`` up to the quarter or half hour, or to 2 decimals for ``exact`` (the seed's rule;
    anything unrecognised rounds like ``15min``, as the seed's ``else`` branch does)."""
    if rounding == TimeRounding.EXACT:
        return round(hours, 2)
    if rounding == TimeRounding.HALF_HOUR:
        return math.ceil(hours * 2) / 2
    return math.ceil(hours * 4) / 4


def time_entry_notes(session: Session) -> str:
    return f"FlowPilot session: {session.problem_summary or 'Troubleshooting'}"


GAP = timedelta(minutes=30)  # a longer silence between steps is not counted as work
LONG_HOURS = 8.0  # above this the window and the command line warn before queueing
BILLABLE_OPTIONS = ("Billable", "DoNotBill", "NoCharge", "NoDefault")  # ConnectWise's billableOption


class TimeRule(StrEnum):
    """How the proposed hours were worked out (the window says which)."""

    PAUSES = "pauses"  # wall-clock time minus the session's pause
    GAPS = "gaps"  # wall-clock time minus gaps of more than 30 minutes between step timestamps
    WALL = "wall"  # wall-clock time (no step has a timestamp)
    MANUAL = "manual"  # typed by the engineer


def active_time(session: Session) -> tuple[timedelta, TimeRule] | None:
    """The time actually spent on ``session`` and the rule used, or None without a start and an end.

    A pause the session records (``paused_at``) lasts until its next step (else to the end); without one,
    every gap of more than :data:`GAP` between the start, the step timestamps and the end is left out."""
    start, end = session.created_at, session.ended_at
    if start is None or end is None or end <= start:
        return None
    stamps = sorted(s.created_at for s in session.steps if s.created_at is not None and start <= s.created_at <= end)
    paused = session.paused_at
    if paused is not None and start <= paused < end:
        resumed = next((t for t in stamps if t > paused), end)
        return (end - start) - (resumed - paused), TimeRule.PAUSES
    if stamps:
        points = [start, *stamps, end]
        gaps = sum((b - a for a, b in zip(points, points[1:], strict=False) if b - a > GAP), timedelta())
        return (end - start) - gaps, TimeRule.GAPS
    return end - start, TimeRule.WALL


_HMM = re.compile(r"^\s*(\d{1,3}):([0-5]\d)\s*$")


def parse_hours(text: str) -> float:
    """``1.5``, ``1,5``, ``1:30`` → 1.5 (decimals to two places, ``h:mm`` exactly); ValueError (plain words)
    for anything else, zero or above 24. A plan logs whole minutes: :func:`minutes_changed` says when they differ."""
    m = _HMM.match(text)
    try:
        hours = int(m.group(1)) + int(m.group(2)) / 60 if m else round(float(text.strip().replace(",", ".")), 2)
    except ValueError:
        raise ValueError(f"{text.strip() or 'nothing'}: not hours (write 1.5 or 1:30)") from None
    if not 0 < hours <= 24 or math.isnan(hours):
        raise ValueError(f"{text.strip()}: hours must be more than 0 and at most 24")
    return hours


def whole_minutes(hours: float) -> float:
    """``hours`` to the nearest whole minute (``0.26`` → 16 min = 0.2667): a time entry runs from a start to an
    end on whole minutes and ConnectWise derives its hours from them, so FlowDesk logs (and shows) no other."""
    return round(hours * 60) / 60


def minutes_changed(hours: float) -> bool:
    """Whether ``hours`` is logged as other hours (:func:`whole_minutes`): the window and the command line say so."""
    return abs(whole_minutes(hours) - hours) > 1e-9


def hours_text(hours: float) -> str:
    """The hours box's text: ``1.5``, ``0.25``; ``0:16`` for whole minutes that two decimals cannot write."""
    if abs(round(hours, 2) - hours) < 1e-9:
        return f"{round(hours, 2):g}"
    minutes = round(hours * 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


class _PlanFields(NamedTuple):
    start: datetime
    hours: float
    notes: str
    rule: TimeRule = TimeRule.WALL
    work_type_id: int | None = None
    work_role_id: int | None = None
    billable: str | None = None


class TimeEntryPlan(_PlanFields):
    """What FlowDesk will log for a session: ``hours`` from ``start``; ``end`` = start + hours. The hours are
    always whole minutes (:func:`whole_minutes`, applied when the plan is made, ``_replace`` included): what
    the engineer is shown is what ConnectWise stores, and what the check after a lost answer compares.
    ``rule``: how the hours were worked out; the work type / role (ConnectWise ids, None: the member's
    defaults) and the billable option (None: ConnectWise's default) the engineer chose. A named tuple (this
    module loads before the window's first paint: a frozen dataclass costs ~1 ms to create)."""

    __slots__ = ()

    def __new__(
        cls, start: datetime, hours: float, notes: str, rule: TimeRule = TimeRule.WALL,
        work_type_id: int | None = None, work_role_id: int | None = None, billable: str | None = None,
    ) -> TimeEntryPlan:
        return super().__new__(cls, start, whole_minutes(hours), notes, rule, work_type_id, work_role_id, billable)

    @classmethod
    def _make(cls, iterable: Iterable[Any]) -> Self:  # type: ignore[override]  # (typeshed: generic in the tuple)
        return cls(*iterable)  # through __new__: what _replace makes has whole minutes too

    @property
    def long(self) -> bool:
        return self.hours > LONG_HOURS

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.hours)


def plan_time_entry(session: Session, rounding: TimeRounding | str) -> TimeEntryPlan | None:
    """The time entry for ``session``, or None when there is none to log: rounding ``none``, no start or
    end time, or a duration that rounds to zero (the seed logs only ``rounded_hours > 0``)."""
    if rounding == TimeRounding.NONE:
        return None
    spent = active_time(session)
    if spent is None or session.created_at is None:
        return None
    rounded = round_hours(spent[0].total_seconds() / 3600, rounding)
    if rounded <= 0:
        return None
    return TimeEntryPlan(start=session.created_at, hours=rounded, notes=time_entry_notes(session), rule=spent[1])


def manual_plan(session: Session, hours: float, now: datetime) -> TimeEntryPlan:
    """Hours the engineer typed: from the session's start when it has one, else ending now (whole minutes)."""
    start = session.created_at or (now - timedelta(hours=hours)).replace(second=0, microsecond=0)
    return TimeEntryPlan(start=start, hours=hours, notes=time_entry_notes(session), rule=TimeRule.MANUAL)


def format_hours(hours: float) -> str:
    """``0.25 h``, ``1.5 h``, ``2 h``."""
    text = f"{hours:.2f}".rstrip("0").rstrip(".")
    return f"{text} h"
