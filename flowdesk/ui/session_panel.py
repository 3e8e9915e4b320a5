"""The selected session: what it was, the ticket it goes to, and its note — editable — with the push
options (visibility, time entry with the rounded hours it will log) and Push (Ctrl+Enter)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
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
from flowdesk.ui import theme
from flowdesk.ui.editor import NoteEditor
from flowdesk.ui.models import local_time, status_label
from flowdesk.ui.status_choice import StatusChoice
from flowdesk.ui.ticket_card import TicketCard, announce
from flowdesk.ui.time_entry_box import TimeEntryBox

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
        self._pending_draft: Draft | None = None  # the session's draft, until its note can be prepared to show it in
        self._made_with: tuple[str, bool] = ("", True)  # the format and steps of the note shown (or its draft)
        self._drafts_closed = False
        self._posted_ticket: tuple[int, str] | None = None
        # The engineer's edits are a draft, written to the database once typing pauses.
        self.draft_timer = QTimer(self)
        self.draft_timer.setObjectName("draftSaveTimer")
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_DEBOUNCE_MS)
        self.draft_timer.timeout.connect(self.save_draft_now)

        self.title = QLabel(self)
        self.title.setObjectName("sessionTitle")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() * 1.2)
        f.setBold(True)
        self.title.setFont(f)
        self.meta = QLabel(self)
        self.meta.setObjectName("sessionMeta")
        self.meta.setWordWrap(True)
        self.meta.setTextFormat(Qt.TextFormat.PlainText)
        theme.tint(self.meta, "muted")
        self.warning = QLabel(self)
        self.warning.setObjectName("sessionWarning")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        theme.tint(self.warning, "warning")
        self.warning.setAccessibleName("Warning")
        self.warning.hide()

        self.ticket_card = TicketCard(self)
        self.ticket_card.ticket_changed.connect(self.ticket_changed)
        # After a push: "Queued for #48405", then "Posted to #48405 (note 1200001) at 14:02, 0.25 h logged".
        self.post_state = QLabel(self)
        self.post_state.setObjectName("postState")
        self.post_state.setWordWrap(True)
        self.post_state.setTextFormat(Qt.TextFormat.PlainText)
        self.post_state.setAccessibleName("Push state")
        self.open_ticket_button = QPushButton("Open tic&ket", self)
        self.open_ticket_button.setObjectName("openTicketButton")
        self.open_ticket_button.setAccessibleName("Open ticket")
        self.open_ticket_button.clicked.connect(self._open_posted_ticket)
        self.post_state.hide()
        self.open_ticket_button.hide()

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
        self.time_entry = QCheckBox("&Log time", self)
        self.time_entry.setObjectName("timeEntry")
        self.time_entry.setAccessibleName("Also log a time entry")
        self.time_box = TimeEntryBox(self)  # hours, work type / role, billable: shown while time is logged
        self.time_entry.toggled.connect(self.time_box.setVisible)
        self.time_box.hide()  # until a session whose time can be logged is shown
        controller.time_lists_loaded.connect(self._on_time_lists)
        self.status_choice = StatusChoice(self)  # a status to set after the note: "Leave as is" by default
        self._ticket_status: int | None = None  # the shown ticket's status (not offered as a change)
        controller.board_statuses_loaded.connect(self._on_board_statuses)
        self.diff_button = QPushButton("Chan&ges…", self)  # Alt+H is the Help menu
        self.diff_button.setToolTip("Compare your note with the generated one")
        self.reset_button = QPushButton("R&eset", self)  # Alt+T is the ticket number
        self.reset_button.setToolTip("Throw away your edits and go back to the generated note")
        self.push_button = QPushButton("&Push", self)
        self.push_button.setObjectName("pushButton")
        self.push_button.setDefault(True)
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
        bottom = QHBoxLayout()
        bottom.addWidget(vis_label)
        bottom.addWidget(self.visibility)
        bottom.addStretch(1)
        bottom.addWidget(self.diff_button)
        bottom.addWidget(self.reset_button)
        bottom.addWidget(self.push_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.meta)
        layout.addWidget(self.warning)
        layout.addWidget(self.ticket_card)
        posted = QHBoxLayout()
        posted.addWidget(self.post_state, 1)
        posted.addWidget(self.open_ticket_button)
        layout.addLayout(posted)
        layout.addLayout(top)
        layout.addWidget(self.editor, 1)
        layout.addLayout(bottom)
        time_row = QHBoxLayout()  # the time entry: whether, then how much and how (the box hides when not)
        time_row.addWidget(self.time_entry, 0, Qt.AlignmentFlag.AlignTop)
        time_row.addWidget(self.time_box, 1)
        layout.addLayout(time_row)
        layout.addWidget(self.status_choice)  # its own row, under the time entry's
        self.title.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        # Keyboard order: ticket → find → format → steps → note → visibility → time → status → changes → reset → push.
        order: list[QWidget] = [
            self.ticket_card.number, self.ticket_card.finder.field, self.format_box, self.steps_box, self.editor.edit, self.visibility,
            self.time_entry, self.status_choice.combo, self.diff_button, self.reset_button, self.push_button,
        ]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.show_session(None)

    @property
    def settings(self) -> Settings:
        return self._controller.settings

    # -- showing a session ---------------------------------------------------------------------
    def show_session(self, session: Session | None) -> None:
        if self.draft_timer.isActive():
            self.save_draft_now()  # the edits of the session being left are kept
        self.session = session
        self._pending_draft = None
        self.status_choice.reset(None)
        self.show_push_state("")
        enabled = session is not None
        for w in (self.format_box, self.steps_box, self.editor, self.visibility, self.time_entry,
                  self.diff_button, self.reset_button, self.ticket_card):
            w.setEnabled(enabled)
        if session is None:
            self.title.setText("No session selected")
            self.meta.setText("Pick a session on the left to review its ConnectWise note.")
            self.warning.hide()
            self.ticket_card.set_client(None)
            self.ticket_card.set_ticket_id(None)
            self.ticket_card.show_nothing()
            self.editor.clear()
            self.preview = None
            self._update_buttons()
            return
        settings = self.settings
        self.title.setText(session.summary or "(no summary)")
        meta = [status_label(session.status)]
        if session.client_name:
            meta.append(session.client_name)
        if session.engineer_name:
            meta.append(session.engineer_name)
        when = session.ended_at or session.created_at
        if when:
            meta.append(local_time(when))
        self.meta.setText(" · ".join(meta))
        warnings = []
        if session.posted_by_resolutionflow:
            when_posted = session.resolution_note_posted_at or session.escalation_package_posted_at
            warnings.append(
                "ResolutionFlow already posted a note for this session"
                + (f" on {local_time(when_posted)}" if when_posted else "")
                + "; pushing adds a second one."
            )
        self.warning.setText(" ".join(warnings))
        self.warning.setVisible(bool(warnings))
        self.warning.setAccessibleDescription(" ".join(warnings))
        if warnings:
            announce(self.warning)
        self.ticket_card.set_client(session.client_name)
        self.ticket_card.set_ticket_id(session.psa_ticket_id)
        if session.psa_ticket_id is None:
            self.ticket_card.show_nothing()
        else:
            self.ticket_card.show_loading()
        for w in (self.format_box, self.steps_box, self.visibility):
            w.blockSignals(True)
        self.format_box.setCurrentIndex(self.format_box.findData(default_format(session).value))
        self.steps_box.setChecked(settings.include_diagnostic_steps)
        self.visibility.setCurrentIndex(self.visibility.findData(settings.note_visibility.value))
        draft = self._controller.drafts.get(session.id) if session.id else None
        if draft is not None:  # the note as the engineer left it: generated the same way, then their edits
            if draft.note_format and self.format_box.findData(draft.note_format) >= 0:
                self.format_box.setCurrentIndex(self.format_box.findData(draft.note_format))
            if draft.include_steps is not None:
                self.steps_box.setChecked(draft.include_steps)
            if draft.visibility and self.visibility.findData(draft.visibility) >= 0:
                self.visibility.setCurrentIndex(self.visibility.findData(draft.visibility))
        for w in (self.format_box, self.steps_box, self.visibility):
            w.blockSignals(False)
        self._made_with = (self.format_box.currentData(), self.steps_box.isChecked())
        self._pending_draft = draft
        self._regenerate()  # shows the draft once the note can be prepared (now, or after another choice)

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
        if draft is not None:
            self._restoring = True
            try:
                self.editor.load_draft(draft.text)
            finally:
                self._restoring = False
        self._update_time_entry()
        self._update_buttons()

    def _apply_policy(self) -> None:
        settings = self.settings
        self.editor.set_policy(settings.redaction_categories(self.chosen_visibility()), settings.redaction_allow)

    def _on_visibility_changed(self) -> None:
        """A customer sees Discussion and Resolution notes: redaction may differ. An unedited note is made
        again; an edited one keeps its text and says what the push will redact."""
        if self.session is None:
            return
        if self.editor.is_edited():
            self._apply_policy()
            self.save_draft_now()  # the draft brings back this visibility, not the one it was saved with
        else:
            self._regenerate()

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
        if plan is None and session is not None and settings.time_rounding != "none" and allowed:
            self.time_entry.setText("&Log time (no start and end time: type the hours)")
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
            self.time_entry.setText(f"&Log {format_hours(plan.hours)}")
            self.time_entry.setEnabled(True)
            self.time_entry.setChecked(settings.time_entry_enabled)
        self.time_box.setVisible(self.time_entry.isEnabled() and self.time_entry.isChecked())
        # Screen readers read the name, not the text: the hours must be in it.
        self.time_entry.setAccessibleName("Also log a time entry: " + self.time_entry.text().replace("&", ""))

    def _on_time_lists(self, work_types: list, work_roles: list) -> None:
        s = self.settings
        self.time_box.set_lists(work_types, work_roles, work_type_id=s.work_type_id, work_role_id=s.work_role_id,
                                billable=s.billable_option)  # fmt: skip

    def _update_buttons(self) -> None:
        ok = self.session is not None and self.preview is not None and bool(self.editor.text().strip())
        self.push_button.setEnabled(ok and self.ticket_card.ticket_id() is not None)
        self.push_button.setToolTip(
            "Queue the note (and time entry) for the ticket (Ctrl+Enter)"
            if self.ticket_card.ticket_id() is not None
            else "Type a ticket number first"
        )
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
        self.ticket_card.show_error(message)
        self.status_choice.reset(None)
        self._update_buttons()

    def _on_board_statuses(self, board_id: int, statuses: list) -> None:
        self.status_choice.set_statuses(board_id, statuses, self._ticket_status)

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
        self.discard_draft()
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
            if edited:
                self.draft_timer.stop()
                self.discard_draft()
            self._regenerate()
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
        for w in (self.format_box, self.steps_box):
            w.blockSignals(True)
        self.format_box.setCurrentIndex(self.format_box.findData(note_format))
        self.steps_box.setChecked(include_steps)
        for w in (self.format_box, self.steps_box):
            w.blockSignals(False)

    def flush_draft(self) -> None:
        """Write a draft still waiting for the pause in typing (the app is ending), then save no more."""
        if self.draft_timer.isActive():
            self.save_draft_now()
        self._drafts_closed = True

    def save_draft_now(self) -> None:
        """Write the edits of the shown session as its draft (redacted as a push would: no secret the
        engineer typed reaches the disk), or forget the draft when the note is as generated."""
        self.draft_timer.stop()
        session = self.session
        if session is None or not session.id or self.preview is None or self._drafts_closed:
            return
        if self._pending_draft is not None:  # never shown: the editor does not hold it, nothing to write or forget
            return
        if not self.editor.is_edited():
            self.discard_draft()
            return
        from flowdesk.redact import RedactionError

        visibility = self.chosen_visibility()
        try:  # the editor's recheck after the same pause in typing has usually redacted this text already
            text = self.editor.redaction(self.settings.redaction_categories(visibility), self.settings.redaction_allow).text
        except RedactionError:
            return  # never written unredacted; the editor already says redaction failed
        try:
            self._controller.drafts.save(session.id, text, note_format=self.format_box.currentData(),
                                         include_steps=self.steps_box.isChecked(), visibility=visibility.value)  # fmt: skip
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
    def show_push_state(self, text: str, ticket: tuple[int, str] | None = None) -> None:
        """``Queued for #48405`` / ``Posted to #48405 (note 1200001) at 14:02, 0.25 h logged`` with *Open ticket*."""
        self._posted_ticket = ticket
        self.post_state.setText(text)
        self.post_state.setVisible(bool(text))
        self.open_ticket_button.setVisible(ticket is not None)

    def _open_posted_ticket(self) -> None:
        if self._posted_ticket is not None:
            self.open_ticket_requested.emit(*self._posted_ticket)

    def chosen_visibility(self) -> Visibility:
        return Visibility(self.visibility.currentData())

    def chosen_format(self) -> NoteFormat:
        return NoteFormat(self.format_box.currentData())
