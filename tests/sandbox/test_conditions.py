"""The ConnectWise conditions grammar: tokens, precedence, values, errors and evaluation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowdesk.sandbox.conditions import (
    CW_CONDITION_HELP,
    BoolOp,
    Comparison,
    ConditionError,
    Not,
    compile_conditions,
    parse_conditions,
    schema_of,
    tokenize,
)

TEMPLATE = {
    "id": 1,
    "chargeToId": 1,
    "chargeToType": "ServiceTicket",
    "timeStart": "2026-01-01T00:00:00Z",
    "actualHours": 1.5,
    "closedFlag": False,
    "notes": "x",
    "member": {"id": 1, "identifier": "x", "name": "x"},
}
SCHEMA = schema_of(TEMPLATE)

RECORDS = [
    {"id": 1, "chargeToId": 48211, "chargeToType": "ServiceTicket", "timeStart": "2026-11-18T13:32:00Z",
     "actualHours": 0.63, "closedFlag": False, "notes": "Outlook password loop",
     "member": {"id": 147, "identifier": "dwhitfield", "name": "Dana Whitfield"}},
    {"id": 2, "chargeToId": 31207, "chargeToType": "ProjectTicket", "timeStart": "2026-11-20T08:00:00Z",
     "actualHours": 5.8, "closedFlag": True, "notes": "Robocopy 100% done",
     "member": {"id": 148, "identifier": "jblake", "name": "Jordan Blake"}},
    {"id": 3, "chargeToId": 48211, "chargeToType": "ServiceTicket", "timeStart": "2026-11-19T09:00:00Z",
     "actualHours": None, "closedFlag": False, "notes": None,
     "member": {"id": 147, "identifier": "dwhitfield", "name": "Dana Whitfield"}},
]  # fmt: skip


def ids(text: str) -> list[int]:
    pred = compile_conditions(text, SCHEMA)
    return [r["id"] for r in RECORDS if pred(r)]


def test_schema_types_come_from_the_template() -> None:
    assert SCHEMA["timeStart"] == "datetime"
    assert SCHEMA["chargeToId"] == "numeric"
    assert SCHEMA["closedFlag"] == "boolean"
    assert SCHEMA["member/identifier"] == "string"
    assert "member" not in SCHEMA


def test_tokenizer_kinds() -> None:
    kinds = [(t.kind, t.value) for t in tokenize("a/b != 'x' AND c>=-2.5 or d = [2026-01-01T00:00:00Z]")][:-1]
    assert kinds == [
        ("field", "a/b"),
        ("op", "!="),
        ("str", "x"),
        ("kw", "and"),
        ("field", "c"),
        ("op", ">="),
        ("num", -2.5),
        ("kw", "or"),
        ("field", "d"),
        ("op", "="),
        ("dt", datetime(2026, 1, 1, tzinfo=UTC)),
    ]


def test_escaped_quote_inside_a_string() -> None:
    assert [t.value for t in tokenize(r'notes = "say \"hi\""')][2] == 'say "hi"'


def test_and_binds_tighter_than_or() -> None:
    node = parse_conditions("id = 1 or id = 2 and id = 3")
    assert isinstance(node, BoolOp) and node.op == "or"
    assert isinstance(node.operands[1], BoolOp) and node.operands[1].op == "and"
    assert ids("id = 1 or id = 2 and id = 3") == [1]
    assert ids("(id = 1 or id = 2) and id = 3") == []


def test_keywords_are_case_insensitive() -> None:
    assert ids('chargeToId = 48211 AND notes CONTAINS "outlook"') == [1]
    assert ids("id = 1 Or id = 2") == [1, 2]


def test_not_before_a_comparison_and_a_group() -> None:
    assert ids("not chargeToId = 48211") == [2]
    assert ids("not (id = 1 or id = 2)") == [3]
    node = parse_conditions("not id = 1")
    assert isinstance(node, Not) and isinstance(node.operand, Comparison)


def test_nested_fields() -> None:
    assert ids('member/identifier = "dwhitfield"') == [1, 3]
    assert ids("member/id != 147") == [2]


def test_every_operator() -> None:
    assert ids("actualHours < 1") == [1]
    assert ids("actualHours <= 0.63") == [1]
    assert ids("actualHours > 1") == [2]
    assert ids("actualHours >= 0.63") == [1, 2]
    assert ids("id != 2") == [1, 3]
    assert ids('notes like "robocopy%"') == [2]
    assert ids('notes like "%100*"') == [2]  # * is accepted as a wildcard too
    assert ids('notes not like "robocopy%"') == [1]  # null notes never match, negated or not
    assert ids("chargeToId in (31207, 1)") == [2]
    assert ids("chargeToId not in (31207)") == [1, 3]
    assert ids('notes contains "PASSWORD"') == [1]
    assert ids('notes not contains "password"') == [2]


def test_string_equality_is_case_insensitive() -> None:
    assert ids('chargeToType = "serviceticket"') == [1, 3]


def test_datetimes_in_square_brackets() -> None:
    assert ids("timeStart = [2026-11-18T13:32:00Z]") == [1]
    assert ids("timeStart > [2026-11-19T00:00:00Z]") == [2, 3]


def test_booleans_and_null() -> None:
    assert ids("closedFlag = true") == [2]
    assert ids("closedFlag = FALSE") == [1, 3]
    assert ids("notes = null") == [3]
    assert ids("actualHours != null") == [1, 2]
    assert ids("actualHours > 0") == [1, 2]  # a null value never satisfies a comparison


def test_the_dedup_query_from_the_reference() -> None:
    text = (
        'chargeToId=48211 and chargeToType="ServiceTicket" and member/identifier="dwhitfield" '
        "and timeStart=[2026-11-18T13:32:00Z]"
    )
    assert ids(text) == [1]


def test_single_quoted_strings() -> None:
    assert ids("member/identifier = 'jblake'") == [2]


@pytest.mark.parametrize(
    ("text", "specific"),
    [
        ("closedFlag = 1", "Expected a boolean value, not a numeric."),
        ('chargeToId = "48211"', "Expected a numeric value, not a string."),
        ('timeStart > "2026-01-01"', "Expected a DateTime value, not a string."),
        ("notes = hello", "Expected a value at position 8, found 'hello'."),
        ('notes = "open', "Unterminated string starting at position 8."),
        ("timeStart > [yesterday]", "'yesterday' is not a valid DateTime value."),
        ("id = 1 id = 2", "Unexpected 'id' at position 7."),
        ("(id = 1", "Expected ')' at position 7, found 'end of conditions'."),
        ("id", "Expected an operator after 'id' at position 2, found 'end of conditions'."),
        ("id = ", "Expected a value at position 5, found 'end of conditions'."),
        ("= 1", "Expected a field name at position 0, found '='."),
        ("   ", "The conditions are empty."),
        ("id = 1 # 2", "Unexpected character '#' at position 7."),
        ("actualHours contains 1", "The operator 'contains' can only be used with string values, not a numeric."),
        ("closedFlag > false", "The operator '>' cannot be used with boolean values."),
        ("notes > null", "The operator '>' cannot be used with null."),
    ],
)
def test_bad_conditions_use_connectwise_wording(text: str, specific: str) -> None:
    with pytest.raises(ConditionError) as info:
        compile_conditions(text, SCHEMA)
    assert str(info.value) == f"{specific} {CW_CONDITION_HELP}"


def test_unknown_field() -> None:
    with pytest.raises(ConditionError, match="Unknown field 'nope/id'"):
        compile_conditions("nope/id = 1", SCHEMA)


def test_field_names_are_case_insensitive() -> None:
    assert ids("CHARGETOID = 31207") == [2]


def test_the_cw_help_text_is_verbatim() -> None:
    assert CW_CONDITION_HELP.startswith("String values should be enclosed with double or single quotes;")
    assert CW_CONDITION_HELP.endswith("null values should be indicated by the keyword null.")


def test_null_is_unknown_even_under_not() -> None:
    # SQL's three-valued logic: record 3 (notes null) matches neither a condition nor its negation
    assert ids('notes contains "o"') == [1, 2]
    assert ids('not (notes contains "o")') == []
    assert ids('not (notes contains "o") or id = 3') == [3]  # UNKNOWN or TRUE is TRUE
    assert ids('notes contains "o" and id = 3') == []  # UNKNOWN and TRUE is not a match


# Property: over fields that are never null, the connectives behave like set operations.
ATOMS = st.sampled_from(
    [
        "id = 1",
        "id != 2",
        "chargeToId = 48211",
        "closedFlag = true",
        "notes = null",
        'member/identifier like "d%"',
        'chargeToType contains "project"',
        "timeStart >= [2026-11-19T09:00:00Z]",
    ]
)


@given(ATOMS, ATOMS)
def test_connectives_are_set_operations(a: str, b: str) -> None:
    sa, sb = set(ids(a)), set(ids(b))
    assert set(ids(f"({a}) and ({b})")) == sa & sb
    assert set(ids(f"({a}) OR ({b})")) == sa | sb
    assert set(ids(f"not ({a})")) == {r["id"] for r in RECORDS} - sa
