"""Every colour FlowDesk sets itself, for a light and a dark palette.

The window's own text and backgrounds come from the palette (the platform theme, dark mode included);
the few colours FlowDesk adds — a failed state in red, muted text, banners, the editor's redaction
marks, a diff — are *roles* here with one value for a light palette and one for a dark one, each pair
at least 4.5:1 (tests/ui/test_theme.py). ``tint(widget, role)`` colours a label's text and keeps it
right when the palette changes (the platform switching to dark mode); ``brush(role)`` is for models.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

# Text colours on the window / base background.
TEXT = {
    "light": {"error": "#b3261e", "warning": "#7a4f00", "ok": "#1e7b3c", "muted": "#5f6368", "info": "#1b4f9c"},
    "dark": {"error": "#ff8a80", "warning": "#ffcc66", "ok": "#81c995", "muted": "#a8adb3", "info": "#a8c7fa"},
}
# (background, text) pairs: banners, the editor's redaction marks, diffs.
PAIRS = {
    "light": {
        "info": ("#e8f1fd", "#1b4f9c"),
        "warning": ("#fff4d6", "#6b4a00"),
        "error": ("#fde7e6", "#8c1d18"),
        "marker": ("#ffe08a", "#5c3d00"),
        "revealed": ("#fbe3e1", "#8c1d18"),
        "kept": ("#dff3e3", "#1e5b2c"),
        "allowed": ("#eceff1", "#37474f"),
        "added": ("#dff3e3", "#1e5b2c"),
        "removed": ("#fbe3e1", "#8c1d18"),
    },
    "dark": {
        "info": ("#1c2b41", "#a8c7fa"),
        "warning": ("#3a2e10", "#ffd98a"),
        "error": ("#3f1d1b", "#ffb4ab"),
        "marker": ("#5c4300", "#ffe08a"),
        "revealed": ("#5c1d18", "#ffdad6"),
        "kept": ("#1e3b26", "#b7f0c4"),
        "allowed": ("#2f3538", "#cfd8dc"),
        "added": ("#1e3b26", "#b7f0c4"),
        "removed": ("#4a1f1c", "#ffdad6"),
    },
}
# The session list's status marks (graphics beside their word, 3:1 is enough for them).
MARKS = {
    "light": {"resolved": "#2e9d52", "escalated": "#c26a00", "active": "#2f7de1", "paused": "#7a7f87"},
    "dark": {"resolved": "#5bc27a", "escalated": "#f0a04b", "active": "#6ea8fe", "paused": "#9aa0a6"},
}
_TINT = "flowdeskTint"


def is_dark(palette: QPalette | None = None) -> bool:
    """A dark palette: its window background is darker than mid-grey."""
    pal = palette if palette is not None else QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def _mode(palette: QPalette | None = None) -> str:
    return "dark" if is_dark(palette) else "light"


def color(role: str, palette: QPalette | None = None) -> QColor:
    """A text colour: ``error``, ``warning``, ``ok``, ``muted``, ``info``."""
    return QColor(TEXT[_mode(palette)][role])


def pair(role: str, palette: QPalette | None = None) -> tuple[QColor, QColor]:
    """(background, text) for ``info``/``warning``/``error`` banners, ``marker``, ``revealed``, ``kept``,
    ``allowed``, ``added``, ``removed``."""
    bg, fg = PAIRS[_mode(palette)][role]
    return QColor(bg), QColor(fg)


def mark(status: str, palette: QPalette | None = None) -> QColor | None:
    marks = MARKS[_mode(palette)]
    key = {"requesting_escalation": "escalated", "abandoned": "paused"}.get(status, status)
    return QColor(marks[key]) if key in marks else None


_brushes: dict[str, dict[str, QBrush]] = {}
_current: list[str] = []  # the application palette's mode, once asked (models ask for every painted cell)


def brush(role: str) -> QBrush:
    """A text colour (or a status mark's) as a brush for a model's ForegroundRole."""
    if not _current:
        _current.append(_mode())
        _watch()
    mode = _current[0]
    cache = _brushes.setdefault(mode, {})
    b = cache.get(role)
    if b is None:
        color = QColor(TEXT[mode][role]) if role in TEXT[mode] else mark(role) or QColor()
        # with its style: QBrush(QColor) alone makes PySide6 weigh every constructor, which builds the Python
        # enums of QGradient (~2 ms, before the first paint), a type FlowDesk never uses
        b = cache[role] = QBrush(color, Qt.BrushStyle.SolidPattern)
    return b


def tint(widget: QWidget, role: str | None) -> None:
    """Colour ``widget``'s text with ``role`` (None: the palette's own again); kept right when the
    application's palette changes."""
    widget.setProperty(_TINT, role or "")
    if not role:  # no colour of its own: the widget follows its parent's palette again (a theme change too)
        widget.setPalette(QPalette())
        return
    pal = widget.palette()
    for r in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        pal.setColor(r, color(role))
    widget.setPalette(pal)
    _watch()


def _retint(*_: object) -> None:
    _current.clear()
    for w in QApplication.allWidgets():
        role = w.property(_TINT)
        if role:
            tint(w, str(role))


_watching = False


def _watch() -> None:
    """Re-tint on a palette change (QGuiApplication.paletteChanged: no event filter on every event)."""
    global _watching
    app = QApplication.instance()
    if not _watching and isinstance(app, QApplication):
        app.paletteChanged.connect(_retint)
        _watching = True


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""

    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
