"""What the outbox refuses, in plain words (``str()`` of each says what happened and what to do)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from flowdesk.store.db import StoreError

if TYPE_CHECKING:
    from flowdesk.store.jobs import PushJob


class OutboxError(StoreError):
    """A refused outbox operation; ``str()`` is plain words."""


class JobNotFound(OutboxError):
    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        super().__init__(f"There is no push {job_id} in the queue.")


class StateConflict(OutboxError):
    """The job is no longer in the state the caller expected (another sender or action moved it)."""

    def __init__(self, job_id: int, expected: Sequence[str], actual: str) -> None:
        self.job_id = job_id
        self.expected = tuple(expected)
        self.actual = actual
        want = " or ".join(expected)
        super().__init__(
            f"Push {job_id} is {actual}, not {want} as expected: something else changed it meanwhile "
            "(another sender, or an action in the queue). Nothing was changed."
        )


class InvalidTransition(OutboxError):
    pass


class QueuePaused(OutboxError):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"Sending is paused: {reason}")


class DuplicatePush(OutboxError):
    """The session already has a live push of this kind to this ticket (``force=True`` queues anyway)."""

    def __init__(self, reason: str, existing: PushJob) -> None:
        self.reason = reason
        self.existing = existing
        super().__init__(reason)


class ActionRefused(OutboxError):
    """The engineer's Retry or Cancel cannot apply to the job in its state."""


__all__ = [
    "ActionRefused",
    "DuplicatePush",
    "InvalidTransition",
    "JobNotFound",
    "OutboxError",
    "QueuePaused",
    "StateConflict",
]
