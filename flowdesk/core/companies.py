"""Is a ticket's company the session's client? Compared tolerant of case, accents, punctuation, "&"/"and",
a parenthesised place ("(Köln)") and legal-form suffixes (Inc, LLC, LLP, Ltd, GmbH, Co, Corp, PLC, …), against
ConnectWise's company name and its identifier ("BrightsmileDental")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Legal forms and their abbreviations, as separate words (checked after punctuation is gone: "L.L.C." is "llc").
# Not "Group": it names a company ("The Kessler Group" is not "Kessler Precision Machining", identifier "Kessler").
SUFFIXES = frozenset(
    ["inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "gmbh", "mbh", "ag", "kg", "ohg", "ug", "co", "company", "corp", "corporation", "plc", "pc", "pllc", "pa", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "oy", "ab", "as", "aps", "pty", "pte", "kk"]
)
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "o", "å": "a", "œ": "oe"})
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def _fold(text: str) -> str:
    text = text.casefold().translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def name_words(name: str | None) -> tuple[str, ...]:
    """The words that name a company: folded, without punctuation, "&"/"and", a parenthesised part or legal
    forms. ``"Bäckerei Müller & Söhne GmbH (Köln)"`` -> ``("baeckerei", "mueller", "soehne")``."""
    if not name:
        return ()
    text = _PARENS.sub(" ", _fold(name)).replace("&", " ").replace("+", " ")
    text = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", text)  # "l.l.c." -> "llc"
    words = [w for w in re.split(r"[^0-9a-z]+", text) if w and w != "and" and w != "the"]
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    return tuple(words)


def _compact(text: str | None) -> str:
    return re.sub(r"[^0-9a-z]+", "", _fold(text or ""))


@dataclass(frozen=True)
class CompanyCheck:
    """The answer for one session and one ticket: ``same`` (True / False), or ``None`` when the session
    names no client (nothing to compare: said, not asked)."""

    same: bool | None
    client: str  # the session's client_name as written ("" when none)
    company: str  # the ticket's company as ConnectWise names it


def same_company(client_name: str | None, company_name: str | None, company_identifier: str | None = None) -> bool:
    """True when the session's client and the ticket's company are the same company."""
    client = name_words(client_name)
    if not client:
        return False
    if client == name_words(company_name):
        return True
    ident = _compact(company_identifier)
    joined = "".join(client)
    # CHOICE: no prefix rule ("CedarRidgeVet" for "Cedar Ridge Veterinary …"): "SummitRidge" would then name
    # "Summit Ridge Orthopedics" and "Summit Ridge Dental" alike. A missed match only asks; a false one leaks.
    return bool(ident) and ident == joined


def check_company(client_name: str | None, company_name: str | None, company_identifier: str | None = None) -> CompanyCheck:
    company = (company_name or company_identifier or "").strip()
    client = (client_name or "").strip()
    if not name_words(client):
        return CompanyCheck(None, "", company)
    if not company:  # ConnectWise gave no company: nothing says it is another client's
        return CompanyCheck(True, client, company)
    return CompanyCheck(same_company(client, company_name, company_identifier), client, company)
