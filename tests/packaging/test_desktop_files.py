"""Linux desktop integration in ``resources/``: the .desktop file, the AppStream metadata and the icons.

The validators are Debian's ``desktop-file-validate`` (desktop-file-utils) and ``appstreamcli`` (appstream):
skipped on a laptop without them, required in CI (``.ci/run`` installs both).
"""

from __future__ import annotations

import configparser
import importlib.util
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from flowdesk import APP_ID, APP_NAME, __version__
from tests.conftest import REPO, require_executable

LINUX = REPO / "resources" / "linux"
ICONS = REPO / "resources" / "icons"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_validates():
    tool = require_executable("desktop-file-validate")
    done = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    # the one hint left: Office and Utility are both main categories (what the product asked for)
    assert "error" not in done.stdout and "warning" not in done.stdout, done.stdout


def test_desktop_file_matches_the_app():
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == APP_NAME
    assert entry["Exec"] == APP_NAME and entry["TryExec"] == APP_NAME  # the bundle's executable
    assert entry["Icon"] == APP_ID  # hicolor/<size>/apps/com.flowdesk.FlowDesk.png
    assert entry["Categories"] == "Office;Utility;"
    # X11: Qt's WM_CLASS class is the application name (flowdesk.ui.app.make_application sets it);
    # Wayland: the app id is QGuiApplication.desktopFileName(), APP_ID, the name of this file.
    assert entry["StartupWMClass"] == APP_NAME
    assert entry["Terminal"] == "false"


def test_metainfo_validates():
    tool = require_executable("appstreamcli")
    done = subprocess.run([tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_metainfo_matches_the_app():
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("name") == APP_NAME
    assert root.findtext("summary")
    assert root.find("description/p") is not None
    launchable = root.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id" and launchable.text == DESKTOP.name
    assert root.find("content_rating").get("type") == "oars-1.1"
    releases = root.findall("releases/release")
    assert releases and releases[0].get("version") == __version__, "newest release first, = flowdesk.__version__"
    assert root.findtext("provides/binary") == APP_NAME


# -- icons ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def render_module():
    spec = importlib.util.spec_from_file_location("flowdesk_icon_render", ICONS / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("size", PNG_SIZES)
def test_each_png_is_the_svg_at_that_size(qapp, size):
    from PySide6.QtGui import QImage

    image = QImage(str(ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
    assert not image.isNull()
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()
    assert image.pixelColor(0, 0).alpha() == 0, "transparent corner (the rounded square)"
    centre = image.pixelColor(size // 2, size // 2)
    assert centre.alpha() == 255


def test_the_scalable_icon_is_the_source_svg():
    assert (ICONS / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").read_bytes() == (ICONS / "flowdesk.svg").read_bytes()


# Qt's rasteriser picks SIMD paths by CPU (SSE4/AVX2/AVX-512), and their antialiasing rounds differently:
# the same SVG renders up to 1 unit apart per channel on different machines. A stale icon differs by far more.
ANTIALIAS_TOLERANCE = 2


def _max_channel_difference(a, b) -> int:
    from PySide6.QtGui import QImage

    a = a.convertToFormat(QImage.Format.Format_ARGB32)
    b = b.convertToFormat(QImage.Format.Format_ARGB32)
    if a.size() != b.size():
        return 255
    worst = 0
    for y in range(a.height()):
        for x in range(a.width()):
            pa, pb = a.pixel(x, y), b.pixel(x, y)
            if pa != pb:
                worst = max(worst, *(abs(((pa >> s) & 0xFF) - ((pb >> s) & 0xFF)) for s in (0, 8, 16, 24)))
    return worst


def test_committed_icons_are_what_render_py_makes(qapp, render_module, tmp_path: Path):
    from PySide6.QtGui import QImage

    assert render_module.main(tmp_path) == 0
    stale = []
    for size in PNG_SIZES:
        rel = Path("hicolor") / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        fresh, committed = QImage(str(tmp_path / rel)), QImage(str(ICONS / rel))
        if _max_channel_difference(fresh, committed) > ANTIALIAS_TOLERANCE:
            stale.append(str(rel))
    assert not stale, f"run `uv run python resources/icons/render.py` and look at the PNGs: {stale}"


@pytest.mark.parametrize(("name", "fmt", "count"), [("flowdesk.ico", b"ico", 7), ("flowdesk.icns", b"icns", 6)])
def test_windows_and_macos_icons_read_back(qapp, name, fmt, count):
    from PySide6.QtGui import QImageReader

    reader = QImageReader(str(ICONS / name), fmt)
    assert reader.canRead(), reader.errorString()
    assert reader.imageCount() == count
    sizes = set()
    for _ in range(count):
        image = reader.read()
        assert not image.isNull(), reader.errorString()
        sizes.add(image.width())
        reader.jumpToNextImage()
    assert 256 in sizes and 16 in sizes
