"""Drafts in the local database: kept per session, replaced, discarded, there after reopening the file."""

from __future__ import annotations

from datetime import UTC, datetime

from flowdesk.store import Database
from flowdesk.store.drafts import Drafts


def test_a_draft_is_kept_replaced_and_discarded(tmp_path):
    path = tmp_path / "flowdesk.db"
    when = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    with Database(path) as db:
        drafts = Drafts(db, clock=lambda: when)
        assert drafts.get("s1") is None and drafts.session_ids() == set()
        drafts.save("s1", "first words", note_format="resolution", include_steps=True, visibility="internal")
        drafts.save("s1", "second words ✓", note_format="escalation", include_steps=False)
        drafts.save("s2", "other")
    with Database(path) as db:  # a new connection to the same file: the drafts are on disk
        drafts = Drafts(db)
        d = drafts.get("s1")
        assert d is not None
        assert (d.text, d.note_format, d.include_steps, d.visibility, d.updated_at) == (
            "second words ✓", "escalation", False, None, when)
        assert drafts.session_ids() == {"s1", "s2"}
        assert drafts.discard("s1") and not drafts.discard("s1")
        assert drafts.get("s1") is None and drafts.session_ids() == {"s2"}
