"""ConnectWise ``conditions`` query strings: a small real parser and evaluator.

Grammar (reference ``connectwise-api.md`` §7)::

    expr       := term (OR term)*
    term       := factor (AND factor)*
    factor     := NOT factor | "(" expr ")" | comparison
    comparison := FIELD [NOT] op value
                | FIELD [NOT] IN "(" value ("," value)* ")"
    op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | CONTAINS | LIKE
    value      := "string" | 'string' | number | true | false | null | [2026-01-01T00:00:00Z]
    FIELD      := name ("/" name)*          e.g. member/identifier, company/id

Keywords are case-insensitive. ``and`` binds tighter than ``or``.

Semantics the reference does not spell out (chosen to behave like the SQL Server behind ConnectWise):

* string comparisons (``=``, ``!=``, ``contains``, ``like``) are case-insensitive;
* ``like`` uses ``%`` as the wildcard (``*`` is accepted too, reference §7 [U] "like \"john@*\"");
* a comparison with a missing/``null`` value is UNKNOWN (SQL's three-valued logic: ``!=``, ``not like``
  and ``not (...)`` do not match it either), except ``= null`` / ``!= null``; a record matches when the
  whole expression is true;
* a value of the wrong type for the field (``closedFlag = 1``) is an error, with ConnectWise's text.

:func:`compile_conditions` checks the field names and value types against a *schema* (field path → type)
so that a typo fails with a 400 even when no record would have matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# The generic tail of ConnectWise's error text for a bad condition (reference §7, verbatim from a
# client library README quoting the server).
CW_CONDITION_HELP = (
    "String values should be enclosed with double or single quotes; DateTime values should be enclosed "
    "in square brackets; numbers should consist of only digits, and optionally a decimal point and a "
    "negation sign; boolean values should be indicated with the keywords true or false; null values "
    "should be indicated by the keyword null."
)

# Field types of a schema (also the words used in error messages, as in "Expected a boolean value").
STRING, NUMERIC, BOOLEAN, DATETIME = "string", "numeric", "boolean", "datetime"
NULL = "null"

Schema = Mapping[str, str]
Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]


class ConditionError(ValueError):
    """A condition string ConnectWise would reject. ``str()`` is the message to return to the client."""


# ---------------------------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    kind: str  # "field" "kw" "op" "str" "num" "dt" "(" ")" "," "end"
    value: Any
    pos: int


_KEYWORDS = {"and", "or", "not", "contains", "like", "in", "true", "false", "null"}
_OPS = ("!=", "<=", ">=", "=", "<", ">")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*")
_CW_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")


def _error(specific: str) -> ConditionError:
    return ConditionError(f"{specific} {CW_CONDITION_HELP}")


def parse_cw_datetime(text: str) -> datetime | None:
    """``2026-01-01T00:00:00Z`` (fractions and offsets tolerated) → aware UTC datetime, else None."""
    if not isinstance(text, str) or not _CW_DATETIME.match(text):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.astimezone(UTC)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "(),":
            tokens.append(Token(ch, ch, i))
            i += 1
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op is not None:
            tokens.append(Token("op", op, i))
            i += len(op)
            continue
        if ch in "\"'":
            j, out = i + 1, []
            while j < n and text[j] != ch:
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                out.append(text[j])
                j += 1
            if j >= n:
                raise _error(f"Unterminated string starting at position {i}.")
            tokens.append(Token("str", "".join(out), i))
            i = j + 1
            continue
        if ch == "[":
            j = text.find("]", i)
            if j < 0:
                raise _error(f"Unterminated DateTime value starting at position {i}.")
            raw = text[i + 1 : j].strip()
            value = parse_cw_datetime(raw)
            if value is None:
                raise _error(f"'{raw}' is not a valid DateTime value.")
            tokens.append(Token("dt", value, i))
            i = j + 1
            continue
        m = _NUMBER.match(text, i)
        if m and (ch != "-" or m.end() > i + 1):
            raw = m.group()
            tokens.append(Token("num", float(raw) if "." in raw else int(raw), i))
            i = m.end()
            continue
        m = _NAME.match(text, i)
        if m:
            word = m.group()
            if word.lower() in _KEYWORDS:
                tokens.append(Token("kw", word.lower(), i))
            else:
                tokens.append(Token("field", word, i))
            i = m.end()
            continue
        raise _error(f"Unexpected character '{ch}' at position {i}.")
    tokens.append(Token("end", None, n))
    return tokens


# ------------------------------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str  # = != < <= > >= contains like in
    value: Any  # a python value, or a tuple of them for "in"
    value_type: str | tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True)
class Not:
    operand: Any


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Any, ...]


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _is_kw(self, word: str) -> bool:
        return self.tok.kind == "kw" and self.tok.value == word

    def advance(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def parse(self) -> Any:
        if self.tok.kind == "end":
            raise _error("The conditions are empty.")
        node = self.expr()
        if self.tok.kind != "end":
            raise _error(f"Unexpected '{self._show(self.tok)}' at position {self.tok.pos}.")
        return node

    @staticmethod
    def _show(tok: Token) -> str:
        if tok.kind == "end":
            return "end of conditions"
        if tok.kind == "dt":
            return tok.value.strftime("[%Y-%m-%dT%H:%M:%SZ]")
        return str(tok.value)

    def expr(self) -> Any:
        return self._chain("or", self.term)

    def term(self) -> Any:
        return self._chain("and", self.factor)

    def _chain(self, keyword: str, operand: Callable[[], Any]) -> Any:
        """``operand (keyword operand)*``: one operand as itself, more as a BoolOp."""
        parts = [operand()]
        while self._is_kw(keyword):
            self.advance()
            parts.append(operand())
        return parts[0] if len(parts) == 1 else BoolOp(keyword, tuple(parts))

    def factor(self) -> Any:
        if self._is_kw("not"):
            self.advance()
            return Not(self.factor())
        if self.tok.kind == "(":
            self.advance()
            node = self.expr()
            if self.tok.kind != ")":
                raise _error(f"Expected ')' at position {self.tok.pos}, found '{self._show(self.tok)}'.")
            self.advance()
            return node
        return self.comparison()

    def comparison(self) -> Comparison:
        tok = self.tok
        if tok.kind != "field":
            raise _error(f"Expected a field name at position {tok.pos}, found '{self._show(tok)}'.")
        field = self.advance().value
        negate = False
        if self._is_kw("not"):
            self.advance()
            negate = True
        tok = self.tok
        if (tok.kind == "op" and not negate) or (tok.kind == "kw" and tok.value in ("contains", "like", "in")):
            op = self.advance().value
        else:
            raise _error(f"Expected an operator after '{field}' at position {tok.pos}, found '{self._show(tok)}'.")
        if op == "in":
            if self.tok.kind != "(":
                raise _error(f"Expected '(' after 'in' at position {self.tok.pos}.")
            self.advance()
            values, types = [self.value()], []
            while self.tok.kind == ",":
                self.advance()
                values.append(self.value())
            if self.tok.kind != ")":
                raise _error(f"Expected ')' at position {self.tok.pos}, found '{self._show(self.tok)}'.")
            self.advance()
            types = [t for _, t in values]
            return Comparison(field, "in", tuple(v for v, _ in values), tuple(types), negate)
        value, vtype = self.value()
        return Comparison(field, op, value, vtype, negate)

    def value(self) -> tuple[Any, str]:
        tok = self.advance()
        if tok.kind == "str":
            return tok.value, STRING
        if tok.kind == "num":
            return tok.value, NUMERIC
        if tok.kind == "dt":
            return tok.value, DATETIME
        if tok.kind == "kw" and tok.value in ("true", "false"):
            return tok.value == "true", BOOLEAN
        if tok.kind == "kw" and tok.value == "null":
            return None, NULL
        raise _error(f"Expected a value at position {tok.pos}, found '{self._show(tok)}'.")


def parse_conditions(text: str) -> Any:
    """Parse a conditions string into an AST (:class:`Comparison`, :class:`Not`, :class:`BoolOp`)."""
    return _Parser(text).parse()


# ------------------------------------------------------------------------------------------ type check

_ARTICLE = {STRING: "a string", NUMERIC: "a numeric", BOOLEAN: "a boolean", DATETIME: "a DateTime", NULL: "a null"}


def _check(node: Any, schema: Schema) -> None:
    if isinstance(node, BoolOp):
        for part in node.operands:
            _check(part, schema)
        return
    if isinstance(node, Not):
        _check(node.operand, schema)
        return
    cmp: Comparison = node
    ftype = schema.get(cmp.field)
    if ftype is None:
        # case-insensitive field names, like the server
        lowered = {k.lower(): k for k in schema}
        real = lowered.get(cmp.field.lower())
        if real is None:
            raise ConditionError(f"Unknown field '{cmp.field}' in conditions.")
        ftype = schema[real]
    vtypes = cmp.value_type if isinstance(cmp.value_type, tuple) else (cmp.value_type,)
    for vt in vtypes:
        if vt == NULL:
            if cmp.op not in ("=", "!=") or isinstance(cmp.value_type, tuple):
                raise _error(f"The operator '{cmp.op}' cannot be used with null.")
            continue
        if vt != ftype:
            raise _error(f"Expected {_ARTICLE[ftype]} value, not {_ARTICLE[vt]}.")
    if cmp.op in ("contains", "like") and ftype != STRING:
        raise _error(f"The operator '{cmp.op}' can only be used with string values, not {_ARTICLE[ftype]}.")
    if ftype == BOOLEAN and cmp.op not in ("=", "!=", "in"):
        raise _error(f"The operator '{cmp.op}' cannot be used with boolean values.")


# ------------------------------------------------------------------------------------------ evaluation


def lookup(record: Any, path: str) -> Any:
    """``member/identifier`` → record["member"]["identifier"]; missing parts → None (case-insensitive)."""
    value = record
    for part in path.split("/"):
        if not isinstance(value, Mapping):
            return None
        if part in value:
            value = value[part]
            continue
        lowered = part.lower()
        value = next((v for k, v in value.items() if k.lower() == lowered), None)
    return value


def _like_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for ch in pattern:
        if ch in "%*":
            out.append(".*")
        else:
            out.append(re.escape(ch))
    return re.compile("^" + "".join(out) + "$", re.IGNORECASE | re.DOTALL)


def _coerce(actual: Any, literal: Any) -> tuple[Any, Any] | None:
    """Bring a record value and a literal to comparable python values; None when not comparable."""
    if actual is None:
        return None
    if isinstance(literal, datetime):
        parsed = parse_cw_datetime(actual) if isinstance(actual, str) else None
        return None if parsed is None else (parsed, literal)
    if isinstance(literal, bool):
        return (actual, literal) if isinstance(actual, bool) else None
    if isinstance(literal, int | float):
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return None
        return actual, literal
    if isinstance(literal, str):
        return (str(actual).casefold(), literal.casefold())
    return None


def _compare(op: str, actual: Any, literal: Any) -> bool | None:
    """True / False, or None ("unknown", SQL's three-valued logic) when the record's value is null or
    not comparable with the literal."""
    if literal is None:
        return (actual is None) if op == "=" else (actual is not None)
    pair = _coerce(actual, literal)
    if pair is None:
        return None
    a, b = pair
    if op == "=":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "contains":
        return b in a
    if op == "like":
        return bool(_like_regex(literal).match(str(actual)))
    raise AssertionError(op)


Tri = Callable[[Record], "bool | None"]


def _negate(value: bool | None) -> bool | None:
    return None if value is None else not value


def _build(node: Any) -> Tri:
    """A three-valued evaluator: None is SQL's UNKNOWN (and/or follow Kleene's rules)."""
    if isinstance(node, BoolOp):
        parts = [_build(p) for p in node.operands]
        decisive = node.op == "or"  # one False decides an "and", one True an "or"

        def chain(r: Record) -> bool | None:
            results = [p(r) for p in parts]
            if any(v is decisive for v in results):
                return decisive
            return None if any(v is None for v in results) else not decisive

        return chain
    if isinstance(node, Not):
        inner = _build(node.operand)
        return lambda r: _negate(inner(r))
    cmp: Comparison = node
    if cmp.op == "in":
        values = cmp.value

        def in_pred(r: Record) -> bool | None:
            actual = lookup(r, cmp.field)
            results = [_compare("=", actual, v) for v in values]
            hit: bool | None = True if any(v is True for v in results) else (None if any(v is None for v in results) else False)
            return _negate(hit) if cmp.negate else hit

        return in_pred

    def pred(r: Record) -> bool | None:
        result = _compare(cmp.op, lookup(r, cmp.field), cmp.value)
        return _negate(result) if cmp.negate else result

    return pred


def compile_conditions(text: str, schema: Schema | None = None) -> Predicate:
    """Parse ``text``, check it against ``schema`` (when given) and return a predicate over records.

    Raises :class:`ConditionError` with ConnectWise's wording on bad syntax, unknown fields or a value
    of the wrong type.
    """
    node = parse_conditions(text)
    if schema is not None:
        _check(node, schema)
    tri = _build(node)
    return lambda record: tri(record) is True


def schema_of(template: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Field path → type for every leaf of a fully populated example record (nested with ``/``)."""
    out: dict[str, str] = {}
    for key, value in template.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(schema_of(value, path + "/"))
        elif isinstance(value, bool):
            out[path] = BOOLEAN
        elif isinstance(value, int | float):
            out[path] = NUMERIC
        elif isinstance(value, str):
            out[path] = DATETIME if parse_cw_datetime(value) is not None else STRING
        elif isinstance(value, list):
            continue  # list children are childConditions territory, not supported
        else:
            out[path] = STRING  # None in the template: treat as text
    return out
