"""A rule's ``prefilter`` (IPv6) must be exact for the engine to rely on it alone:

- it holds on the line of everything the rule finds (as its keywords do), so lines where it does not match
  are skipped;
- every match of it holds one of the rule's keywords, so the engine finds the rule's lines by the prefilter
  alone, without looking for its keywords (the lines where it matches are exactly those holding both).

Both are checked on the corpus, the rule examples, upper-cased copies, and by a property test over joined
fragments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowdesk.redact import engine
from flowdesk.redact.model import Rule
from tests.redact.test_engine import EXAMPLES, LINES, PROPERTY, _finds, _fragment

PREFILTERED = [r for r in engine.RULES if r.prefilter is not None]


def _check_prefilter(rule: Rule, lines: list[str]) -> None:
    """Where the prefilter does not match, the rule finds nothing."""
    assert rule.prefilter is not None
    for line in lines:
        if rule.prefilter.search(engine.lower(line)) is None:
            assert _finds(rule, line) == [], (rule.id, line)


def _check_holds_a_keyword(rule: Rule, lines: list[str]) -> None:
    """Every match of the prefilter holds one of the rule's keywords."""
    assert rule.prefilter is not None
    for line in lines:
        low = engine.lower(line)
        for start in range(len(low)):  # every match, also those a scan would step over
            m = rule.prefilter.match(low, start)
            if m is not None:
                assert any(kw in m.group() for kw in rule.keywords), (rule.id, m.group())


def _check(rule: Rule, lines: list[str]) -> None:
    _check_prefilter(rule, lines)
    _check_holds_a_keyword(rule, lines)


def test_ipv6_has_a_prefilter_and_is_found_by_it_alone() -> None:
    assert [r.id for r in PREFILTERED] == ["ipv6-address"]
    assert [r.id for r in PREFILTERED if engine._by_prefilter(r)] == ["ipv6-address"]
    assert not any(kw in engine.SCANNED.words for kw in PREFILTERED[0].keywords)


@pytest.mark.parametrize("rule", PREFILTERED, ids=[r.id for r in PREFILTERED])
def test_prefilter_is_exact_on_the_corpus(rule: Rule) -> None:
    _check(rule, LINES + EXAMPLES)
    _check(rule, [line.upper() for line in LINES + EXAMPLES])


@pytest.mark.parametrize("rule", PREFILTERED, ids=[r.id for r in PREFILTERED])
@PROPERTY
@given(parts=st.lists(_fragment, max_size=5))
def test_prefilter_is_exact_on_joined_fragments(rule: Rule, parts: list[str]) -> None:
    for sep in ("", " ", ":", "::"):
        _check(rule, [sep.join(parts).replace("\n", " ").replace("\r", " ")])
