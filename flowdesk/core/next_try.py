"""The last sentence of a push's ``last_error`` that says when the next try is (``Retrying at 14:05.``, as
:mod:`flowdesk.core.policy_words` writes it), taken off where the state says when already (``Retrying at
14:05``, ``Checking at 16:26``): that time, written when the push failed, may since have moved (a Retry, a
hold-off). Plain text in, text out."""

from __future__ import annotations

import re

_NEXT_TRY = re.compile(
    r"\s*\b(?:Retrying at|Trying again at|Checking again at|FlowDesk will check the ticket|Checking (?:project )?ticket #\d+ "
    r"for the [a-z ]+ at)\b[^.]*\.$"
)


def without_next_try(error: str) -> str:
    """``error`` without its last sentence on when the next try is."""
    return _NEXT_TRY.sub("", error)
