"""A window that cannot start says so in one line, on stderr and in a message box: a known trouble in its
words, anything else as "unexpected" naming the log; never the exception's own text, which may quote a
secret (found in review: str(exc) went to both unmasked)."""

from __future__ import annotations

from typing import Any

import pytest

from flowdesk.commands.base import Context
from flowdesk.logs import register_secret

pytestmark = pytest.mark.usefixtures("qapp")


def _run_failing(monkeypatch: Any, error: Exception) -> list[str]:
    from PySide6.QtWidgets import QMessageBox

    from flowdesk.ui import app as app_module

    def fail(*_a: Any, **_k: Any) -> Any:
        raise error

    shown: list[str] = []
    monkeypatch.setattr(app_module, "FlowDeskApp", fail)
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda _parent, _title, text: shown.append(text)))
    monkeypatch.setattr(app_module, "make_application", lambda *a, **k: None)
    assert app_module.run(Context(), demo=False) == 1
    return shown


def test_a_bug_at_start_up_is_unexpected_naming_the_log_not_its_text(monkeypatch, capsys):
    register_secret("sk_live_51HSECRETSECRET")
    shown = _run_failing(monkeypatch, KeyError("token sk_live_51HSECRETSECRET"))
    err = capsys.readouterr().err
    assert "sk_live_51HSECRETSECRET" not in err + "".join(shown)
    assert len(err.strip().splitlines()) == 1 and err.startswith("flowdesk: ") and "KeyError" in err, err
    assert shown == [f"FlowDesk could not start:\n\n{err.strip().removeprefix('flowdesk: ')}"]


def test_a_database_that_cannot_be_opened_is_said_in_its_own_words(monkeypatch, capsys):
    from flowdesk.store.db import StoreError

    shown = _run_failing(monkeypatch, StoreError("The disk is full: free some space and start FlowDesk again."))
    assert capsys.readouterr().err == "flowdesk: The disk is full: free some space and start FlowDesk again.\n"
    assert shown == ["FlowDesk could not start:\n\nThe disk is full: free some space and start FlowDesk again."]
