# ruff: noqa: F811 - make_app is the window tests' fixture, imported
"""A session shown again after its push reads as pushed — with the visibility, format and steps it was pushed
with — not as edited; an edit made after the push reads as edited and is kept. The real window against the
sandbox; no sleeps."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.test_safe_push import _add_line, _type_ticket
from tests.ui.test_window import _select, _start, make_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _push_and_wait(fd: Any, qtbot: Any) -> None:
    sent = lambda j: j.kind == "note" and j.state == "sent"  # noqa: E731
    with qtbot.waitSignal(fd.controller.job_changed, check_params_cb=sent, timeout=15000):
        fd.window.push_current()


def _choose(combo: Any, data: Any) -> None:
    combo.setCurrentIndex(combo.findData(data))  # as a pick in the list does: currentIndexChanged


def _away_and_back(fd: Any, qtbot: Any, sid: str) -> None:
    other = next(r.id for r in fd.services.cache.rows() if r.psa_ticket_id == 48405)
    assert fd.window.select_session(other)
    assert fd.window.select_session(sid)


def test_a_note_pushed_as_discussion_reads_as_pushed_when_shown_again(make_app, qtbot):
    """Seen in the demo: a note pushed as Discussion (internal notes keeping IP addresses and UNC paths, in
    Settings → Redaction) came back as "Internal analysis" with *Changes…* and *Reset* on, as if edited."""
    fd = make_app()
    _start(fd, qtbot)
    fd.services.settings.redaction.internal.update(ip=False, unc_path=False)  # the two visibilities' notes differ
    panel = fd.window.panel
    sid = _select(fd, qtbot, 48397)
    _choose(panel.visibility, "discussion")
    assert not panel.editor.is_edited()
    _push_and_wait(fd, qtbot)
    _away_and_back(fd, qtbot, sid)
    assert panel.visibility.currentData() == "discussion"
    assert not panel.editor.is_edited() and not panel.reset_button.isEnabled() and not panel.diff_button.isEnabled()
    assert fd.controller.drafts.get(sid) is None

    _add_line(qtbot, panel, "Called the office manager back.")  # a real edit after the push
    panel.draft_timer.timeout.emit()  # the pause in typing
    _away_and_back(fd, qtbot, sid)
    assert panel.editor.is_edited() and "Called the office manager back." in panel.editor.text()
    assert panel.visibility.currentData() == "discussion" and panel.reset_button.isEnabled()


def test_an_internal_note_pushed_where_discussion_is_the_default_reads_as_pushed(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    settings = fd.services.settings
    settings.redaction.internal.update(ip=False, unc_path=False)
    object.__setattr__(settings, "note_visibility", type(settings.note_visibility)("discussion"))
    panel = fd.window.panel
    sid = _select(fd, qtbot, 48397)
    assert panel.visibility.currentData() == "discussion"
    _choose(panel.visibility, "internal")
    _push_and_wait(fd, qtbot)
    _away_and_back(fd, qtbot, sid)
    assert panel.visibility.currentData() == "internal" and not panel.editor.is_edited()


def _escalation_without_steps(make_app: Any, qtbot: Any) -> tuple[Any, Any, str]:
    """The window, its note pane and session #48211's id, the note made as an escalation note without its steps."""
    fd = make_app()
    _start(fd, qtbot)
    panel = fd.window.panel
    sid = _select(fd, qtbot, 48211)
    _choose(panel.format_box, "escalation")
    panel.steps_box.setChecked(False)
    return fd, panel, sid


def test_an_escalation_note_without_steps_reads_as_pushed_when_shown_again(make_app, qtbot):
    fd, panel, sid = _escalation_without_steps(make_app, qtbot)
    _push_and_wait(fd, qtbot)
    _away_and_back(fd, qtbot, sid)
    assert (panel.format_box.currentData(), panel.steps_box.isChecked()) == ("escalation", False)
    assert not panel.editor.is_edited() and fd.controller.drafts.get(sid) is None
    panel.steps_box.setChecked(True)  # a choice made after the push: a draft, as before
    panel.draft_timer.timeout.emit()
    assert fd.controller.drafts.get(sid) is not None


def test_a_note_pushed_to_a_found_ticket_shows_that_ticket_when_shown_again(make_app, qtbot):
    """Seen in the demo: a note pushed to another company's ticket found with Find (#48397) came back under
    "Posted to #48397" with the session's own ticket (#48211) on the card: a push again, or an edit pushed,
    went to #48211. The card shows the ticket the push went to, and an edit after it goes there too."""
    fd = make_app()
    _start(fd, qtbot)
    panel = fd.window.panel
    sid = _select(fd, qtbot, 48211)
    _type_ticket(fd, qtbot, "48397")  # another company's: the window asks (yes here)
    _push_and_wait(fd, qtbot)
    _away_and_back(fd, qtbot, sid)  # #48397 was read: shown at once
    card = panel.ticket_card
    assert card.ticket_id() == 48397 and card.ticket().ref.id == 48397
    assert not panel.editor.is_edited() and fd.controller.drafts.get(sid) is None

    _add_line(qtbot, panel, "Called the office manager back.")  # an edit after the push: a draft
    panel.draft_timer.timeout.emit()
    _away_and_back(fd, qtbot, sid)
    assert card.ticket_id() == 48397 and panel.editor.is_edited()
    _own_ticket_again(fd, qtbot, sid)  # back to the session's own ticket: a choice the draft keeps


def _own_ticket_again(fd: Any, qtbot: Any, sid: str) -> None:
    """The session's own ticket (#48211) typed again: a choice its draft keeps, shown when the session is again."""
    panel = fd.window.panel
    card = panel.ticket_card
    card.number.setText("48211")
    card.number.editingFinished.emit()
    panel.draft_timer.timeout.emit()
    assert fd.controller.drafts.get(sid).choices.ticket_id == 48211  # type: ignore[union-attr]
    _away_and_back(fd, qtbot, sid)
    assert card.ticket_id() == 48211


def test_the_sessions_own_ticket_typed_right_after_a_push_elsewhere_is_kept(make_app, qtbot):
    fd = make_app()
    _start(fd, qtbot)
    sid = _select(fd, qtbot, 48211)
    _type_ticket(fd, qtbot, "48397")
    _push_and_wait(fd, qtbot)
    _own_ticket_again(fd, qtbot, sid)  # still on screen: the next push goes back to its own ticket (read already)


def test_an_edited_escalation_note_comes_back_as_an_escalation_note_with_its_edit(make_app, qtbot):
    """An escalation note pushed with a line added came back as a resolution note, *Changes…* showing the whole
    note as changed. It comes back made the way closest to what was pushed: the edit is the only change."""
    fd, panel, sid = _escalation_without_steps(make_app, qtbot)
    _add_line(qtbot, panel, "Escalated to the Exchange team by phone.")
    _push_and_wait(fd, qtbot)
    _away_and_back(fd, qtbot, sid)
    assert (panel.format_box.currentData(), panel.steps_box.isChecked()) == ("escalation", False)
    assert panel.editor.is_edited()
    changed = [line for line in panel.editor.diff().splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["+Escalated to the Exchange team by phone."]


def _pushed_with_a_line_shown_again(fd: Any, qtbot: Any) -> tuple[Any, Any, str]:
    """#48211's note pushed with a line added, then the session shown again: the window, its pane, the session."""
    _start(fd, qtbot)
    w, panel = fd.window, fd.window.panel
    sid = _select(fd, qtbot, 48211)
    _add_line(qtbot, panel, "Called the office manager back.")
    _push_and_wait(fd, qtbot)
    _away_and_back(fd, qtbot, sid)
    return w, panel, sid


def test_reset_after_a_push_with_edits_is_kept_as_a_draft(make_app, qtbot):
    """Seen in the demo: a note pushed with a line added, shown again, then Reset: the note as generated showed,
    but nothing was written, so the next time the session was shown (or FlowDesk restarted) the pushed note with
    its line was back. What Reset shows is kept: a draft of the note as generated (the Push column says Draft)."""
    fd = make_app()
    w, panel, sid = _pushed_with_a_line_shown_again(fd, qtbot)
    assert panel.editor.is_edited() and fd.controller.drafts.get(sid) is None  # as pushed: no draft
    panel.reset_button.click()  # the window asks: yes
    generated = panel.editor.text()
    assert "Called the office manager back." not in generated and not panel.editor.is_edited()
    draft = fd.controller.drafts.get(sid)
    assert draft is not None and draft.text is None  # the note as generated
    assert w.proxy.index(w.proxy.proxy_row_of(sid), 6).data().startswith("Draft")
    _away_and_back(fd, qtbot, sid)
    assert panel.editor.text() == generated and not panel.editor.is_edited()
    assert panel.ticket_card.ticket_id() == 48211


def test_a_note_pushed_unedited_and_reset_writes_no_draft(make_app, qtbot):
    """Reset of a note that reads as pushed (an edit typed after the push, then thrown away) leaves no draft."""
    fd = make_app()
    _start(fd, qtbot)
    panel = fd.window.panel
    sid = _select(fd, qtbot, 48211)
    _push_and_wait(fd, qtbot)
    _add_line(qtbot, panel, "A line typed, then thrown away.")
    panel.draft_timer.timeout.emit()
    assert fd.controller.drafts.get(sid) is not None
    panel.reset_button.click()
    assert fd.controller.drafts.get(sid) is None and not panel.editor.is_edited()


def test_an_edit_taken_back_on_a_pushed_note_leaves_no_draft(make_app, qtbot):
    """The note pushed with a line added, shown again, a line typed and then taken back: it is the note as pushed
    again, which the session shows without a draft, so no draft stays (the Push column does not say Draft)."""
    fd = make_app()
    w, panel, sid = _pushed_with_a_line_shown_again(fd, qtbot)
    pushed = panel.editor.text()
    _add_line(qtbot, panel, "And once more.")
    panel.draft_timer.timeout.emit()
    assert fd.controller.drafts.get(sid) is not None
    while panel.editor.text() != pushed and panel.editor.edit.document().isUndoAvailable():
        panel.editor.edit.undo()  # the typing taken back: the note as pushed
    assert panel.editor.text() == pushed and panel.editor.is_edited()
    panel.draft_timer.timeout.emit()
    assert fd.controller.drafts.get(sid) is None
    assert not (w.proxy.index(w.proxy.proxy_row_of(sid), 6).data() or "").startswith("Draft")
    _away_and_back(fd, qtbot, sid)
    assert panel.editor.text() == pushed
