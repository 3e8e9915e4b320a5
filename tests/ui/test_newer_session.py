# ruff: noqa: F811 - make_app is the window tests' fixture, imported
"""A refresh from ResolutionFlow brings a newer copy of the session whose note is shown: an unedited note
follows it; edits are never overwritten, and a banner says the session changed under them. No sleeps."""

from __future__ import annotations

from typing import Any

import pytest

from flowdesk.ui.newer_session import BANNER_KEY
from tests.ui.test_safe_push import _add_line
from tests.ui.test_window import _select, _start, make_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _refreshed(fd: Any, sid: str, fact: str) -> None:
    """ResolutionFlow's newer copy of the session (its resolution says more) lands in the cache; the list reloads."""
    from flowdesk.core.models import parse_session

    raw = fd.services.cache.raw(sid)
    raw["updated_at"] = "2099-01-01T00:00:00Z"
    raw["resolution_summary"] = f"{raw.get('resolution_summary') or ''} {fact}".strip()
    raw["problem_summary"] = f"{raw.get('problem_summary') or ''} (updated)"
    fd.services.cache.upsert([(raw, parse_session(raw))], source="api")
    fd.controller.reload_sessions()


def test_an_unedited_note_follows_the_newer_session(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    panel = fd.window.panel
    sid = _select(fd, qtbot, 48211)
    _refreshed(fd, sid, "Rebuilt the Outlook profile.")
    assert "Rebuilt the Outlook profile." in panel.editor.text() and not panel.editor.is_edited()
    assert panel.title.text().endswith("(updated)")
    assert fd.window.banners.banner(BANNER_KEY) is None  # nothing of the engineer's was there to keep


def test_edits_stay_as_typed_when_the_session_changes_under_them(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    panel = fd.window.panel
    sid = _select(fd, qtbot, 48211)
    _add_line(qtbot, panel, "My own words.")
    typed, cursor = panel.editor.text(), panel.editor.edit.textCursor().position()
    _refreshed(fd, sid, "Rebuilt the Outlook profile.")
    assert panel.editor.text() == typed and panel.editor.edit.textCursor().position() == cursor
    assert panel.editor.edit.document().isUndoAvailable()  # the edits' undo history stays too
    assert panel.session is not None and panel.session.summary.endswith("(updated)")
    assert "Rebuilt the Outlook profile." in panel.editor.diff()  # Changes… compares with the new note
    banner = fd.window.banners.banner(BANNER_KEY)
    assert banner is not None and "Your edits are kept" in banner.text and "(updated)" in banner.text

    panel.draft_timer.timeout.emit()  # the draft is of the edits, not of the new note
    fd.controller.drafts.flush(10)
    draft = fd.controller.drafts.get(sid)
    assert draft is not None and "My own words." in (draft.text or "")

    _select(fd, qtbot, 48405)  # another session: the banner was about the one left
    assert fd.window.banners.banner(BANNER_KEY) is None
    assert fd.window.select_session(sid)  # back: the edits on the new note
    assert "My own words." in panel.editor.text() and "Rebuilt the Outlook profile." in panel.editor.diff()
