"""The note editor: monospace, section headers and redaction markers highlighted, live counts."""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeySequence,
    QPalette,
    QShortcut,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from flowdesk.core.redact import Category

HEADER_RE = re.compile(r"^(═══ .* ═══|── .* ──)$")


@cache
def marker_re() -> re.Pattern[str]:
    """Any redaction marker (made on first use: :mod:`flowdesk.core.redact` is not imported before the
    window's first paint)."""
    from flowdesk.core.redact import MARKERS

    return re.compile("|".join(re.escape(m) for m in MARKERS.values()))
CATEGORY_WORDS = {
    "ip": ("IP address", "IP addresses"),
    "email": ("e-mail address", "e-mail addresses"),
    "token": ("token", "tokens"),
    "unc_path": ("UNC path", "UNC paths"),
    "password": ("password", "passwords"),
    "connection_string": ("connection string", "connection strings"),
    "private_key": ("private key", "private keys"),
    "access_key": ("access key", "access keys"),
}
SOFT_LIMIT_CHARS = 20_000


def describe_counts(counts: dict[str, int]) -> str:
    parts = []
    for cat, n in counts.items():
        if n:
            one, many = CATEGORY_WORDS.get(cat, (cat, cat))
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


def monospace_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class NoteHighlighter(QSyntaxHighlighter):
    """Headers in bold accent colour; every ``[… REDACTED]`` marker on an amber background."""

    def __init__(self, document: QTextDocument, palette: QPalette) -> None:
        super().__init__(document)
        self.header_format = QTextCharFormat()
        self.header_format.setFontWeight(QFont.Weight.Bold)
        self.header_format.setForeground(palette.color(QPalette.ColorRole.Link))
        self.marker_format = QTextCharFormat()
        self.marker_format.setBackground(QColor("#ffe08a"))
        self.marker_format.setForeground(QColor("#5c3d00"))
        self.marker_format.setFontWeight(QFont.Weight.DemiBold)

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        if not text:
            return
        if HEADER_RE.match(text):
            self.setFormat(0, len(text), self.header_format)
        for m in marker_re().finditer(text):
            self.setFormat(m.start(), m.end() - m.start(), self.marker_format)


class NoteEditor(QWidget):
    """The editable note with its status line.

    ``set_note(generated, counts)`` loads a freshly generated note (already redacted) and remembers it,
    so the engineer can see a diff against it and reset to it.
    """

    text_changed = Signal()
    push_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._generated = ""
        self._generated_counts: dict[str, int] = {}
        self.edit = QPlainTextEdit(self)
        self.edit.setObjectName("noteEditor")
        self.edit.setAccessibleName("Note text")
        self.edit.setAccessibleDescription("The ConnectWise note as it will be posted. Redacted secrets are highlighted.")
        self.edit.setFont(monospace_font())
        self.edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText("Select a session to see its note.")
        self.highlighter = NoteHighlighter(self.edit.document(), self.palette())

        self.redaction_label = QLabel(self)
        self.redaction_label.setObjectName("redactionLabel")
        self.redaction_label.setTextFormat(Qt.TextFormat.PlainText)
        self.redaction_label.setWordWrap(True)
        self.pending_label = QLabel(self)
        self.pending_label.setObjectName("pendingRedactionLabel")
        self.pending_label.setWordWrap(True)
        self.pending_label.setStyleSheet("color: #9a5b00;")
        self.pending_label.hide()
        self.count_label = QLabel(self)
        self.count_label.setObjectName("charCountLabel")
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        status = QHBoxLayout()
        status.setContentsMargins(0, 0, 0, 0)
        status.addWidget(self.redaction_label, 1)
        status.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addLayout(status)
        layout.addWidget(self.pending_label)

        # Re-checking the text for new secrets is cheap but not free: wait for a pause in typing.
        self._recheck = QTimer(self)
        self._recheck.setObjectName("noteRecheckTimer")
        self._recheck.setSingleShot(True)
        self._recheck.setInterval(250)
        self._recheck.timeout.connect(self.recheck_now)
        self.edit.textChanged.connect(self._on_text_changed)

        push = QShortcut(QKeySequence("Ctrl+Return"), self.edit)
        push.activated.connect(self.push_requested)
        push2 = QShortcut(QKeySequence("Ctrl+Enter"), self.edit)
        push2.activated.connect(self.push_requested)
        self._update_counts()

    # -- content -----------------------------------------------------------------------------
    def set_note(self, generated: str, counts: dict[str, int]) -> None:
        self._generated = generated
        self._generated_counts = dict(counts)
        self.edit.setPlainText(generated)
        self.edit.moveCursor(self.edit.textCursor().MoveOperation.Start)
        self.recheck_now()

    def clear(self) -> None:
        self._generated = ""
        self._generated_counts = {}
        self.edit.clear()

    def text(self) -> str:
        return self.edit.toPlainText()

    def generated_text(self) -> str:
        return self._generated

    def is_edited(self) -> bool:
        return self.text() != self._generated

    def reset(self) -> None:
        self.set_note(self._generated, self._generated_counts)

    def diff(self) -> str:
        lines = difflib.unified_diff(
            self._generated.splitlines(),
            self.text().splitlines(),
            fromfile="generated note",
            tofile="your note",
            lineterm="",
        )
        return "\n".join(lines)

    # -- status line -------------------------------------------------------------------------
    def _on_text_changed(self) -> None:
        self._update_counts()
        self._recheck.start()
        self.text_changed.emit()

    def _update_counts(self) -> None:
        n = len(self.text())
        self.count_label.setText(f"{n:,} characters")
        self.count_label.setStyleSheet("color: #b3261e;" if n > SOFT_LIMIT_CHARS else "")
        self.count_label.setToolTip(
            f"Long notes are hard to read on the ticket (over {SOFT_LIMIT_CHARS:,} characters); "
            "consider leaving out the diagnosis path." if n > SOFT_LIMIT_CHARS else ""
        )
        found = []
        if n:  # an empty editor (the window starting) has none: redact is not imported for it
            from flowdesk.core.redact import find_markers

            found = find_markers(self.text())
        counts: dict[str, int] = {}
        for span in found:
            counts[span.category.value] = counts.get(span.category.value, 0) + 1
        if found:
            self.redaction_label.setText(f"Redacted before posting: {describe_counts(counts)}")
        else:
            self.redaction_label.setText("Nothing to redact in this note." if self.text() else "")

    def recheck_now(self) -> None:
        """Warn when the edited text holds a secret that redaction will still remove at push time."""
        self._recheck.stop()
        # lazy: compiles its patterns, not before the first paint
        from flowdesk.core.redact import RedactionError, redact

        text = self.text()
        try:
            result = redact(text)
        except RedactionError:
            self.pending_label.setText("Redaction failed on this text: it cannot be pushed until that is fixed.")
            self.pending_label.show()
            return
        if result.total:
            self.pending_label.setText(
                f"Your edits contain {describe_counts(result.counts)}: they will be redacted when you push."
            )
            self.pending_label.show()
        else:
            self.pending_label.hide()

    def marker_categories(self) -> list[Category]:
        # lazy: compiles its patterns, not before the first paint
        from flowdesk.core.redact import find_markers

        return [s.category for s in find_markers(self.text())]


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

    @staticmethod
    def _color(view: QPlainTextEdit) -> None:
        class _DiffHighlighter(QSyntaxHighlighter):
            def highlightBlock(self, text: str) -> None:  # noqa: N802
                fmt = QTextCharFormat()
                if text.startswith("+") and not text.startswith("+++"):
                    fmt.setBackground(QColor("#dff3e3"))
                elif text.startswith("-") and not text.startswith("---"):
                    fmt.setBackground(QColor("#fbe3e1"))
                elif text.startswith("@@"):
                    fmt.setForeground(QColor("#6b6f76"))
                else:
                    return
                self.setFormat(0, len(text), fmt)

        view._highlighter = _DiffHighlighter(view.document())  # type: ignore[attr-defined]
