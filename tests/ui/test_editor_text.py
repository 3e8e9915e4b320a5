"""The note editor's text positions: Qt counts UTF-16 units (an emoji is two), Python counts characters.

The conversions must be exact (a redaction mark is coloured, revealed or kept at the place they give),
and cheap: the highlighter converts once per line of the note, and a conversion that walked the note
from its start made a 26,000-character paste take 2 s (53,000: 11 s) of the GUI thread.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import flowdesk.ui.editor as editor_module
from flowdesk.ui.editor import NoteEditor, py_index, qt_pos

# ASCII, the note's box-drawing headers, accents, an emoji (two units), a lone surrogate (one unit)
CHARS = st.sampled_from(["a", " ", "\n", "═", "é", "😀", "🔑", "\ud800", "漢"])


def units(text: str) -> int:
    """Qt's length of ``text``: UTF-16 units (lone surrogates included, as Qt keeps them)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def walked_py_index(text: str, pos: int) -> int:
    """The definition, walked character by character (what the editor did before)."""
    count = 0
    for i, ch in enumerate(text):
        if count >= pos:
            return i
        count += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


@given(st.lists(CHARS, max_size=60).map("".join), st.data())
def test_qt_positions_count_utf16_units(text, data):
    index = data.draw(st.integers(0, len(text)))
    assert qt_pos(text, index) == units(text[:index])


@given(st.lists(CHARS, min_size=1, max_size=60).map("".join), st.data())
def test_a_qt_position_maps_back_to_its_character(text, data):
    if text.isascii():
        return  # the same numbers
    pos = data.draw(st.integers(0, units(text) + 2))
    assert py_index(text, pos) == walked_py_index(text, pos)
    index = data.draw(st.integers(0, len(text)))
    assert py_index(text, qt_pos(text, index)) == index


def test_a_marker_after_emoji_is_coloured_where_it_is(qtbot):
    """The highlighter's format for the marker covers the marker's own units, on a line after emoji."""
    from flowdesk.redact import redact

    text = "═══ Note ═══\nUser 😀 said 🔑 password: Hunter2Secret! then left\nend"
    result = redact(text)
    ed = NoteEditor()
    qtbot.addWidget(ed)
    ed.set_note(result.text, result.counts, result)
    block = ed.edit.document().findBlockByNumber(1)
    marker = "[PASSWORD REDACTED]"
    line = block.text()
    start = units(line[: line.index(marker)])
    formats = [r for r in block.layout().formats() if r.format.background().style() != 0]
    assert [(r.start, r.length) for r in formats] == [(start, len(marker))]


def test_pasting_a_long_note_reads_each_text_once_not_once_per_line(qtbot, monkeypatch):
    """The whole note is scanned for characters of two units a few times per change, not per line."""
    scans: list[int] = []
    real = editor_module._ASTRAL_RE

    class Counting:
        def finditer(self, text: str):  # noqa: ANN201
            if len(text) > 1000:
                scans.append(len(text))
            return real.finditer(text)

    monkeypatch.setattr(editor_module, "_ASTRAL_RE", Counting())
    ed = NoteEditor()
    qtbot.addWidget(ed)
    from flowdesk.redact import redact

    note = "═══ FlowPilot Session Documentation ═══\n" + "".join(f"{i}. Checked share \\\\fs{i}\\data 😀\n" for i in range(400))
    result = redact(note)
    ed.set_note(result.text, result.counts, result)
    scans.clear()
    ed.edit.moveCursor(ed.edit.textCursor().MoveOperation.End)
    ed.edit.insertPlainText("\n".join(f"pasted line {i} ─ 🔑" for i in range(400)))  # a paste of 400 lines
    assert ed.text().count("pasted line") == 400
    assert len(scans) <= 6, len(scans)  # once per text the change is asked about, not 400 times


def test_the_character_count_says_long_past_the_soft_limit_and_back(qtbot):
    """The count's words, tint and tool tip change when the note crosses the soft limit, and only then. The
    words say why it is tinted (it was red with no word why), in a warning's colour: the note is still pushed."""
    from flowdesk.push.prepare import MAX_NOTE_CHARS
    from flowdesk.ui import theme
    from flowdesk.ui.editor import SOFT_LIMIT_CHARS

    ed = NoteEditor()
    qtbot.addWidget(ed)
    ed.set_note("═══ Note ═══\nshort", {})
    label = ed.count_label
    normal = label.palette().color(label.foregroundRole())
    assert label.toolTip() == "" and label.text() == "18 characters"
    ed.edit.moveCursor(ed.edit.textCursor().MoveOperation.End)
    ed.edit.insertPlainText("x" * SOFT_LIMIT_CHARS)
    assert label.palette().color(label.foregroundRole()) == theme.color("warning")
    assert label.text() == f"{18 + SOFT_LIMIT_CHARS:,} characters (long: over {SOFT_LIMIT_CHARS:,})"
    assert "Long notes are hard to read" in label.toolTip()
    ed.edit.insertPlainText("x" * MAX_NOTE_CHARS)  # more than Push posts: said before Push refuses it
    assert label.text() == f"{18 + SOFT_LIMIT_CHARS + MAX_NOTE_CHARS:,} characters (too long: FlowDesk posts at most 100,000)"
    assert label.palette().color(label.foregroundRole()) == theme.color("error")
    ed.edit.undo()
    ed.edit.undo()
    assert label.palette().color(label.foregroundRole()) == normal and label.toolTip() == ""
    assert label.text() == "18 characters"


def test_the_whole_note_stays_remembered_while_the_highlighter_asks_about_its_lines() -> None:
    """The highlighter asks about the whole note and about each line's text in turn: the note's places of
    two-unit characters are found once, not again every few lines (found in review)."""
    from flowdesk.ui import editor as editor_module

    note = "\n".join(f"line {i} \N{GRINNING FACE} and é" for i in range(40))
    first = editor_module._astral(note)
    assert len(first) == 40
    for i, line in enumerate(note.split("\n")):
        assert editor_module._astral(line) == [len(f"line {i} ")]
        assert editor_module._astral(note) is first  # a look-up, not a new pass over the note
