"""The session list's delegates: what they paint is what the model's data() says (text, alignment, colour,
the status mark), filled from one Python call per cell instead of Qt's seven data() calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from flowdesk.core.present import PushSummary
from flowdesk.ui import layout
from flowdesk.ui.models import SessionTableModel
from flowdesk.ui.session_proxy import SessionSortFilterProxy
from tests.ui.test_models import T0, Row, odd_rows, rows

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture
def table(qtbot):
    src = SessionTableModel()
    src.load(rows() + odd_rows())
    src.set_push_summaries({"s1": PushSummary("failed", "Failed", "no"), "s2": PushSummary("cancelled", "Cancelled"),
                            "s3": PushSummary("posted_by_resolutionflow", "Posted by ResolutionFlow"),
                            "s4": PushSummary("sent", "Sent")})  # fmt: skip
    proxy = SessionSortFilterProxy()
    proxy.setSourceModel(src)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setWordWrap(False)  # as the window's list
    layout.setup_session_columns(view, SessionTableModel)
    return view, proxy


def option_for(delegate: QStyledItemDelegate, view: QTableView, index: QModelIndex) -> QStyleOptionViewItem:
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.features = QStyleOptionViewItem.ViewItemFeature.Alternate if index.row() % 2 else QStyleOptionViewItem.ViewItemFeature.None_
    delegate.initStyleOption(option, index)
    return option


def test_the_text_cells_are_styled_as_from_data(table):
    """Every text cell: the same text, features, alignment and text colour as Qt's own delegate makes
    from data() (which asks the model for every role)."""
    view, proxy = table
    ours = view.itemDelegate()
    assert isinstance(ours, layout.SessionTextDelegate)
    qt = QStyledItemDelegate()
    tinted = 0
    for row in range(proxy.rowCount()):
        for col in range(1, 7):
            index = proxy.index(row, col)
            a, b = option_for(ours, view, index), option_for(qt, view, index)
            assert (a.text, a.features, a.displayAlignment, a.index) == (b.text, b.features, b.displayAlignment, b.index)
            text_colour = a.palette.color(QPalette.ColorRole.Text)
            assert text_colour == b.palette.color(QPalette.ColorRole.Text), (row, col)
            tinted += text_colour != view.palette().color(QPalette.ColorRole.Text)
    assert tinted == 3  # the failed, cancelled and posted pushes


def paint_cell(view: QTableView, index: QModelIndex, state: QStyle.StateFlag) -> QImage:
    image = QImage(40, 28, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = image.rect()
    option.state = state
    painter = QPainter(image)
    view.itemDelegateForColumn(SessionTableModel.STATUS).paint(painter, option, index)
    painter.end()
    return image


def test_the_status_mark_is_the_status_colour_and_the_selection_shows(table):
    view, proxy = table
    enabled = QStyle.StateFlag.State_Enabled
    for row in range(proxy.rowCount()):
        index = proxy.index(row, SessionTableModel.STATUS)
        image = paint_cell(view, index, enabled)
        brush = index.data(Qt.ItemDataRole.ForegroundRole)
        centre = image.pixelColor(image.rect().center())
        if brush is None:  # an unknown status: no mark, its word in the tooltip
            assert centre == QColor("white") and index.data(Qt.ItemDataRole.ToolTipRole)
        else:
            assert centre == brush.color(), index.data()
        assert image.pixelColor(QPoint(1, 1)) == QColor("white")  # unselected: nothing but the mark
    selected = paint_cell(view, proxy.index(0, SessionTableModel.STATUS), enabled | QStyle.StateFlag.State_Selected)
    assert selected.pixelColor(QPoint(1, 1)) == view.palette().color(QPalette.ColorRole.Highlight)
    assert selected.pixelColor(selected.rect().center()) == proxy.index(0, 0).data(Qt.ItemDataRole.ForegroundRole).color()


# -- plain cells (flowdesk.ui.cell_text) ------------------------------------------------------------------
def shown_table(qtbot, table, width=640):
    view, proxy = table
    view.resize(width, 420)
    view.show()
    qtbot.waitExposed(view)
    plain = view.itemDelegate().plain
    view.viewport().repaint()
    qtbot.waitUntil(lambda: plain._usable is not None)  # compared with the style after the first paint
    return view, proxy, plain


def both_ways(view: QTableView) -> tuple[QImage, QImage]:
    """The list painted with plain cells, then with the style painting every cell."""
    delegate = view.itemDelegate()
    plain = delegate.plain
    ours = view.viewport().grab().toImage()
    delegate.plain = None
    try:
        theirs = view.viewport().grab().toImage()
    finally:
        delegate.plain = plain
    return ours, theirs


def test_plain_cells_are_painted_pixel_for_pixel_as_the_style_paints_them(qtbot, table):
    """Tinted and plain texts, elided summaries, right-aligned durations, empty cells, a selected row: the
    repaint is the same image either way, and the plain cells really were painted from static texts."""
    view, proxy, plain = shown_table(qtbot, table)
    view.selectRow(2)
    ours, theirs = both_ways(view)
    assert plain._usable is True
    assert ours == theirs
    laid_out = [k for k, v in plain._texts.items() if v is not None]
    assert any(right for _t, _w, right in laid_out) and any(not right for _t, _w, right in laid_out)
    assert any(t.startswith(("Issue", "Problem")) for t, _w, _r in laid_out)
    view.setColumnWidth(SessionTableModel.CLIENT, 52)
    view.setColumnWidth(SessionTableModel.DURATION, 40)
    ours_narrow, theirs_narrow = both_ways(view)
    assert ours_narrow == theirs_narrow  # narrower columns: elided again, not the wider widths' texts
    assert ours_narrow != ours


def test_a_new_font_is_compared_and_laid_out_again(qtbot, table):
    view, proxy, plain = shown_table(qtbot, table)
    view.viewport().repaint()
    assert plain._texts
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)
    view.setFont(font)
    assert plain._usable is None and not plain._texts  # what was laid out in the old font is dropped
    view.viewport().repaint()
    qtbot.waitUntil(lambda: plain._usable is not None)
    ours, theirs = both_ways(view)
    assert plain._usable is True and ours == theirs


class ShiftedItemText(layout.QProxyStyle):
    """A style that draws item text one pixel lower than Qt's common style (as a platform style may)."""

    def drawControl(self, element, option, painter, widget=None):  # noqa: N802
        if element == QStyle.ControlElement.CE_ItemViewItem:
            painter.save()
            painter.translate(0, 1)
            super().drawControl(element, option, painter, widget)
            painter.restore()
            return
        super().drawControl(element, option, painter, widget)


def test_wrapped_text_is_left_to_the_style(qtbot, table):
    """A view that wraps its cells' text (the list does not): the style lays out every cell."""
    view, _proxy = table
    view.setWordWrap(True)
    view, proxy, plain = shown_table(qtbot, (view, _proxy), width=300)
    assert plain._usable is False
    ours, theirs = both_ways(view)
    assert ours == theirs


def test_a_style_that_draws_item_text_its_own_way_keeps_the_style_for_every_cell(qtbot, table):
    view, proxy, plain = shown_table(qtbot, table)
    assert plain._usable is True
    style = ShiftedItemText("fusion")
    view.setStyle(style)
    view.viewport().repaint()
    qtbot.waitUntil(lambda: plain._usable is not None)
    assert plain._usable is False
    ours, theirs = both_ways(view)
    assert ours == theirs
    view.setStyle(None)


def test_right_to_left_text_is_left_to_the_style(qtbot):
    from flowdesk.ui.cell_text import needs_layout

    assert needs_layout("ليلى حداد") and needs_layout("Kessler \u2068x\u2069") and needs_layout("עברית")
    assert not needs_layout("Bäckerei Müller") and not needs_layout("#48405 · 1h 2m")
    src = SessionTableModel()
    src.load([Row("r1", client_name="ليلى حداد", summary="مشكلة في الطابعة", ended_at=T0 + timedelta(days=30)), *rows(8)])
    proxy = SessionSortFilterProxy()
    proxy.setSourceModel(src)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setWordWrap(False)
    layout.setup_session_columns(view, SessionTableModel)
    view, proxy, plain = shown_table(qtbot, (view, proxy))
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)  # as the window's list
    view.clearSelection()
    view.selectRow(3)  # not the first row, whose texts are the right-to-left ones
    view.viewport().repaint()
    assert plain._usable is True
    rtl = {text for (text, _w, _r), static in plain._texts.items() if static is None}
    assert rtl == {"ليلى حداد", "مشكلة في الطابعة"}  # the style's layout runs the bidirectional algorithm
    ours, theirs = both_ways(view)
    assert ours == theirs
