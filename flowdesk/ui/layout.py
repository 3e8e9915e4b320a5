"""How the main window is laid out and what it remembers of it.

* The session list: a coloured status mark (its word in the tooltip and the accessible text), Summary
  first among the text columns and taking the spare width.
* The list/note splitter: fixed stretch factors and minimum widths, so selecting a session (whose note,
  ticket and time label have other widths) never moves the divider; below ``NARROW_WIDTH`` the note
  stacks under the list. The note pane's own minimum width is the same for every session: its wrapped
  labels (``narrow_words``) and the drop-downs filled later (``steady_combo``) never widen it.
* Window geometry, splitter sizes (one per orientation), the list's column widths, order and sort,
  kept in ``window-state.ini`` in the config folder (UI state, apart from the settings) and restored on
  the next start; the window never opens larger than the screen's available area (any scale factor).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSettings,
    QSize,
    Qt,
)
from PySide6.QtGui import QAction, QColor, QGuiApplication, QImage, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProxyStyle,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOption,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from flowdesk.ui import theme
from flowdesk.ui.cell_text import PlainCells, StateKinds
from flowdesk.ui.icons import action_icon

if TYPE_CHECKING:
    from PySide6.QtCore import QMimeData

NARROW_WIDTH = 900  # below this the note pane always goes under the list (see side_by_side_width)
SUMMARY_MIN_CHARS = 16  # side by side, the Summary column shows at least about this many letters
WINDOW_SLACK = 12  # the window's margins around each pane
DEFAULT_SIZE = QSize(1280, 800)
PANE_MIN_WIDTH = 320
WORDS_MIN_CHARS = 12  # a wrapped label of the note pane needs at least this width (``narrow_words``)
# Stacked, each pane may be squeezed this low (not to its layout's minimum): at QT_SCALE_FACTOR=2 a 1440×900
# screen is 720×450, and the list and the note pane at their layouts' minimum would not fit.
STACKED_MIN_HEIGHT = 96
STATE_FILE = "window-state.ini"
IMPORT_FOLDER_KEY = "import/folder"  # the folder of the last import
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class SessionTextDelegate(QStyledItemDelegate):
    """The session list's text cells, their style option filled from one Python call per cell.

    Qt's delegate asks the model for seven roles of every painted cell (font, alignment, colour, check
    state, icon, text, background): seven calls into Python per cell, ~600 per repaint of the list. This
    fills the option from ``proxy.cell()`` instead, with what ``data()`` answers for those roles (the text,
    the right alignment of ``right_aligned`` columns, the tint as the text colour; none of the others is
    ever set). A plain cell (not selected, focused or hovered) is painted by :class:`PlainCells`, the
    style's own drawing of its text without its two text layouts per cell."""

    def __init__(self, proxy: Any, right_aligned: set[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cell = proxy.cell
        self._right_aligned = frozenset(right_aligned)
        self._with_text: dict[Any, Any] = {}  # the view's features -> the same with HasDisplay
        self._tinted: dict[tuple[int, str], QPalette] = {}  # (palette's cache key, tint) -> palette
        self.plain = PlainCells(parent) if parent is not None else None
        self._states = StateKinds()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        plain = self.plain
        if plain is not None:
            state, kinds = option.state, self._states
            active = True if state in kinds.active else False if state in kinds.inactive else None
            if active is None and state not in kinds.styled:
                active = kinds.learn(state)
            if active is not None:
                col = index.column()
                text, tint = self._cell(index.row(), col)
                if not text:  # the style draws nothing either (the row's background is the view's)
                    return
                if plain.paint(painter, option, text, col in self._right_aligned, tint, active):
                    return
        super().paint(painter, option, index)

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        col = index.column()
        text, tint = self._cell(index.row(), col)
        option.index = index  # type: ignore[assignment]  # a QModelIndex: the view paints model indexes
        option.text = text
        features = option.features
        with_text = self._with_text.get(features)
        if with_text is None:
            with_text = self._with_text[features] = features | QStyleOptionViewItem.ViewItemFeature.HasDisplay
        option.features = with_text
        if col in self._right_aligned:
            option.displayAlignment = _RIGHT
        if tint is not None:
            palette = option.palette
            key = (palette.cacheKey(), tint)
            tinted = self._tinted.get(key)
            if tinted is None:
                if len(self._tinted) > 64:  # palettes that changed (a theme switch): forget them
                    self._tinted.clear()
                tinted = self._tinted[key] = QPalette(palette)
                tinted.setBrush(QPalette.ColorRole.Text, theme.brush(tint))
            option.palette = tinted


class StatusMarkDelegate(QStyledItemDelegate):
    """The status column as a coloured dot: the word stays in the model (tooltip, accessible text, sort).

    Painted with one call into Qt per cell (a cached dot), plus the item's panel only where there is one
    to draw (a selected or focused cell)."""

    def __init__(self, proxy: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cell = proxy.cell
        # States seen (see StateKinds: identity tests, no Python call on the Flag): without a highlight or
        # focus frame; with one, not selected; selected
        self._bare: tuple[Any, ...] = ()
        self._framed: tuple[Any, ...] = ()
        self._selected: tuple[Any, ...] = ()
        self._marks: dict[tuple[str, int, float, int], QPixmap] = {}

    def _learn(self, state: Any) -> None:
        if state & QStyle.StateFlag.State_Selected:
            self._selected += (state,)
        elif state & QStyle.StateFlag.State_HasFocus:
            self._framed += (state,)
        else:
            self._bare += (state,)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        state = option.state
        if state not in self._bare and state not in self._framed and state not in self._selected:
            self._learn(state)
        if state not in self._bare:  # a highlight or focus frame to draw
            widget = option.widget
            style = widget.style() if widget is not None else QApplication.style()
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        tint = self._cell(index.row(), index.column())[1]
        if tint is None:
            return
        rect: QRect = option.rect
        d = min(rect.height() - 8, 12)
        if d <= 0:
            return
        center = rect.center()
        # the dot's box starts at center - d/2 + 0.5 (as drawn before): half a pixel into the pixmap when d is even
        # on a selected row, ringed in the highlighted text's colour: a green, blue or grey dot on the selection's
        # blue was nearly invisible (a blue "active" one, 1.1:1)
        ring = option.palette.color(QPalette.ColorRole.HighlightedText).rgba() if state in self._selected else 0
        painter.drawPixmap(center.x() - d // 2, center.y() - d // 2, self._mark(tint, d, painter.device().devicePixelRatioF(), ring))

    def _mark(self, tint: str, d: int, ratio: float, ring: int = 0) -> QPixmap:
        key = (tint, d, ratio, ring)
        mark = self._marks.get(key)
        if mark is None:
            if len(self._marks) > 64:  # a theme switch or a move between screens: forget the old ones
                self._marks.clear()
            offset = 0.5 if d % 2 == 0 else 0.0
            size = math.ceil((d + 1) * ratio)
            mark = QPixmap(size, size)
            mark.setDevicePixelRatio(ratio)
            mark.fill(Qt.GlobalColor.transparent)
            p = QPainter(mark)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setBrush(theme.brush(tint))
            if ring:
                p.setPen(QPen(QColor.fromRgba(ring), 1.5))
                p.drawEllipse(QRectF(offset + 0.75, offset + 0.75, d - 1.5, d - 1.5))
            else:
                p.setPen(Qt.PenStyle.NoPen)
                p.drawEllipse(QRectF(offset, offset, d, d))
            p.end()
            self._marks[key] = mark
        return mark


def draws_ascending_pointing_down(style: QStyle) -> bool:
    """Whether ``style`` draws the header arrow QHeaderView hands it for ascending order (``SortDown``) as an
    arrow pointing down: Fusion does on Linux only (a compile-time choice in Qt), the Windows styles never.
    Found by drawing it once into an image and seeing which end of the ink is wider."""
    img = QImage(32, 32, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    opt = QStyleOptionHeader()
    opt.rect = QRect(0, 4, 32, 24)
    opt.state = QStyle.StateFlag.State_Enabled
    opt.palette = QApplication.palette()
    opt.sortIndicator = QStyleOptionHeader.SortIndicator.SortDown
    painter = QPainter(img)
    try:
        style.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorHeaderArrow, opt, painter, None)
    finally:
        painter.end()
    # The alpha of each pixel, read from the image's bytes (a pixelColor() call per pixel was ~1 ms of the
    # start-up): ARGB32 pixels are 32-bit words, so the alpha is the last byte of each on a little-endian machine
    bits, width, stride = bytes(img.constBits()), img.width(), img.bytesPerLine()
    alpha = 3 if sys.byteorder == "little" else 0
    rows = [n for y in range(img.height()) if (n := sum(a > 64 for a in bits[y * stride + alpha : y * stride + 4 * width : 4]))]
    return len(rows) >= 2 and rows[0] > rows[-1]


class SortArrowStyle(QProxyStyle):
    """The header's sort arrow points the way the values run down the list: down for newest first.

    QHeaderView hands the style ``SortDown`` for Qt's ascending order (a Windows XP convention), which
    Fusion on Linux and most Linux styles draw as an arrow pointing down for ascending; there this swaps the
    two for the drawing only. Styles that already point the arrow the way the values run (Fusion on Windows
    and macOS, the Windows styles) are left alone: which kind the base style is, is found by drawing it.
    """

    def __init__(self, base: str | QStyle) -> None:
        super().__init__(base)
        self.swap = draws_ascending_pointing_down(self.baseStyle())

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter,  # noqa: N802
                      widget: QWidget | None = None) -> None:
        if self.swap and element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and isinstance(option, QStyleOptionHeader):
            swapped = QStyleOptionHeader(option)
            up, down = QStyleOptionHeader.SortIndicator.SortUp, QStyleOptionHeader.SortIndicator.SortDown
            swapped.sortIndicator = down if option.sortIndicator == up else up if option.sortIndicator == down else option.sortIndicator
            super().drawPrimitive(element, swapped, painter, widget)
            return
        super().drawPrimitive(element, option, painter, widget)


def point_sort_arrows(table: QTableView) -> None:
    """Use :class:`SortArrowStyle` on ``table``'s header (the style is kept on the header)."""
    header = table.horizontalHeader()
    style = SortArrowStyle(QApplication.style().name())
    style.setParent(header)
    header.setStyle(style)


def setup_session_columns(table: QTableView, model: Any) -> None:
    """Status as a mark, Summary first among the text columns and stretching; widths from sample texts.
    ``table`` shows a ``SessionSortFilterProxy`` over ``model`` (the class)."""
    header = table.horizontalHeader()
    point_sort_arrows(table)
    proxy = table.model()
    table.setItemDelegate(SessionTextDelegate(proxy, {model.DURATION}, table))
    table.setItemDelegateForColumn(model.STATUS, StatusMarkDelegate(proxy, table))
    header.moveSection(header.visualIndex(model.SUMMARY), header.visualIndex(model.STATUS) + 1)
    fm = table.fontMetrics()
    samples = {model.STATUS: "Status", model.TICKET: "#000000", model.CLIENT: "Brightsmile Den",
               model.DATE: "28 Nov 14:40", model.DURATION: "10h 00m", model.PUSH: "Retrying at 14:05"}
    for col, sample in samples.items():
        table.setColumnWidth(col, fm.horizontalAdvance(sample) + 24)
    table.setColumnWidth(model.STATUS, max(28, fm.height() + 16))  # a mark: its word is in the tooltip
    select_current_row(table)


def select_current_row(table: QTableView) -> None:
    """The row with the current index is the selected row. Tabbing into a list with no selection (a search had
    filtered the selected session away, the queue's first visit) made its first row current without selecting
    it: the note pane or the queue's detail showed that row, and Push or Retry acted on it, while no row in the
    list was highlighted."""
    selection = table.selectionModel()

    def follow(current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not selection.isRowSelected(current.row(), QModelIndex()):
            table.selectRow(current.row())

    selection.currentRowChanged.connect(follow)


def main_toolbar(window: QWidget, items: list[tuple[QAction, str] | None]) -> QToolBar:
    """The main toolbar: each action with its icon (the platform theme's, else ours in the palette's button
    text colour) and its text beside it; None is a separator."""
    toolbar = QToolBar("Main", window)
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    ink = window.palette().color(QPalette.ColorRole.ButtonText)
    for item in items:
        if item is None:
            toolbar.addSeparator()
            continue
        action, icon = item
        action.setIcon(action_icon(icon, ink))
        toolbar.addAction(action)
    return toolbar


def scrolling(pane: QWidget) -> QScrollArea:
    """``pane`` in a frameless scroll area: squeezed below its minimum height (a short screen,
    QT_SCALE_FACTOR=2) it scrolls instead of drawing its widgets over each other."""
    area = QScrollArea(pane.parentWidget())
    area.setObjectName(f"{pane.objectName() or 'pane'}Scroll")
    area.setAccessibleName(pane.accessibleName() or "Note pane")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    pane.setMinimumWidth(1)  # its width follows the splitter's pane (as it did unwrapped); only height scrolls
    area.setWidget(pane)
    _FollowFocus(area)
    return area


def button_row(parent: QWidget, name: str, *buttons: QWidget) -> QWidget:
    """``buttons`` in a row of their own, at its right."""
    row = QWidget(parent)
    row.setObjectName(name)
    box = QHBoxLayout(row)
    box.setContentsMargins(0, 0, 0, 0)
    box.addStretch(1)
    for button in buttons:
        box.addWidget(button)
    return row


def with_buttons(area: QScrollArea, bar: QWidget) -> QWidget:
    """The note pane: ``area`` (the pane that scrolls) over ``bar`` (Changes…, Reset, Push), taken out of the
    scrolled pane. Stacked under the list, the pane scrolls and Push was below the fold or moved with what
    showed above it; now it stays at the pane's foot, in view, wherever the pane is scrolled to."""
    inner = area.widget()
    box = inner.layout() if inner is not None else None
    if box is not None:
        box.removeWidget(bar)
        margins = box.contentsMargins()
        bar_box = bar.layout()
        if bar_box is not None:  # as the pane's rows: the same margins
            bar_box.setContentsMargins(margins.left(), 0, margins.right(), margins.bottom())
    note = QWidget(area.parentWidget())
    note.setObjectName("notePane")
    column = QVBoxLayout(note)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(area, 1)
    column.addWidget(bar)
    return note


class _FollowFocus(QObject):
    """Scrolls ``area`` to the control that gets the focus inside it, however it got it. Qt scrolls only for Tab:
    Ctrl+E, F6, a mnemonic (Alt+L) or a click on a label left the focus below the fold at QT_SCALE_FACTOR=2,
    where nobody could see it (the note editor: to its cursor)."""

    def __init__(self, area: QScrollArea) -> None:
        super().__init__(area)
        self._area = area
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        pane = self._area.widget()
        if new is not None and pane is not None and pane.isAncestorOf(new):
            self._area.ensureWidgetVisible(new, 8, 8)


def narrow_words(label: QLabel, chars: int = WORDS_MIN_CHARS) -> None:
    """A wrapped label whose text never widens the note pane: its minimum width is fixed (about ``chars``
    letters), not its longest word. A session's summary, a ticket's company or a server's words are other
    widths for every session; as the pane's minimum they stacked a 1280 px window (a word wider than the
    pane is cut at its edge instead)."""
    label.setWordWrap(True)
    label.setMinimumWidth(label.fontMetrics().horizontalAdvance("x" * chars))


def steady_combo(combo: QComboBox) -> None:
    """A drop-down as wide as its longest item when there is room, never narrower than it is now (with the
    items it starts with): the items that arrive later (ConnectWise's work types, a board's statuses) do not
    widen the note pane's minimum. Squeezed, it cuts its text; its list still opens as wide as the items."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    combo.setMinimumWidth(combo.minimumSizeHint().width())


def steady_splitter(splitter: QSplitter) -> None:
    """Panes that do not push the divider around when their content changes."""
    splitter.setChildrenCollapsible(False)
    for i in range(splitter.count()):
        _pane(splitter, i).setMinimumWidth(_side_by_side_min(splitter, i))
        splitter.setStretchFactor(i, 1)


def _side_by_side_min(splitter: QSplitter, i: int) -> int:
    """A pane's minimum width side by side: ``PANE_MIN_WIDTH``, the note pane's controls at their minimum
    (``note_min_width``) when they need more. The divider dragged to 320 px overlapped "Work type" and
    "Role" and squeezed the hours' rule to a word a line."""
    return PANE_MIN_WIDTH if i == 0 else max(PANE_MIN_WIDTH, note_min_width(splitter))


def _note_parts(splitter: QSplitter) -> tuple[QWidget, QWidget]:
    """The note pane (the splitter's second) and the pane it scrolls: itself, a scroll area's widget, or the
    widget of the scroll area ``with_buttons`` put over the buttons."""
    note = _pane(splitter, 1)
    if isinstance(note, QStackedWidget):  # the window's: "No session selected" until the note pane is added
        note = note.widget(note.count() - 1) or note
    areas = [note] if isinstance(note, QScrollArea) else note.findChildren(QScrollArea, options=Qt.FindChildOption.FindDirectChildrenOnly)
    inner = areas[0].widget() if areas and isinstance(areas[0], QScrollArea) else None
    return note, inner or note


def note_min_width(splitter: QSplitter) -> int:
    """The note pane's minimum width with every row of it shown (the time entry's options too, hidden for
    a session whose time is not logged): the same for every session, and before and after a push."""
    note, inner = _note_parts(splitter)
    box = inner.layout()
    own = note.layout()
    outer = own.minimumSize().width() if own is not None and note is not inner else 0  # the buttons under it
    if box is None:
        return max(outer, inner.minimumSizeHint().width())
    widest = 0
    for k in range(box.count()):
        item = box.itemAt(k)
        assert item is not None
        widget = item.widget()
        if widget is not None and widget.isHidden():  # as it would be shown: its own minimum, else its hint's
            widest = max(widest, widget.minimumWidth() or widget.minimumSizeHint().width())
        else:
            widest = max(widest, item.minimumSize().width())
    margins = box.contentsMargins()
    return max(outer, widest + margins.left() + margins.right())


def side_by_side_width(splitter: QSplitter, table: QTableView | None) -> int:
    """The narrowest window that shows the list and the note side by side at the default split (3/5, 2/5)
    squeezing neither: the list's columns with a summary of ``SUMMARY_MIN_CHARS``, the note pane's controls at
    their minimum; at least ``NARROW_WIDTH``. In logical pixels: at QT_SCALE_FACTOR=1.5 (or QT_FONT_DPI=144)
    a 1400 px screen is 933 wide, which put a 10-letter Summary, a horizontal scroll bar hiding Push, and
    "Visible as [Interna]" side by side."""
    if table is None:
        return NARROW_WIDTH
    header = table.horizontalHeader()
    stretch = QHeaderView.ResizeMode.Stretch
    columns = sum(header.sectionSize(c) for c in range(header.count())
                  if not header.isSectionHidden(c) and header.sectionResizeMode(c) != stretch)
    chrome = 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width() + WINDOW_SLACK
    list_need = columns + table.fontMetrics().horizontalAdvance("x" * SUMMARY_MIN_CHARS) + chrome
    note_need = note_min_width(splitter) + WINDOW_SLACK
    return max(NARROW_WIDTH, math.ceil(list_need * 5 / 3), math.ceil(note_need * 5 / 2))


def fit_orientation(splitter: QSplitter, width: int, state: QSettings | None, table: QTableView | None = None) -> bool:
    """Horizontal when ``width`` shows both panes (``side_by_side_width``), vertical (note under the list)
    below. True if it changed."""
    want = Qt.Orientation.Vertical if width < side_by_side_width(splitter, table) else Qt.Orientation.Horizontal
    if splitter.orientation() == want:
        return False
    if state is not None:
        state.setValue(_splitter_key(splitter.orientation()), splitter.saveState())
    splitter.setOrientation(want)
    for i in range(splitter.count()):
        pane = _pane(splitter, i)
        pane.setMinimumWidth(_side_by_side_min(splitter, i) if want == Qt.Orientation.Horizontal else 0)
        pane.setMinimumHeight(0 if want == Qt.Orientation.Horizontal else STACKED_MIN_HEIGHT)
    saved = state.value(_splitter_key(want)) if state is not None else None
    if not (isinstance(saved, QByteArray) and splitter.restoreState(saved)):
        if want == Qt.Orientation.Horizontal:
            total = splitter.width()
            splitter.setSizes([total * 3 // 5, total * 2 // 5])
        else:  # the note pane gets the height it needs (Push in view), the list at least 2/5
            total = splitter.height()
            note, inner = _note_parts(splitter)
            # a scroll area sizes a pane with wrapping labels to its height for the width, not its minimum
            wanted = max(inner.minimumSizeHint().height(), inner.heightForWidth(splitter.width()))
            own = note.layout()
            if note is not inner and own is not None:  # the buttons under the pane that scrolls
                for k in range(1, own.count()):
                    item = own.itemAt(k)
                    wanted += (item.sizeHint().height() + own.spacing()) if item is not None else 0
            need = min(wanted + 8, total * 3 // 5)
            splitter.setSizes([total - need, need])
    splitter.setOrientation(want)  # restoreState also restores the orientation it was saved with
    top = splitter.window().layout()
    if top is not None:  # the window's minimum size is the stacked one's now, not at the next event loop's turn
        top.activate()
    return True


def _pane(splitter: QSplitter, i: int) -> QWidget:
    widget = splitter.widget(i)
    assert widget is not None
    return widget


def _splitter_key(orientation: Qt.Orientation) -> str:
    return "window/splitter" if orientation == Qt.Orientation.Horizontal else "window/splitter-stacked"


def ui_state(config_dir: Path) -> QSettings:
    return QSettings(str(config_dir / STATE_FILE), QSettings.Format.IniFormat)


def choose_import_files(parent: QWidget, state: QSettings) -> list[str]:
    """The session exports to import, chosen from the folder of the last import (the Downloads folder the
    first time, where a browser saves an export; the home folder when there is none), not the folder FlowDesk
    happened to be started in. A folder that is not there is never offered: Qt's dialog would open elsewhere
    with its name typed into File name."""
    from PySide6.QtCore import QDir, QStandardPaths  # lazy: a dialog's, not before the first paint
    from PySide6.QtWidgets import QFileDialog

    from flowdesk.core.userfile import is_folder

    last = state.value(IMPORT_FOLDER_KEY)
    downloads = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
    folder = next((f for f in (last, downloads) if isinstance(f, str) and f and is_folder(f)), QDir.homePath())
    files, _ = QFileDialog.getOpenFileNames(parent, "Import sessions", folder, "Session exports (*.json);;All files (*)")
    if files:
        state.setValue(IMPORT_FOLDER_KEY, str(Path(files[0]).parent))
    return files


def dropped_paths(mime: QMimeData) -> list[str]:
    """The files and folders dropped on the window (from Explorer, Finder or a file manager), to import as
    the import dialog's would be; nothing when anything dropped is not a local file (a web link, text)."""
    urls = mime.urls() if mime.hasUrls() else []
    if not urls or not all(u.isLocalFile() for u in urls):
        return []
    return [str(Path(u.toLocalFile())) for u in urls]  # Qt says C:/Users/…; Windows' own C:\Users\…


class FileDrops(QObject):
    """Takes local files dropped on ``window`` (and on its children that take no drops: the session list)
    and hands their paths to ``import_files``."""

    def __init__(self, window: QWidget, import_files: Callable[[list[str]], None]) -> None:
        super().__init__(window)
        self._import = import_files
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        paths = dropped_paths(event.mimeData())  # type: ignore[attr-defined]  # a QDropEvent (DragEnter/Move derive)
        if paths:
            event.acceptProposedAction()  # type: ignore[attr-defined]
            if kind == QEvent.Type.Drop:
                self._import(paths)
        else:
            event.ignore()
        return True


def save_layout(window: QWidget, splitter: QSplitter, table: QTableView, state: QSettings) -> None:
    state.setValue("window/geometry", window.saveGeometry())
    state.setValue(_splitter_key(splitter.orientation()), splitter.saveState())
    state.setValue("window/sessionColumns", table.horizontalHeader().saveState())
    state.sync()


def restore_layout(window: QWidget, splitter: QSplitter, table: QTableView, state: QSettings) -> None:
    geometry = state.value("window/geometry")
    if not (isinstance(geometry, QByteArray) and window.restoreGeometry(geometry)):
        window.resize(DEFAULT_SIZE)
    fit_to_screen(window)
    columns = state.value("window/sessionColumns")
    header = table.horizontalHeader()
    if isinstance(columns, QByteArray) and header.restoreState(columns):
        table.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
    fit_orientation(splitter, window.width(), None, table)
    restore_splitter(splitter, state)


def restore_splitter(splitter: QSplitter, state: QSettings) -> None:
    """The saved sizes for the current orientation (call again once shown: the panes then have their size)."""
    saved = state.value(_splitter_key(splitter.orientation()))
    if isinstance(saved, QByteArray):
        orientation = splitter.orientation()
        splitter.restoreState(saved)
        splitter.setOrientation(orientation)


def fit_to_screen(window: QWidget) -> None:
    """Never larger than the screen's available area (at QT_SCALE_FACTOR=2 a 1440×900 screen is 720×450)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    avail = screen.availableGeometry()
    frame = window.frameGeometry().size() - window.geometry().size()  # title bar and borders, once shown
    width = min(window.width(), max(200, avail.width() - frame.width()))
    height = min(window.height(), max(200, avail.height() - frame.height()))
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    geo = window.frameGeometry()
    if not avail.contains(geo):
        x = min(max(geo.x(), avail.x()), avail.right() - geo.width() + 1)
        y = min(max(geo.y(), avail.y()), avail.bottom() - geo.height() + 1)
        window.move(max(x, avail.x()), max(y, avail.y()))


class BannerRoom(QObject):
    """The banners under a list get their whole height, the list giving way down to its header and one row:
    squeezed in a short pane (the note stacked under the list, QT_SCALE_FACTOR=2), their words were cut in
    half. Only when the list cannot give enough does the pane grow (its minimum height), moving the divider;
    ``base`` is the pane's minimum height without banners (``fit_orientation``'s)."""

    def __init__(self, pane: QWidget, banners: QWidget, table: QTableView, base: Callable[[], int]) -> None:
        super().__init__(pane)
        self._pane, self._banners, self._table, self._base = pane, banners, table, base
        banners.installEventFilter(self)
        pane.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.Resize):
            self.fit()
        return False

    def fit(self) -> None:
        pane, banners, table = self._pane, self._banners, self._table
        need = 0
        box = pane.layout()
        shown = box is not None and banners.isVisibleTo(pane)
        header = table.horizontalHeader()
        one_row = (header.height() if header.isVisible() else header.sizeHint().height()) \
            + table.verticalHeader().defaultSectionSize() + 2 * table.frameWidth()
        if table.minimumHeight() != (one_row if shown else 0):
            table.setMinimumHeight(one_row if shown else 0)  # 0: its own minimum again
        if box is not None and shown:
            margins = box.contentsMargins()
            width = max(1, pane.width() - margins.left() - margins.right())
            need = box.minimumSize().height() - banners.minimumSizeHint().height() + banners.heightForWidth(width)
        want = max(self._base(), need)
        if pane.minimumHeight() != want:
            pane.setMinimumHeight(want)
