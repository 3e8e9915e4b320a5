"""Names a person or a server wrote (an engineer, a company, a board, a status) shown inside a line of ours,
each kept in its own writing direction.

In "Escalated · Bäckerei Müller · ليلى حداد · 2026-11-22 11:31" the Unicode bidirectional algorithm reads
the date after the Arabic name as Arabic numbers and lays the two out right to left: the window showed
"11:31 22-11-2026 · ليلى حداد". A right-to-left part wrapped in a first-strong isolate (U+2068 … U+2069)
takes its own direction and leaves its neighbours theirs. Only parts that hold a right-to-left letter are
wrapped, so a line of left-to-right names reads (and is read by a screen reader) exactly as before.

For the screen only: the note sent to ConnectWise is the seed's text, never touched here."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
DOT = " · "
_RIGHT_TO_LEFT = frozenset(("R", "AL"))


def right_to_left(text: str) -> bool:
    """Does ``text`` hold a right-to-left letter (Hebrew, Arabic, Syriac, Thaana, N'Ko…)?"""
    return not text.isascii() and any(unicodedata.bidirectional(c) in _RIGHT_TO_LEFT for c in text)


def isolate(text: str) -> str:
    """``text`` in its own direction inside a line of ours (unchanged when it has no right-to-left letter)."""
    return f"{FSI}{text}{PDI}" if right_to_left(text) else text


def joined(parts: Iterable[str | None], sep: str = DOT) -> str:
    """The non-empty ``parts`` joined with `` · ``, each kept in its own direction."""
    return sep.join(isolate(p) for p in parts if p)
