"""Where a ConnectWise company lives: the address the engineer typed, and the API base found from it.

The engineer may paste a login URL (``https://na.myconnectwise.net/v4_6_release/services/system_io/…``),
a bare host (``na.myconnectwise.net``), the API host (``api-na.myconnectwise.net``), ``host:port`` or,
for a local test server, ``http://127.0.0.1:PORT``. :func:`normalise_site` reduces all of them to a base
URL (scheme + host[:port]); the API host and codebase then come from ConnectWise itself
(``GET {base}/login/companyinfo/{company}``, reference §1), never from a hard-coded table.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from flowdesk.http.urls import AddressWords, is_loopback, split_address


class SiteConfigError(ValueError):
    """The ConnectWise address, company or CA file cannot be used as given (a settings problem)."""


_CODEBASE = re.compile(r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$")
DEFAULT_CODEBASE = "v4_6_release/"  # on-premise servers, and the fallback when companyinfo has none
_WORDS = AddressWords("ConnectWise", "enter your ConnectWise address, e.g. na.myconnectwise.net", SiteConfigError)


def split_site(site: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of what the engineer typed; port None when it is the scheme's default."""
    address = split_address(site, _WORDS)
    return address.scheme, address.host, address.port


def normalise_site(site: str) -> str:
    """The base URL (``scheme://host[:port]``) of what the engineer typed; raises :class:`SiteConfigError`.

    Paths, queries and default ports are dropped, the host is lower-cased; no scheme means https;
    http is accepted only for loopback hosts.
    """
    scheme, host, port = split_site(site)
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def site_host(site: str) -> str:
    """``host[:port]`` of a site (the form used in messages and keyring entry names)."""
    _, host, port = split_site(site)
    return host + (f":{port}" if port else "")


def check_company(company: str) -> str:
    company = (company or "").strip()
    if not company:
        raise SiteConfigError("Enter your ConnectWise company ID (the one you type when you sign in)")
    if any(c.isspace() or not c.isprintable() or c in "/\\?#:+" for c in company) or len(company) > 100:
        raise SiteConfigError(f"{company!r} is not a ConnectWise company ID (the one you type when you sign in)")
    return company


def normalise_codebase(codebase: object) -> str | None:
    """``v2025_1/`` from ``v2025_1/``, ``/v2025_1`` or ``v2025_1``; the default when empty; None when unusable."""
    if codebase is None or codebase == "":
        return DEFAULT_CODEBASE
    if not isinstance(codebase, str):
        return None
    cb = codebase.strip().strip("/")
    if not cb:
        return DEFAULT_CODEBASE
    if not _CODEBASE.match(cb) or ".." in cb.split("/"):
        return None
    return cb + "/"


class SiteInfo(BaseModel):
    """A company's ConnectWise site as discovered from ``/login/companyinfo/{company}``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    site: str  # the base URL discovery used, e.g. "https://na.myconnectwise.net"
    company: str  # the company ID as the engineer typed it
    codebase: str  # e.g. "v2025_1/" (always ends with "/")
    api_host: str  # host[:port] the API calls go to, e.g. "api-na.myconnectwise.net"
    api_base: str  # e.g. "https://api-na.myconnectwise.net/v2025_1/apis/3.0"
    site_url: str | None = None  # SiteUrl as ConnectWise gave it
    company_name: str | None = None  # CompanyName
    company_id: str | None = None  # CompanyID as ConnectWise spells it
    version: str | None = None  # VersionCode, e.g. "v2025.1"
    is_cloud: bool | None = None  # IsCloud


def api_location(site: str, site_url: object, is_cloud: object = True) -> tuple[str, str]:
    """``(scheme://host[:port], host[:port])`` for API calls, from the typed site and companyinfo's SiteUrl.

    SiteUrl is already the API host (``api-na.myconnectwise.net``) and is always reached over https — for a
    cloud site (``IsCloud``) only: an on-premises server is reached at the host the engineer typed, as real
    clients do (ConnectWiseManageAPI ``Connect-CWM``, django-connectwise). For a loopback site (a test
    server), the original scheme, host and port are kept whatever SiteUrl says. Without a usable SiteUrl,
    the typed host is used.
    """
    scheme, host, port = split_site(site)
    own = host + (f":{port}" if port else "")
    if is_cloud is not True or is_loopback(host) or not isinstance(site_url, str) or not site_url.strip():
        return f"{scheme}://{own}", own
    raw = site_url.strip()
    if "://" in raw:
        raw = raw.split("://", 1)[1]
    raw = raw.split("/", 1)[0]
    try:
        _, api_host, api_port = split_site("https://" + raw)
    except SiteConfigError:
        return f"{scheme}://{own}", own
    netloc = api_host + (f":{api_port}" if api_port else "")
    return f"https://{netloc}", netloc
