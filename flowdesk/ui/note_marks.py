"""What each redaction marker in the editor stands for, kept in step with the engineer's edits.

A mark is one place redaction touched: a marker (and, before the note is pushed, what it hid), a value
shown again for the engineer ("revealed", pushed as the marker all the same), a value the engineer
kept as written ("Keep this one"), or a value on the settings' allow-list. Its state is read from the
text at its place, so undo and redo of a reveal or a keep need no bookkeeping of their own: after an
undo the marker is back, and the mark says "hidden".

Qt-free: the editor feeds it the document's changes (position, removed, added).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when first needed: not before the window's first paint
    from flowdesk.redact import Category, RedactionResult

HIDDEN, REVEALED, KEPT, ALLOWED = "hidden", "revealed", "kept", "allowed"


@cache
def _markers() -> dict[Category, str]:
    """The redaction package's markers, imported when first needed: not before the window's first paint
    (this module is imported with the window). Looked up on every keystroke for every mark: an import
    statement each time cost more than the rest of the look-up (PySide6 checks every import)."""
    from flowdesk.redact import MARKERS

    return MARKERS


class Mark:
    """One mark, moved and updated as the note is edited (a plain class: this module loads before the first
    paint, and a dataclass costs ~0.5 ms to create)."""

    __slots__ = ("start", "end", "category", "rule", "original", "intent")

    def __init__(self, start: int, end: int, category: Category, rule: str, original: str | None, intent: str) -> None:
        self.start = start
        self.end = end
        self.category = category
        self.rule = rule  # the rule that found it ("" for a marker typed or pasted by the engineer)
        self.original = original  # what the marker hides; None when not known (typed, or forgotten after a push)
        self.intent = intent  # what the text is when it is not the marker: REVEALED, KEPT or ALLOWED

    def copy(self) -> Mark:
        return Mark(self.start, self.end, self.category, self.rule, self.original, self.intent)

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mark) and self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # equal by value and changed in place: unhashable

    def __repr__(self) -> str:
        return f"Mark({', '.join(f'{name}={value!r}' for name, value in zip(self.__slots__, self._values(), strict=True))})"

    @property
    def marker(self) -> str:
        return _markers()[self.category]

    @property
    def always(self) -> bool:
        """A secret family: always redacted, never kept."""
        from flowdesk.redact import ALWAYS_REDACTED  # lazy: as in marker

        return self.category in ALWAYS_REDACTED

    def state(self, text: str) -> str | None:
        """HIDDEN, REVEALED, KEPT or ALLOWED, read from the text at the mark; None when it was edited."""
        here = text[self.start : self.end]
        if here == self.marker and self.intent != ALLOWED:
            return HIDDEN
        if self.original is not None and here == self.original:
            return self.intent
        return None


class Marks:
    """The marks of one note, in text order."""

    def __init__(self) -> None:
        self.items: list[Mark] = []
        self._saved: dict[str, list[Mark]] = {}  # text -> copies of its marks (see save)

    def save(self, text: str) -> None:
        """Keep a copy of the marks of ``text`` (the editor's Reset: of the edits, and of the generated note), so that
        an undo or redo back to that text brings them back, with what they showed or kept as written."""
        self._saved[text] = [m.copy() for m in self.items]

    def load(self, result: RedactionResult, kept: Collection[str] = ()) -> None:
        """The marks of a freshly redacted note: its markers, and the values it left as written."""
        originals = result.originals or (None,) * len(result.spans)
        marks = [Mark(s.start, s.end, s.category, s.rule, o, REVEALED) for s, o in zip(result.spans, originals, strict=True)]
        for s in result.spared:
            value = result.text[s.start : s.end]
            marks.append(Mark(s.start, s.end, s.category, s.rule, value, KEPT if value in kept else ALLOWED))
        self.items = sorted(marks, key=lambda m: m.start)

    def clear(self) -> None:
        self.items, self._saved = [], {}

    def at(self, pos: int) -> Mark | None:
        """The mark under a text position (its last character counts too)."""
        return next((m for m in self.items if m.start <= pos < m.end or (pos == m.end > m.start)), None)

    def kept_values(self, text: str) -> frozenset[str]:
        return frozenset(m.original for m in self.items if m.original is not None and m.state(text) == KEPT)

    def forget_originals(self, text: str) -> None:
        """After a push: what the markers hid is not kept any longer (kept and allowed values stay)."""
        for m in self.items:
            if m.state(text) == HIDDEN:
                m.original = None

    def for_push(self, text: str) -> str:
        """The text with every revealed value hidden again (the engineer only looked at it)."""
        out, pos = [], 0
        for m in self.items:
            if m.state(text) == REVEALED:
                out += [text[pos : m.start], m.marker]
                pos = m.end
        return "".join(out) + text[pos:]

    def replacements(self, text: str, mark: Mark, to: str) -> list[tuple[Mark, str]]:
        """The (mark, new text) edits that turn ``mark`` to state ``to``: REVEALED or HIDDEN for that mark
        alone, KEPT (or back to HIDDEN from KEPT) for every mark of the same value in the note."""
        if mark.original is None:
            return []
        state = mark.state(text)
        if to == KEPT or (to == HIDDEN and state == KEPT):
            same = [m for m in self.items if m.original == mark.original and m.category is mark.category]
            want = HIDDEN if to == KEPT else KEPT
            return [(m, mark.original if to == KEPT else m.marker) for m in same if m.state(text) == want]
        return [(mark, mark.original if to == REVEALED else mark.marker)] if state != to else []

    def changed(self, old: str, new: str, pos: int, removed: int, added: int) -> None:
        """The document changed: [pos, pos + removed) of ``old`` became [pos, pos + added) of ``new``."""
        if new != old and (saved := self._saved.get(new)) is not None:  # an undo or redo back to a saved text
            self.items = [m.copy() for m in saved]
            return
        end = pos + removed
        inside = [m for m in self.items if m.start < end and m.end > pos]
        whole = [m for m in inside if pos <= m.start and m.end <= end]
        if inside and len(whole) == len(inside) and self._replaced(old, new, pos, end, pos + added, whole):
            pass  # every mark in the change was swapped as a whole (a reveal, a keep, their undo or redo)
        else:
            self.items = [m for m in self.items if m not in inside]
        for m in self.items:
            if m.start >= end and m not in inside:
                m.start += added - removed
                m.end += added - removed
        self.items = [m for m in self.items if m.state(new) is not None]

    @staticmethod
    def _replaced(old: str, new: str, start: int, old_end: int, new_end: int, marks: list[Mark]) -> bool:
        """Does the new text read as the old one with each mark's text swapped for its marker or value?
        If so, move the marks to their new places."""
        pattern, pos = [], start
        for m in marks:
            choices = [m.marker] + ([m.original] if m.original is not None else [])
            pattern += [re.escape(old[pos : m.start]), "(" + "|".join(map(re.escape, choices)) + ")"]
            pos = m.end
        pattern.append(re.escape(old[pos:old_end]))
        found = re.fullmatch("".join(pattern), new[start:new_end], re.DOTALL)
        if found is None:
            return False
        for i, m in enumerate(marks, 1):
            m.start, m.end = start + found.start(i), start + found.end(i)
        return True

    def __iter__(self) -> Iterator[Mark]:
        return iter(self.items)
