"""The note pane's place in the main window: "No session selected" (the pane's empty state, in words only) in the
first paint, and the note pane itself (``SessionPanel``: the selected session, its ticket, its note and Push),
built one turn of the event loop after it (``MainWindow.panel``, asked for by ``FlowDeskApp._start_work``) and
shown whenever a session is. The pane and its modules were ~25 ms of the start-up to the first paint, for
controls a start with no session selected only shows disabled."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QStackedWidget, QVBoxLayout, QWidget

from flowdesk.ui import layout, theme
from flowdesk.ui.focus_ring import add_focus_rings
from flowdesk.ui.names import name_choice_lists

if TYPE_CHECKING:
    from flowdesk.core.models import Session
    from flowdesk.ui.main_window import MainWindow
    from flowdesk.ui.session_panel import SessionPanel

NO_SESSION = "No session selected"
PICK_A_SESSION = "Pick a session on the left to review its ConnectWise note."


def note_stack(parent: QWidget) -> QStackedWidget:
    """Page 0: "No session selected"; page 1, once built: the note pane over its buttons."""
    stack = QStackedWidget(parent)
    stack.setObjectName("notePlace")
    empty = QWidget(stack)
    empty.setObjectName("noSessionShown")
    empty.setAutoFillBackground(True)  # the window's colour, as the pane's scroll area paints it (not the tab's)
    box = QVBoxLayout(empty)
    box.setContentsMargins(8, 4, 4, 4)  # the pane's own: its title does not move when a session is shown
    title, hint = QLabel(NO_SESSION, empty), QLabel(PICK_A_SESSION, empty)
    font = title.font()  # as the pane's title
    font.setPointSizeF(font.pointSizeF() * 1.2)
    font.setBold(True)
    title.setFont(font)
    theme.tint(hint, "muted")
    for label in (title, hint):
        layout.narrow_words(label)
        label.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(label)
    box.addStretch(1)
    stack.addWidget(empty)
    return stack


def build_panel(window: MainWindow) -> SessionPanel:
    """The note pane, wired to the window and added to its place (page 1): Tab goes from the list into it, its
    line edits let the window's shortcuts through, and the divider stops where its controls fit."""
    from flowdesk.ui.session_panel import SessionPanel  # lazy: not before the first paint

    panel = SessionPanel(window.controller, window)
    panel.push_clicked.connect(window.push_current)
    panel.ticket_changed.connect(window._lookup_ticket)
    panel.ask = lambda *a, **k: window.ask(*a, **k)  # tests replace window.ask
    panel.open_ticket_requested.connect(window.open_ticket)
    panel.push_line.retry_requested.connect(window.retry_job)  # a failed push's Retry, as the queue's
    panel.draft_changed.connect(lambda sid, has: window.session_model.set_draft(sid, has))
    panel.ticket_card.finder.search_fn = lambda text, done, failed: window.controller.search_tickets(
        text, panel.ticket_card.client(), done, failed, panel.ticket_card.finder
    )
    window.panel_scroll = layout.scrolling(panel)  # below the note pane's minimum height it scrolls
    page = layout.with_buttons(window.panel_scroll, panel.buttons)  # Push under it, in view
    window.note_stack.addWidget(page)
    tab_after(window.table, page)
    window.focus_rings += add_focus_rings(panel.editor.edit)  # its own focus mark is faint
    name_choice_lists(panel)
    for edit in panel.findChildren(QLineEdit):  # X11: Ctrl+E in a line edit
        edit.installEventFilter(window.shortcuts_through)
    if window.splitter.orientation() == Qt.Orientation.Horizontal:
        layout.steady_splitter(window.splitter)  # the pane's minimum width is its controls' now
    if layout.fit_orientation(window.splitter, window.width(), window._ui_state(), window.table):
        window._banner_room.fit()
    return panel


def show_session(window: MainWindow, session: Session | None) -> None:
    """``session`` in the note pane, and the pane in view; none: "No session selected" (the pane's empty state)."""
    window.panel.show_session(session)
    window.note_stack.setCurrentIndex(1 if session is not None else 0)


def tab_after(first: QWidget, page: QWidget) -> None:
    """Tab goes from ``first`` into ``page`` (built after the rest of the window, so last in its focus chain), in
    the page's own order (the ticket number, the note, …, Push)."""
    stops: list[QWidget] = []
    w = first.nextInFocusChain()
    while w is not None and w is not first:
        if page.isAncestorOf(w) and w.focusPolicy() & Qt.FocusPolicy.TabFocus:  # (Qt leaves the others in place)
            stops.append(w)
        w = w.nextInFocusChain()
    for before, after in zip([first, *stops], stops, strict=False):
        QWidget.setTabOrder(before, after)
