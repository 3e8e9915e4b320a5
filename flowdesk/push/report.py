"""What a drain did: :class:`DrainReport` (one run of :meth:`Drainer.run_due`, or merged, one
``flowdesk queue drain``), its one-line summary and its JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from flowdesk.core import policy
from flowdesk.core.policy import JobKind, JobState
from flowdesk.store.db import utcnow

# Why a run ended before everything due was handled, when that is no news to the person who asked for it.
_EXPECTED_STOPS = ("deadline", "stopped", "max_jobs")


@dataclass(frozen=True)
class JobResult:
    """One job handled in a run: where it ended up and the one-line message for it."""

    job_id: int
    kind: JobKind
    ticket_id: int
    from_state: JobState
    state: JobState
    message: str


@dataclass
class DrainReport:
    """What one run (or, merged, one ``flowdesk queue drain``) did.

    ``stopped`` says why it ended before everything due was handled (``paused``, ``offline``,
    ``rate_limited``, ``server``, ``ambiguous``, ``no_client``, ``deadline``, ``stopped``, ``max_jobs``) with
    ``reason`` in plain words; ``blocked`` maps a site whose client could not be had to why, ``keyring`` such a
    site to the OS keyring's trouble when the keyring would not give its keys (``locked``, …); ``paused`` is
    the queue's pause reason at the end when nothing at all may be sent, ``member_pause`` when the pause holds
    only pushes queued under other members' keys (those of the member signed in still go); ``next_due_at``
    when something is next due (hold-offs included); ``held_until`` / ``held_why`` until when and why sending
    is held off after an outage;
    ``left_sending`` how many jobs were still waiting for ConnectWise's answer when the run stopped (they
    stay ``sending``, become ``unknown`` at the next start and are checked on the ticket before any re-send).
    """

    started_at: datetime
    finished_at: datetime | None = None
    results: list[JobResult] = field(default_factory=list)
    recovered: int = 0
    stopped: str | None = None
    reason: str | None = None
    blocked: dict[str, str] = field(default_factory=dict)
    keyring: dict[str, str] = field(default_factory=dict)
    paused: str | None = None
    member_pause: str | None = None
    conflicts: int = 0
    next_due_at: datetime | None = None
    left_sending: int = 0
    held_until: datetime | None = None  # sending to ConnectWise is held off until then (the earliest site)
    held_why: str | None = None  # the outcome kind that started the hold-off (offline, server, ...)

    def count(self, state: JobState | str) -> int:
        return sum(1 for r in self.results if r.state == JobState(state))

    @property
    def sent(self) -> int:
        return self.count(JobState.SENT)

    @property
    def failed(self) -> int:
        return self.count(JobState.FAILED)

    @property
    def ok(self) -> bool:
        """Nothing failed, nothing is blocked, nothing is paused (not even other members' pushes)."""
        return not self.failed and not self.blocked and not self.paused and not self.member_pause

    def record_stop(self, why: str, reason: str | None) -> None:
        """Record why the run ended early (the latest call wins)."""
        self.stopped = why
        self.reason = reason

    def merge(self, later: DrainReport) -> DrainReport:
        """This report followed by ``later`` (the next run of the same drain)."""
        self.results.extend(later.results)
        self.recovered += later.recovered
        self.stopped, self.reason = later.stopped, later.reason
        self.blocked.update(later.blocked)
        self.keyring.update(later.keyring)
        self.paused, self.member_pause = later.paused, later.member_pause
        self.conflicts += later.conflicts
        self.next_due_at = later.next_due_at
        self.finished_at = later.finished_at
        self.left_sending += later.left_sending
        self.held_until, self.held_why = later.held_until, later.held_why
        return self

    def summary(self, tz: tzinfo | None = None) -> str:
        """One line: ``Sent 3 · retrying 1 · checking 0 · failed 0 · next at 14:07.``"""
        parts = [
            f"Sent {self.sent}",
            f"retrying {self.count(JobState.RETRY_WAIT)}",
            f"checking {self.count(JobState.UNKNOWN)}",
            f"failed {self.failed}",
        ]
        if self.recovered:
            parts.append(f"{self.recovered} found interrupted")
        if self.left_sending:
            parts.append(f"{self.left_sending} left without an answer (checked on the ticket next time)")
        text = " · ".join(parts)
        if self.paused:
            text += f". Sending is paused: {self.paused}"
        elif self.blocked:
            text += ". Not sent: " + " ".join(dict.fromkeys(self.blocked.values()))
        elif self.stopped and self.reason and self.stopped not in _EXPECTED_STOPS:
            text += f". Stopped early: {self.reason}"
        if self.next_due_at is not None and not self.paused:
            now = self.finished_at or utcnow()
            when = "now" if self.next_due_at <= now else policy.format_clock(self.next_due_at, now, tz)
            text += f"{'' if text.endswith('.') else '.'} Next attempt: {when}."
        elif not text.endswith("."):
            text += "."
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "sent": self.sent,
            "retrying": self.count(JobState.RETRY_WAIT),
            "checking": self.count(JobState.UNKNOWN),
            "failed": self.failed,
            "recovered": self.recovered,
            "left_sending": self.left_sending,
            "stopped": self.stopped,
            "reason": self.reason,
            "blocked": dict(self.blocked),
            "keyring": dict(self.keyring),
            "paused": self.paused,
            "member_pause": self.member_pause,
            "conflicts": self.conflicts,
            "next_due_at": _iso(self.next_due_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "jobs": [
                {
                    "id": r.job_id,
                    "kind": r.kind.value,
                    "ticket": r.ticket_id,
                    "from": r.from_state.value,
                    "state": r.state.value,
                    "message": r.message,
                }
                for r in self.results
            ],
        }


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).isoformat().replace("+00:00", "Z")


__all__ = ["DrainReport", "JobResult"]
