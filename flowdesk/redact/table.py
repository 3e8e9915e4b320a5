"""The rule tables: ``flowdesk/redact/rules/*.toml`` read into :class:`~flowdesk.redact.model.Rule` records.

A rule is data, so it lives in a data file an engineer can read and tune without reading Python (the
way gitleaks keeps its rules in TOML): an id, a category, keywords, a pattern whose ``secret`` group is
what gets replaced, and the names of its checks (:mod:`flowdesk.redact.checks`). ``<<name>>`` in a
pattern stands for an entry of the file's ``[fragments]`` table, so a piece used by several rules is
written once. The tables ship inside the package (and in the frozen app, see ``build_spec.spec``).

A table that is wrong (an unknown field, check or fragment, a pattern that does not compile) fails the
import with :class:`RuleTableError` naming the file and the rule: a broken table must never mean a
rule silently not applied.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from flowdesk.redact.checks import CHECKS, SPLITTERS
from flowdesk.redact.model import Category, Rule

# The families, in the order their rules are tried within a category.
FAMILY_NAMES = ("keys", "passwords", "commands", "tokens", "network")
_FLAGS = {"MULTILINE": re.MULTILINE, "DOTALL": re.DOTALL, "IGNORECASE": re.IGNORECASE}
_FRAGMENT_RE = re.compile(r"<<(\w+)>>")
_KNOWN = {"id", "category", "keywords", "pattern", "flags", "description", "example", "secret", "checks",
          "split", "min_run", "case_sensitive", "unquote", "multiline", "anchored", "overlap", "lstrip",
          "trim", "prefilter", "run_chars"}  # fmt: skip


class RuleTableError(Exception):
    """A rule table cannot be used; the message names the file and the rule."""


@dataclass(frozen=True, slots=True)
class Family:
    name: str  # the file's stem: rules/<name>.toml
    title: str
    about: str  # what the family decides, for docs/redaction.md
    rules: tuple[Rule, ...]


def expand(pattern: str, fragments: dict[str, str], seen: tuple[str, ...] = ()) -> str:
    """``pattern`` with every ``<<name>>`` replaced by its fragment (fragments may use fragments)."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in fragments:
            raise ValueError(f"unknown fragment <<{name}>>")
        if name in seen:
            raise ValueError(f"fragment <<{name}>> uses itself")
        return expand(fragments[name], fragments, (*seen, name))

    return _FRAGMENT_RE.sub(one, pattern)


def _named(table: dict[str, Any], name: str, what: str) -> Any:
    if name not in table:
        raise ValueError(f"unknown {what} {name!r}")
    return table[name]


def _rule(entry: dict[str, Any], fragments: dict[str, str]) -> Rule:
    unknown = set(entry) - _KNOWN
    if unknown:
        raise ValueError(f"unknown field {sorted(unknown)[0]!r}")
    missing = [f for f in ("id", "category", "keywords", "pattern", "description", "example") if f not in entry]
    if missing:
        raise ValueError(f"missing field {missing[0]!r}")
    flags = 0
    for name in entry.get("flags", ()):
        flags |= _named(_FLAGS, name, "flag")
    split = entry.get("split")
    prefilter = entry.get("prefilter")
    run_chars = entry.get("run_chars")
    return Rule(
        id=entry["id"],
        category=Category(entry["category"]),
        keywords=tuple(entry["keywords"]),
        pattern=re.compile(expand(entry["pattern"], fragments), flags),
        description=entry["description"],
        example=entry["example"],
        secret=tuple(entry.get("secret", ("secret",))),
        checks=tuple(_named(CHECKS, name, "check") for name in entry.get("checks", ())),
        split=None if split is None else _named(SPLITTERS, split, "splitter"),
        min_run=int(entry.get("min_run", 0)),
        case_sensitive=bool(entry.get("case_sensitive", False)),
        unquote=bool(entry.get("unquote", False)),
        multiline=bool(entry.get("multiline", False)),
        anchored=bool(entry.get("anchored", False)),
        overlap=bool(entry.get("overlap", False)),
        lstrip=str(entry.get("lstrip", "")),
        trim=str(entry.get("trim", "")),
        prefilter=None if prefilter is None else re.compile(expand(prefilter, fragments)),
        run_chars=None if run_chars is None else re.compile(run_chars),
    )


def parse_family(name: str, text: str) -> Family:
    """One family from the text of its table."""
    where = f"flowdesk/redact/rules/{name}.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleTableError(f"{where}: {exc}") from None
    fragments = data.get("fragments", {})
    rules = []
    for i, entry in enumerate(data.get("rule", ()), 1):
        try:
            rules.append(_rule(entry, fragments))
        except (ValueError, TypeError, re.error) as exc:
            label = entry.get("id", f"rule {i}") if isinstance(entry, dict) else f"rule {i}"
            raise RuleTableError(f"{where}, {label}: {exc}") from None
    return Family(name, data.get("title", name), data.get("about", "").strip(), tuple(rules))


def load_family(name: str) -> Family:
    """Read ``rules/<name>.toml`` from the package."""
    try:
        text = resources.files(__package__).joinpath("rules", f"{name}.toml").read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleTableError(f"flowdesk/redact/rules/{name}.toml: {exc}") from None
    return parse_family(name, text)


FAMILIES: tuple[Family, ...] = tuple(load_family(name) for name in FAMILY_NAMES)
RULES: tuple[Rule, ...] = tuple(rule for family in FAMILIES for rule in family.rules)
