"""Ticket search: what the engineer types, turned into ConnectWise ``conditions`` (reference §7).

``"48211"``, ``"#48211"`` and a pasted ConnectWise ticket address (``…openrecord.rails?recordType=ServiceFv&
recid=48211``, ``…?srRecID=48211``, ``…fv_sr100_request.rails?service_recid=48211``) and ``"Ticket #48211"`` (an e-mail's
subject, ``Ticket#48211/…``) look a ticket up by number (open or closed: a number is exact); anything else
is words, each one in the summary or the company's name (``summary contains "…" or company/name contains "…"``). A company narrows the search with
``company/name like "…%"`` (or its identifier). Only open tickets (``closedFlag = false``) unless ``include_closed``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flowdesk.core.companies import same_company

_NUMBER = re.compile(r"^#?\s*(\d{1,10})$")
# a ticket named as ConnectWise's e-mails name it: "Ticket #48211", and the subject "Ticket#48211/Printer offline"
_NAMED = re.compile(r"^(?:service\s+)?ticket\s*#\s*(\d{1,10})(?:$|\s*[/:\-\u2013\u2014]|\s+)", re.IGNORECASE)
# a ticket's address: ``openrecord.rails?…&recid=N``, ``ConnectWise.aspx?…&srRecID=N`` and the Service Ticket
# page's own address (what the browser shows, and e-mailed links): ``fv_sr100_request.rails?service_recid=N``
_RECORD_ID = re.compile(r"(?:[?&#;]|^)(?:recid|srrecid|service_recid)=(\d{1,10})\b", re.IGNORECASE)
MAX_WORDS = 8  # a pasted paragraph is not a search: its first words are


@dataclass(frozen=True)
class TicketQuery:
    number: int | None = None
    words: tuple[str, ...] = ()
    company: str = ""
    include_closed: bool = False

    @property
    def empty(self) -> bool:
        return self.number is None and not self.words and not self.company


def _literal(text: str) -> str:
    """A ConnectWise string literal's inside: its quote and backslash have no escape, so they are dropped."""
    return "".join(ch for ch in text if ch not in "\"\\" and ch.isprintable()).strip()


# Said (and nothing sent) when the text of a ticket search holds what every note has redacted
SECRET_SEARCH = "That looks like a password or key: it is not sent to ConnectWise. Search by number, summary or company."


def looks_secret(text: str) -> bool:
    """True when ``text`` holds a password, key, token, private key or connection string (what every note has
    redacted): a search would send it to ConnectWise in a query. Fails closed."""
    from flowdesk.redact import ALWAYS_REDACTED, redact  # lazy: the redaction engine compiles its rules

    try:
        return redact(text, ALWAYS_REDACTED).total > 0
    except Exception:  # noqa: BLE001 - a text redaction cannot read is not sent either
        return True


def parse_ticket_text(text: str, *, company: str = "", include_closed: bool = False) -> TicketQuery:
    """What the engineer typed in the finder (or gave ``flowdesk tickets search``) as a query."""
    text = (text or "").strip()
    number: int | None = None
    words: tuple[str, ...] = ()
    m = _NUMBER.match(text) or _NAMED.match(text)
    url = _RECORD_ID.search(text) if "=" in text else None
    if m:
        number = int(m.group(1))
    elif url:
        number = int(url.group(1))
    elif text:
        words = tuple(w for w in (_literal(w) for w in text.split()) if w)[:MAX_WORDS]
    if number == 0:
        number = None
    return TicketQuery(number=number, words=words, company=_literal(company), include_closed=include_closed)


def conditions_for(query: TicketQuery) -> str:
    """The ``conditions`` parameter for ``query`` ("" when it asks for every open ticket)."""
    parts: list[str] = []
    if query.number is not None:
        parts.append(f"id = {query.number}")
    for w in query.words:  # a word of the summary or of the company's name ("kessler printer")
        parts.append(f'(summary contains "{w}" or company/name contains "{w}")')
    if query.company:
        parts.append(f'(company/name like "{query.company}%" or company/identifier like "{query.company}%")')
    if not query.include_closed and query.number is None:
        parts.append("closedFlag = false")
    return " and ".join(parts)


def client_first(tickets: Sequence[Any], client_name: str | None) -> list[Any]:
    """``tickets`` (newest first, as ConnectWise ordered them) with the session's client's tickets first."""
    if not client_name:
        return list(tickets)
    mine = [t for t in tickets if same_company(client_name, t.company, t.company_identifier)]
    return mine + [t for t in tickets if t not in mine]


def ids(tickets: Iterable[Any]) -> list[int]:
    return [t.ref.id for t in tickets]


def find_tickets(client: Any, query: TicketQuery, *, client_name: str | None = None, limit: int = 25) -> list[Any]:
    """The tickets ``query`` asks for through ``client`` (a :class:`ConnectWiseClient`), newest first with the
    session's client's first. A number is looked up among service tickets, then project tickets."""
    conditions = conditions_for(query)
    found = client.search_tickets(conditions, kind="service", limit=limit)
    if not found and query.number is not None:
        found = client.search_tickets(conditions, kind="project", limit=limit)
    return client_first(found, client_name)
