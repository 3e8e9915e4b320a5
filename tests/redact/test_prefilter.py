"""A rule's ``prefilter`` holds on the line of everything the rule finds (as its keywords do), so the
engine may skip the lines where it does not match: checked on the corpus, the rule examples, upper-cased
copies, and a property test over joined fragments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowdesk.redact import engine
from flowdesk.redact.model import Rule
from tests.redact.test_engine import EXAMPLES, LINES, PROPERTY, _finds, _fragment

PREFILTERED = [r for r in engine.RULES if r.prefilter is not None]


def _check_prefilter(rule: Rule, lines: list[str]) -> None:
    assert rule.prefilter is not None
    for line in lines:
        if rule.prefilter.search(engine.lower(line)) is None:
            assert _finds(rule, line) == [], (rule.id, line)


def test_ipv6_has_a_prefilter() -> None:
    assert [r.id for r in PREFILTERED] == ["ipv6-address"]


@pytest.mark.parametrize("rule", PREFILTERED, ids=[r.id for r in PREFILTERED])
def test_prefilter_holds_on_the_corpus(rule: Rule) -> None:
    _check_prefilter(rule, LINES + EXAMPLES)
    _check_prefilter(rule, [line.upper() for line in LINES + EXAMPLES])


@pytest.mark.parametrize("rule", PREFILTERED, ids=[r.id for r in PREFILTERED])
@PROPERTY
@given(parts=st.lists(_fragment, max_size=5))
def test_prefilter_holds_on_joined_fragments(rule: Rule, parts: list[str]) -> None:
    for sep in ("", " ", ":", "::"):
        _check_prefilter(rule, [sep.join(parts).replace("\n", " ").replace("\r", " ")])
