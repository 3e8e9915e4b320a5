"""How the window looks: the sort arrow's direction, the window at QT_SCALE_FACTOR=2, Summary's width."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOptionHeader, QTableView

from flowdesk.ui.layout import SortArrowStyle, point_sort_arrows
from flowdesk.ui.models import SessionTableModel
from tests.ui.test_window import _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def _arrow_rows(table: QTableView) -> list[int]:
    """The width of the sort arrow's ink in each pixel row of section 0 (its right half), top to bottom."""
    header = table.horizontalHeader()
    img = header.grab().toImage()
    background = img.pixelColor(3, img.height() // 2).lightness()
    width = header.sectionSize(0)
    rows = []
    for y in range(img.height() - 2):  # not the bottom border
        n = sum(1 for x in range(width // 2, width - 1) if abs(img.pixelColor(x, y).lightness() - background) > 60)
        if n:
            rows.append(n)
    return rows


def _arrow_direction(qtbot, order: Qt.SortOrder, style: QProxyStyle | None = None) -> str:
    """Which way the sort arrow of a shown table points ("down" or "up"): widest at the top is down. The
    header gets ``style`` if given, else what the window uses (point_sort_arrows)."""
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(QStandardItemModel(3, 2, table))
    header = table.horizontalHeader()
    if style is None:
        point_sort_arrows(table)
    else:
        style.setParent(header)
        header.setStyle(style)
    header.setSortIndicatorShown(True)
    header.setSortIndicator(0, order)
    table.resize(400, 200)
    table.show()
    qtbot.waitExposed(table)
    rows = _arrow_rows(table)
    assert len(rows) >= 3, rows
    return "down" if rows[0] > rows[-1] else "up"


@pytest.mark.parametrize(("order", "points"), [(Qt.SortOrder.DescendingOrder, "down"), (Qt.SortOrder.AscendingOrder, "up")])
def test_the_sort_arrow_points_the_way_the_values_run(qtbot, order, points):
    assert _arrow_direction(qtbot, order) == points


class FusionAsOnWindows(QProxyStyle):
    """Fusion as Qt builds it for Windows and macOS: Qt's ascending arrow (``SortDown``) drawn pointing up."""

    def drawPrimitive(self, element, option, painter, widget=None):  # noqa: N802
        if element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and isinstance(option, QStyleOptionHeader):
            mirrored = QStyleOptionHeader(option)
            up, down = QStyleOptionHeader.SortIndicator.SortUp, QStyleOptionHeader.SortIndicator.SortDown
            mirrored.sortIndicator = down if option.sortIndicator == up else up
            super().drawPrimitive(element, mirrored, painter, widget)
            return
        super().drawPrimitive(element, option, painter, widget)


@pytest.mark.parametrize("base", ["Fusion", "Fusion as on Windows"])
@pytest.mark.parametrize(("order", "points"), [(Qt.SortOrder.DescendingOrder, "down"), (Qt.SortOrder.AscendingOrder, "up")])
def test_the_arrow_points_the_way_the_values_run_whichever_way_the_style_draws_it(qtbot, base, order, points):
    """Fusion on Linux draws Qt's ascending arrow pointing down, on Windows and macOS pointing up (so do the
    Windows styles): SortArrowStyle finds out which by drawing, and swaps only the former."""
    style = SortArrowStyle(FusionAsOnWindows("Fusion") if base == "Fusion as on Windows" else "Fusion")
    assert _arrow_direction(qtbot, order, style) == points


def test_newest_first_shows_a_down_arrow_on_date(make_app, qtbot):  # noqa: F811
    fd = make_app()
    header = fd.window.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (SessionTableModel.DATE, Qt.SortOrder.DescendingOrder)
    assert type(header.style()).__name__ == "SortArrowStyle"


SCRIPT = """
import json
from flowdesk.paths import AppPaths
from flowdesk.ui.app import FlowDeskApp, make_application
app = make_application()
fd = FlowDeskApp(AppPaths.from_env().ensure(), has_tray=False)
fd.window.show()
app.processEvents()
g, a = fd.window.frameGeometry(), fd.window.screen().availableGeometry()
print(json.dumps({"window": [g.x(), g.y(), g.width(), g.height()], "avail": [a.x(), a.y(), a.width(), a.height()],
                  "dpr": fd.window.screen().devicePixelRatio()}))
fd.shutdown()
"""


def test_at_scale_factor_2_the_window_fits_the_available_screen(tmp_path):
    """A 1440×900 screen at QT_SCALE_FACTOR=2 is 720×450 logical pixels: the window opens inside it."""
    screens = tmp_path / "screens.json"
    screens.write_text(json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": 1440, "height": 900,
                                                 "logicalDpi": 96, "logicalBpi": 96, "dpr": 1}]}))
    # The file by its name in the child's folder: ":" separates the platform's options, so "C:\\..." cannot be given
    env = dict(os.environ, QT_SCALE_FACTOR="2", QT_QPA_PLATFORM=f"offscreen:configfile={screens.name}",
               FLOWDESK_HOME=str(tmp_path / "home"))
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60,
                         encoding="utf-8", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["dpr"] == 2.0 and got["avail"] == [0, 0, 720, 450]
    x, y, width, height = got["window"]
    assert x >= 0 and y >= 0 and x + width <= 720 and y + height <= 450, got


def test_toolbar_actions_have_icons_from_the_theme_or_ours(make_app, qtbot):  # noqa: F811
    from PySide6.QtGui import QColor, QIcon
    from PySide6.QtWidgets import QToolBar

    from flowdesk.ui.icons import ACTION_ICONS, fallback_icon

    for name in ACTION_ICONS:  # every fallback exists and draws
        icon = fallback_icon(name, QColor("#202124"))
        assert not icon.isNull(), name
        img = icon.pixmap(24, 24).toImage()
        assert any(img.pixelColor(x, y).alpha() for x in range(24) for y in range(24)), name
    fd = make_app()
    toolbar = fd.window.findChild(QToolBar, "mainToolbar")
    actions = [a for a in toolbar.actions() if not a.isSeparator()]
    assert actions and all(not a.icon().isNull() for a in actions)
    QIcon.setThemeName("")  # no platform theme (offscreen): ours are used
    assert not fd.window.refresh_action.icon().pixmap(24, 24).isNull()


def test_the_note_pane_never_scrolls_sideways_and_scrolls_down_when_short(make_app, qtbot):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    assert w.select_first_session()  # the note pane shows a session (with none: "No session selected" alone)
    area = w.panel_scroll
    for size in ((1280, 760), (1000, 700), (720, 560)):
        w.resize(*size)
        qtbot.waitUntil(lambda s=size: (w.width(), w.height()) == s)
        assert w.panel.width() <= area.viewport().width(), size  # the pane fits its width: nothing cut off
        assert not area.horizontalScrollBar().isVisible()
    w.resize(720, 380)  # shorter than the note pane's minimum: it scrolls instead of overlapping
    qtbot.waitUntil(lambda: w.height() == 380)
    assert w.panel.height() >= w.panel.minimumSizeHint().height() or area.verticalScrollBar().isVisible()
