"""Which sessions auto-push queues by itself (``push.enqueue.auto_push_skip``): only a resolved or escalated
session with a linked ticket, not posted by ResolutionFlow, ended since auto-push was switched on, and with
no draft of the engineer's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from flowdesk.push.enqueue import auto_push_skip

SINCE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def session(**changes):
    base = {"id": "s-1", "psa_ticket_id": 48211, "status": "resolved", "posted_by_resolutionflow": False,
            "ended_at": SINCE + timedelta(hours=1)}  # fmt: skip
    return SimpleNamespace(**{**base, **changes})


@pytest.mark.parametrize(
    ("changes", "skip"),
    [
        ({}, None),
        ({"status": "escalated"}, None),
        ({"status": "in_progress"}, "not ready"),
        ({"psa_ticket_id": None}, "not ready"),
        ({"posted_by_resolutionflow": True}, "not ready"),
        ({"ended_at": None}, "not ready"),
        ({"ended_at": SINCE - timedelta(minutes=1)}, "not ready"),  # a backlog from before it was switched on
        ({"id": "drafted"}, "draft"),
    ],
)
def test_auto_push_queues_only_what_is_ready_and_not_the_engineers(changes, skip):
    assert auto_push_skip(session(**changes), drafted={"drafted"}, since=SINCE) == skip
