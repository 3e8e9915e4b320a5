"""The macOS version the app claims (``LSMinimumSystemVersion`` in build_spec.spec) is the one the pinned Qt
runs on: the newer of the PySide6 wheels' macOS tag and Qt's documented minimum. Read from the spec and
uv.lock, no build needed, so a Qt upgrade in the lock that raises the bar fails here."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Qt's "Supported Configurations" for macOS (doc.qt.io/qt-6.N/macos.html), by Qt minor version
QT_MACOS_MINIMUM = {(6, 8): (12, 0), (6, 9): (12, 0), (6, 10): (13, 0), (6, 11): (13, 0), (6, 12): (14, 4)}
QT_WHEELS = ("pyside6-essentials", "shiboken6", "pyside6-addons", "pyside6")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("."))


def claimed_minimum() -> tuple[int, ...]:
    spec = (REPO / "build_spec.spec").read_text(encoding="utf-8")
    tree = ast.parse(spec)
    values = [
        n.value.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "MACOS_MINIMUM" for t in n.targets)
        and isinstance(n.value, ast.Constant)
    ]
    assert len(values) == 1, "build_spec.spec must set MACOS_MINIMUM once"
    assert '"LSMinimumSystemVersion": MACOS_MINIMUM' in spec, "BUNDLE's info_plist must claim MACOS_MINIMUM"
    return _version(values[0])


def locked_qt() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(the locked PySide6 version, the newest macOS any of its locked macOS wheels needs)."""
    lock = tomllib.loads((REPO / "uv.lock").read_text(encoding="utf-8"))
    version: tuple[int, ...] = ()
    needs: tuple[int, ...] = (0,)
    for pkg in lock["package"]:
        if pkg["name"] not in QT_WHEELS:
            continue
        if pkg["name"] == "pyside6-essentials":
            version = _version(pkg["version"])
        mac = []
        for wheel in pkg.get("wheels", []):
            m = re.search(r"-macosx_(\d+)_(\d+)_\w+\.whl$", wheel["url"])
            if m:
                mac.append((int(m[1]), int(m[2])))
        assert mac, f"{pkg['name']} {pkg['version']} has no macOS wheel in uv.lock"
        needs = max(needs, min(mac))  # the most permissive wheel of each package; the strictest package
    assert version, "uv.lock has no pyside6-essentials"
    return version, needs


def test_the_claimed_macos_is_the_one_the_locked_qt_runs_on():
    version, wheel_needs = locked_qt()
    qt_minor = version[:2]
    assert qt_minor in QT_MACOS_MINIMUM, f"Qt {qt_minor}: add its macOS minimum from doc.qt.io to this test"
    expected = max(wheel_needs, QT_MACOS_MINIMUM[qt_minor])
    assert claimed_minimum() == expected, f"PySide6 {version} needs macOS {expected}; build_spec.spec claims another"
