"""The engine's promises, held by property tests over every rule.

* Single-line: a rule that does not declare ``multiline`` finds in lines joined by line breaks exactly
  what it finds in each line alone (so no match crosses a line, and no lookaround or check looks past
  one). This is what lets the engine try a rule only on the lines holding its keywords, hand it all of
  them at once, and re-check only the cut lines after a pass.
* Keywords: a rule finds nothing on a line without one of its keywords; the pattern of an
  ``anchored`` rule matches only where a keyword starts, and one with ``min_run`` only inside a run
  that long.
* The engine gives what a plain, ungated reference gives: every rule on every plain piece, full passes
  until nothing changes.
* Idempotent: redacting the output changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowdesk.redact import ALL_CATEGORIES, MARKERS, Category, engine, redact
from flowdesk.redact.model import MARKER_RE, MARKER_TO_CATEGORY, Rule

CORPUS = Path(__file__).parent / "corpus"


def _load(name: str) -> list[dict]:
    return [json.loads(x) for x in (CORPUS / name).read_text(encoding="utf-8").splitlines() if x.strip()]


LINES = [e["line"] for name in ("secrets.jsonl", "ordinary.jsonl") for e in _load(name)]
SECRETS = sorted({s for e in _load("secrets.jsonl") for s in e["secrets"]})
EXAMPLES = [r.example for r in engine.RULES]
KEYWORDS = sorted({k for r in engine.RULES for k in r.keywords})
SINGLE_LINE = [r for r in engine.RULES if not r.multiline]
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_fragment = st.one_of(
    st.sampled_from(LINES + EXAMPLES + SECRETS),
    st.sampled_from(KEYWORDS).map(str.upper),
    st.sampled_from(KEYWORDS),
    st.text(max_size=20),
    st.text(alphabet=" \t:=-./\\\"'@[](){}#0123456789abcdefABCDEF", max_size=20),
    st.sampled_from(list(MARKERS.values())),
)
_line = st.lists(_fragment, max_size=5).map(lambda parts: " ".join(parts).replace("\n", " ").replace("\r", " "))
_text = st.lists(
    st.tuples(_fragment, st.sampled_from(["", " ", "\n", "\t", ": ", "=", "\r\n", "\\\\", "; "])), max_size=8
).map(lambda parts: "".join(a + b for a, b in parts))


def _finds(rule: Rule, text: str) -> list[tuple[int, int]]:
    run = engine._Run("", lambda category, value: False)
    return [(a, b) for a, b, _ in run._find(rule, text, engine.lower(text), None)]


# --------------------------------------------------------------------------------------------------
# Single-line
# --------------------------------------------------------------------------------------------------


def _check_single_line(rule: Rule, lines: list[str]) -> None:
    joined = "\n".join(lines)
    expected: list[tuple[int, int]] = []
    offset = 0
    for line in lines:
        expected += [(offset + a, offset + b) for a, b in _finds(rule, line)]
        offset += len(line) + 1
    assert _finds(rule, joined) == expected, (rule.id, lines)


@pytest.mark.parametrize("rule", SINGLE_LINE, ids=[r.id for r in SINGLE_LINE])
def test_rules_are_single_line_on_the_corpus(rule: Rule) -> None:
    _check_single_line(rule, LINES + EXAMPLES)
    _check_single_line(rule, [line for pair in zip(LINES, reversed(LINES), strict=True) for line in pair])


@PROPERTY
@given(st.lists(_line, min_size=1, max_size=6))
def test_property_no_rule_looks_past_its_line(lines: list[str]) -> None:
    for rule in SINGLE_LINE:
        _check_single_line(rule, lines)


def test_the_single_line_check_catches_a_rule_that_crosses_lines() -> None:
    crossing = Rule("crossing", Category.PASSWORD, ("pw",), engine.re.compile(r"pw\s+(?P<secret>\w+)"), "", "")
    with pytest.raises(AssertionError):
        _check_single_line(crossing, ["pw", "secret1"])
    looking_back = Rule("looking", Category.PASSWORD, ("pw",), engine.re.compile(r"(?<=\s)pw=(?P<secret>\w+)"), "", "")
    with pytest.raises(AssertionError):
        _check_single_line(looking_back, ["a", "pw=x"])


def test_only_private_keys_and_answers_are_multiline() -> None:
    assert {r.id for r in engine.RULES if r.multiline} == {"pem-private-key", "putty-private-key", "password-answer"}


# --------------------------------------------------------------------------------------------------
# Keywords
# --------------------------------------------------------------------------------------------------


def _check_keywords(rule: Rule, lines: list[str]) -> None:
    for line in lines:
        low = engine.lower(line)
        if rule.keywords and not any(kw in low for kw in rule.keywords):
            assert _finds(rule, line) == [], (rule.id, line)  # the engine never gives it this line
        for m in rule.pattern.finditer(line if rule.case_sensitive else low):
            if rule.anchored:  # the engine tries the pattern only where a keyword starts
                assert any(low.startswith(kw, m.start()) for kw in rule.keywords), (rule.id, m.group())
            if rule.min_run:  # ... or only on lines with a run that long (of its ``run_chars``, if any)
                assert len(m.group()) >= rule.min_run and not any(c.isspace() for c in m.group()), rule.id
                run = engine.lower(m.group()).encode("ascii", "replace").decode()  # as the engine sees it
                if rule.run_chars is not None:
                    assert all(c == "?" or rule.run_chars.fullmatch(c) for c in run), (rule.id, m.group())


@pytest.mark.parametrize("rule", engine.RULES, ids=[r.id for r in engine.RULES])
def test_rules_find_nothing_without_their_keywords_on_the_corpus(rule: Rule) -> None:
    _check_keywords(rule, LINES + EXAMPLES)
    _check_keywords(rule, [line.upper() for line in LINES + EXAMPLES])
    # with each keyword taken out, the rule finds nothing where that was its only one
    for kw in rule.keywords:
        _check_keywords(rule, [engine.lower(line).replace(kw, kw[:-1] + "#") for line in LINES + EXAMPLES])


@PROPERTY
@given(st.lists(_line, min_size=1, max_size=6))
def test_property_rules_find_nothing_without_their_keywords(lines: list[str]) -> None:
    for rule in engine.RULES:
        _check_keywords(rule, lines)


@PROPERTY
@given(_text)
def test_property_keyword_scanner_finds_every_place(text: str) -> None:
    low = engine.lower(text)
    expected = {kw: [i for i in range(len(low)) if low.startswith(kw, i)] for kw in KEYWORDS}
    assert engine.KEYWORDS.find(low) == {kw: at for kw, at in expected.items() if at}


def test_keyword_scanner_finds_overlapping_keywords() -> None:
    scanner = engine.Keywords(["pass", "ssid", "::", ":1", "ab", "abab"])
    assert scanner.find("passid :::1 ababab") == {
        "pass": [0], "ssid": [2], "::": [7, 8], ":1": [9], "ab": [12, 14, 16], "abab": [12, 14],
    }  # fmt: skip


# --------------------------------------------------------------------------------------------------
# The engine gives what a plain reference gives
# --------------------------------------------------------------------------------------------------


def _reference(text: str, enabled: tuple[Category, ...] = ALL_CATEGORIES) -> str:
    """Every rule of a category on every plain piece (each piece its own string), the spans merged and
    replaced, category after category, full passes until a pass changes nothing."""
    pieces: list[tuple[str, bool]] = []  # (text, is a marker)
    pos = 0
    for m in MARKER_RE.finditer(text):
        pieces += [(text[pos : m.start()], False), (m.group(), True)]
        pos = m.end()
    pieces.append((text[pos:], False))
    changed = True
    while changed:
        changed = False
        for category in enabled:
            out: list[tuple[str, bool]] = []
            for chunk, marker in pieces:
                if marker:
                    out.append((chunk, True))
                    continue
                found = [(a, b, i, False) for i, rule in enumerate(engine.BY_CATEGORY[category]) for a, b in _finds(rule, chunk)]
                at = 0
                for start, end, _, _ in engine._union(found):
                    out += [(chunk[at:start], False), (MARKERS[category], True)]
                    at = end
                    changed = True
                out.append((chunk[at:], False))
            pieces = out
    assert all(MARKER_TO_CATEGORY.get(chunk) for chunk, marker in pieces if marker)
    return "".join(chunk for chunk, _ in pieces)


@pytest.mark.parametrize("text", ["\n".join(LINES), *EXAMPLES, "line vty 0 4\n password 7 0822455D0A16 10.0.0.1\n login"])
def test_engine_equals_the_reference(text: str) -> None:
    assert redact(text).text == _reference(text)


@PROPERTY
@given(_text)
def test_property_engine_equals_the_reference(text: str) -> None:
    assert redact(text).text == _reference(text)


@PROPERTY
@given(_text, st.sets(st.sampled_from(list(Category))))
def test_property_engine_equals_the_reference_for_some_categories(text: str, enabled: set[Category]) -> None:
    ordered = tuple(c for c in ALL_CATEGORIES if c in enabled)
    assert redact(text, ordered).text == _reference(text, ordered)


# --------------------------------------------------------------------------------------------------
# Idempotent
# --------------------------------------------------------------------------------------------------


@PROPERTY
@given(_text)
def test_property_idempotent(text: str) -> None:
    once = redact(text)
    twice = redact(once.text)
    assert twice.text == once.text and twice.total == 0


def test_keyword_scanner_reads_non_ascii_text_and_lone_surrogates() -> None:
    """The automaton reads the text as ASCII, anything else as '?': positions stay character positions."""
    scanner = engine.Keywords(["pass", "ab", "abab"])
    assert scanner.find("pass\ud800ababab") == {"pass": [0], "ab": [5, 7, 9], "abab": [5, 7]}
    assert scanner.find("é😀pass→ab?ab") == {"pass": [2], "ab": [7, 10]}


def test_keyword_scanner_refuses_a_keyword_it_could_not_find_exactly() -> None:
    for word in ("passé", "a?b", ""):
        with pytest.raises(ValueError, match="ASCII"):
            engine.Keywords(["pass", word])


def test_every_marker_ends_as_the_engine_looks_for_markers() -> None:
    # the engine searches markers in a text only when it holds this ending
    assert all(marker.endswith(engine._MARKER_END) for marker in MARKERS.values())
    run = engine._Run("a [IP REDACTED] b", lambda category, value: False)
    assert [m.category for m in run.marks] == [Category.IP] and run.plain() == [(0, 2), (15, 17)]


@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=60))
def test_property_lower_is_str_lower_where_positions_line_up(text: str) -> None:
    """``lower`` is ``str.lower`` whenever that keeps every position (the ASCII letters lowered in the
    UTF-8 bytes, or line by line when a non-ASCII character changes), and keeps them when it does not."""
    low = engine.lower(text)
    assert len(low) == len(text)
    if len(text.lower()) == len(text):
        assert low == text.lower()


@pytest.mark.parametrize("text", ["Key ÉTÉ", "\u212aEY: x", "ΣAS Σ", "PASS→ś═", "a\ud83d\ude00B\udcff", "İstanbul KEY"])
def test_lower_of_non_ascii_texts(text: str) -> None:
    low = engine.lower(text)
    expected = text.lower() if len(text.lower()) == len(text) else "".join(c.lower() if c.isascii() else c for c in text)
    assert low == expected
