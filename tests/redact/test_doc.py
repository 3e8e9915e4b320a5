"""docs/redaction.md and the README's redaction table are what the rules say."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from flowdesk.redact import doc, engine
from flowdesk.redact.model import Rule
from tests.conftest import REPO

REGENERATE = "regenerate it: uv run python -m flowdesk.redact --doc > docs/redaction.md"


def test_committed_page_is_what_the_rules_give() -> None:
    committed = (REPO / "docs" / "redaction.md").read_text(encoding="utf-8")
    assert committed == doc.page(), REGENERATE


def test_readme_table_is_what_the_rules_give() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index(doc.README_BEGIN) + len(doc.README_BEGIN) + 1
    end = readme.index(doc.README_END)
    assert readme[start:end] == doc.category_table() + "\n", "paste `python -m flowdesk.redact --readme-table`"


def test_page_lists_every_rule_once() -> None:
    page = doc.page()
    for rule in engine.RULES:
        assert page.count(f"| `{rule.id}` |") == 1, rule.id
    assert len({r.id for r in engine.RULES}) == len(engine.RULES)


@pytest.mark.parametrize("rule", engine.RULES, ids=[r.id for r in engine.RULES])
def test_each_rule_finds_the_secret_in_its_own_example(rule: Rule) -> None:
    run = engine._Run("", lambda category, value: False)
    found = list(run._find(rule, rule.example, engine.lower(rule.example), None))
    assert found, f"{rule.id} does not find anything in its example"
    assert rule.description.endswith((".", ")")) and "\n" not in rule.description
    assert engine.redact(rule.example).text != rule.example


def test_module_prints_the_page_and_refuses_other_arguments() -> None:
    out = subprocess.run([sys.executable, "-m", "flowdesk.redact", "--doc"], capture_output=True, check=True)
    assert out.stdout.decode("utf-8") == doc.page()  # UTF-8 with "\n", as docs/redaction.md is written
    bad = subprocess.run([sys.executable, "-m", "flowdesk.redact", "--nope"], capture_output=True, text=True, encoding="utf-8")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "usage" in bad.stderr


def test_module_prints_utf8_through_a_windows_code_page() -> None:
    """Windows' pipes are cp1252: the page's "→" must not crash it (nor "\n" become "\r\n")."""
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    out = subprocess.run([sys.executable, "-m", "flowdesk.redact", "--doc"], capture_output=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr.decode("utf-8", "replace")
    assert out.stdout == doc.page().encode("utf-8") and "→".encode() in out.stdout
