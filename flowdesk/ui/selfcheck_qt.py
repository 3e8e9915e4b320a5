"""The Qt half of ``flowdesk --self-check`` (``flowdesk/selfcheck.py`` imports this lazily: nothing outside
``flowdesk/ui`` may import PySide6).

It creates the application object the window would use (a ``QApplication``, which is a ``QGuiApplication``;
a ``QGuiApplication`` alone would break a later ``QWidget`` in the same process) and reports the Qt version,
the platform plugin Qt actually loaded, whether a system tray is there, and whether the app icon renders
through Qt's image plugins, which is the path the window and the tray take.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from flowdesk import APP_NAME

ICON_PROBE_SIZE = 64


def qt_versions() -> dict[str, str]:
    """Needs no application object (safe without a display)."""
    return {"version": qVersion(), "pyside": PySide6.__version__}


def application(*, platform: str | None = None) -> QApplication:
    """The running application, or a new one (``platform`` forces a plugin, e.g. ``offscreen``)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    argv = [sys.argv[0] if sys.argv and sys.argv[0] else APP_NAME]
    if platform:
        argv += ["-platform", platform]
    app = QApplication(argv)
    app.setApplicationName(APP_NAME)
    return app


def render_icon(path: Path, size: int = ICON_PROBE_SIZE) -> dict[str, Any]:
    """Render the SVG icon the way ``flowdesk.ui.icons.app_icon`` loads it (QIcon → the svg icon engine or
    image plugin). Not ``app_icon()`` itself: that one falls back to a plain square when the file is missing,
    and it is cached for the whole process."""
    icon = QIcon(str(path))
    pixmap = icon.pixmap(size, size)
    if pixmap.isNull():
        return {"renders": False, "size": None}
    image = pixmap.toImage()
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    return {
        "renders": centre.alpha() > 0,  # something was drawn, not an empty transparent square
        "size": [pixmap.width(), pixmap.height()],
    }


def probe(icon_path: Path, *, platform: str | None = None) -> dict[str, Any]:
    """Qt facts: version, the platform plugin in use, tray availability, and the icon rendered."""
    app = application(platform=platform)
    facts: dict[str, Any] = dict(qt_versions())
    facts["platform"] = app.platformName()
    facts["tray_available"] = bool(QSystemTrayIcon.isSystemTrayAvailable())
    facts["icon"] = render_icon(icon_path) if icon_path.is_file() else {"renders": False, "size": None}
    return facts
