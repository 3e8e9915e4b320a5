"""The vocabulary of redaction: categories and their markers, the rule record, the result.

A rule is data: which category it belongs to, the words that must be on a line for it to be tried,
a pattern whose ``secret`` group is what gets replaced, and a few named checks. The engine
(:mod:`flowdesk.redact.engine`) runs them; the families (``rules/*.toml``, read by
:mod:`flowdesk.redact.table`) define them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class Category(StrEnum):
    IP = "ip"
    EMAIL = "email"
    TOKEN = "token"
    UNC_PATH = "unc_path"
    PASSWORD = "password"
    CONNECTION_STRING = "connection_string"
    PRIVATE_KEY = "private_key"
    ACCESS_KEY = "access_key"


MARKERS: dict[Category, str] = {
    Category.IP: "[IP REDACTED]",
    Category.EMAIL: "[EMAIL REDACTED]",
    Category.TOKEN: "[TOKEN REDACTED]",
    Category.UNC_PATH: "[UNC PATH REDACTED]",
    Category.PASSWORD: "[PASSWORD REDACTED]",
    Category.CONNECTION_STRING: "[CONNECTION STRING REDACTED]",
    Category.PRIVATE_KEY: "[PRIVATE KEY REDACTED]",
    Category.ACCESS_KEY: "[ACCESS KEY REDACTED]",
}

# The order in which the categories are applied: a later category never sees what an earlier one hid.
ALL_CATEGORIES: tuple[Category, ...] = (
    Category.PRIVATE_KEY,
    Category.CONNECTION_STRING,
    Category.ACCESS_KEY,
    Category.PASSWORD,
    Category.TOKEN,
    Category.EMAIL,
    Category.UNC_PATH,
    Category.IP,
)

_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_ASCII_BYTES = bytes(range(128))


def lower(text: str) -> str:
    """A lower-cased copy of ``text`` whose positions line up with ``text``.

    ``str.lower`` of a text holding a few non-ASCII characters (a note's arrows and rules) costs ~55
    instructions a character, of an ASCII one two. So the ASCII letters are lowered in the UTF-8 bytes
    when no non-ASCII character changes when lowered; otherwise each line is lowered on its own. Only
    capital sigma lowers according to its neighbours (never across a line break); a text holding one is
    lowered whole all the same."""
    if text.isascii():
        return text.lower()
    # In UTF-8 a non-ASCII character is bytes >= 0x80 only, which ``bytes.lower`` leaves alone: lowering
    # the ASCII letters so (18 us for the encoding, 23 for lowering and decoding, on the bench note) is
    # ``str.lower`` when no non-ASCII character changes when lowered (the bench note's arrows, rules and
    # accented small letters; capital sigma does change), which the non-ASCII characters alone tell.
    raw = text.encode("utf-8", "surrogatepass")
    others = raw.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
    if others.lower() == others:
        return raw.lower().decode("utf-8", "surrogatepass")
    whole = "\u03a3" in text
    low = text.lower() if whole else "\n".join(map(str.lower, text.split("\n")))
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)  # "İ" lowers to two characters


MARKER_TO_CATEGORY: dict[str, Category] = {marker: cat for cat, marker in MARKERS.items()}
MARKER_RE = re.compile("|".join(re.escape(m) for m in MARKERS.values()))


@dataclass(frozen=True, slots=True, init=False)
class Span:
    """Where one marker (or one value left as written, see ``RedactionResult.spared``) is in the OUTPUT."""

    start: int
    end: int
    category: Category
    rule: str = field(default="", compare=False)  # the id of the rule that found it ("" when not known)

    def __init__(self, start: int, end: int, category: Category, rule: str = "") -> None:
        # What dataclass writes for a frozen class, ``object.__setattr__`` per field, through the slots'
        # own setters: a redaction makes a Span per marker, and this is 40% cheaper.
        _SET_START(self, start)
        _SET_END(self, end)
        _SET_CATEGORY(self, category)
        _SET_RULE(self, rule)


# the slots' setters (member descriptors)
_SET_START, _SET_END, _SET_CATEGORY, _SET_RULE = (Span.__dict__[f].__set__ for f in ("start", "end", "category", "rule"))


@dataclass(frozen=True, slots=True)
class RedactionResult:
    text: str
    spans: tuple[Span, ...]  # the markers this call inserted
    counts: dict[str, int]
    # What each marker in ``spans`` replaced, in the same order: for the editor's "show what this hid"
    # before pushing. Kept out of repr() so that it never reaches a log or a traceback.
    originals: tuple[str, ...] = field(default=(), repr=False, compare=False)
    # Values a rule found but left as written: on the allow-list or kept by the engineer ("Keep this one").
    spared: tuple[Span, ...] = field(default=(), compare=False)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class RedactionError(Exception):
    """Redaction failed; the message never contains any part of the input."""


def find_markers(text: str) -> list[Span]:
    """Every marker already present in ``text`` (for highlighting an edited note)."""
    if not isinstance(text, str):
        raise TypeError(f"find_markers() expects str, not {type(text).__name__}")
    return [Span(m.start(), m.end(), MARKER_TO_CATEGORY[m.group()]) for m in MARKER_RE.finditer(text)]


# --------------------------------------------------------------------------------------------------
# The rule record
# --------------------------------------------------------------------------------------------------


class Found(NamedTuple):
    """One candidate: a match of a rule's pattern and the span of its secret, in ``text``.

    ``text`` is what the rule ran on (its lines, or the piece for a multi-line rule) in the original
    case; ``low`` is its lower-cased copy (same length, same positions).
    """

    text: str
    low: str
    match: re.Match[str]
    start: int
    end: int

    @property
    def value(self) -> str:
        return self.text[self.start : self.end]

    def group(self, name: str) -> str | None:
        """A group of the match, read from the original text (not the lower-cased copy)."""
        if self.match.group(name) is None:
            return None
        s, e = self.match.span(name)
        return self.text[s:e]

    def before(self, limit: int = 80) -> str:
        """Up to ``limit`` characters of the line before the match."""
        lo = max(0, self.match.start() - limit)
        chunk = self.text[lo : self.match.start()]
        nl = chunk.rfind("\n")
        return chunk if nl < 0 else chunk[nl + 1 :]


Check = Callable[[Found], bool]


@dataclass(frozen=True, slots=True)
class Rule:
    """One way a secret shows up in a note.

    * ``keywords``: lower-case strings; the rule is tried only on the lines (the pieces, for a
      multi-line rule) whose lower-cased text holds one of them, and every match of the pattern holds
      one (a test checks both). No keywords: tried everywhere.
    * ``pattern``: written in lower case and run on a lower-cased copy of the text, unless
      ``case_sensitive``. The first of the ``secret`` groups that took part is what gets replaced.
    * ``lstrip`` / ``trim``: characters taken off the start / end of the secret (sentence punctuation,
      quotes); ``trim`` also takes off closing brackets that have no opening one inside the secret.
    * ``unquote``: a secret wrapped in a pair of the same quote loses the pair (then ``trim`` is skipped).
    * ``checks``: named predicates over the candidate; all must pass.
    * ``split``: cuts the secret into parts judged one by one (the parts between UUIDs of a long run).
    * ``multiline``: the only way a match may span a line break (PEM blocks, a password's answer on the
      line after its question); every other rule sees one line at a time, which is what lets the engine
      try a rule only on the lines holding its keywords.
    * ``anchored``: every match starts with one of the keywords, so the pattern is tried only where one
      starts (a test checks this too); a pattern that must look at every position of a line is the
      slowest thing redaction does.
    * ``min_run``: every match is a run of at least this many characters without white space (or of the
      character class ``run_chars``, matched against the lower-cased text, when given); a rule without
      keywords is then tried only on the lines that hold such a run (a test checks this too).
    * ``overlap``: a match may start inside the previous one (each label is tried on its own, even in
      the value of another: 'Password: "password": "X"').
    * ``prefilter``: a cheaper pattern, run once over the lower-cased text, that the line of every
      secret the rule finds (its checks passed) holds; the rule is tried only on the lines where it
      matches too (IPv6: "::" or six colons, while its keywords ':0'...':f' are on every line with a
      time). A test checks this like the keywords. Every match of a prefilter holds one of the rule's
      keywords (a test checks this too), so the engine finds such a rule's lines by its prefilter alone.
    """

    id: str
    category: Category
    keywords: tuple[str, ...]
    pattern: re.Pattern[str]
    description: str
    example: str
    secret: tuple[str, ...] = ("secret",)
    case_sensitive: bool = False
    lstrip: str = ""
    trim: str = ""
    unquote: bool = False
    checks: tuple[Check, ...] = ()
    split: Callable[[str], list[tuple[int, int]]] | None = None
    multiline: bool = False
    anchored: bool = False
    min_run: int = 0
    run_chars: re.Pattern[str] | None = None
    overlap: bool = False
    prefilter: re.Pattern[str] | None = None

    def shape(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """The secret span after ``unquote``, ``lstrip`` and ``trim``; None when nothing is left."""
        if self.unquote and end - start >= 2 and text[start] in "\"'" and text[end - 1] == text[start]:
            return (start + 1, end - 1) if end - start > 2 else None
        while start < end and text[start] in self.lstrip:
            start += 1
        while end > start and text[end - 1] in self.trim:
            ch = text[end - 1]
            if ch in _CLOSERS and text.count(_CLOSERS[ch], start, end) >= text.count(ch, start, end):
                break  # a closing bracket whose opening one is in the secret belongs to it
            end -= 1
        return (start, end) if end > start else None


_CLOSERS = {")": "(", "]": "[", "}": "{"}


def rx(pattern: str, *, flags: int = 0) -> re.Pattern[str]:
    """Compile a rule pattern (a name short enough to keep rule tables readable)."""
    return re.compile(pattern, flags)
