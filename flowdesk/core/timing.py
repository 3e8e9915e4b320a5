"""Time rounding and the time entry a session turns into (the seed's ``_round_hours`` and its rules)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

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


@dataclass(frozen=True)
class TimeEntryPlan:
    """What FlowDesk will log for a session: ``hours`` from ``start``; ``end`` = start + hours."""

    start: datetime
    hours: float
    notes: str

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.hours)


def plan_time_entry(session: Session, rounding: TimeRounding | str) -> TimeEntryPlan | None:
    """The time entry for ``session``, or None when there is none to log: rounding ``none``, no start or
    end time, or a duration that rounds to zero (the seed logs only ``rounded_hours > 0``)."""
    if rounding == TimeRounding.NONE:
        return None
    end = session.ended_at
    if session.created_at is None or end is None:
        return None
    hours = (end - session.created_at).total_seconds() / 3600
    rounded = round_hours(hours, rounding)
    if rounded <= 0:
        return None
    return TimeEntryPlan(start=session.created_at, hours=rounded, notes=time_entry_notes(session))


def format_hours(hours: float) -> str:
    """``0.25 h``, ``1.5 h``, ``2 h``."""
    text = f"{hours:.2f}".rstrip("0").rstrip(".")
    return f"{text} h"
