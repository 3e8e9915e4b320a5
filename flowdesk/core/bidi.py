"""Names a person or a server wrote (an engineer, a company, a board, a status) shown inside a line of ours,
each kept in its own writing direction.

In "Escalated · Bäckerei Müller · ليلى حداد · 2026-11-22 11:31" the Unicode bidirectional algorithm reads
the date after the Arabic name as Arabic numbers and lays the two out right to left: the window showed
"11:31 22-11-2026 · ليلى حداد". A right-to-left part wrapped in a first-strong isolate (U+2068 … U+2069)
takes its own direction and leaves its neighbours theirs. Only parts that hold a right-to-left letter are
wrapped, so a line of left-to-right names reads (and is read by a screen reader) exactly as before.

For the screen only: the note sent to ConnectWise is the seed's text, never touched here."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
DOT = " · "
_RIGHT_TO_LEFT = frozenset(("R", "AL"))


# Every right-to-left letter is in one of these blocks (the right-to-left mark too): a text with none of them
# (a queue row's "Note — …" at each repaint) is answered by one regular-expression search, not a look-up a letter
_BLOCKS = re.compile("[\u0590-\u08ff\u200f\ufb1d-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]")


def right_to_left(text: str) -> bool:
    """Does ``text`` hold a right-to-left letter (Hebrew, Arabic, Syriac, Thaana, N'Ko…)?"""
    found = None if text.isascii() else _BLOCKS.search(text)
    return found is not None and any(unicodedata.bidirectional(c) in _RIGHT_TO_LEFT for c in text[found.start():])


def isolate(text: str) -> str:
    """``text`` in its own direction inside a line of ours (unchanged when it has no right-to-left letter)."""
    return f"{FSI}{text}{PDI}" if right_to_left(text) else text


def joined(parts: Iterable[str | None], sep: str = DOT) -> str:
    """The non-empty ``parts`` joined with `` · ``, each kept in its own direction."""
    return sep.join(isolate(p) for p in parts if p)


_NOT_IN_A_NAME = frozenset(("L", "B", "S", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"))


def isolate_names(text: str) -> str:
    """``text`` (a sentence of ours with names in it: a notification, the queue's What) with each right-to-left
    run — from its first right-to-left letter to its last, the spaces and numbers between them included — in
    its own isolate: "Contact ليلى حداد 48211 is inactive" keeps the ticket number after the name, where the
    bidirectional algorithm otherwise reads it as Arabic and puts it before. Unchanged without such a letter."""
    if not right_to_left(text):
        return text
    out: list[str] = []
    done = start = 0
    end = -1  # the last right-to-left letter of the run being read (-1: none)
    depth = 0  # inside an isolate already there (a name ``joined`` isolated): left as it is
    for i, c in enumerate(text):
        kind = unicodedata.bidirectional(c)
        if depth and kind != "PDI":
            depth += kind in ("LRI", "RLI", "FSI")
            continue
        if kind in _RIGHT_TO_LEFT:
            if end < 0:
                start = i
            end = i
        elif kind in _NOT_IN_A_NAME and end >= 0:
            out += (text[done:start], FSI, text[start : end + 1], PDI)
            done, end = end + 1, -1
        if kind in ("LRI", "RLI", "FSI"):
            depth += 1
        elif kind == "PDI":
            depth = max(0, depth - 1)
    if end >= 0:
        out += (text[done:start], FSI, text[start : end + 1], PDI)
        done = end + 1
    out.append(text[done:])
    return "".join(out)
