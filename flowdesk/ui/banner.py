"""In-window banners: keyring trouble, paused sending, failures when there is no tray, the demo notice. They
show under the shown tab's list (each tab its own copy, ``BannerStack.follow``), where they move nothing above."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from flowdesk.ui import theme
from flowdesk.ui.controller import Banner


class BannerBar(QFrame):
    action_triggered = Signal(str)  # action_id
    closed = Signal(str)  # key

    def __init__(self, banner: Banner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = banner
        self.setObjectName(f"banner-{banner.key}")
        self.setAccessibleName(f"{banner.level.capitalize()} message")
        bg, fg = theme.pair(banner.level if banner.level in ("info", "warning", "error") else "info")
        border = QColor(fg)
        border.setAlpha(0x33)
        self.setStyleSheet(
            f"QFrame#{self.objectName()} {{ background: {bg.name()}; border: 1px solid {border.name(QColor.NameFormat.HexArgb)}; "
            f"border-radius: 4px; }} QLabel {{ color: {fg.name()}; }}"
        )
        self.label = QLabel(banner.text, self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        self.button: QPushButton | None = None
        if banner.action:
            self.button = QPushButton(banner.action, self)
            self.button.setAccessibleName(banner.action)
            self.button.clicked.connect(lambda: self.action_triggered.emit(banner.action_id))
            layout.addWidget(self.button)
        close = QToolButton(self)
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.setAccessibleName("Dismiss message")
        close.clicked.connect(lambda: self.closed.emit(banner.key))
        layout.addWidget(close)


class BannerStack(QWidget):
    """Banners by key: showing a banner with a key already shown replaces it."""

    action_triggered = Signal(str)
    banner_shown = Signal(object)  # Banner
    banner_updated = Signal(object)  # Banner
    banner_removed = Signal(str)  # key: cleared or dismissed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 6, 0, 0)  # under a list, its edges in line with the list's
        self._layout.setSpacing(4)
        self._bars: dict[str, BannerBar] = {}
        self.setVisible(False)

    def show_banner(self, banner: Banner) -> None:
        self.remove(banner.key)
        bar = BannerBar(banner, self)
        bar.action_triggered.connect(self.action_triggered)
        bar.closed.connect(self.remove)
        self._bars[banner.key] = bar
        self._layout.addWidget(bar)
        self.setVisible(True)
        self.banner_shown.emit(banner)

    def update_banner(self, banner: Banner) -> None:
        """New words for the banner with ``banner``'s key, if it is still shown (not dismissed)."""
        bar = self._bars.get(banner.key)
        if bar is not None and bar.banner.text != banner.text:
            bar.banner = banner
            bar.label.setText(banner.text)
            self.banner_updated.emit(banner)

    def remove(self, key: str) -> None:
        bar = self._bars.pop(key, None)
        if bar is not None:
            self._layout.removeWidget(bar)
            bar.deleteLater()
        self.setVisible(bool(self._bars))
        if bar is not None:
            self.banner_removed.emit(key)

    def follow(self, source: BannerStack) -> BannerStack:
        """Show the banners ``source`` shows, in a second place (another tab's page): one dismissed in either
        goes from both, and a button pressed here is ``source``'s."""
        for bar in source._bars.values():
            self.show_banner(bar.banner)
        source.banner_shown.connect(self.show_banner)
        source.banner_updated.connect(self.update_banner)
        source.banner_removed.connect(self.remove)
        self.banner_removed.connect(source.remove)
        self.action_triggered.connect(source.action_triggered)
        return self

    def banner(self, key: str) -> Banner | None:
        bar = self._bars.get(key)
        return bar.banner if bar else None

    def keys(self) -> list[str]:
        return list(self._bars)
