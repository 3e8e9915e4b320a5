"""The Qt half of ``flowdesk --self-check`` (``flowdesk/selfcheck.py`` imports this lazily: nothing outside
``flowdesk/ui`` may import PySide6).

It creates the application object the window would use (a ``QApplication``, which is a ``QGuiApplication``;
a ``QGuiApplication`` alone would break a later ``QWidget`` in the same process) and reports the Qt version,
the platform plugin Qt actually loaded, whether a system tray is there, and whether the app icon renders
through Qt's image plugins, which is the path the window and the tray take.

It also asks Qt for the text services it takes from ICU (collation, locale case mapping, time zone names), so a
bundle whose ICU data was cut too far (``bundling/icudata.py``) fails its self-check instead of sorting or
naming things wrongly on an engineer's machine.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

import PySide6
from PySide6.QtCore import QByteArray, QCollator, QLocale, QTextBoundaryFinder, QTimeZone, qVersion
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


def _word_ends(text: str) -> list[int]:
    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Word, text)
    ends, pos = [], finder.toNextBoundary()
    while pos != -1:
        ends.append(pos)
        pos = finder.toNextBoundary()
    return ends


# Qt on Linux finds a zone's rules in the system's time zone database and only its names in ICU: without
# tzdata (a bare container) the zone is invalid and its name says nothing about ICU, so it is not judged.
NO_TZDATA = "not checked: no time zone database (tzdata) on this machine"


def _berlin_name() -> str:
    zone = QTimeZone(QByteArray(b"Europe/Berlin"))
    if not zone.isValid():
        return NO_TZDATA
    return zone.displayName(QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale("en_US"))


# (name, what Qt is asked, the answer): collation, case mapping and zone names come from ICU
# (libQt6Core calls ucol_*, u_strToUpper, ucal_*); Qt finds word boundaries with its own tables (checked too,
# as the double-click and Ctrl+arrow path). Without ICU's data the collation falls back to code point order
# ("Banana" before "apple") and the zone name is missing; the case mapping is ICU's code, not its data, and
# shows that Qt uses ICU at all (Qt's own fallback ignores the locale: no Turkish dotted capital).
TEXT_CHECKS = (
    ("collation", lambda: sorted(["zebra", "Banana", "éclair", "apple"], key=functools.cmp_to_key(QCollator(QLocale("en_US")).compare)),
     ["apple", "Banana", "éclair", "zebra"]),
    ("case_mapping", lambda: [QLocale("en_US").toUpper("straße"), QLocale("tr_TR").toUpper("istanbul")], ["STRASSE", "İSTANBUL"]),
    ("time_zone_name", _berlin_name, "Central European Standard Time"),
    ("word_boundaries", lambda: _word_ends("Hello, wörld"), [5, 6, 7, 12]),
)  # fmt: skip


# Only Linux's Qt (PySide6's wheels) takes these from ICU; on Windows and macOS Qt asks the OS (and maps
# case without locale rules), so the answers are reported there but not judged.
JUDGED = sys.platform.startswith("linux")


def text_checks() -> dict[str, Any]:
    """Each of :data:`TEXT_CHECKS`: ``{"ok": bool, "got": ...}``, and ``ok`` for all of them."""
    results: dict[str, Any] = {}
    for name, ask, expected in TEXT_CHECKS:
        try:
            got = ask()
        except Exception as exc:  # noqa: BLE001 - a broken Qt is a finding, not a crash
            got = f"{type(exc).__name__}: {exc}"
        results[name] = {"ok": got in (expected, NO_TZDATA) or not JUDGED, "got": got}
    results["ok"] = all(r["ok"] for r in results.values())
    results["judged"] = JUDGED
    return results


def probe(icon_path: Path, *, platform: str | None = None) -> dict[str, Any]:
    """Qt facts: version, the platform plugin in use, tray availability, and the icon rendered."""
    app = application(platform=platform)
    facts: dict[str, Any] = dict(qt_versions())
    facts["platform"] = app.platformName()
    facts["tray_available"] = bool(QSystemTrayIcon.isSystemTrayAvailable())
    facts["icon"] = render_icon(icon_path) if icon_path.is_file() else {"renders": False, "size": None}
    facts["text"] = text_checks()
    return facts
