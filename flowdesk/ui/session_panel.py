"""The selected session: what it was, the ticket it goes to, and its note — editable — with the push
options (visibility, time entry with the rounded hours it will log) and Push (Ctrl+Enter).

What the engineer changes is theirs until they push it: the note's edits and the push choices (the ticket
number typed, *Log time* and the hours, work type, role and billable option, the status to set, the format,
steps and visibility) are kept in the session's draft, and shown again when the session is, even when a
ticket look-up or a list arriving later rebuilds the controls they were made in."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from flowdesk.core import present
from flowdesk.core.render import NoteFormat, default_format
from flowdesk.core.setting_choices import Visibility
from flowdesk.core.timing import format_hours, plan_time_entry
from flowdesk.logs import get_logger
from flowdesk.push.prepare import NotePreview, PushRefused
from flowdesk.store import StoreError
from flowdesk.store.drafts import PushChoices
from flowdesk.ui import theme
from flowdesk.ui.editor import NoteEditor
from flowdesk.ui.last_push import last_pushed_note, made_as, pushed_text, time_logged
from flowdesk.ui.layout import button_row, narrow_words
from flowdesk.ui.models import already_posted, meta_line
from flowdesk.ui.note_place import NO_SESSION, PICK_A_SESSION
from flowdesk.ui.push_line import PushLine
from flowdesk.ui.status_choice import StatusChoice
from flowdesk.ui.ticket_card import TicketCard, announce
from flowdesk.ui.time_entry_box import MANUAL_TIME, TimeEntryBox

if TYPE_CHECKING:
    from flowdesk.core.models import Session
    from flowdesk.core.settings import Settings
    from flowdesk.store.drafts import Draft
    from flowdesk.ui.controller import AppController

log = get_logger("ui")
DRAFT_DEBOUNCE_MS = 500  # edits are written to the database once typing pauses this long


class SessionPanel(QWidget):
    push_clicked = Signal()
    ticket_changed = Signal(object)  # int | None
    draft_changed = Signal(str, bool)  # session id, has a draft now
    open_ticket_requested = Signal(int, str)  # ticket id, kind

    def __init__(self, controller: AppController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        # The values the engineer kept as written ("Keep this one"), per session, recorded by the controller:
        # they stay kept when the note is made again (another format, the steps, the visibility, settings).
        self.kept: dict[str, frozenset[str]] = controller.kept_values
        self.session: Session | None = None
        self.preview: NotePreview | None = None
        self.ask: Any = lambda title, text, yes, no=None, cancel=False: True  # the window's question (set by MainWindow)
        self._restoring = False
        self._pushed_note: str | None = None  # the note as last pushed, to show once it can be prepared
        self._last_pushed: str | None = None  # the note as the latest push holds it: what shows without a draft
        self._own_ticket: int | None = None  # the ticket a push goes to unless another is typed (kept in the draft)
        self._pending_draft: Draft | None = None  # the session's draft, until its note can be prepared to show it in
        self._made_with: tuple[str, bool] = ("", True)  # the format and steps of the note shown (or its draft)
        self._chosen = PushChoices()  # the engineer's push choices for the shown session (None: the default)
        self._logged = False  # a push of the shown session logged its time: *Log time* starts unticked
        self._defaults: tuple[str, bool, str] = ("", True, "")  # the format, steps and visibility a session opens with
        self._drafts_closed = False
        # The engineer's edits are a draft, written to the database once typing pauses.
        self.draft_timer = QTimer(self)
        self.draft_timer.setObjectName("draftSaveTimer")
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_DEBOUNCE_MS)
        self.draft_timer.timeout.connect(self._on_draft_timer)
        self._draft_waits = 0  # pauses the draft waited for the secret warning's redaction of the same text

        self.title = self._words("sessionTitle")
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() * 1.2)
        f.setBold(True)
        self.title.setFont(f)
        self.meta = self._words("sessionMeta", "muted")
        self.warning = self._words("sessionWarning", "warning", "Warning")
        self.warning.hide()

        self.ticket_card = TicketCard(self)
        self.ticket_card.ticket_changed.connect(self.ticket_changed)
        self.push_line = PushLine(self)  # after a push: "Queued for #48405", then "Posted to #48405 …"
        self.post_state, self.open_ticket_button = self.push_line.label, self.push_line.open_button
        self.push_line.open_ticket_requested.connect(self.open_ticket_requested)

        self.format_box = QComboBox(self)
        self.format_box.setObjectName("noteFormat")
        self.format_box.setAccessibleName("Note format")
        self.format_box.addItem("Resolution note", NoteFormat.RESOLUTION.value)
        self.format_box.addItem("Escalation note", NoteFormat.ESCALATION.value)
        self.format_box.currentIndexChanged.connect(self._on_generation_changed)
        format_label = QLabel("F&ormat", self)  # Alt+F is the File menu
        format_label.setBuddy(self.format_box)
        self.steps_box = QCheckBox("Include &steps", self)
        self.steps_box.setAccessibleName("Include the diagnosis steps")
        self.steps_box.toggled.connect(self._on_generation_changed)

        self.editor = NoteEditor(self)
        self.editor.push_requested.connect(self.push_clicked)
        self.editor.kept_changed.connect(self._on_kept_changed)
        self.editor.text_changed.connect(self._update_buttons)
        self.editor.text_changed.connect(self._on_text_edited)

        self.visibility = QComboBox(self)
        self.visibility.setObjectName("visibility")
        self.visibility.setAccessibleName("Note visibility on the ticket")
        for v in Visibility:
            self.visibility.addItem(v.label, v.value)
        self.visibility.currentIndexChanged.connect(self._on_visibility_changed)
        vis_label = QLabel("V&isible as", self)  # Alt+V is the View menu
        vis_label.setBuddy(self.visibility)
        # Whom ConnectWise e-mails about a Discussion or Resolution note (Settings → E-mail about notes).
        self.emailed = self._words("emailedLabel", "warning", "Who is e-mailed")
        self.emailed.hide()
        controller.settings_changed.connect(self._update_emailed)
        self.time_entry = QCheckBox("&Log time", self)
        self.time_entry.setObjectName("timeEntry")
        self.time_entry.setAccessibleName("Also log a time entry")
        self.time_box = TimeEntryBox(self)  # hours, work type / role, billable: shown while time is logged
        self.time_entry.toggled.connect(self.time_box.setVisible)
        self.time_entry.toggled.connect(lambda _on: self._update_emailed())
        self._manual = False  # a session without timestamps: the hours are typed by hand
        self._proposed_log = False  # whether *Log time* is proposed ticked for the shown session
        self.time_entry.toggled.connect(lambda _on: self.time_box.name_check(self.time_entry, self._manual, False) if self._manual else None)
        # The engineer's own choices (these signals are not sent when FlowDesk sets the controls):
        # ticked back to what is proposed is no choice (as the proposed hours typed back): no Draft for it
        self.time_entry.clicked.connect(lambda checked: self._choose(log_time=None if checked == self._proposed_log else checked))
        self.time_box.hours.textEdited.connect(self._on_hours_edited)
        self.time_box.work_type.activated.connect(lambda _i: self._choose(work_type_id=self.time_box.work_type.currentData()))
        self.time_box.work_role.activated.connect(lambda _i: self._choose(work_role_id=self.time_box.work_role.currentData()))
        self.time_box.billable.activated.connect(lambda _i: self._choose(billable=self.time_box.billable.currentData()))
        self.time_box.hide()  # until a session whose time can be logged is shown
        controller.time_lists_loaded.connect(self._on_time_lists)
        self.status_choice = StatusChoice(self)  # a status to set after the note: "Leave as is" by default
        self._ticket_status: int | None = None  # the shown ticket's status (not offered as a change)
        controller.board_statuses_loaded.connect(self._on_board_statuses)
        self.status_choice.combo.activated.connect(lambda _i: self._choose(status=self.status_choice.chosen()))
        self.status_choice.notice_wanted.connect(self._on_status_wanted)
        self.ticket_card.ticket_changed.connect(self._on_ticket_typed)
        self.diff_button = QPushButton("Chan&ges…", self)  # Alt+H is the Help menu
        self.diff_button.setToolTip("Compare your note with the generated one")
        self.reset_button = QPushButton("R&eset", self)  # Alt+T is the ticket number
        self.reset_button.setToolTip("Throw away your edits and go back to the generated note")
        self.push_button = QPushButton("&Push", self)
        self.push_button.setObjectName("pushButton")
        # not a default button: outside a dialog Enter never presses it, and its default frame looked like focus
        self.push_button.setToolTip("Queue the note (and time entry) for the ticket (Ctrl+Enter)")
        for b in (self.diff_button, self.reset_button, self.push_button):
            b.setAccessibleName(b.text().replace("&", "").replace("…", ""))
        self.diff_button.clicked.connect(self._show_diff)
        self.reset_button.clicked.connect(self._reset)
        self.push_button.clicked.connect(self.push_clicked)

        top = QHBoxLayout()
        top.addWidget(format_label)
        top.addWidget(self.format_box)
        top.addWidget(self.steps_box)
        top.addStretch(1)
        visible_row = QHBoxLayout()
        visible_row.addWidget(vis_label)
        visible_row.addWidget(self.visibility)
        visible_row.addStretch(1)
        # The buttons are the pane's last row (the window's: under the pane that scrolls, ``layout.with_buttons``):
        # what shows or hides above them (the push's line, who is e-mailed, the time entry's options) never moves Push.
        self.buttons = button_row(self, "noteButtons", self.diff_button, self.reset_button, self.push_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.meta)
        layout.addWidget(self.warning)
        layout.addWidget(self.ticket_card)
        layout.addWidget(self.push_line)
        layout.addLayout(top)
        layout.addWidget(self.editor, 1)
        layout.addLayout(visible_row)
        layout.addWidget(self.emailed)
        time_row = QHBoxLayout()  # the time entry: whether, then how much and how (the box hides when not)
        time_row.addWidget(self.time_entry, 0, Qt.AlignmentFlag.AlignTop)
        time_row.addWidget(self.time_box, 1)
        layout.addLayout(time_row)
        layout.addWidget(self.time_box.lists)  # work type, role, billable: the pane's width, not beside "Log 0.25 h"
        layout.addWidget(self.status_choice)  # its own row, under the time entry's
        layout.addWidget(self.buttons)
        self.title.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        # Keyboard order: ticket → find → retry, open ticket (the last push) → format → steps → note → visibility →
        # time (its hours, work type, role, billable) → status → changes → reset → push: as the pane reads, every
        # choice before the button that sends it.
        box = self.time_box
        order: list[QWidget] = [
            self.ticket_card.number, self.ticket_card.finder.field, self.push_line.retry_button, self.open_ticket_button,
            self.format_box, self.steps_box,
            self.editor.edit, self.visibility,
            self.time_entry, box.hours, box.work_type, box.work_role, box.billable, self.status_choice.combo,
            self.diff_button, self.reset_button, self.push_button,
        ]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.show_session(None)

    @property
    def settings(self) -> Settings:
        return self._controller.settings

    # -- showing a session ---------------------------------------------------------------------
    def _words(self, name: str, tint: str | None = None, accessible: str = "") -> QLabel:
        """A wrapped label of plain text (a session's or a server's words are never read as markup)."""
        label = QLabel(self)
        label.setObjectName(name)
        narrow_words(label)  # wrapped; a long word in a summary never widens the pane (it stacked the window)
        label.setTextFormat(Qt.TextFormat.PlainText)
        if tint:
            theme.tint(label, tint)
        if accessible:
            label.setAccessibleName(accessible)
        return label

    def show_session(self, session: Session | None) -> None:
        if self.draft_timer.isActive():
            self.save_draft_now()  # the edits of the session being left are kept
        self.session = session
        self._pending_draft = None
        self._chosen = PushChoices()
        self.status_choice.reset(None)
        self.show_push_state("")
        enabled = session is not None
        for w in (self.format_box, self.steps_box, self.editor, self.visibility, self.time_entry,
                  self.diff_button, self.reset_button, self.ticket_card):
            w.setEnabled(enabled)
        if session is None:
            self.title.setText(NO_SESSION)
            self.meta.setText(PICK_A_SESSION)
            self.warning.hide()
            self.emailed.hide()
            self.time_box.hide()  # the hours, work type, role and billable of no session (they stayed, editable)
            self.ticket_card.set_client(None)
            self.ticket_card.set_ticket_id(None)
            self.ticket_card.show_nothing()
            self.editor.clear()
            self.preview = None
            self._update_buttons()
            return
        settings = self.settings
        self._show_header(session)
        draft = self._controller.drafts.get(session.id) if session.id else None
        pushed = last_pushed_note(self._controller.services.outbox, session.id)
        self._logged = time_logged(self._controller.services.outbox, session.id)
        # The ticket its latest push went to (found, or typed), else its own: pushed again, it goes there too.
        self._own_ticket = pushed.ticket_id if pushed is not None else session.psa_ticket_id
        self.ticket_card.set_client(session.client_name)
        self.ticket_card.set_ticket_id(self._own_ticket)
        if self._own_ticket is None:
            self.ticket_card.show_nothing()
        else:
            self.ticket_card.show_loading()
        for w in (self.format_box, self.steps_box, self.visibility):
            w.blockSignals(True)
        self.format_box.setCurrentIndex(self.format_box.findData(default_format(session).value))
        self.steps_box.setChecked(settings.include_diagnostic_steps)
        self.visibility.setCurrentIndex(self.visibility.findData(settings.note_visibility.value))
        if draft is None and pushed is not None and pushed.visibility and self.visibility.findData(pushed.visibility) >= 0:
            self.visibility.setCurrentIndex(self.visibility.findData(pushed.visibility))  # as it was pushed
        self._defaults = (self.format_box.currentData(), self.steps_box.isChecked(), self.visibility.currentData())
        if draft is not None:  # the note as the engineer left it: generated the same way, then their edits
            if draft.note_format and self.format_box.findData(draft.note_format) >= 0:
                self.format_box.setCurrentIndex(self.format_box.findData(draft.note_format))
            if draft.include_steps is not None:
                self.steps_box.setChecked(draft.include_steps)
            if draft.visibility and self.visibility.findData(draft.visibility) >= 0:
                self.visibility.setCurrentIndex(self.visibility.findData(draft.visibility))
        for w in (self.format_box, self.steps_box, self.visibility):
            w.blockSignals(False)
        self._update_emailed()
        self._made_with = (self.format_box.currentData(), self.steps_box.isChecked())
        if draft is not None and draft.choices is not None:
            self._chosen = draft.choices
            if draft.choices.ticket_id is not None:  # a ticket the engineer typed (the window looks it up)
                self.ticket_card.set_ticket_id(draft.choices.ticket_id)
                self.ticket_card.show_loading()
        self.time_box.select(*self._time_choices())
        self._pending_draft = draft if draft is not None and draft.text is not None else None
        self._last_pushed = pushed_text(pushed)
        self._pushed_note = self._last_pushed if draft is None else None  # no draft: the note as last pushed
        self._regenerate()  # shows the draft once the note can be prepared (now, or after another choice)

    def _show_header(self, session: Session) -> None:
        self.title.setText(session.summary or "(no summary)")
        self.meta.setText(meta_line(session))
        warning = already_posted(session)
        self.warning.setText(warning)
        self.warning.setVisible(bool(warning))
        self.warning.setAccessibleDescription(warning)
        if warning:
            announce(self.warning)

    def take_newer(self, session: Session) -> bool:
        """A refresh brought a newer copy of the shown session. An unedited note is made again from it; edits stay
        as typed (the cursor, the undo history) and *Changes…* and *Reset* compare with the new note. True: edited."""
        from flowdesk.redact import RedactionError  # lazy: as in _regenerate

        edited = self.preview is not None and self.editor.is_edited()
        self.session = session
        self._show_header(session)
        if not edited:
            self._regenerate()  # a draft still waiting for a note that can be prepared is shown once one can
            return False
        with contextlib.suppress(PushRefused, RedactionError):
            self.preview = self._prepare(self.kept.get(session.id or "", frozenset()))
            self.editor.set_generated(self.preview.text)
        self._update_buttons()
        return True

    def _prepare(self, keep: frozenset[str]) -> NotePreview:
        assert self.session is not None
        return self._controller.prepare_note(
            self.session, visibility=self.chosen_visibility(), note_format=self.format_box.currentData(),
            include_steps=self.steps_box.isChecked(), keep=keep,
        )  # fmt: skip

    def _regenerate(self) -> None:
        session = self.session
        if session is None:
            return
        # lazy: the redaction package, not before the first paint (prepare_note imports it too)
        from flowdesk.redact import RedactionError

        kept = self.kept.get(session.id or "", frozenset())
        try:
            self.preview = self._prepare(kept)
        except (PushRefused, RedactionError) as exc:
            self.preview = None
            self.editor.clear()
            self.editor.edit.setPlaceholderText(f"This note cannot be prepared: {exc}")
            self._update_buttons()
            return
        self._apply_policy()
        self.editor.set_note(self.preview.text, self.preview.redaction.counts, self.preview.redaction, kept)
        draft, self._pending_draft = self._pending_draft, None
        shown = draft.text if draft is not None else self._pushed_note
        if draft is None and shown is not None and shown != self.preview.text:
            self._match_push(shown, kept)
        self._pushed_note = None
        if shown is not None and shown != self.preview.text:
            self._restoring = True
            try:
                self.editor.load_draft(shown)
            finally:
                self._restoring = False
        self._update_time_entry()
        self._update_buttons()

    def show_as_pushed(self) -> None:
        """Right after a push: the note as queued (redacted), so no secret typed in it stays on screen."""
        session = self.session
        outbox = self._controller.services.outbox
        text = self._last_pushed = pushed_text(last_pushed_note(outbox, session.id)) if session else None
        self._logged = session is not None and time_logged(outbox, session.id)
        if self._logged:  # pushed again, the session posts its note, not its hours a second time (tick to log them)
            self.time_entry.setChecked(False)
        if text is not None and text != self.editor.text():
            self._restoring = True
            try:
                self.editor.load_draft(text, keep_place=True)  # Qt's undo history goes with the text it replaces
            finally:
                self._restoring = False

    def recheck_logged(self) -> None:
        """A push of the shown session changed: its time entry cancelled, *Log time* is as for a session never pushed."""
        if self.session is not None and self._logged and not time_logged(self._controller.services.outbox, self.session.id):
            self._logged = False
            self._update_time_entry()

    def _match_push(self, text: str, kept: frozenset[str]) -> None:
        """The session shown again after its push, whose note is not the one its format and steps make now: if
        another format or the steps left out make it, the note is shown made that way (it reads as pushed, not
        as edited: *Changes…* and *Reset* compare with that note); else it was edited: made the closest way."""
        session, vis, prepare = self.session, self.chosen_visibility(), self._controller.prepare_note
        assert session is not None and self.preview is not None
        found = made_as(lambda f, s: prepare(session, visibility=vis, note_format=f, include_steps=s, keep=kept), text, self._made_with, self.preview.text)
        if found is None:
            return
        note_format, steps, self.preview = found
        self._made_with = (note_format, steps)
        self._show_made_with()
        self._defaults = (note_format, steps, self.visibility.currentData())  # as pushed: no choice for a draft
        self.editor.set_note(self.preview.text, self.preview.redaction.counts, self.preview.redaction, kept)

    def _apply_policy(self) -> None:
        settings = self.settings
        self.editor.set_policy(settings.redaction_categories(self.chosen_visibility()), settings.redaction_allow)

    def _update_emailed(self) -> None:
        """Say whom ConnectWise e-mails about the note, when the visibility and Settings make it e-mail anyone."""
        email = self._controller.email_choice()
        shown = self.session is not None and email.any and self.chosen_visibility() != Visibility.INTERNAL
        timed = self.time_entry.isEnabled() and self.time_entry.isChecked()  # its time entry is e-mailed too
        self.emailed.setText(present.emailing(email.names(), time_entry=timed) if shown else "")
        self.emailed.setVisible(shown)

    def _on_visibility_changed(self) -> None:
        """A customer sees Discussion and Resolution notes: redaction may differ. An unedited note is made
        again; an edited one keeps its text and says what the push will redact."""
        self._update_emailed()
        if self.session is None:
            return
        if self.editor.is_edited():
            self._apply_policy()
            self.save_draft_now()  # the draft brings back this visibility, not the one it was saved with
        else:
            self._regenerate()
            self.save_draft_now()  # a visibility other than the default is a choice the draft keeps

    def _on_kept_changed(self, kept: frozenset[str]) -> None:
        """The engineer kept a value (or took it back): remember it for this session, and compare the
        note with one generated with it kept."""
        session = self.session
        if session is None or self.preview is None:
            return
        self.kept[session.id or ""] = kept
        # lazy: as in _regenerate
        from flowdesk.redact import RedactionError

        # The note was prepared a moment ago; if that fails now, pushing prepares it again and says why.
        with contextlib.suppress(PushRefused, RedactionError):
            self.editor.set_generated(self._prepare(kept).text)
        self.editor.recheck_now()
        self._update_buttons()

    def kept_values(self) -> frozenset[str]:
        return self.editor.kept_values()

    def _update_time_entry(self) -> None:
        session = self.session
        settings = self.settings
        plan = plan_time_entry(session, settings.time_rounding) if session is not None else None
        ticket = self.ticket_card.ticket()
        allowed = ticket is None or ticket.time_entry_allowed
        self.time_box.set_plan(plan, session)
        self._manual = plan is None and session is not None and settings.time_rounding != "none" and allowed
        self._proposed_log = not self._manual and plan is not None and allowed and settings.time_entry_enabled and not self._logged
        if self._manual:
            self.time_entry.setText(MANUAL_TIME)
            self.time_entry.setEnabled(True)
            self.time_entry.setChecked(False)
        elif plan is None:
            reason = "no start and end time" if settings.time_rounding != "none" else "time rounding is set to none"
            self.time_entry.setText(f"Log time ({reason})")
            self.time_entry.setChecked(False)
            self.time_entry.setEnabled(False)
        elif not allowed:
            self.time_entry.setText(f"Log {format_hours(plan.hours)} (not allowed on this ticket)")
            self.time_entry.setChecked(False)
            self.time_entry.setEnabled(False)
        else:
            self.time_entry.setEnabled(True)
            self.time_entry.setChecked(self._proposed_log)  # its time once, not twice
        chosen = self._chosen
        if self.time_entry.isEnabled():  # what the engineer chose stands over what is proposed
            if chosen.log_time is not None:
                self.time_entry.setChecked(chosen.log_time)
            if chosen.hours is not None:
                self.time_box.hours.setText(chosen.hours)
        self.time_box.setVisible(self.time_entry.isEnabled() and self.time_entry.isChecked())
        self.time_box.name_check(self.time_entry, self._manual, plan is not None and allowed)

    def _on_time_lists(self, work_types: list, work_roles: list) -> None:
        work_type_id, work_role_id, billable = self._time_choices()
        self.time_box.set_lists(work_types, work_roles, work_type_id=work_type_id, work_role_id=work_role_id,
                                billable=billable)  # fmt: skip

    def _time_choices(self) -> tuple[int | None, int | None, str | None]:
        """The work type, role and billable option to show: the engineer's for this session, else the last
        ones pushed (the settings)."""
        s, c = self.settings, self._chosen
        return (
            c.work_type_id if c.work_type_id is not None else s.work_type_id,
            c.work_role_id if c.work_role_id is not None else s.work_role_id,
            c.billable if c.billable is not None else s.billable_option,
        )

    def _update_buttons(self) -> None:
        ok = self.session is not None and self.preview is not None and bool(self.editor.text().strip())
        self.push_button.setEnabled(ok and self.ticket_card.ticket_id() is not None)
        has_ticket = self.ticket_card.ticket_id() is not None
        self.push_button.setToolTip("Queue the note (and time entry) for the ticket (Ctrl+Enter)" if has_ticket else "Type a ticket number first")
        edited = self.editor.is_edited()
        self.reset_button.setEnabled(self.session is not None and edited)
        self.diff_button.setEnabled(self.session is not None and edited)

    # -- ticket ----------------------------------------------------------------------------------
    def show_ticket(self, ticket: Any) -> None:
        self.ticket_card.show_ticket(ticket)
        self._ticket_status = getattr(ticket, "status_id", None)
        board = getattr(ticket, "board_id", None)
        self.status_choice.reset(board)
        if board is not None:
            self._controller.load_board_statuses(board)
        self._update_time_entry()
        self._update_buttons()

    def show_ticket_error(self, message: str) -> None:
        """The look-up failed. Only because ConnectWise cannot be reached right now: a ticket read before stays
        on the card, marked as not checked just now (its company still guards the push)."""
        card = self.ticket_card
        ticket_id = card.ticket_id()
        last = self._controller.last_read(ticket_id) if ticket_id else None
        if last is not None:
            self.show_ticket(last)
            card.show_unchecked(message, self._controller.ticket_failures.get(last.ref.id))
            return
        own = self.session is not None and self.session.psa_ticket_id == ticket_id
        card.show_error(message, self._controller.ticket_failures.get(ticket_id) if ticket_id else None, own=own)
        self.status_choice.reset(None)
        self._update_buttons()

    def _on_status_wanted(self, board_id: int, status_id: int, name: str) -> None:
        self._controller.load_status_notice(board_id, status_id, name, self.status_choice.show_notice, self.status_choice)

    def _on_board_statuses(self, board_id: int, statuses: list) -> None:
        self.status_choice.set_statuses(board_id, statuses, self._ticket_status)
        self.status_choice.select(self._chosen.status)

    def chosen_status(self) -> tuple[int, str] | None:
        """The status to set after the note (None: leave it as it is)."""
        return self.status_choice.chosen() if self.status_choice.combo.isEnabled() else None

    # -- buttons ---------------------------------------------------------------------------------
    def _show_diff(self) -> None:
        from flowdesk.ui.diff_dialog import DiffDialog  # lazy: a dialog, built when opened

        DiffDialog(self.editor.diff(), self).open()

    def _reset(self) -> None:
        if not self.ask("Discard your edits", present.DRAFT_RESET_QUESTION, "Discard edits"):
            return
        self.draft_timer.stop()
        self.editor.reset()
        self.save_draft_now()  # the push choices stay (the draft goes when there are none)
        self._update_buttons()

    # -- drafts ----------------------------------------------------------------------------------
    def _on_text_edited(self) -> None:
        if self.session is not None and not (self._restoring or self.editor.loading) and self.preview is not None:
            self.draft_timer.start()  # restarted by every key: written once typing pauses

    def _on_generation_changed(self) -> None:
        """*Format* or *Include steps* changed: an edited note asks whether to keep the edits or regenerate."""
        if self.session is None:
            return
        edited = self.editor.is_edited()
        keep = edited and self.ask(
            "Keep your edits?", present.DRAFT_KEEP_QUESTION, "Keep my edits", no="Regenerate", cancel=True
        )
        if keep is None:  # dismissed (Cancel, Escape, the close button): the edits stay, and the choice goes back
            self._show_made_with()
            return
        self._made_with = (self.format_box.currentData(), self.steps_box.isChecked())
        if not keep:  # unedited, or "Regenerate" clicked: only that click throws the edits away
            self.draft_timer.stop()
            self._regenerate()
            self.save_draft_now()  # the push choices and this format and steps stay (the edits are gone)
            return
        # Keep: the text stays; Reset and Changes now compare with the note made the new way.
        from flowdesk.redact import RedactionError

        with contextlib.suppress(PushRefused, RedactionError):
            self.preview = self._prepare(self.kept.get(self.session.id or "", frozenset()))
            self.editor.set_generated(self.preview.text)
        self.save_draft_now()
        self._update_buttons()

    def _show_made_with(self) -> None:
        note_format, include_steps = self._made_with
        with QSignalBlocker(self.format_box), QSignalBlocker(self.steps_box):
            self.format_box.setCurrentIndex(self.format_box.findData(note_format))
            self.steps_box.setChecked(include_steps)

    def _choose(self, **choices: Any) -> None:
        """The engineer changed a push choice: kept for this session, written with its draft."""
        if self.session is None:
            return
        self._chosen = self._chosen._replace(**choices)
        self.draft_timer.start()

    def _on_hours_edited(self, text: str) -> None:
        self._choose(hours=self.time_box.hours_choice(text))
        if self.time_entry.isEnabled():
            self.time_box.name_check(self.time_entry, self._manual, self.time_box.has_plan())

    def _on_ticket_typed(self, ticket_id: int | None) -> None:
        self._choose(ticket_id=ticket_id if ticket_id != self._own_ticket else None)

    def _has_choices(self) -> bool:
        shown = (self.format_box.currentData(), self.steps_box.isChecked(), self.visibility.currentData())
        return any(v is not None for v in self._chosen) or shown != self._defaults

    def _as_without_draft(self, edited: bool) -> bool:
        """The note shown is the one the session shows without a draft: the note its latest push holds (an edited
        note pushed, then Reset, is not: a draft of the note as generated keeps it), else the note as generated."""
        return not edited if self._last_pushed is None else self.editor.push_text() == self._last_pushed

    def forget_draft(self) -> None:
        """The shown session was pushed: its edits and choices are in the queue now."""
        self.draft_timer.stop()
        self._chosen, self._own_ticket = PushChoices(), self.ticket_card.ticket_id()  # pushed again, it goes there too
        self._defaults = (self.format_box.currentData(), self.steps_box.isChecked(), self.visibility.currentData())
        self.discard_draft()

    def _on_draft_timer(self) -> None:
        """Typing paused. The draft waits (a pause or four) for the secret warning's redaction of the same text still on its
        worker: a long paste is not redacted again, on the GUI thread (~0.5 s a MB). A draft of choices alone has
        no text to redact: it is written at once."""
        policy = (self.settings.redaction_categories(self.chosen_visibility()), self.settings.redaction_allow)
        if self._draft_waits < 4 and self.editor.redacting(*policy) and self.editor.is_edited():
            self._draft_waits += 1
            self.draft_timer.start()
            return
        self._draft_waits = 0
        self.save_draft_now()

    def flush_draft(self) -> None:
        """Write a draft still waiting for the pause in typing (the app is ending), then save no more."""
        if self.draft_timer.isActive():
            self.save_draft_now()
        self._drafts_closed = True

    def save_draft_now(self) -> None:
        """Write the edits and push choices of the shown session as its draft (the note redacted as a push
        would: no secret the engineer typed reaches the disk), or forget the draft when the note is as
        generated and every choice is the default."""
        self.draft_timer.stop()
        session = self.session
        if session is None or not session.id or self.preview is None or self._drafts_closed:
            return
        if self._pending_draft is not None:  # never shown: the editor does not hold it, nothing to write or forget
            return
        edited = self.editor.is_edited()
        if not self._has_choices() and self._as_without_draft(edited):
            self.discard_draft()
            return
        from flowdesk.redact import RedactionError

        visibility = self.chosen_visibility()
        text = None
        if edited:
            try:  # the editor's recheck after the same pause in typing has usually redacted this text already
                text = self.editor.redaction(self.settings.redaction_categories(visibility), self.settings.redaction_allow).text
            except RedactionError:
                return  # never written unredacted; the editor already says redaction failed
        choices = self._chosen if any(v is not None for v in self._chosen) else None
        try:
            self._controller.drafts.save(session.id, text, note_format=self.format_box.currentData(),
                                         include_steps=self.steps_box.isChecked(), visibility=visibility.value,
                                         choices=choices)  # fmt: skip
        except StoreError as exc:  # the database is closing or unwritable: the edits stay in the editor
            log.warning("draft of session %s not saved: %s", session.id, type(exc).__name__)
            return
        self.draft_changed.emit(session.id, True)

    def discard_draft(self) -> None:
        session = self.session
        if session is None or not session.id or self._drafts_closed:
            return
        try:
            gone = self._controller.drafts.discard(session.id)
        except StoreError as exc:
            log.warning("draft of session %s not discarded: %s", session.id, type(exc).__name__)
            return
        if gone:
            self.draft_changed.emit(session.id, False)

    # -- after a push ----------------------------------------------------------------------------
    def show_push_state(self, text: str, ticket: tuple[int, str] | None = None, retry_job: int | None = None) -> None:
        """``Queued for #48405`` / ``Posted to #48405 …`` with *Open ticket*; a failed push with *Retry* too."""
        self.push_line.show_state(text, ticket, retry_job)
        self.ticket_card.set_pushed_to(ticket[0] if ticket is not None else None)

    def chosen_visibility(self) -> Visibility:
        return Visibility(self.visibility.currentData())

    def chosen_format(self) -> NoteFormat:
        return NoteFormat(self.format_box.currentData())
