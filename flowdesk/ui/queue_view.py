"""The queue: every push job with its state and last error in plain words; Retry, Cancel and
"Open ticket in ConnectWise" per job; "Retry all" (every failed push: off when none has failed), which reads
"Send all now" (every waiting or failed push) while sending is held off after an outage. Neither sends a push
a member pause holds (queued under another member's keys): it says whose keys it waits for, and that Resume
sends it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QEnterEvent, QHideEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from flowdesk.core import held as held_words
from flowdesk.core import present
from flowdesk.core.policy import CANCELLABLE_STATES, RETRYABLE_STATES
from flowdesk.ui import theme
from flowdesk.ui.focus_ring import add_focus_rings
from flowdesk.ui.layout import select_current_row
from flowdesk.ui.models import QueueTableModel
from flowdesk.ui.queue_status import show_send_all


class _QueueTable(QTableView):
    """The queue's list; ``on_viewport_resized(width)`` after its viewport changed size (the window resized, a
    scroll bar came or went). A scroll area's ``resizeEvent`` gets its viewport's resizes, and only those: no
    Python runs for the viewport's other events (paints, mouse moves), as an event filter's did. Likewise
    ``on_pointer(True)`` when the pointer comes onto the list, ``on_pointer(False)`` when it leaves (Qt sends
    the leave only once a mouse button pressed on the list is let go) or the list is hidden."""

    def __init__(self, parent: QWidget, on_viewport_resized: Callable[[int], None],
                 on_pointer: Callable[[bool], None]) -> None:
        super().__init__(parent)
        self._on_viewport_resized = on_viewport_resized
        self._on_pointer = on_pointer

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._on_viewport_resized(event.size().width())

    def enterEvent(self, event: QEnterEvent) -> None:  # noqa: N802
        super().enterEvent(event)
        self._on_pointer(True)

    def leaveEvent(self, event: Any) -> None:  # noqa: N802
        super().leaveEvent(event)
        self._on_pointer(False)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        super().hideEvent(event)
        self._on_pointer(False)


class QueueView(QWidget):
    DETAIL_HEIGHT = 100  # the detail pane's part of the split, but in a short tab: a third of it
    WHAT_MIN = 40  # characters of the What column kept in view before Updated, then Last error, make way
    retry_requested = Signal(int)
    cancel_requested = Signal(int)
    open_ticket_requested = Signal(int)
    retry_all_requested = Signal()

    def __init__(self, model: QueueTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        # A push queued while the pointer is on the list waits out of it (QueueTableModel.keep_still): put in
        # at the top, it moved the row under the pointer, and the click meant for one push selected the next.
        self.table = _QueueTable(self, self._viewport_resized, model.keep_still)
        self.table.setObjectName("queueTable")
        self.table.setAccessibleName("Push queue")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list; the arrows move within it
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        # What (which part of which session) is what the engineer reads first: it alone takes the spare width,
        # and at least WHAT_MIN characters of it stay in view. The other columns are as wide as their text, from
        # sample texts, not ResizeToContents: that measures every row's text again on every change, and a drain
        # changes a row twice per note (a 200-note queue stalled the window 60 ms a note). Where the window is
        # too narrow for all (QT_SCALE_FACTOR=2 on a 1400 px screen), Updated, then Last error, make way (the
        # detail pane below says both).
        header.setSectionResizeMode(QueueTableModel.WHAT, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        fm = self.table.fontMetrics()
        samples = {
            QueueTableModel.TICKET: "#0000000",
            QueueTableModel.STATE: present.WAITING_FOR_NOTE,  # the longest state but a date
            QueueTableModel.ATTEMPTS: QueueTableModel.COLUMNS[QueueTableModel.ATTEMPTS],
            QueueTableModel.ERROR: "ConnectWise answered with a server",  # its start; the detail has all of it
            QueueTableModel.UPDATED: "30 Nov 14:40",
        }
        self._widths = {col: fm.horizontalAdvance(sample) + 24 for col, sample in samples.items()}
        for col, width in self._widths.items():
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(col, width)
        self._what_min = fm.horizontalAdvance("x" * self.WHAT_MIN)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        select_current_row(self.table)  # before _update: the detail is of the highlighted row
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update())
        model.dataChanged.connect(lambda *_: self._update())
        model.modelAboutToBeReset.connect(self._remember_selection)
        model.modelReset.connect(self._restore_selection)  # a reload keeps the push selected, by its id
        model.modelReset.connect(self._update)
        model.rowsInserted.connect(self._rows_came)

        self.retry_button = QPushButton("&Retry", self)
        self.retry_button.setToolTip("Send this push now, skipping its wait")
        self.cancel_button = QPushButton("&Cancel push", self)
        self.cancel_button.setToolTip("Stop trying to send this push (a note's time entry too)")
        self.open_button = QPushButton("&Open ticket in ConnectWise", self)
        self.retry_all_button = QPushButton("Retry &all", self)
        self.retry_all_button.setToolTip(held_words.RETRY_ALL_TIP)
        for b in (self.retry_button, self.cancel_button, self.open_button):
            b.setAccessibleName(b.text().replace("&", ""))
        self.retry_button.clicked.connect(lambda: self._emit(self.retry_requested))
        self.cancel_button.clicked.connect(lambda: self._emit(self.cancel_requested))
        self.open_button.clicked.connect(lambda: self._emit(self.open_ticket_requested))
        self.retry_all_button.clicked.connect(self.retry_all_requested)
        self.new_button = QPushButton(self)  # "Show 2 new pushes": those waiting while the pointer is on the list
        self.new_button.setAccessibleName("Show new pushes")  # its count once there are some
        self.new_button.setToolTip("Pushes queued while the pointer is on the list wait here, so that no row moves "
                                   "under it; they are listed when it leaves the list")
        self.new_button.hide()
        self.new_button.clicked.connect(model.list_unlisted)
        model.unlisted_changed.connect(self._show_unlisted)

        self.detail = QPlainTextEdit(self)
        self.detail.setObjectName("queueDetail")
        self.detail.setAccessibleName("Push details")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select a push to see its history.")
        self.detail.setMaximumHeight(160)
        self.detail.setMinimumHeight(self.detail.fontMetrics().lineSpacing() * 2 + 8)  # two lines: it scrolls

        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.retry_all_button)
        self.empty = QLabel("Nothing has been pushed yet. Select a session, review its note and press Push.", self)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.tint(self.empty, "muted")
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table_box = table_box = QWidget(split)  # the list, and under it the window's banners while this tab is shown
        self.banner_slot = QVBoxLayout(table_box)
        self.banner_slot.setContentsMargins(0, 0, 0, 0)
        self.banner_slot.addWidget(self.table, 1)
        self.banners: QWidget | None = None  # the window's banners (a BannerStack), put in banner_slot
        split.addWidget(table_box)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        # the list first: in a short window (QT_SCALE_FACTOR=2 on a 900 px screen) the detail took its full 160
        # px and the list showed a row and a half
        split.setSizes([300, self.DETAIL_HEIGHT])
        self.split = split
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.empty)
        layout.addWidget(split, 1)
        self.setTabOrder(self.table, self.retry_button)
        self.setTabOrder(self.retry_button, self.cancel_button)
        self.setTabOrder(self.cancel_button, self.open_button)
        self.setTabOrder(self.open_button, self.new_button)
        self.setTabOrder(self.new_button, self.retry_all_button)
        self.focus_rings = add_focus_rings(self.table, self.detail)  # their own focus marks are faint
        self.attempts_provider: Any = None
        self._detail = ""
        self._kept: tuple[int | None, int] = (None, 0)  # the push selected, and the scroll, over a reload
        self._update()

    def _viewport_resized(self, width: int) -> None:
        self._fit_columns(width)
        total = sum(self.split.sizes())  # a still shorter tab (an outage's banner under the list): the detail
        if 0 < total < 3 * self.DETAIL_HEIGHT and self.split.sizes()[1] > total // 3:  # gives way to the list
            self.split.setSizes([total - total // 3, total // 3])

    def _fit_columns(self, width: int) -> None:
        """Updated, then Last error, hidden while What would have fewer than ``WHAT_MIN`` characters."""
        fixed = sum(self.table.columnWidth(c) for c in (QueueTableModel.TICKET, QueueTableModel.STATE, QueueTableModel.ATTEMPTS))
        spare, hide = width - fixed - self._what_min, False
        for col in (QueueTableModel.ERROR, QueueTableModel.UPDATED):  # Last error is kept the longer: never
            wanted = self.table.columnWidth(col) or self._widths[col]  # Updated without it (a hidden one reads 0)
            hide = hide or spare < wanted
            spare -= 0 if hide else wanted
            if self.table.isColumnHidden(col) != hide:
                self.table.setColumnHidden(col, hide)

    def set_held(self, held: Any) -> None:
        """Sending is held off (a ``HeldOff``) or not (None): waiting jobs say why and until when."""
        self.model.set_held(held)
        self._update()

    def current_job(self) -> Any | None:
        idx = self.table.currentIndex()
        if not idx.isValid():
            return None
        return self.model.job(idx.row())

    def _show_unlisted(self, count: int) -> None:
        text = f"Show {count} new push" + ("es" if count != 1 else "")
        self.new_button.setText(text)
        self.new_button.setAccessibleName(text)
        self.new_button.setVisible(count > 0)

    def _rows_came(self, _parent: QModelIndex, first: int, last: int) -> None:
        """New pushes at the top of a list scrolled down: the rows in view stay in view (at the top, they show)."""
        bar = self.table.verticalScrollBar()
        if first == 0 and bar.value() > 0:  # per row (ScrollPerItem); the range grows once the list is laid out
            bar.setMaximum(bar.maximum() + last - first + 1)
            bar.setValue(bar.value() + last - first + 1)
        self._update()

    def _remember_selection(self) -> None:
        job = self.current_job()
        self._kept = (job.id if job is not None else None, self.table.verticalScrollBar().value())

    def _restore_selection(self) -> None:
        job_id, scrolled = self._kept
        row = self.model.job_row(job_id) if job_id is not None else None
        if row is not None:
            self.table.selectRow(row)
            self.table.verticalScrollBar().setValue(scrolled)  # the rows stay where they were

    def select_job(self, job_id: int) -> bool:
        if self.model.job_row(job_id) is None:
            self.model.list_unlisted()  # a push not listed yet (the pointer is on the list): shown when asked for
        row = self.model.job_row(job_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        self._update()
        return True

    def _emit(self, signal: Any) -> None:
        job = self.current_job()
        if job is not None:
            signal.emit(job.id)

    def _update(self) -> None:
        job = self.current_job()
        state = job.state if job else None
        self.retry_button.setEnabled(self._retryable(job))
        self.cancel_button.setEnabled(state in CANCELLABLE_STATES)
        self.open_button.setEnabled(job is not None)
        counts: dict[str, int] = {}
        for j in self.model.jobs():
            counts[str(j.state)] = counts.get(str(j.state), 0) + 1
        others = [j for j in self.model.jobs() if j.id in self.model.member_pause]
        label = "Send all &now" if self.model.held is not None else "Retry &all"
        held_off = self.model.held is not None
        send_all = held_words.send_all(label, counts, others, self.model.resume_as, held_off=held_off, asks=self.model.asks)
        show_send_all(self.retry_all_button, send_all)
        self.retry_all_button.setAccessibleName(self.retry_all_button.text().replace("&", ""))
        self.empty.setVisible(self.model.rowCount() == 0)
        detail = self._describe(job) if job else ""
        if detail != self._detail:  # set again, the same text is laid out again
            self._detail = detail
            self.detail.setPlainText(detail)

    def _retryable(self, job: Any) -> bool:
        """Retry sends ``job`` now: not one a member pause holds (its member's keys, or Resume, send it), nor a time
        entry waiting for its note (it goes after the note: Retry on it sent nothing and said nothing)."""
        return (job is not None and job.state in RETRYABLE_STATES and job.id not in self.model.member_pause
                and not self.model.waiting_for_note(job))

    def _describe(self, job: Any) -> str:
        attempts = self.attempts_provider(job.id) if self.attempts_provider is not None else ()
        return self.model.detail_text(job, attempts)

    def _context_menu(self, pos: Any) -> None:
        idx: QModelIndex = self.table.indexAt(pos)
        if not idx.isValid():
            return
        self.table.selectRow(idx.row())
        job = self.current_job()
        if job is None:
            return
        menu = QMenu(self)
        retry = QAction("Retry", menu)
        retry.setEnabled(self._retryable(job))
        retry.triggered.connect(lambda: self.retry_requested.emit(job.id))
        cancel = QAction("Cancel push", menu)
        cancel.setEnabled(job.state in CANCELLABLE_STATES)
        cancel.triggered.connect(lambda: self.cancel_requested.emit(job.id))
        open_ticket = QAction("Open ticket in ConnectWise", menu)
        open_ticket.triggered.connect(lambda: self.open_ticket_requested.emit(job.id))
        for a in (retry, cancel, open_ticket):
            menu.addAction(a)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        if event.matches(QKeySequence.StandardKey.Delete):
            self._emit(self.cancel_requested)
            return
        super().keyPressEvent(event)


def replace_tab_page(tabs: QTabWidget, index: int, page: QWidget) -> None:
    """``page`` in place of tab ``index``'s placeholder: the same tab, label and current tab (no signal)."""
    current, text, placeholder = tabs.currentIndex(), tabs.tabText(index), tabs.widget(index)
    tabs.blockSignals(True)
    # Put in before the placeholder goes: removed first, the current placeholder made another page current for
    # a moment, and the focus Qt moved out of it landed there (a banner's button under the session list).
    tabs.insertTab(index, page, text)
    tabs.setCurrentIndex(current)
    tabs.removeTab(index + 1)
    tabs.blockSignals(False)
    if placeholder is not None:
        placeholder.deleteLater()
