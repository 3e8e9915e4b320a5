"""Checks shared by several rule families: is this value a placeholder, does it look like a password.

A check takes a :class:`~flowdesk.redact.model.Found` and answers yes (keep the candidate) or no.
"""

from __future__ import annotations

import re

from flowdesk.redact.model import Found

PLACEHOLDER_WORDS = frozenset(
    """
    none n/a na n.a. null nil blank empty unknown unchanged same redacted hidden masked removed
    omitted see refer stored saved sent provided given emailed texted set reset changed updated
    expired expiring locked unlocked required correct incorrect wrong valid invalid ok okay working
    works verified confirmed true false $true $false yes no tbd tba pending not in on via from the a
    an is was user users vault keeper itglue it never enabled disabled complex strong weak rotated
    documented recorded attached below above managed handled known default prompt prompted asked
    entered typed synced cached remembered forgotten unset
    """.split()  # noqa: SIM905 - a word list is easier to read and extend
)
HAS_DIGIT_RE = re.compile(r"\d")
# a value in prose (or after a weak separator) must hold one of these to look like a password
PROSE_LIKE_RE = re.compile(r"[\d!@#$%^&*+=~|\\/?<>{}\[\]()_]")
LETTER_RE = re.compile(r"[A-Za-z]")
UNIT_WORDS = (
    r"(?:characters?|chars?|digits?|letters?|symbols?|days?|hours?|minutes?|weeks?|months?|years?"
    r"|long|old|attempts?|times?)"
)
MEASURE_RE = re.compile(rf"\d+\+?[-\u2010\u2011]?{UNIT_WORDS}[.,;:]?")


def is_placeholder(value: str) -> bool:
    """'N/A', 'see vault', '********': words standing where a value would be, not a value."""
    v = value.strip().lower().rstrip(".,;:!")
    if not v:
        return True
    if v in PLACEHOLDER_WORDS:
        return True
    return len(set(v)) == 1 and v[0] in "*•●x#"  # masked: "********", "•••••", "xxxxxx"


def is_complex(value: str) -> bool:
    """Windows complexity: 8+ characters from 3 of upper, lower, digit, symbol."""
    if len(value) < 8:
        return False
    classes = (
        any(c.isupper() for c in value)
        + any(c.islower() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )
    return classes >= 3


# --------------------------------------------------------------------------------------------------
# Checks (Found -> bool), named for the rule table
# --------------------------------------------------------------------------------------------------


def not_placeholder(f: Found) -> bool:
    """The value is not a placeholder ('N/A', 'see vault', '****')."""
    return not is_placeholder(f.value)


def prose_like(f: Found) -> bool:
    """The value holds a digit or a symbol (words in a sentence do not; passwords that meet any
    complexity rule do)."""
    return PROSE_LIKE_RE.search(f.value) is not None


def quoted_or_password_like(f: Found) -> bool:
    """The value was quoted; or it holds a digit or a symbol and is not a short number ('pin 42')."""
    if f.text[f.match.start("secret")] in "\"'":
        return True
    return not (f.value.isdigit() and len(f.value) < 4) and PROSE_LIKE_RE.search(f.value) is not None


def complex_password(f: Found) -> bool:
    """The value meets Windows complexity (8+ characters, 3 of upper, lower, digit, symbol)."""
    return is_complex(f.value)


def strong_word(f: Found) -> bool:
    """A word standing alone after the label looks like a password: 6+ characters, and either all
    digits or letters with a digit or symbol; not a measure ('14-characters')."""
    value = f.value
    if len(value) < 6 or is_placeholder(value) or MEASURE_RE.fullmatch(value):
        return False
    return value.isdigit() or (LETTER_RE.search(value) is not None and PROSE_LIKE_RE.search(value) is not None)


def key_like(f: Found) -> bool:
    """8+ characters, with a digit unless 16+ long."""
    value = f.value
    return len(value) >= 8 and (HAS_DIGIT_RE.search(value) is not None or len(value) >= 16)
