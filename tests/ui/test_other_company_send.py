"""A push queued before its ticket's company was known, whose ticket turns out another company's, in the window.

The real window, push worker and SQLite store against the sandbox over a real socket: the drainer reads
the ticket before the send, sends nothing, and the engineer is told once (a notification) and reads in the
queue whose ticket it is and what to do. The time entry waits with its note, never sent.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from PySide6.QtCore import Qt

from flowdesk.connectwise.bodies import TicketRef
from flowdesk.core import held as held_words
from flowdesk.core import policy_words
from tests.ui.test_window import _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def test_another_companys_ticket_fails_the_push_saying_whose_it_is(make_app, qtbot, sandbox_admin):  # noqa: F811
    fd = make_app(has_tray=True)
    _start(fd, qtbot)
    c, w = fd.controller, fd.window
    notified: list[Any] = []
    c.notify.connect(notified.append)
    row = next(r for r in fd.services.cache.rows() if r.psa_ticket_id == 48211)  # Brightsmile Dental Group's
    session = fd.services.cache.get(row.id)
    preview = c.prepare_note(session)

    def failed(job: Any) -> bool:
        return job.kind == "note" and job.state == "failed"

    with qtbot.waitSignal(c.job_changed, check_params_cb=failed, timeout=15000):
        # as Push queues it while the ticket cannot be read, for a session whose client is another company
        jobs = c.enqueue(preview, TicketRef(48211), time_entry=True, check_client="Harlow & Pierce LLP")
    note, entry = jobs
    words = policy_words.other_company(48211, "Brightsmile Dental Group", "Harlow & Pierce LLP")
    assert fd.services.outbox.get(note.id).last_error == words
    assert fd.services.outbox.get(entry.id).state == "pending"
    assert sandbox_admin.ledger()["notes"] == [] == sandbox_admin.ledger()["time_entries"]
    qtbot.waitUntil(lambda: any(n.kind == "failed" for n in notified), timeout=5000)
    [told] = [n for n in notified if n.kind == "failed"]
    assert "#48211" in told.text and told.error

    w.show_job(note.id)
    detail = w.queue_view.detail.toPlainText()
    assert words in detail, detail
    assert "Another company's ticket: not sent" in detail  # the post log's line for that try
    assert w.queue_view.retry_button.isEnabled()
    asked: list[tuple[str, ...]] = []
    w.ask = lambda *a, **k: asked.append(a) or False  # the engineer answers No: nothing changes, nothing goes
    qtbot.mouseClick(w.queue_view.retry_button, Qt.MouseButton.LeftButton)
    assert asked == [("Another company's ticket", policy_words.other_company_question(words), "Push to this ticket")]
    assert fd.services.outbox.get(note.id).state == "failed" and sandbox_admin.ledger()["notes"] == []
    shot = os.environ.get("FLOWDESK_SHOT")
    if shot:  # a look at it as the engineer sees it (not a check)
        w.resize(1280, 800)
        qtbot.wait(50)
        w.grab().save(shot)

    notified.clear()
    qtbot.waitUntil(lambda: c.asks == 1)  # Retry all counts only what it would send: nothing here
    assert (w.retry_failed_action.isEnabled(), w.queue_view.retry_all_button.isEnabled()) == (False, False)
    assert w.retry_failed_action.toolTip() == held_words.asks_left(1)
    w.retry_all()  # Retry all leaves it (Retry asks first): no read of its ticket again, no second notification
    assert w.statusBar().currentMessage() == "1 note for another company's ticket is left: click Retry on it to answer FlowDesk's question."
    assert fd.services.outbox.get(note.id).state == "failed" and fd.services.outbox.failed_for_other_company(note.id)
    fd.tray._retry_all()  # the tray's Retry all says the same
    assert c.retry_all().asks == 1 and notified == []

    w.ask = lambda *a, **k: True  # Yes: the note and its time entry go to that ticket, in the same click
    with qtbot.waitSignal(c.job_changed, check_params_cb=lambda j: j.kind == "time_entry" and j.state == "sent", timeout=15000):
        qtbot.mouseClick(w.queue_view.retry_button, Qt.MouseButton.LeftButton)
    assert [n["ticketId"] for n in sandbox_admin.ledger()["notes"]] == [48211]
