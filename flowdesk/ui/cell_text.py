"""The session list's plain text cells, painted from cached ``QStaticText`` exactly as Qt's style paints them.

Qt's style draws an item view cell's text with a ``QTextLayout`` made twice per cell (once for its size,
once to draw it): about 45 us a cell, more than half of a repaint of the list, and a search box keystroke
that changes the rows repaints all of them. A plain cell (enabled, not selected, focused or hovered) is
only its text: elided on the right, inset by the focus frame's margin plus one pixel, centred vertically,
in the palette's text colour or its tint. ``PlainCells`` paints that from a ``QStaticText`` kept per text
and width, whose glyphs are laid out once.

Pixel for pixel the same as the style, or not used: after the first paint it is asked for (off the
start-up's path: that paint is the style's), it paints left- and right-aligned samples both ways in the
view's own style, font and palette and compares the images (a style that draws item text its own way, as
a platform style may, keeps Qt's path for every cell). Cells with
right-to-left or bidirectional-control text always take Qt's path. ``tests/ui/test_session_paint.py``
compares whole repaints of the list both ways.
"""

from __future__ import annotations

import unicodedata
from typing import Any, cast

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPalette,
    QStaticText,
    QTextOption,
    QTransform,
)
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QWidget

from flowdesk.ui import theme

_S = QStyle.StateFlag
# Cells in these states (or not enabled) are the style's to draw: the highlight, the focus frame, the hover.
STYLE_STATES = _S.State_Selected | _S.State_HasFocus | _S.State_MouseOver | _S.State_Enabled
ENABLED = _S.State_Enabled
_ACTIVE = _S.State_Active
# Bidirectional classes whose text the style lays out (right-to-left letters, Arabic digits, the controls).
_BIDI = frozenset(("R", "AL", "AN", "LRE", "LRO", "RLE", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"))
_CHANGES = frozenset((QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.PaletteChange,
                      QEvent.Type.LayoutDirectionChange, QEvent.Type.ApplicationFontChange))  # fmt: skip
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_PLAIN = Qt.TextFormat.PlainText
CACHE_LIMIT = 4096  # texts kept laid out (a few screens of the list at a few column widths)


class StateKinds:
    """Which of a cell's style states are plain (see :data:`STYLE_STATES`), and active, each found once.

    In PySide6 an option's ``state`` is a Python ``enum.Flag``: reading it costs about 1 us and every ``&``
    on it about as much (Python calls). The same few states come back for every cell, as the same objects
    (the enum keeps one per value), so a test of identity against the ones already seen answers in C."""

    __slots__ = ("active", "inactive", "styled")

    def __init__(self) -> None:
        self.active: tuple[Any, ...] = ()  # plain states of an active window
        self.inactive: tuple[Any, ...] = ()  # plain states of an inactive one
        self.styled: tuple[Any, ...] = ()  # the style's to paint

    def learn(self, state: Any) -> bool | None:
        """True/False: a plain state, of an active window or not; None: the style's."""
        if state & STYLE_STATES != ENABLED:
            self.styled += (state,)
            return None
        if state & _ACTIVE:
            self.active += (state,)
            return True
        self.inactive += (state,)
        return False


def needs_layout(text: str) -> bool:
    """Whether ``text`` holds right-to-left letters or direction controls (the style's text layout runs
    the bidirectional algorithm over the cell's line; a static text is laid out left to right)."""
    return not text.isascii() and any(unicodedata.bidirectional(c) in _BIDI for c in text)


class PlainCells(QObject):
    """Paints plain cells' text for the item views of ``view`` (see the module's docstring)."""

    def __init__(self, view: QWidget) -> None:
        super().__init__(view)
        self._view = view
        self._usable: bool | None = None  # None: not compared with the style yet
        self._pending: QStyleOptionViewItem | None = None  # the option the comparison will use
        self._texts: dict[tuple[str, int, bool], QStaticText | None] = {}  # None: the style's to draw
        self._pens: dict[tuple[str | None, bool], QColor] = {}
        self._margin = 0
        self._line = 0
        self._metrics = QFontMetrics(view.font())  # the view's font, as the comparison found it
        self._font = view.font()
        self._transform = QTransform()
        self._align_right = QTextOption(Qt.AlignmentFlag.AlignRight)
        view.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _CHANGES:  # another font, style, palette or direction: compare and lay out again
            self._usable = None
            self._pending = None
            self._texts.clear()
            self._pens.clear()
        return False

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, text: str, right: bool, tint: str | None, active: bool
    ) -> bool:
        """Paint a plain cell's ``text`` (right-aligned when ``right``; in the theme's ``tint`` colour if
        given, else the palette's text colour; ``active``: the option's state holds ``State_Active``).
        False: the caller should let the style paint the cell."""
        if not self._usable:
            if self._usable is None and self._pending is None:
                self._pending = QStyleOptionViewItem(option)
                QTimer.singleShot(0, self._compare)
            return False
        rect: QRect = option.rect
        x, y, w, h = cast("tuple[int, int, int, int]", rect.getRect())  # one call, not four
        width = w - 2 * self._margin
        key = (text, width, right)
        try:
            static = self._texts[key]
        except KeyError:
            static = self._lay_out(option, text, width, right)
        if static is None:
            return False
        pen_key = (tint, active)
        pen = self._pens.get(pen_key)
        if pen is None:
            group = QPalette.ColorGroup.Active if active else QPalette.ColorGroup.Inactive
            pen = self._pens[pen_key] = theme.brush(tint).color() if tint else option.palette.color(group, QPalette.ColorRole.Text)
        painter.setPen(pen)
        # QStyle.alignedRect centres the line with C++'s integer division (towards zero)
        painter.drawStaticText(x + self._margin, y + int((h - self._line) / 2), static)
        return True

    def _lay_out(self, option: QStyleOptionViewItem, text: str, width: int, right: bool) -> QStaticText | None:
        if len(self._texts) >= CACHE_LIMIT:
            self._texts.clear()
        if needs_layout(text) or width <= 0:
            self._texts[(text, width, right)] = None
            return None
        elided = self._metrics.elidedText(text, _ELIDE_RIGHT, width)
        static = QStaticText(elided)
        static.setTextFormat(_PLAIN)
        if right:  # as the style's layout does: the line as wide as the cell, the text at its right end
            static.setTextOption(self._align_right)
            static.setTextWidth(width)
        static.prepare(self._transform, self._font)
        self._texts[(text, width, right)] = static
        return static

    def _compare(self) -> None:
        option, self._pending = self._pending, None
        if option is not None and self._usable is None:
            self._usable = self._matches_style(option)

    def _matches_style(self, option: QStyleOptionViewItem) -> bool:
        """Paint samples both ways in the view's style, font and palette: the same pixels, or not used."""
        widget = self._view
        style = widget.style()
        self._margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        self._metrics = QFontMetrics(option.fontMetrics)  # copies: the option's own go with it
        self._font = QFont(option.font)
        self._line = self._metrics.height()
        for right in (False, True):
            for text in ("Sample 1653h 32m", "A sample long enough to be elided in a narrow cell"):
                sample = QStyleOptionViewItem(option)
                sample.rect = QRect(0, 0, 200, max(option.rect.height(), self._line + 4))
                sample.state = ENABLED | _ACTIVE
                sample.text = text
                sample.features = sample.features | QStyleOptionViewItem.ViewItemFeature.HasDisplay
                sample.displayAlignment = (Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignVCenter
                theirs, ours = self._image(sample), self._image(sample)
                painter = QPainter(theirs)
                style.drawControl(QStyle.ControlElement.CE_ItemViewItem, sample, painter, widget)
                painter.end()
                painter = QPainter(ours)
                painter.setFont(sample.font)
                self._usable = True
                drawn = self.paint(painter, sample, text, right, None, True)
                painter.end()
                self._texts.clear()
                self._pens.clear()
                if not drawn or ours != theirs:
                    return False
        return True

    @staticmethod
    def _image(option: Any) -> QImage:
        image = QImage(option.rect.size(), QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor("white"))
        return image
