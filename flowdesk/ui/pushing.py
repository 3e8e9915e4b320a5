"""Push (the button and Ctrl+Enter) for the main window, and what the note pane says after it.

A push acts only on what the engineer sees: the session whose note is shown and selected in the (filtered)
list. It refuses a ticket that does not exist or cannot be read, waits for a ticket still being looked up,
asks once — naming both companies — before posting to another client's ticket, and names what a second
push posts again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flowdesk.connectwise.bodies import TicketKind, TicketRef
from flowdesk.core import present
from flowdesk.core.posted import after_note
from flowdesk.core.ticket_words import unchecked_push
from flowdesk.push.prepare import PushRefused
from flowdesk.ui.last_push import time_logged

if TYPE_CHECKING:
    from flowdesk.ui.main_window import MainWindow

WAITING_STATES = ("pending", "sending", "retry_wait", "unknown")


def _blocking_failure(exc: BaseException | None) -> bool:
    """A look-up failure that means the ticket must not be pushed to: it does not exist or the keys may not
    read it. (Offline, a server error, keys the keyring cannot give: queued, as the command line does; the
    queue says what stops it.)"""
    from flowdesk.connectwise.errors import NotFound, PermissionDenied

    return isinstance(exc, NotFound | PermissionDenied)


def _refused(ticket_id: int, failure: BaseException) -> str:
    """Why a push to a chosen ticket whose look-up failed is refused: that ConnectWise cannot be reached right now
    (or is rate limiting), or the error's own words, what to fix included (Settings, not the command line)."""
    from flowdesk.core.error_words import said_where
    from flowdesk.core.ticket_words import passes, unreachable

    if passes(failure):
        return unchecked_push(ticket_id, unreachable(failure))
    return unchecked_push(ticket_id, said_where(failure, "window"), passing=False)


def shown_session_id(w: MainWindow) -> str | None:
    """The session whose note is shown, if it is also the visible selected row of the list; else None."""
    session = w.panel.session
    if session is None or not session.id:
        return None
    if w.current_session_id() != session.id or w.proxy.proxy_row_of(session.id) is None:
        return None
    return session.id


def push_current(w: MainWindow) -> None:
    panel = w.panel
    session = panel.session
    if session is None or not panel.push_button.isEnabled() or shown_session_id(w) is None:
        return
    ticket_id = panel.ticket_card.ticket_id()
    if ticket_id is None:
        w.tell("No ticket", "Type the ConnectWise ticket number to push this note to.")
        return
    ticket = panel.ticket_card.ticket()
    if ticket is None or ticket.ref.id != ticket_id:
        failure = w.controller.ticket_failures.get(ticket_id)
        if _blocking_failure(failure):
            w.tell("Cannot push to this ticket", present.ticket_unusable(ticket_id, str(failure).rstrip(".")))
            return
        if ticket_id != session.psa_ticket_id:
            # A ticket the engineer chose is pushed to only once its company is known (ConnectWise unreachable
            # too); the session's own (linked in ResolutionFlow) may be queued while it is looked up.
            why = present.ticket_pending(ticket_id) if failure is None else _refused(ticket_id, failure)
            w.tell("Ticket not checked yet", why)
            return
        ticket = None  # not known yet, or ConnectWise unreachable: queued for the ticket, as the command line does
    # lazy: the redaction package, not before the first paint (prepare_note imports it too)
    from flowdesk.redact import RedactionError

    try:
        preview = w.controller.prepare_note(
            session, visibility=panel.chosen_visibility(), note_format=panel.chosen_format(),
            edited_text=panel.editor.push_text(), keep=panel.kept_values(),
        )  # fmt: skip
    except PushRefused as exc:
        w.tell("Cannot push this note", str(exc))
        return
    except RedactionError as exc:
        w.tell("Redaction failed", f"{exc}. Nothing was queued: FlowDesk never posts a note it could not redact.")
        return
    check = panel.ticket_card.company_check
    if ticket is not None and check is not None and check.same is False and not w.ask(
        "Another company's ticket", present.other_company_question(ticket_id, check.company, check.client),
        "Push to this ticket",
    ):  # fmt: skip
        return
    if session.posted_by_resolutionflow and not w.ask(
        "Already posted by ResolutionFlow",
        "ResolutionFlow already posted a note for this session to its ticket. Push a second copy?",
        "Push anyway",
    ):
        return
    if ticket is not None and ticket.closed and not w.ask(
        "Closed ticket", f"Ticket #{ticket_id} is closed. Add the note anyway?", "Add note"
    ):
        return
    kind: TicketKind = ticket.ref.kind if ticket is not None else "service"
    time_entry = panel.time_entry.isEnabled() and panel.time_entry.isChecked()
    if time_entry:  # the hours, work type, role and billable option as the engineer set them
        try:
            preview = preview._replace(time_plan=panel.time_box.plan(w.controller.clock()))
        except ValueError as exc:
            w.tell("Cannot log this time", str(exc))
            return
        w.controller.remember_time_choices(preview.time_plan)
    hours = preview.time_plan.hours if time_entry and preview.time_plan is not None else None
    ref, status = TicketRef(ticket_id, kind), panel.chosen_status()  # the status to set after the note, or None
    # the ticket not looked up yet: its company is checked against the session's client before the note is sent
    unchecked = session.client_name if ticket is None else None
    try:
        jobs = w.controller.enqueue(preview, ref, time_entry=time_entry, status=status, check_client=unchecked)
    except w.controller.DuplicatePush:
        logged = time_logged(w.controller.services.outbox, session.id)  # else the hours are logged once, not again
        if not w.ask("Pushed before", present.push_again_question(ticket_id, hours, logged_before=logged), "Push again"):
            return
        jobs = w.controller.enqueue(preview, ref, time_entry=time_entry, force=True, status=status, check_client=unchecked)
    except Exception as exc:  # noqa: BLE001 - shown to the engineer, the app keeps running
        w.tell("Could not queue the note", str(exc))
        return
    panel.editor.after_push()
    panel.forget_draft()  # what was pushed is in the queue now
    panel.show_as_pushed()  # and the editor shows it as queued: redacted
    w.statusBar().showMessage(present.queued(jobs), 8000)
    show_push_state(w)


def push_state(
    controller: Any, session_id: str, now: datetime | None = None
) -> tuple[str, tuple[int, str] | None, int | None]:
    """What the note pane says about the session's latest push, the ticket *Open ticket* opens, and the failed
    push *Retry* sends again (not one a member pause holds: their keys or Resume send it)."""
    outbox = controller.services.outbox
    jobs = outbox.jobs(session_id=session_id)
    notes = [j for j in jobs if j.kind == "note" and j.state != "cancelled"]
    if not notes:
        return "", None, None
    note = max(notes, key=lambda j: j.id)
    where = (note.ticket_id, note.ticket_kind)
    now = now or datetime.now(UTC)
    held = {j.id for j in outbox.held_by_member_pause()}
    if note.state == "sent":  # its time entry or status change failed: Retry sends that part again
        hours, time_entry, status = after_note(note, jobs)
        part = next((j.id for j in jobs if j.parent_id == note.id and j.state == "failed" and j.id not in held), None)
        return present.note_posted(note.ticket_id, note.remote_id, note.sent_at, hours, now, status=status,
                                   time_entry=time_entry), where, part  # fmt: skip
    if note.state in WAITING_STATES:  # what the list's Push column says (Checking at 13:00, Retrying at …)
        summary = controller.push_summaries([session_id]).get(session_id) if note.state != "pending" else None
        return present.note_queued(note.ticket_id, summary.text if summary is not None else ""), where, None
    if note.state == "failed" and note.id not in held:
        return present.note_failed(note.ticket_id), where, note.id
    return present.state_detail(note, now, present.LOCAL), where, None


def show_push_state(w: MainWindow) -> None:
    session = w.panel.session
    if session is None or not session.id:
        w.panel.show_push_state("")
        return
    w.panel.show_push_state(*push_state(w.controller, session.id))
    w.panel.recheck_logged()  # a push cancelled: its time was not logged
