"""Text from data made safe to print on a terminal.

A session's summary, a company name, a file name or ConnectWise's error message can carry control
characters: ANSI escapes clear the screen, move the cursor, set the window's title or forge lines;
bidi overrides (U+202E …) make text read in another order than it is. Every text-output command passes
what it prints from data through :func:`printable`, which shows each such character as an escape
(``\\x1b``, ``\\u202e``) instead. ``--json`` output is not passed through it: JSON escapes them itself
and must stay exact.
"""

from __future__ import annotations

import re
from functools import cache

# C0 and C1 controls, DEL, bidi marks/embeddings/overrides/isolates, line/paragraph separators, lone surrogates
_UNSAFE = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_LINES_UNSAFE = _UNSAFE.replace("\x00-\x1f", "\x00-\x08\x0b\x0c\x0e-\x1f")  # a note's tabs and line ends stay


@cache
def _pattern(lines: bool) -> re.Pattern[str]:
    """Compiled when first printed (~1 ms: not for the window's start-up, which prints nothing). For a note,
    tabs and line ends (\\n, \\r\\n) stay; a bare \\r (which overwrites the line) does not."""
    return re.compile(f"[{_LINES_UNSAFE}]|\r(?!\n)" if lines else f"[{_UNSAFE}]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` with every control character, escape and bidi override shown as an escape; with ``lines``,
    tabs and ``\\n`` line ends stay (a note), else they are shown too (one line of a list)."""
    pattern = _pattern(lines)
    return pattern.sub(_shown, text) if pattern.search(text) else text
