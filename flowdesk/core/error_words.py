"""Words every error line shares, and the words of a refusal said for where the engineer reads them.

* :func:`with_request_id`: a service's request id (ConnectWise's ``x-cw-request-id``, ResolutionFlow's
  ``x-request-id``) ends the line as its own short sentence, ``… Try again in a few minutes. Request id: 7f3a``,
  wherever an error line carries one (Settings, the ticket card's tooltip, the terminal, the queue's history
  of attempts): never glued after the final full stop as ``… minutes. (request id 7f3a)``.
* :func:`keys_rejected`: ConnectWise refused the API keys (401). Where the engineer reads it decides what to do:
  in Settings or the first-run setup the fields are right there (``"here"``); at ``flowdesk connect`` the
  command is run again (``"connect"``); anywhere else (a look-up, the command line's other commands) they go
  to Settings.

Plain data in, text out: no Qt, no I/O.
"""

from __future__ import annotations

from typing import Literal

API_KEYS = "My Account → API Keys"  # where ConnectWise makes member API keys

Where = Literal["elsewhere", "here", "connect"]


def request_id_words(request_id: str) -> str:
    """``Request id: 7f3a``: the one way a request id is said."""
    return f"Request id: {request_id}"


def sentence(text: str) -> str:
    """``text`` ending as a sentence does: a full stop added when it has none."""
    text = text.rstrip()
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def with_request_id(message: str, request_id: str | None) -> str:
    """``message``, then its request id as the line's last sentence (a full stop first if it has none)."""
    if not request_id:
        return message
    text = sentence(message)
    return f"{text} {request_id_words(request_id)}" if text else request_id_words(request_id)


def keys_rejected(status: int | None, company: str, where: Where = "elsewhere") -> str:
    """ConnectWise refused the API keys (401) for ``company``: what to do about it, for ``where`` it is read."""
    http = f" (HTTP {status})" if status else ""
    head = f"ConnectWise rejected your API keys{http} for company '{company}'."
    if where == "here":
        return (f"{head} Check the company ID and both keys above; if the keys were deleted or changed, create new "
                f"ones in ConnectWise under {API_KEYS} and enter them here.")
    if where == "connect":
        return (f"{head} Check the company ID and both keys; if the keys were deleted or changed, create new ones "
                f"in ConnectWise under {API_KEYS} and run `flowdesk connect` again with them.")
    return (f"{head} Check the company ID; if the keys were deleted or changed, create new ones under {API_KEYS} "
            "and enter them in Settings > ConnectWise account (or with `flowdesk connect`).")


def said_where(exc: BaseException, where: Where, then: str = "") -> str:
    """``str(exc)``, but a refusal of the keys (an ``AuthError``: ``kind`` ``auth``, with its ``company``) says
    what to do ``where`` it is read; ``then``: a sentence to add (``Nothing was saved.``), before the request id,
    which stays last."""
    rid = getattr(exc, "request_id", None)
    company = getattr(exc, "company", None)
    if getattr(exc, "kind", None) == "auth" and isinstance(company, str):
        text = keys_rejected(getattr(exc, "status", None), company, where)
    else:
        text = str(getattr(exc, "message", exc)) if rid else str(exc)
    if then:
        text = f"{sentence(text)} {then}"
    return with_request_id(text, rid if isinstance(rid, str) else None)
