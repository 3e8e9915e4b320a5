"""The engine finds the lines of a rule with a prefilter (IPv6) by the prefilter alone, without looking
for the rule's keywords: so every match of a prefilter must hold one of its rule's keywords (then the
lines where it matches are exactly those holding both). Checked on the corpus, the rule examples,
upper-cased copies and joined fragments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowdesk.redact import engine
from flowdesk.redact.model import Rule
from tests.redact.test_engine import EXAMPLES, LINES, PROPERTY, _fragment

BY_PREFILTER = [r for r in engine.RULES if engine._by_prefilter(r)]


def _check(rule: Rule, lines: list[str]) -> None:
    assert rule.prefilter is not None
    for line in lines:
        low = engine.lower(line)
        for start in range(len(low)):  # every match, also those a scan would step over
            m = rule.prefilter.match(low, start)
            if m is not None:
                assert any(kw in m.group() for kw in rule.keywords), (rule.id, m.group())


def test_ipv6_is_found_by_its_prefilter() -> None:
    assert [r.id for r in BY_PREFILTER] == ["ipv6-address"]
    assert not any(kw in engine.SCANNED.words for kw in BY_PREFILTER[0].keywords)


@pytest.mark.parametrize("rule", BY_PREFILTER, ids=[r.id for r in BY_PREFILTER])
def test_prefilter_matches_hold_a_keyword_on_the_corpus(rule: Rule) -> None:
    _check(rule, LINES + EXAMPLES)
    _check(rule, [line.upper() for line in LINES + EXAMPLES])


@pytest.mark.parametrize("rule", BY_PREFILTER, ids=[r.id for r in BY_PREFILTER])
@PROPERTY
@given(parts=st.lists(_fragment, max_size=5))
def test_prefilter_matches_hold_a_keyword(rule: Rule, parts: list[str]) -> None:
    for sep in ("", " ", ":", "::"):
        _check(rule, [sep.join(parts)])
