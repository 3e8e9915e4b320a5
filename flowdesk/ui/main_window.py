"""The main window: recent sessions on the left, the selected session's note on the right, the queue
in its own tab, banners under the shown tab's list and the queue's state in the status bar."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from flowdesk import APP_NAME
from flowdesk.core import held as held_words
from flowdesk.core import policy_words, present
from flowdesk.core.policy import CANCELLABLE_STATES
from flowdesk.store.drafts import lost_on_quit
from flowdesk.ui import layout, newer_session, note_place, pushing, queue_shown, theme
from flowdesk.ui.banner import BannerStack
from flowdesk.ui.controller import AppController
from flowdesk.ui.focus_ring import add_focus_rings
from flowdesk.ui.icons import app_icon
from flowdesk.ui.key_routing import let_shortcuts_through
from flowdesk.ui.models import QueueTableModel, SessionIdRole, SessionTableModel
from flowdesk.ui.names import name_choice_lists
from flowdesk.ui.session_proxy import SessionSortFilterProxy
from flowdesk.ui.status_line import QueueLine

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QScrollArea

    from flowdesk.ui.queue_view import QueueView
    from flowdesk.ui.session_panel import SessionPanel

SELECTION_DEBOUNCE_MS = 150


def questions() -> Any:
    """:mod:`flowdesk.ui.questions`, imported when a box is first shown, as every dialog: not before the first paint."""
    from flowdesk.ui import questions

    return questions


STATUS_FILTERS = [
    ("All sessions", None),
    ("Resolved", {"resolved"}),
    ("Escalated", {"escalated", "requesting_escalation"}),
    ("In progress", {"active", "paused"}),
]


class MainWindow(QMainWindow):
    settings_requested = Signal()
    quit_requested = Signal()
    import_requested = Signal(list)
    refresh_requested = Signal()
    panel_scroll: QScrollArea  # the note pane's scroll area, made with the pane (note_place.build_panel)

    def __init__(self, controller: AppController, *, has_tray: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.has_tray = has_tray
        # Whether a tray icon is on screen right now (the app sets this; a hidden window with no tray
        # icon would leave a process no one can reach, so closing then quits).
        self.tray_visible: Any = lambda: has_tray
        self._state: QSettings | None = None
        self._shown_once = False
        self.quitting = False  # set once the engineer has chosen to quit: closing then closes
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self.setObjectName("mainWindow")
        self.resize(layout.DEFAULT_SIZE)

        # -- models -------------------------------------------------------------------------
        self.session_model = SessionTableModel(self)
        self.proxy = SessionSortFilterProxy(self)
        self.proxy.setSourceModel(self.session_model)
        self.queue_model = QueueTableModel(self)

        # -- sessions tab -------------------------------------------------------------------
        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search sessions: ticket, client, summary… (Ctrl+F)")
        self.search.setAccessibleName("Search sessions")
        self.search.setClearButtonEnabled(True)
        for button in self.search.findChildren(QToolButton):  # the clear button: named for screen readers
            button.setAccessibleName("Clear search")
        self.search.textChanged.connect(self.proxy.set_search)
        self.search.installEventFilter(self)  # Down, Enter and Escape (see _search_key)
        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.setAccessibleName("Show sessions")
        for label, _ in STATUS_FILTERS:
            self.status_filter.addItem(label)
        self.status_filter.currentIndexChanged.connect(lambda i: self.proxy.set_statuses(STATUS_FILTERS[i][1]))

        self.table = QTableView(self)
        self.table.setObjectName("sessionTable")
        self.table.setAccessibleName("Recent sessions")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list; the arrows move within it
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(SessionTableModel.SUMMARY, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        header.setSortIndicatorShown(True)
        # Newest first, as the store lists them: say so in the header instead of a stale indicator.
        header.setSortIndicator(SessionTableModel.DATE, Qt.SortOrder.DescendingOrder)
        layout.setup_session_columns(self.table, SessionTableModel)
        # Arrows move the selection freely: the note is loaded and the ticket looked up once the selection
        # rests (a single-shot timer), not for every row passed; a click or select_session loads at once.
        self.load_timer = QTimer(self)
        self.load_timer.setObjectName("selectionLoadTimer")
        self.load_timer.setSingleShot(True)
        self.load_timer.setInterval(SELECTION_DEBOUNCE_MS)
        self.load_timer.timeout.connect(self._load_current)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.table.clicked.connect(lambda _index: self._load_current())
        self.proxy.modelReset.connect(self._restore_selection)
        # Lay the rows out now rather than from the view's zero timer: otherwise a search that changes the
        # row count paints the table twice (before and after the scroll bar's new range).
        self.proxy.modelReset.connect(self.table.doItemsLayout)

        self.empty = QLabel(self)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        self.empty.setObjectName("emptySessions")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        theme.tint(self.empty, "muted")
        self.queue_kept = True  # pushes not sent are sent at the next start (not the demo's: it keeps nothing)
        self.empty_text = (  # what an empty list says (the demo says it is fetching its sessions)
            "No sessions yet.\nSign in to ResolutionFlow in Settings, then Refresh (F5), "
            "or import sessions exported as JSON (Ctrl+O, or drop the files here)."
        )
        self._drops = layout.FileDrops(self, self.import_requested.emit)  # exports dropped on it are imported

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(4, 4, 4, 4)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.status_filter)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.empty)
        # Banners go under the list, which gives them its bottom (the Queue tab has the same ones under its
        # list): a banner shown above the tabs moved the list down under the pointer, and a click meant for one
        # session landed on the next.
        self.banners = BannerStack(left)
        left_layout.addWidget(self.banners)

        self._panel: SessionPanel | None = None  # the note pane, built just after the first paint (see panel)
        self.note_stack = note_place.note_stack(self)  # "No session selected" until a session is shown, then the pane
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.note_stack)
        self.splitter.setSizes([768, 512])  # at 1280 px the list's Summary gets the spare width
        layout.steady_splitter(self.splitter)
        stacked_min = lambda: layout.STACKED_MIN_HEIGHT if self.splitter.orientation() == Qt.Orientation.Vertical else 0  # noqa: E731
        self._banner_room = layout.BannerRoom(left, self.banners, self.table, stacked_min)

        # -- queue tab: its model now (the tab's label counts its jobs), its page when first shown --------
        self.queue_model.failures_provider = controller.services.outbox.failure_counts
        self._queue_view: QueueView | None = None
        self.held_until: Any = None  # the end of the hold-off the note pane's next try was last read with

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.tabs.addTab(self.splitter, "Sessions")  # Ctrl+1 / Ctrl+2 (Alt+Q belongs to the Queue menu)
        self.tabs.addTab(QWidget(self.tabs), "Queue")  # replaced by the queue_view when it is first shown
        self.tabs.currentChanged.connect(self._on_tab_changed)

        self.setCentralWidget(self.tabs)

        self.queue_label = QueueLine(self.statusBar(), self)  # makes way for a message shown beside it
        self.queue_label.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        self.queue_label.setObjectName("queueStatus")
        self.queue_label.setAccessibleName("Queue status")
        self.statusBar().addPermanentWidget(self.queue_label)

        self.tabs.setAccessibleName("Sessions and queue")
        self.tabs.tabBar().setAccessibleName("Sessions and queue tabs")
        name_choice_lists(self)

        self._build_actions()
        self._wire_controller()
        self.setTabOrder(self.search, self.status_filter)
        self.setTabOrder(self.status_filter, self.table)
        self.focus_rings = add_focus_rings(self.table)  # their own focus marks are faint (the note's: see panel)
        self._restore_geometry()
        self.shortcuts_through = let_shortcuts_through(self, self.actions())  # X11: Ctrl+E in a line edit
        self.reload_sessions()
        self.reload_jobs()

    @property
    def panel(self) -> SessionPanel:
        """The note pane, built when first asked for: one turn after the first paint (``note_place``)."""
        if self._panel is None:
            self._panel = note_place.build_panel(self)
        return self._panel

    @property
    def built_panel(self) -> SessionPanel | None:  # none before the first paint: no session shown, nothing typed
        return self._panel

    @property
    def queue_view(self) -> QueueView:
        """The Queue tab's page, built the first time it is shown or asked for (the first paint shows the
        Sessions tab: the queue's table and detail pane are not on screen)."""
        if self._queue_view is None:
            from flowdesk.ui.queue_view import QueueView, replace_tab_page

            view = self._queue_view = QueueView(self.queue_model, self)
            view.attempts_provider = self.controller.services.outbox.attempts
            view.retry_requested.connect(self.retry_job)
            view.cancel_requested.connect(self.cancel_job)
            view.open_ticket_requested.connect(self.open_ticket_of_job)
            view.retry_all_requested.connect(self.retry_all)
            view.banners = BannerStack(view).follow(self.banners)  # the same banners, under this tab's list
            view.banner_slot.addWidget(view.banners)
            layout.BannerRoom(view.table_box, view.banners, view.table, lambda: 0)
            replace_tab_page(self.tabs, 1, view)
        return self._queue_view

    def _set_held(self, held: Any) -> None:
        queue_shown.show_held(self, held)

    # -- actions and menus -------------------------------------------------------------------
    def _action(self, text: str, shortcut: Any = None, slot: Any = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.refresh_action = self._action("&Refresh sessions", QKeySequence.StandardKey.Refresh, self.refresh_requested,
                                           "Fetch your recent sessions from ResolutionFlow")
        self.import_action = self._action("&Import sessions…", QKeySequence.StandardKey.Open, self.choose_import,
                                          "Import sessions exported as JSON")
        self.settings_action = self._action("&Settings…", QKeySequence.StandardKey.Preferences, self.settings_requested)
        if self.settings_action.shortcut().isEmpty():
            self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit, self.request_quit,
                                        f"End {APP_NAME}; pushes not sent yet are sent the next time it starts")
        if self.quit_action.shortcut().isEmpty():  # some platform themes define no Quit key
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.find_action = self._action("&Find", QKeySequence.StandardKey.Find, self._focus_search)
        self.editor_action = self._action("&Edit the note", "Ctrl+E", self._focus_editor, "Move to the note's text")
        self.next_pane_action = self._action("&Next pane", "F6", lambda: self.cycle_pane(1))
        self.next_pane_action.setShortcuts([QKeySequence("F6"), QKeySequence("Ctrl+Tab")])
        self.previous_pane_action = self._action("Pre&vious pane", "Shift+F6", lambda: self.cycle_pane(-1))
        self.previous_pane_action.setShortcuts([QKeySequence("Shift+F6"), QKeySequence("Ctrl+Shift+Tab")])
        self.shortcuts_action = self._action("&Keyboard shortcuts", "F1", self.show_shortcuts, "Every keyboard shortcut")
        self.shortcuts_action.setShortcuts([QKeySequence("F1"), QKeySequence("Ctrl+/")])
        self.sessions_tab_action = self._action("&Sessions", "Ctrl+1", lambda: self.tabs.setCurrentIndex(0))
        self.queue_tab_action = self._action("&Queue", "Ctrl+2", lambda: self.tabs.setCurrentIndex(1))
        self.retry_failed_action = self._action("Retry &all", "Ctrl+Shift+R", self.retry_all, held_words.RETRY_ALL_TIP)
        self.pause_action = self._action("&Pause sending", None, None, present.PAUSE_TIP)
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self.controller.set_paused)
        self.about_action = self._action(f"&About {APP_NAME}", None, lambda: questions().about(self))
        self.logs_action = self._action("Open &log folder", None, self._open_logs)

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.refresh_action)
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.sessions_tab_action)
        view_menu.addAction(self.queue_tab_action)
        view_menu.addAction(self.find_action)
        view_menu.addAction(self.editor_action)
        view_menu.addSeparator()
        view_menu.addAction(self.next_pane_action)
        view_menu.addAction(self.previous_pane_action)
        self.queue_menu = bar.addMenu("&Queue")
        self.queue_menu.addAction(self.retry_failed_action)
        self.queue_menu.addAction(self.pause_action)
        self.help_menu = bar.addMenu("&Help")
        self.help_menu.addAction(self.shortcuts_action)
        self.help_menu.addAction(self.logs_action)
        self.help_menu.addAction(self.about_action)

        self.addToolBar(layout.main_toolbar(self, [
            (self.refresh_action, "refresh"), (self.import_action, "import"), None,
            (self.retry_failed_action, "send"), (self.pause_action, "pause"), None, (self.settings_action, "settings"),
        ]))

    def _wire_controller(self) -> None:
        c = self.controller
        c.sessions_reloaded.connect(self.reload_sessions)
        c.session_push_changed.connect(self.session_model.set_push_summaries)
        c.jobs_changed.connect(self.queue_model.update_jobs)  # a batch: one dataChanged
        c.job_changed.connect(self._on_job_changed)
        c.jobs_reloaded.connect(self.reload_jobs)
        c.queue_status_changed.connect(self._on_queue_status)
        c.held_changed.connect(self._set_held)
        c.banner_shown.connect(self.banners.show_banner)
        c.banner_cleared.connect(self.banners.remove)
        c.banner_updated.connect(self.banners.update_banner)
        c.ticket_loaded.connect(self._on_ticket_loaded)
        c.ticket_failed.connect(self._on_ticket_failed)
        c.settings_changed.connect(self._on_settings_changed)

    # -- sessions ------------------------------------------------------------------------------
    def reload_sessions(self) -> None:
        current = self.current_session_id()
        # 10,000 rows are tens of thousands of new, long-lived objects: the cyclic GC would walk the whole
        # heap several times while they are made (a third of a reload). Reference counting still frees
        # everything meanwhile; the collector runs again right after.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            rows = self.controller.session_rows()
            self.session_model.load(rows, self.controller.push_summaries(rows=rows))
            self.session_model.set_drafts(self.controller.drafts.session_ids())
        finally:
            if gc_was_on:
                gc.enable()
        titles = {r.id: r.summary for r in rows}
        self.queue_model._titles = titles
        if rows:
            self.empty.hide()
        else:
            self.empty.setText(self.empty_text)
            self.empty.show()
        if current:
            self.select_session(current)
        newer_session.follow_refresh(self)  # a newer copy of the session shown: its note follows, edits kept

    def _restore_selection(self) -> None:
        sid = self._panel.session.id if self._panel is not None and self._panel.session else None
        if sid:
            row = self.proxy.proxy_row_of(sid)
            if row is not None:
                self.table.selectionModel().blockSignals(True)
                self.table.selectRow(row)
                self.table.selectionModel().blockSignals(False)
            else:  # filtered away: its note leaves the pane (its edits stay a draft), so nothing hidden is pushed
                self.load_timer.stop()
                self.table.clearSelection()
                note_place.show_session(self, None)

    def set_empty_text(self, text: str) -> None:
        self.empty_text = text
        if self.session_model.rowCount() == 0:
            self.empty.setText(text)

    def select_first_session(self) -> bool:
        """Select the top row (the newest session) if nothing is selected yet."""
        if self.current_session_id() is not None or self.proxy.rowCount() == 0:
            return False
        sid = self.proxy.index(0, 0).data(SessionIdRole)
        return bool(sid) and self.select_session(sid)

    def current_session_id(self) -> str | None:
        idx = self.table.currentIndex()
        return idx.data(SessionIdRole) if idx.isValid() else None

    def select_session(self, session_id: str) -> bool:
        row = self.proxy.proxy_row_of(session_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.proxy.index(row, 0))
        self._load_current()
        return True

    def _on_current_row(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self.load_timer.start()  # restarted by every row passed: loads once the selection rests

    def _load_current(self) -> None:
        self.load_timer.stop()
        current = self.table.currentIndex()
        sid = current.data(SessionIdRole) if current.isValid() else None
        if self.panel.session is not None and sid == self.panel.session.id:
            return
        if sid is None and self.panel.session is None:
            return
        session = self.controller.load_session(sid) if sid else None
        note_place.show_session(self, session)
        self.controller.clear_banner(newer_session.BANNER_KEY)  # it was about the session shown before
        pushing.show_push_state(self)
        ticket_id = self.panel.ticket_card.ticket_id()  # the session's own, or the one its draft kept
        if session is not None and ticket_id:
            self._lookup_ticket(ticket_id)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            obj is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and self._search_key(event)
        ):
            return True
        return super().eventFilter(obj, event)

    def _search_key(self, event: QKeyEvent) -> bool:
        """Down or Enter in the search box go to the list; Escape clears the search."""
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            if self.proxy.rowCount():
                if not self.table.currentIndex().isValid():
                    self.table.selectRow(0)
                self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
                self._load_current()
            return True
        if key == Qt.Key.Key_Escape and self.search.text():
            self.search.clear()
            return True
        return False

    def panes(self) -> list[QWidget]:
        """The panes F6 / Ctrl+Tab cycle through, in reading order, on the current tab."""
        if self.tabs.currentIndex() == 1:
            return [self.queue_view.table, self.queue_view.detail]
        return [self.search, self.table, self.panel.ticket_card.number, self.panel.editor.edit]

    def cycle_pane(self, step: int) -> None:
        panes = [p for p in self.panes() if p.isEnabled() and p.isVisibleTo(self)]
        if not panes:
            return
        focus = self.focusWidget()
        here = next((i for i, p in enumerate(panes) if focus is p or (focus is not None and p.isAncestorOf(focus))), -1)
        target = panes[(here + step) % len(panes)] if here >= 0 else panes[0 if step > 0 else -1]
        target.setFocus(Qt.FocusReason.TabFocusReason if step > 0 else Qt.FocusReason.BacktabFocusReason)

    def _on_tab_changed(self, index: int) -> None:
        """A focus Qt moved out of the page now hidden (often to a banner's button: Space would press it) goes
        to the new page's first pane, whatever switched the tab; the tab bar keeps its own (arrow keys)."""
        page = self.queue_view if index == 1 else self.tabs.currentWidget()  # the queue's is built when first shown
        focus = self.focusWidget()
        moved = focus is not None and focus is not self.tabs.tabBar() and not page.isAncestorOf(focus)
        if moved or (focus is None and self.isActiveWindow()):
            self.cycle_pane(1)

    def _focus_editor(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.panel.editor.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_shortcuts(self) -> QDialog:
        """The F1 dialog: every shortcut the window's actions have, and the keys that are no action's."""
        from flowdesk.ui import shortcuts  # lazy: a dialog's module

        dialog = shortcuts.ShortcutsDialog(shortcuts.action_shortcuts(self.actions()) + shortcuts.KEYS_WITHOUT_ACTIONS, self)
        dialog.open()
        self.shortcuts_dialog = dialog
        return dialog

    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    def _on_settings_changed(self) -> None:
        """New defaults (visibility, steps, rounding, redaction): regenerate the note unless it was edited."""
        panel = self._panel
        if panel is None:  # before the first paint: no note shown
            return
        if panel.session is not None and not panel.editor.is_edited():
            session = panel.session
            ticket_id = panel.ticket_card.ticket_id()
            panel.show_session(session)
            pushing.show_push_state(self)
            if ticket_id:
                panel.ticket_card.set_ticket_id(ticket_id)
                self._lookup_ticket(ticket_id)
        elif panel.session is not None and (ticket_id := panel.ticket_card.ticket_id()) and panel.ticket_card.ticket() is None:
            self._lookup_ticket(ticket_id)  # an edited note stays; a card that could not read its ticket (keys refused) tries again

    # -- tickets -------------------------------------------------------------------------------
    def _lookup_ticket(self, ticket_id: int | None) -> None:
        self.panel._update_buttons()
        if not ticket_id:
            self.panel.ticket_card.show_nothing()
            return
        cached = self.controller.cached_ticket(ticket_id)
        if cached is not None:
            self.panel.show_ticket(cached)
            if self.controller.ticket_stale(ticket_id):  # closed, merged or moved since? it is read again
                self.controller.lookup_ticket(ticket_id, self.controller.connectwise_client)
            return
        self.panel.ticket_card.show_loading()
        self.controller.lookup_ticket(ticket_id, self.controller.connectwise_client)
        self.controller.load_time_lists()

    def _on_ticket_loaded(self, ticket_id: int, ticket: Any) -> None:
        if self.panel.ticket_card.ticket_id() == ticket_id:
            self.panel.show_ticket(ticket)

    def _on_ticket_failed(self, ticket_id: int, message: str) -> None:
        if self.panel.ticket_card.ticket_id() == ticket_id:
            self.panel.show_ticket_error(message)

    # -- push ----------------------------------------------------------------------------------
    def ask(self, title: str, text: str, yes: str, no: str | None = None, **kw: Any) -> bool | None:
        """See :func:`flowdesk.ui.questions.ask` (tests replace this method: modal dialogs block a headless run)."""
        return questions().ask(self, title, text, yes, no, **kw)

    def tell(self, title: str, text: str) -> None:
        questions().tell(self, title, text)

    def push_current(self) -> None:
        """Push the shown session's note (see :mod:`flowdesk.ui.pushing`: only what is shown and selected)."""
        pushing.push_current(self)

    # -- queue ---------------------------------------------------------------------------------
    def _on_job_changed(self, job: Any) -> None:
        if self.panel.session is not None and job.session_id == self.panel.session.id:
            pushing.show_push_state(self)

    def reload_jobs(self) -> None:
        self.queue_model.load(self.controller.jobs())

    def retry_job(self, job_id: int) -> None:
        outbox = self.controller.services.outbox
        other_company = outbox.failed_for_other_company(job_id)  # it goes to that ticket only once the engineer says so
        if other_company:
            job = outbox.get(job_id)
            question = policy_words.other_company_question(job.last_error if job is not None else None)
            if not self.ask("Another company's ticket", question, "Push to this ticket"):
                return
        try:
            self.statusBar().showMessage(self.controller.retry(job_id, other_company=other_company), 10000)
        except Exception as exc:  # noqa: BLE001
            self.tell("Cannot retry", str(exc))

    def cancel_job(self, job_id: int) -> None:
        job = self.controller.services.outbox.get(job_id)
        if job is None:
            return
        also = [j.kind for j in self.queue_model.jobs() if j.parent_id == job_id and j.state in CANCELLABLE_STATES]
        question = present.cancel_question(job, also=also)  # what is cancelled with it: its time entry, status change
        if not self.ask("Cancel this push?", question, held_words.CANCEL_PUSH, held_words.KEEP_IT):
            return
        try:
            self.controller.cancel(job_id)
        except Exception as exc:  # noqa: BLE001
            self.tell("Cannot cancel", str(exc))

    def retry_all(self) -> None:
        done = self.controller.retry_all()
        message = held_words.retried_all(done, self.controller.clock(), present.LOCAL)
        self.statusBar().showMessage(message, 10000 if done.after_check or done.left else 5000)

    def open_ticket_of_job(self, job_id: int) -> None:
        job = self.controller.services.outbox.get(job_id)
        if job is not None:
            self.open_ticket(job.ticket_id, job.ticket_kind)

    def open_ticket(self, ticket_id: int, kind: str = "service") -> None:
        # lazy: httpx, not before the first paint
        from flowdesk.connectwise.account import ticket_url

        profile = self.controller.settings.connectwise
        if not profile.configured:
            self.tell("No ConnectWise account", "Enter your ConnectWise site and keys in Settings first.")
            return
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        QDesktopServices.openUrl(QUrl(ticket_url(profile, ticket_id, kind)))

    def show_job(self, job_id: int) -> None:
        self.show_and_raise()
        self.tabs.setCurrentWidget(self.queue_view)
        self.queue_view.select_job(job_id)

    def _on_queue_status(self, _state: str, counts: dict, line: str) -> None:
        queue_shown.show_status(self, counts, line)

    # -- import --------------------------------------------------------------------------------
    def choose_import(self) -> None:
        files = layout.choose_import_files(self, self._ui_state())
        if files:
            self.import_requested.emit(files)

    # -- window --------------------------------------------------------------------------------
    def show_and_raise(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def _open_logs(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.controller.services.paths.log_dir)))

    def _ui_state(self) -> QSettings:
        """Window geometry, splitter and columns: UI state, kept apart from the settings, in the config folder."""
        if self._state is None:  # one QSettings (resizeEvent asks often)
            self._state = layout.ui_state(self.controller.services.paths.config_dir)
        return self._state

    def _restore_geometry(self) -> None:
        layout.restore_layout(self, self.splitter, self.table, self._ui_state())

    def save_geometry(self) -> None:
        layout.save_layout(self, self.splitter, self.table, self._ui_state())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._shown_once:  # the splitter now has its real width: put the saved sizes back
            self._shown_once = True
            layout.restore_splitter(self.splitter, self._ui_state())
            layout.fit_to_screen(self)  # again, now that the frame (title bar, borders) is known

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if layout.fit_orientation(self.splitter, event.size().width(), self._ui_state(), self.table):
            self._banner_room.fit()  # the list's pane has its new orientation's minimum height: and the banners'

    def request_quit(self) -> bool:
        """File → Quit, Ctrl+Q, the tray's Quit: end the app, asking first when pushes are still waiting."""
        pending, kept, outbox = self.controller.pending_count(), self.queue_kept, self.controller.services.outbox

        def still_waiting() -> str | None:  # the question follows the queue: sent meanwhile, nothing to ask
            n, what = self.controller.pending_count(), held_words.waiting_named(outbox.kind_counts(), outbox.held_by_member_pause())
            return present.waiting_on_quit(n, kept=kept, paused=outbox.sending_paused(), what=what) if n else None

        follow = (self.controller.queue_status_changed, still_waiting)
        question = still_waiting() or ""  # the demo's are lost: Enter does not quit it
        if pending and not self.ask("Pushes still waiting", question, "Quit anyway", follow=follow):
            return False
        unsaved = self.controller.drafts.unsaved()  # the disk refuses them (the drafts banner says so)
        if unsaved and not self.ask("Edits not saved", lost_on_quit(unsaved), "Quit anyway"):
            return False
        self.save_geometry()
        self.quit_requested.emit()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """The window's close button: hide to the tray when one is on screen (said once), else quit."""
        if self.quitting:  # the app is ending (Quit asks every window to close)
            event.accept()
            return
        self.save_geometry()
        if self.has_tray and self.tray_visible():
            event.ignore()
            self.hide()
            state = self._ui_state()
            if not state.value("window/told_about_tray", False, bool):
                state.setValue("window/told_about_tray", True)
                self.controller.notify_info(
                    f"{APP_NAME} is still running in the tray and will keep sending your notes. "
                    "To end it, use Quit in the tray menu or File → Quit (Ctrl+Q)."
                )
            return
        if self.request_quit():
            event.accept()
        else:
            event.ignore()
