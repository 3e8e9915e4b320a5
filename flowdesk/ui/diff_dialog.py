"""What the engineer changed against the generated note (Changes…): a read-only diff, coloured.

Its own module, imported when it is first opened: the window's first paint does not need it.
"""

from __future__ import annotations

from PySide6.QtGui import QShowEvent, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QVBoxLayout, QWidget

from flowdesk.ui import theme
from flowdesk.ui.editor import monospace_font
from flowdesk.ui.layout import fit_to_screen


class DiffDialog(QDialog):
    """What the engineer changed against the generated note."""

    def __init__(self, diff_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Changes to the generated note")
        self.resize(760, 480)
        view = QPlainTextEdit(self)
        view.setReadOnly(True)
        view.setFont(monospace_font())
        view.setAccessibleName("Differences")
        view.setPlainText(diff_text or "No changes: the note is as generated.")
        self._color(view)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(view)
        layout.addWidget(buttons)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        fit_to_screen(self)  # never taller than the screen (QT_SCALE_FACTOR=2: Close was below its edge)

    @staticmethod
    def _color(view: QPlainTextEdit) -> None:
        class _DiffHighlighter(QSyntaxHighlighter):
            def highlightBlock(self, text: str) -> None:  # noqa: N802
                fmt = QTextCharFormat()
                if text.startswith("+") and not text.startswith("+++"):
                    bg, fg = theme.pair("added")
                    fmt.setBackground(bg)
                    fmt.setForeground(fg)
                elif text.startswith("-") and not text.startswith("---"):
                    bg, fg = theme.pair("removed")
                    fmt.setBackground(bg)
                    fmt.setForeground(fg)
                elif text.startswith("@@"):
                    fmt.setForeground(theme.color("muted"))
                else:
                    return
                self.setFormat(0, len(text), fmt)

        view._highlighter = _DiffHighlighter(view.document())  # type: ignore[attr-defined]
