"""Regenerate FlowDesk's raster icons from ``flowdesk.svg`` (the one source of truth).

    uv run python resources/icons/render.py

Writes, next to this script:

* ``hicolor/<N>x<N>/apps/com.flowdesk.FlowDesk.png`` for N in 16 … 512, and
  ``hicolor/scalable/apps/com.flowdesk.FlowDesk.svg`` (a copy of the SVG): a freedesktop icon theme tree,
  named after the app id, that installs as is into ``~/.local/share/icons/`` or ``/usr/share/icons/``;
* ``flowdesk.ico`` (Windows: the exe's icon) and ``flowdesk.icns`` (macOS: the .app's icon), both made of
  the same PNGs (PNG-compressed ICO entries, Windows Vista and later; ICNS ``ic0x``/``icpx`` PNG chunks).

Rendering uses QtSvg on the offscreen platform, so it runs without a display. Look at the PNGs after
regenerating them; small sizes are where an SVG drawn for 256 px goes wrong.
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "flowdesk.svg"
ICON_NAME = "com.flowdesk.FlowDesk"  # = flowdesk.APP_ID; the .desktop file's Icon= key
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS chunk type per pixel size of the PNG inside it (Apple's "icp4…ic10" PNG types).
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512))


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """ICONDIR + one ICONDIRENTRY per size + the PNG streams (a width/height byte of 0 means 256)."""
    sizes = [s for s in ICO_SIZES if s in pngs]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for s in sizes:
        blob = pngs[s]
        entries += struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, len(blob), offset)
        blobs += blob
        offset += len(blob)
    return header + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    chunks = b"".join(kind + struct.pack(">I", 8 + len(pngs[s])) + pngs[s] for kind, s in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(chunks)) + chunks


def main(out: Path = HERE) -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"render.py: Qt cannot read {SOURCE}", file=sys.stderr)
        return 1
    pngs: dict[int, bytes] = {}
    for size in SIZES:
        pngs[size] = png_bytes(render(renderer, size))
        target = out / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pngs[size])
    scalable = out / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, scalable)
    (out / "flowdesk.ico").write_bytes(ico(pngs))
    (out / "flowdesk.icns").write_bytes(icns(pngs))
    print(f"wrote {len(SIZES)} PNGs, the scalable SVG, flowdesk.ico and flowdesk.icns under {out}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))
