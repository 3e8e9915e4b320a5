"""The rule tables (flowdesk/redact/rules/*.toml): what a broken one says, and that nothing in them is dead."""

from __future__ import annotations

import re

import pytest

from flowdesk.redact import checks, table
from flowdesk.redact.table import RuleTableError, expand, parse_family

GOOD = """
title = 'Test'
[fragments]
digits = '[0-9]{4,}+'
pin = 'pin[ \\t]*:[ \\t]*(?P<secret><<digits>>)'

[[rule]]
id = 'pin'
category = 'password'
keywords = ['pin']
pattern = '<<pin>>'
description = 'A PIN.'
example = 'pin: 1234'
checks = ['not_placeholder']
"""


def test_a_table_reads_into_rules_with_fragments_expanded() -> None:
    family = parse_family("test", GOOD)
    (rule,) = family.rules
    assert family.title == "Test"
    assert rule.pattern.pattern == r"pin[ \t]*:[ \t]*(?P<secret>[0-9]{4,}+)"
    assert rule.checks == (checks.not_placeholder,)
    assert rule.secret == ("secret",) and not rule.case_sensitive and rule.trim == ""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("checks = ['not_placeholder']", "checks = ['no_such_check']"), "unknown check 'no_such_check'"),
        (("pattern = '<<pin>>'", "pattern = '<<nope>>'"), "unknown fragment <<nope>>"),
        (("pattern = '<<pin>>'", "pattern = '(unclosed'"), "missing ), unterminated subpattern"),
        (("example = 'pin: 1234'", "example = 'pin: 1234'\ncolour = 'red'"), "unknown field 'colour'"),
        (("description = 'A PIN.'\n", ""), "missing field 'description'"),
        (("category = 'password'", "category = 'secretish'"), "'secretish' is not a valid Category"),
        (("digits = '[0-9]{4,}+'", "digits = '<<pin>>'"), "fragment <<pin>> uses itself"),
        (("checks = ['not_placeholder']", "flags = ['VERBOSE']"), "unknown flag 'VERBOSE'"),
    ],
)
def test_a_broken_table_names_the_file_the_rule_and_the_problem(change: tuple[str, str], message: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(RuleTableError) as caught:
        parse_family("test", text)
    assert str(caught.value).startswith("flowdesk/redact/rules/test.toml, pin: ")
    assert message in str(caught.value)


def test_a_table_that_is_not_toml_names_the_file() -> None:
    with pytest.raises(RuleTableError, match=r"^flowdesk/redact/rules/test\.toml: "):
        parse_family("test", "title = ")


def test_every_registered_check_and_splitter_is_used_by_a_rule() -> None:
    used = {c for r in table.RULES for c in r.checks}
    assert set(checks.CHECKS.values()) <= used, set(checks.CHECKS) - {c.__name__ for c in used}
    assert set(checks.SPLITTERS.values()) <= {r.split for r in table.RULES}


def test_every_fragment_of_every_table_is_used() -> None:
    import tomllib
    from importlib import resources

    for name in table.FAMILY_NAMES:
        data = tomllib.loads(resources.files("flowdesk.redact").joinpath("rules", f"{name}.toml").read_text("utf-8"))
        text = "\n".join([r["pattern"] for r in data["rule"]] + list(data.get("fragments", {}).values()))
        unused = set(data.get("fragments", {})) - set(re.findall(r"<<(\w+)>>", text))
        assert not unused, f"{name}.toml: unused fragments {sorted(unused)}"


def test_expand_leaves_a_pattern_without_fragments_alone() -> None:
    assert expand(r"a{2,}<b>", {}) == r"a{2,}<b>"
