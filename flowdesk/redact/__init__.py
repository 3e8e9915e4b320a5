"""Redaction of secrets and personal data from the final note text, as data.

``redact`` runs on the FINAL note text right before anything is posted to ConnectWise: it must never
leak a secret and must not mangle ordinary MSP note text. The rules are records in data files, one per
family (``rules/keys.toml``, ``passwords``, ``commands``, ``tokens``, ``network``; read by ``table``,
their named checks in ``checks``), run by one engine (``engine``); ``policy`` says which categories apply to which note. ``docs/redaction.md``
is generated from the rules (``python -m flowdesk.redact --doc``).

Importing this package is cheap: the rules are compiled when ``redact`` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowdesk.redact.model import (
    ALL_CATEGORIES,
    MARKERS,
    Category,
    RedactionError,
    RedactionResult,
    Span,
    find_markers,
)
from flowdesk.redact.policy import ALWAYS_REDACTED, AllowList, categories_for, customer_sees

if TYPE_CHECKING:
    from flowdesk.redact.engine import redact

__all__ = [
    "ALL_CATEGORIES",
    "ALWAYS_REDACTED",
    "MARKERS",
    "AllowList",
    "Category",
    "RedactionError",
    "RedactionResult",
    "Span",
    "categories_for",
    "customer_sees",
    "describe_rule",
    "find_markers",
    "redact",
]


def __getattr__(name: str) -> Any:
    """``redact`` is the engine's: imported (its rules compiled) when first asked for, so that importing
    this package costs nothing before the window's first paint."""
    if name == "redact":
        from flowdesk.redact.engine import redact

        return redact
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def describe_rule(rule_id: str) -> str:
    """The one-line description of a rule ("" for an id no rule has)."""
    from flowdesk.redact.engine import RULES

    return next((r.description for r in RULES if r.id == rule_id), "")
