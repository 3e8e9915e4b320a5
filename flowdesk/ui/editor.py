"""The note editor: monospace, section headers and redaction markers highlighted, live counts.

Every marker knows which rule hid what kind of thing (hover it). Before the note is pushed the engineer
may show what a marker hid, in place (it is pushed as the marker all the same), or *Keep this one*: a
value that is not secret stays as written in this note (refused for the always-redacted families).
Both are ordinary edits: Ctrl+Z takes them back. After a push, what the markers hid is forgotten.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cache, cached_property
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontDatabase,
    QHelpEvent,
    QKeySequence,
    QPalette,
    QShortcut,
    QSyntaxHighlighter,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from flowdesk import APP_NAME
from flowdesk.logs import get_logger
from flowdesk.push.prepare import MAX_NOTE_CHARS
from flowdesk.ui import theme
from flowdesk.ui.note_marks import ALLOWED, HIDDEN, KEPT, REVEALED, Mark, Marks
from flowdesk.ui.steady_edit import SteadyPlainTextEdit
from flowdesk.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from PySide6.QtGui import QTextCharFormat

    from flowdesk.redact import AllowList, Category, RedactionResult

log = get_logger("ui")
HEADER_RE = re.compile(r"^(═══ .* ═══|── .* ──)$")


@cache
def marker_re() -> re.Pattern[str]:
    """Any redaction marker (made on first use: :mod:`flowdesk.redact` is not imported before the
    window's first paint)."""
    from flowdesk.redact import MARKERS

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
REDACTION_FAILED = "Redaction failed on this text: it cannot be pushed until that is fixed."
# What a redaction of the note to push is of: its text, the categories, the allow-list, the values kept
RedactionKey = tuple[str, "tuple[str, ...] | None", "AllowList | None", frozenset[str]]


def redact_note(text: str, categories: tuple[str, ...] | None, allow: AllowList | None, kept: frozenset[str]) -> RedactionResult:
    """``redact`` of a note to push (raises ``RedactionError``). Touches no widget: the secret warning runs
    it on the task pool."""
    from flowdesk.redact import redact  # lazy: the rules compile on first use, not before the first paint

    return redact(text, categories, allow=allow, keep=kept)


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


# Qt counts positions in UTF-16 units: a character beyond the Basic Multilingual Plane (an emoji) is two.
_ASTRAL_RE = re.compile("[\U00010000-\U0010FFFF]")
_astral_seen: list[tuple[str, list[int]]] = []  # the last few texts asked about, with theirs


def _astral(text: str) -> list[int]:
    """Where ``text``'s characters of two UTF-16 units are, in order. The highlighter asks about the whole
    note once per line of it, so the last few texts' lists are kept (by identity): the conversions cost a
    look-up, not a pass over the note (a pass per line made a 26,000-character paste take 2 s)."""
    for i, (seen, found) in enumerate(_astral_seen):
        if seen is text:
            if i:  # the most recently asked first: the whole note stays while the highlighter asks about lines
                _astral_seen.insert(0, _astral_seen.pop(i))
            return found
    # most notes have none: encoding to UTF-16 tells in C (~50 us for 77,000 characters; the scan ~1 ms)
    none = len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text)
    found = [] if none else [m.start() for m in _ASTRAL_RE.finditer(text)]
    _astral_seen.insert(0, (text, found))
    del _astral_seen[4:]
    return found


def qt_pos(text: str, index: int) -> int:
    """A Python index in ``text`` as a Qt position."""
    return index if text.isascii() else index + bisect_left(_astral(text), index)


def py_index(text: str, pos: int) -> int:
    """A Qt position in ``text`` as a Python index (a position inside a character of two units: the index
    after it)."""
    if text.isascii():
        return pos
    astral = _astral(text)
    # the characters of two units that end at or before ``pos`` (the j-th ends at unit astral[j] + j + 2)
    before = bisect_right(range(len(astral)), pos, key=lambda j: astral[j] + j + 2)
    return min(pos - before, len(text))


def _format(background: QColor, foreground: QColor, *, underline: bool = False) -> QTextCharFormat:
    # imported when the first note is highlighted: making the QTextFormat classes' Python enums (~2 ms) is
    # not needed before the first paint, which shows an empty editor
    from PySide6.QtGui import QTextCharFormat

    fmt = QTextCharFormat()
    fmt.setBackground(QColor(background))
    fmt.setForeground(QColor(foreground))
    fmt.setFontWeight(QFont.Weight.DemiBold)
    if underline:
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashUnderline)
    return fmt


class NoteHighlighter(QSyntaxHighlighter):
    """Headers in bold accent colour; every ``[… REDACTED]`` marker on an amber background; a value
    shown for the engineer in red, a kept one in green, an allow-listed one in grey."""

    def __init__(self, document: QTextDocument, palette: QPalette, editor: NoteEditor | None = None) -> None:
        super().__init__(document)
        self.editor = editor
        self._palette = palette  # the formats' colours: the formats are made with the first text (_format)

    @cached_property
    def header_format(self) -> QTextCharFormat:
        from PySide6.QtGui import QTextCharFormat  # lazy, as in _format

        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.Bold)
        fmt.setForeground(self._palette.color(QPalette.ColorRole.Link))
        return fmt

    @cached_property
    def marker_format(self) -> QTextCharFormat:
        return _format(*theme.pair("marker", self._palette))

    @cached_property
    def state_formats(self) -> dict[str, QTextCharFormat]:
        return {
            REVEALED: _format(*theme.pair("revealed", self._palette), underline=True),
            KEPT: _format(*theme.pair("kept", self._palette), underline=True),
            ALLOWED: _format(*theme.pair("allowed", self._palette)),
        }

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        if not text:
            return
        if HEADER_RE.match(text):
            self.setFormat(0, len(text), self.header_format)
        for m in marker_re().finditer(text):
            self.setFormat(qt_pos(text, m.start()), qt_pos(text, m.end()) - qt_pos(text, m.start()), self.marker_format)
        if self.editor is None or not self.editor.marks.items:
            return
        whole = self.editor.current_text
        start = py_index(whole, self.currentBlock().position())
        end = start + len(text)
        for mark in self.editor.marks:
            if start <= mark.start and mark.end <= end and (fmt := self.state_formats.get(mark.state(whole) or "")):
                a, b = qt_pos(text, mark.start - start), qt_pos(text, mark.end - start)
                self.setFormat(a, b - a, fmt)


class NoteEditor(QWidget):
    """The editable note with its status line.

    ``set_note(generated, counts, result, kept)`` loads a freshly generated note (already redacted) and
    remembers it, so the engineer can see a diff against it and reset to it; ``result`` (the
    ``RedactionResult`` that made it) tells the editor which rule hid what, and ``kept`` which values
    the engineer kept. ``push_text()`` is what to push: the text with every shown value hidden again.

    The secret warning redacts the note on the editor's own worker thread, never on the GUI thread: see
    :meth:`recheck_now`. Not on the app's task pool: four slow ticket look-ups (a proxy that trickles)
    would hold the warning back until one of them gave up.
    """

    text_changed = Signal()
    push_requested = Signal()
    kept_changed = Signal(object)  # frozenset[str]: the values kept as written in this note
    rechecked = Signal()  # the secret warning now says what redaction would do to the note as it is

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = TaskRunner(self, max_threads=1)
        self._generated = ""
        self._generated_counts: dict[str, int] = {}
        self._result: RedactionResult | None = None
        # the last redaction of the note to push, by what it was of: see redaction()
        self._last_redaction: tuple[RedactionKey, RedactionResult] | None = None
        # The secret warning's redaction on the task pool: one at a time; its answer is shown only if
        # nothing it was of changed since (the text, the policy, the note), which bumps the revision.
        self._revision = 0
        self._rechecking = False
        self._rechecking_key: RedactionKey | None = None  # what the redaction running on the worker is of
        self._recheck_again = False  # asked while one was running: again once it answers
        self.current_text = ""  # the document's text, as of the last change handled
        self.marks = Marks()
        self._kept: frozenset[str] = frozenset()
        self._loading = False
        self.categories: tuple[str, ...] | None = None  # what redaction applies to this note (None: all)
        self.allow: AllowList | None = None
        self.edit = SteadyPlainTextEdit(self)  # keeps the engineer's place when a line above takes its height
        self.edit.setObjectName("noteEditor")
        self.edit.setAccessibleName("Note text")
        self.edit.setAccessibleDescription(
            "The ConnectWise note as it will be posted. Redacted secrets are highlighted; hover one to see "
            "which rule hid it, open the context menu to show it or keep it."
        )
        self.edit.setFont(monospace_font())
        self.edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText("Select a session to see its note.")
        # Connected before the highlighter is made, so that the marks are up to date when it paints.
        self.edit.document().contentsChange.connect(self._on_contents_change)
        self.highlighter = NoteHighlighter(self.edit.document(), self.palette(), self)
        self.edit.viewport().installEventFilter(self)
        self.edit.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.edit.customContextMenuRequested.connect(self._context_menu)

        self.redaction_label = QLabel(self)
        self.redaction_label.setObjectName("redactionLabel")
        self.redaction_label.setTextFormat(Qt.TextFormat.PlainText)
        self.redaction_label.setWordWrap(True)
        self.pending_label = QLabel(self)
        self.pending_label.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        self.pending_label.setObjectName("pendingRedactionLabel")
        self.pending_label.setWordWrap(True)
        theme.tint(self.pending_label, "warning")
        self.pending_label.hide()
        self.count_label = QLabel(self)
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
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
        self._too_long: str | None = ""  # the count label's tint role, as last set ("" before the first count)
        self._nothing_to_redact = ""  # "Nothing to redact in this note." when no marker is in it, else ""
        self._update_counts()

    # -- content -----------------------------------------------------------------------------
    def set_note(
        self, generated: str, counts: dict[str, int], result: RedactionResult | None = None, kept: frozenset[str] = frozenset()
    ) -> None:
        self._generated = generated
        self._generated_counts = dict(counts)
        self._result = result if result is not None and result.text == generated else None
        self._kept = frozenset(kept)
        self.marks.clear()
        if self._result is not None:
            self.marks.load(self._result, kept)
        self.current_text = generated
        self._loading = True
        try:
            self.edit.setPlainText(generated)
        finally:
            self._loading = False
        self.edit.moveCursor(self.edit.textCursor().MoveOperation.Start)
        # Another note: the warning of the one before is not shown on it, and its own answers shortly (a
        # note as generated is redaction's output: nothing to warn about unless its policy changed since).
        self._revision += 1
        self.pending_label.hide()
        self._say_nothing_to_redact()
        self.recheck_now()

    def load_draft(self, text: str, *, keep_place: bool = False) -> None:
        """Put the engineer's saved edits (a draft) in place of the generated note, as if typed; with
        ``keep_place`` (the same note, redacted after its push) the cursor and the view stay where they were."""
        bar, cursor = self.edit.verticalScrollBar(), self.edit.textCursor()
        place, position = bar.value(), cursor.position()
        self.edit.setPlainText(text)
        if keep_place:
            cursor = self.edit.textCursor()
            cursor.setPosition(min(position, self.edit.document().characterCount() - 1))
            self.edit.setTextCursor(cursor)
            bar.setValue(place)
        else:
            self.edit.moveCursor(self.edit.textCursor().MoveOperation.Start)
        self.recheck_now()

    def set_generated(self, generated: str) -> None:
        """The note as generated with the values kept so far (what Reset and Changes compare with)."""
        self._generated = generated

    def set_policy(self, categories: tuple[str, ...] | None, allow: AllowList | None) -> None:
        """What redaction applies to this note (its visibility's categories, the allow-list)."""
        if (categories, allow) == (self.categories, self.allow):
            return
        self.categories, self.allow = categories, allow
        self._revision += 1
        self.recheck_now()

    def clear(self) -> None:
        self._last_redaction = None  # it holds the note as typed and what its markers hid
        self._revision += 1  # a redaction still running is of a note no longer shown (nor kept: see above)
        self._recheck.stop()
        self.pending_label.hide()
        self._nothing_to_redact = ""  # nor the last note's "Redacted before posting: …": it stayed under no note
        self.redaction_label.setText("")
        self._generated = ""
        self._generated_counts = {}
        self._result = None
        self.marks.clear()
        self._kept = frozenset()
        self.current_text = ""
        self._loading = True
        try:
            self.edit.clear()
        finally:
            self._loading = False

    def text(self) -> str:
        return self.edit.toPlainText()

    def push_text(self) -> str:
        """The note to push: the text with every value shown for the engineer hidden again."""
        return self.marks.for_push(self.text())

    def kept_values(self) -> frozenset[str]:
        return self._kept

    def generated_text(self) -> str:
        return self._generated

    @property
    def loading(self) -> bool:
        """The text is being replaced by the program (a generated note), not typed."""
        return self._loading

    def is_edited(self) -> bool:
        return self.push_text() != self._generated

    def reset(self) -> None:
        """Back to the generated note, as one edit: Ctrl+Z brings the edits back, with their marks (what they showed
        or kept as written), and Ctrl+Y the generated note's (``Marks.save``)."""
        result = self._result if self._result is not None and self._result.text == self._generated else None
        self.marks.save(self.current_text)
        self.marks.items = []  # the generated note's marks, in place before its text (the highlighter reads them)
        if result is not None:
            self.marks.load(result, self._kept)
        self.marks.save(self._generated)
        self.current_text = self._generated
        self._loading = True
        try:
            cursor = self.edit.textCursor()
            cursor.select(cursor.SelectionType.Document)
            cursor.insertText(self._generated)  # one step of the undo history, not setPlainText (which clears it)
        finally:
            self._loading = False
        self.edit.moveCursor(self.edit.textCursor().MoveOperation.Start)
        self.recheck_now()

    def diff(self) -> str:
        import difflib  # lazy: only when the engineer asks for the changes

        lines = difflib.unified_diff(
            self._generated.splitlines(),
            self.push_text().splitlines(),
            fromfile="generated note",
            tofile="your note",
            lineterm="",
        )
        return "\n".join(lines)

    # -- marks: hover, show, keep ------------------------------------------------------------
    def _on_contents_change(self, pos: int, removed: int, added: int) -> None:
        if self._loading:
            return
        old, new = self.current_text, self.text()
        start = py_index(new, pos)
        self.marks.changed(old, new, start, py_index(old, pos + removed) - start, py_index(new, pos + added) - start)
        self.current_text = new
        kept = self.marks.kept_values(new)
        if kept != self._kept:
            self._kept = kept
            self.kept_changed.emit(kept)

    def index_at(self, point: QPoint) -> int:
        """The text index under a point of the editor's viewport."""
        return py_index(self.text(), self.edit.cursorForPosition(point).position())

    def tooltip_at(self, index: int) -> str:
        """What the redaction mark at ``index`` is, in words; never what it hides."""
        # lazy: the redaction package (describe_rule compiles the rules), not before the first paint
        from flowdesk.redact import describe_rule, find_markers

        text = self.text()
        mark = self.marks.at(index)
        if mark is None:
            span = next((s for s in find_markers(text) if s.start <= index <= s.end), None)
            if span is None:
                return ""
            return f"A {CATEGORY_WORDS[span.category.value][0]} marker. It is posted as it is."
        one, many = CATEGORY_WORDS[mark.category.value]
        state = mark.state(text)
        rule = f"rule “{mark.rule}”" if mark.rule else "redaction"
        if state == REVEALED:
            return f"Shown for you only: this {one} is hidden again when you push ({rule}). Right-click to hide it."
        if state == KEPT:
            return f"Kept as written in this note: you said this {one} is not secret ({rule} found it). Right-click to redact it again."
        if state == ALLOWED:
            return f"Left as written: this {one} is on your allow-list (Settings → Redaction); {rule} found it."
        lines = [f"A {one} was hidden here by {rule}" + (f": {describe_rule(mark.rule)}" if mark.rule else ".")]
        if mark.always:
            lines.append(f"Always redacted: FlowDesk never posts {many}.")
        if mark.original is None:
            lines.append("What it hid is not kept after the note was pushed.")
        else:
            lines.append("Right-click to show it here before you push" + ("." if mark.always else ", or to keep it if it is not secret."))
        return "\n".join(lines)

    def mark_actions(self, index: int) -> list[QAction]:
        """The context-menu actions for the mark at ``index`` (none elsewhere)."""
        mark = self.marks.at(index)
        if mark is None or mark.original is None:
            return []
        state = mark.state(self.text())
        one, many = CATEGORY_WORDS[mark.category.value]
        actions: list[QAction] = []
        if state == HIDDEN:
            show = QAction(f"Show the hidden {one}", self)
            show.setToolTip("Shows it here, for you; it is hidden again when you push.")
            show.triggered.connect(lambda: self.reveal(mark))
            keep = QAction("Keep this one (not a secret)", self)
            if mark.always:
                keep.setEnabled(False)
                keep.setToolTip(f"{many.capitalize()} are always redacted: FlowDesk never posts them.")
            else:
                keep.setToolTip(f"Leave this {one} as written in this note.")
            keep.triggered.connect(lambda: self.keep(mark))
            actions += [show, keep]
        elif state == REVEALED:
            hide = QAction(f"Hide the {one} again", self)
            hide.triggered.connect(lambda: self.hide_value(mark))
            actions.append(hide)
        elif state == KEPT:
            again = QAction(f"Redact this {one} again", self)
            again.triggered.connect(lambda: self.hide_value(mark))
            actions.append(again)
        return actions

    def reveal(self, mark: Mark) -> None:
        mark.intent = REVEALED
        self._replace(self.marks.replacements(self.text(), mark, REVEALED))

    def keep(self, mark: Mark) -> bool:
        """Keep this value as written in the note (every place it was hidden). Refused for a secret."""
        if mark.always or mark.original is None:
            return False
        for m in self.marks:
            if m.original == mark.original and m.category is mark.category:
                m.intent = KEPT
        self._replace(self.marks.replacements(self.text(), mark, KEPT))
        return True

    def hide_value(self, mark: Mark) -> None:
        """Hide a shown value again, or redact a kept one again."""
        self._replace(self.marks.replacements(self.text(), mark, HIDDEN))

    def _replace(self, edits: list[tuple[Mark, str]]) -> None:
        """One edit (one Ctrl+Z) that swaps each mark's text."""
        if not edits:
            return
        from PySide6.QtGui import QTextCursor  # lazy: its Python enums, not before the first paint

        text = self.text()
        cursor = QTextCursor(self.edit.document())
        cursor.beginEditBlock()
        for mark, new in sorted(edits, key=lambda e: e[0].start, reverse=True):
            cursor.setPosition(qt_pos(text, mark.start))
            cursor.setPosition(qt_pos(text, mark.end), QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(new)
        cursor.endEditBlock()

    def after_push(self) -> None:
        """The note was pushed: hide what is shown and forget what the markers hid (undo history too)."""
        self._replace([(m, m.marker) for m in self.marks if m.state(self.text()) == REVEALED])
        self.marks.forget_originals(self.text())
        self.edit.document().clearUndoRedoStacks()
        self._last_redaction = None  # it held the note as typed (secrets too) and what the markers hid
        self._revision += 1  # nor is it kept from a redaction still running

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if obj is self.edit.viewport() and event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.tooltip_at(self.index_at(event.pos()))
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.edit.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().eventFilter(obj, event)

    def context_menu(self, point: QPoint) -> QMenu:
        """Qt's own text menu, with the actions of the mark under ``point`` (if any) first."""
        menu = self.edit.createStandardContextMenu(point)
        actions = self.mark_actions(self.index_at(point))
        if actions:
            menu.setToolTipsVisible(True)
            first = menu.actions()[0]  # Qt's own actions (Undo, Copy, …) follow the mark's
            for action in actions:
                menu.insertAction(first, action)
            menu.insertSeparator(first)
        return menu

    def _context_menu(self, point: QPoint) -> None:
        menu = self.context_menu(point)
        menu.exec(self.edit.viewport().mapToGlobal(point))
        menu.deleteLater()

    # -- status line -------------------------------------------------------------------------
    def _on_text_changed(self) -> None:
        self._revision += 1
        self._update_counts()
        self._recheck.start()
        self.text_changed.emit()

    def _update_counts(self) -> None:
        text = self.text()  # once: a copy of the whole document (~0.7 ms for 77,000 characters here)
        n = len(text)
        # why the count is tinted, said beside it (not in a tool tip alone): a long note is still pushed, one
        # over MAX_NOTE_CHARS is refused when Push is clicked
        if n > MAX_NOTE_CHARS:
            too_long, why = "error", f" (too long: {APP_NAME} posts at most {MAX_NOTE_CHARS:,})"
        elif n > SOFT_LIMIT_CHARS:
            too_long, why = "warning", f" (long: over {SOFT_LIMIT_CHARS:,})"
        else:
            too_long, why = None, ""
        self.count_label.setText(f"{n:,} characters{why}")
        if too_long != self._too_long:  # re-tinting re-applies the palette: only when it changes
            self._too_long = too_long
            theme.tint(self.count_label, too_long)
            self.count_label.setToolTip(
                f"Long notes are hard to read on the ticket (over {SOFT_LIMIT_CHARS:,} characters); "
                "consider leaving out the diagnosis path." if too_long else ""
            )
        found = []
        if n:  # an empty editor (the window starting) has none: redact is not imported for it
            from flowdesk.redact import find_markers

            found = find_markers(text)
        counts: dict[str, int] = {}
        for span in found:
            counts[span.category.value] = counts.get(span.category.value, 0) + 1
        kept = len(self.marks.kept_values(text)) if self.marks.items else 0  # "Keep this one": said, not forgotten
        as_written = f"; {kept} kept as written" if kept else ""
        if found:
            self._nothing_to_redact = ""
            self.redaction_label.setText(f"Redacted before posting: {describe_counts(counts)}{as_written}")
        else:
            self._nothing_to_redact = f"Nothing to redact in this note{as_written}." if text else ""
            self._say_nothing_to_redact()

    def _say_nothing_to_redact(self) -> None:
        """"Nothing to redact" unless the warning below says the edits hold a secret (or could not be checked):
        the two lines must not contradict each other."""
        if self._nothing_to_redact:
            self.redaction_label.setText("" if not self.pending_label.isHidden() else self._nothing_to_redact)

    def recheck_now(self) -> None:
        """Warn when the edited text holds a secret that redaction will still remove at push time.

        The redaction runs on the editor's worker, not on the GUI thread (a long note takes milliseconds), and
        the warning changes when it answers (``rechecked``); an answer for a text, policy or note that is
        no longer the editor's is dropped. Pushing and the draft never wait for it: they redact the note
        themselves (the draft reuses this redaction when it is of the same text)."""
        self._recheck.stop()
        if self._rechecking:
            self._recheck_again = True
            return
        key = self._redaction_key(self.categories, self.allow)
        if self._last_redaction is not None and self._last_redaction[0] == key:
            self._show_warning(self._last_redaction[1])
            return
        revision = self._revision
        self._rechecking = True
        self._rechecking_key = key
        self.tasks.submit(
            redact_note, *key, name="secret warning", owner=self,
            on_done=lambda result: self._recheck_answered(revision, key, result),
            on_error=lambda exc: self._recheck_answered(revision, key, exc),
        )  # fmt: skip

    def _recheck_answered(self, revision: int, key: RedactionKey, answer: RedactionResult | BaseException) -> None:
        """The worker's answer to a recheck, on the GUI thread: shown if it is of the note as it is."""
        self._rechecking = False
        if revision == self._revision:
            if isinstance(answer, BaseException):
                self._show_failure(answer)
            else:
                self._last_redaction = (key, answer)
                self._show_warning(answer)
        if self._recheck_again:
            self._recheck_again = False
            self.recheck_now()

    def _show_warning(self, result: RedactionResult) -> None:
        if result.total:
            self.pending_label.setText(
                f"Your edits contain {describe_counts(result.counts)}: they will be redacted when you push."
            )
            self.pending_label.show()
        else:
            self.pending_label.hide()
        self._say_nothing_to_redact()
        self.rechecked.emit()

    def _show_failure(self, exc: BaseException) -> None:
        """Fail closed: the note cannot be pushed (the push redacts it again, and refuses it too)."""
        from flowdesk.redact import RedactionError

        if not isinstance(exc, RedactionError):  # its type only: an error's words may quote the note
            log.error("the secret warning's redaction ended with %s", type(exc).__name__)
        self.pending_label.setText(REDACTION_FAILED)
        self.pending_label.show()
        self._say_nothing_to_redact()
        self.rechecked.emit()

    def _redaction_key(self, categories: tuple[str, ...] | None, allow: AllowList | None) -> RedactionKey:
        return (self.push_text(), categories, allow, self._kept)

    def redacting(self, categories: tuple[str, ...] | None, allow: AllowList | None) -> bool:
        """The worker is redacting the note to push as it is, with these: :meth:`redaction` can have it shortly."""
        return self._rechecking and self._rechecking_key == self._redaction_key(categories, allow)

    def redaction(self, categories: tuple[str, ...] | None, allow: AllowList | None) -> RedactionResult:
        """``redact`` of the note to push with these categories, the allow-list and the values kept (raises
        ``RedactionError``), now, on the calling thread (the draft, written after a pause in typing). The
        last one is kept: the draft and the secret warning's recheck, both after a pause in typing, redact
        the same text, and a long note (77,000 characters: ~5 ms here) is redacted once."""
        key = self._redaction_key(categories, allow)
        if self._last_redaction is not None and self._last_redaction[0] == key:
            return self._last_redaction[1]
        result = redact_note(*key)
        self._last_redaction = (key, result)
        return result

    def marker_categories(self) -> list[Category]:
        # lazy: the redaction package (its rules compile on first use), not before the first paint
        from flowdesk.redact import find_markers

        return [s.category for s in find_markers(self.text())]
