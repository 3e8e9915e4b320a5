"""The session list's delegates: what they paint is what the model's data() says (text, alignment, colour,
the status mark), filled from one Python call per cell instead of Qt's seven data() calls."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from flowdesk.core.present import PushSummary
from flowdesk.ui import layout
from flowdesk.ui.models import SessionTableModel
from flowdesk.ui.session_proxy import SessionSortFilterProxy
from tests.ui.test_models import odd_rows, rows

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
