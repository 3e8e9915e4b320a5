"""Words every error line shares, and the words of a refusal said for where the engineer reads them.

* :func:`with_request_id`: a service's request id (ConnectWise's ``x-cw-request-id``, ResolutionFlow's
  ``x-request-id``) ends the line as its own short sentence, ``… Try again in a few minutes. Request id: 7f3a``,
  wherever an error line carries one (Settings, the ticket card's tooltip, the terminal, the queue's history
  of attempts): never glued after the final full stop as ``… minutes. (request id 7f3a)``.
* :func:`said_where`: an error said for where the engineer reads it, for the errors that know (a ``said(where)``
  method): ConnectWise refusing the API keys (401, :func:`keys_rejected`), ResolutionFlow refusing a sign-in. In
  Settings or the first-run setup the fields are right there (``"here"``); at the command that sets the account
  up (``flowdesk connect``, ``flowdesk signin``) it is run again (``"command"``); a window banner whose button
  opens Settings says Settings alone (``"window"``); anywhere else (a look-up, the queue, other commands) they go
  to Settings, or to that command (``"elsewhere"``).

Plain data in, text out: no Qt, no I/O.
"""

from __future__ import annotations

from typing import Literal

API_KEYS = "My Account → API Keys"  # where ConnectWise makes member API keys

Where = Literal["elsewhere", "here", "command", "window"]


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
    if where == "command":
        return (f"{head} Check the company ID and both keys; if the keys were deleted or changed, create new ones "
                f"in ConnectWise under {API_KEYS} and run `flowdesk connect` again with them.")
    command = "" if where == "window" else " (or with `flowdesk connect`)"
    return (f"{head} Check the company ID; if the keys were deleted or changed, create new ones under {API_KEYS} "
            f"and enter them in Settings > ConnectWise account{command}.")


def said_where(exc: BaseException, where: Where, then: str = "") -> str:
    """``str(exc)``, but said for ``where`` it is read when the error knows how (its ``said(where)``); ``then``: a
    sentence to add (``Nothing was saved.``), before the request id, which stays last."""
    rid = getattr(exc, "request_id", None)
    rid = rid if isinstance(rid, str) else None
    say = getattr(exc, "said", None)
    # its own words without the request id, which goes last (after ``then``)
    text = str(say(where)) if callable(say) else str(getattr(exc, "message", exc)) if rid else str(exc)
    if then:
        text = f"{sentence(text)} {then}"
    return with_request_id(text, rid)
