"""The app icon and the tray's state icons (the app icon with a small state badge)."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from flowdesk.resources import resource_path

TRAY_STATES = ("ok", "sending", "failed", "held", "offline", "paused")
BADGE_COLORS = {
    "ok": "#2e9d52",
    "sending": "#2f7de1",
    "failed": "#d23b3b",
    "held": "#c2561a",
    "offline": "#7a7f87",
    "paused": "#d9921a",
}


@cache
def app_icon() -> QIcon:
    icon = QIcon(str(resource_path("icons", "flowdesk.svg")))
    if icon.isNull():  # resources missing (a broken bundle): a plain square beats an invisible window
        pm = QPixmap(64, 64)
        pm.fill(QColor("#2f7de1"))
        icon = QIcon(pm)
    return icon


def _badge(painter: QPainter, state: str, size: int) -> None:
    r = size * 0.42
    box = QRectF(size - r - 1, size - r - 1, r, r)
    painter.setPen(QPen(QColor("white"), max(1.0, size / 32)))
    painter.setBrush(QBrush(QColor(BADGE_COLORS[state])))
    painter.drawEllipse(box)
    pen = QPen(QColor("white"), max(1.5, size / 16), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    c = box.center()
    s = r * 0.24
    if state == "ok":
        path = QPainterPath(QPointF(c.x() - s, c.y()))
        path.lineTo(c.x() - s * 0.2, c.y() + s * 0.8)
        path.lineTo(c.x() + s * 1.1, c.y() - s * 0.8)
        painter.drawPath(path)
    elif state == "failed":
        painter.drawLine(QPointF(c.x(), c.y() - s * 1.1), QPointF(c.x(), c.y() + s * 0.2))
        painter.drawPoint(QPointF(c.x(), c.y() + s * 1.0))
    elif state == "sending":
        painter.drawArc(QRectF(c.x() - s, c.y() - s, 2 * s, 2 * s), 30 * 16, 270 * 16)
    elif state == "held":  # a clock: waiting for the next try
        painter.drawEllipse(QRectF(c.x() - s * 1.2, c.y() - s * 1.2, 2.4 * s, 2.4 * s))
        painter.drawLine(QPointF(c.x(), c.y() - s * 0.7), QPointF(c.x(), c.y()))
        painter.drawLine(QPointF(c.x(), c.y()), QPointF(c.x() + s * 0.6, c.y()))
    elif state == "offline":
        painter.drawLine(QPointF(c.x() - s, c.y() - s), QPointF(c.x() + s, c.y() + s))
    elif state == "paused":
        painter.drawLine(QPointF(c.x() - s * 0.5, c.y() - s), QPointF(c.x() - s * 0.5, c.y() + s))
        painter.drawLine(QPointF(c.x() + s * 0.5, c.y() - s), QPointF(c.x() + s * 0.5, c.y() + s))


@cache
def state_icon(state: str) -> QIcon:
    if state not in TRAY_STATES:
        raise ValueError(f"unknown tray state {state!r}")
    icon = QIcon()
    base = app_icon()
    for size in (16, 22, 24, 32, 48, 64):
        pm = base.pixmap(size, size)
        painter = QPainter(pm)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        _badge(painter, state, size)
        painter.end()
        icon.addPixmap(pm)
    return icon


# Toolbar icons: the platform theme's (freedesktop names), else ours in resources/icons/actions/, drawn in
# the palette's button text colour so that they read on a light and a dark toolbar.
ACTION_ICONS = {
    "refresh": "view-refresh",
    "import": "document-import",
    "send": "mail-send",
    "pause": "media-playback-pause",
    "settings": "preferences-system",
}


def fallback_icon(name: str, color: QColor) -> QIcon:
    """Our own icon ``name`` (resources/icons/actions/NAME.svg) in ``color``; a null icon if it is missing."""
    path = resource_path("icons", "actions", f"{name}.svg")
    try:
        svg = path.read_text(encoding="utf-8").replace("currentColor", color.name())
    except OSError:
        return QIcon()
    icon = QIcon()
    pm = QPixmap()
    if pm.loadFromData(svg.encode("utf-8"), "SVG"):  # drawn once (at its own size), then scaled for each size
        for size in (16, 24, 32, 48):
            icon.addPixmap(pm.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation))
    return icon


def action_icon(name: str, color: QColor) -> QIcon:
    """The platform theme's icon for ``name`` (see :data:`ACTION_ICONS`), else :func:`fallback_icon`."""
    themed = ACTION_ICONS.get(name, name)
    if QIcon.hasThemeIcon(themed):
        return QIcon.fromTheme(themed)
    return fallback_icon(name, color)
