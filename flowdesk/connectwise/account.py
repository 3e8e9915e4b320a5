"""The engineer's saved ConnectWise account: from the settings profile and the keyring to a client.

One place for "which account, which keys", shared by the window, ``flowdesk whoami`` and the drainer.
Opening a client reads the keyring, which may block on an unlock prompt: never call it on the GUI
thread.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.connectwise.site import SiteConfigError, check_company, normalise_site, site_host
from flowdesk.core.settings import ConnectWiseProfile
from flowdesk.credentials import CredentialError, CredentialStore, connectwise_profile_key
from flowdesk.http.proxy import ProxyConfig
from flowdesk.network import ProxySettingError, current_proxy

NO_ACCOUNT = "No ConnectWise account yet: open Settings (or run `flowdesk connect …`) and enter your API keys."


class AccountError(Exception):
    """The saved account cannot be used; ``str()`` says why and what to do. ``keyring``: the OS keyring's
    trouble (``CredentialError.reason``: ``locked``, …) when the keyring would not give the keys, else None."""

    def __init__(self, message: str, keyring: str | None = None) -> None:
        super().__init__(message)
        self.keyring = keyring


def profile_key(profile: ConnectWiseProfile) -> str:
    if not profile.configured:
        raise AccountError(NO_ACCOUNT)
    try:
        return connectwise_profile_key(profile.site, profile.company)
    except (SiteConfigError, ValueError) as exc:
        raise AccountError(f"The saved ConnectWise account is unusable ({exc}): enter it again in Settings.") from None


def _proxy(proxy: ProxyConfig | None) -> ProxyConfig:
    """The given proxy, else the application's (which may read the keyring)."""
    if proxy is not None:
        return proxy
    try:
        return current_proxy()
    except (ProxySettingError, CredentialError) as exc:
        raise AccountError(str(exc)) from None


def open_client(
    profile: ConnectWiseProfile,
    credentials: CredentialStore,
    *,
    timeout: httpx.Timeout | None = None,
    proxy: ProxyConfig | None = None,
) -> ConnectWiseClient:
    """A client for the saved account, through ``proxy`` (default: the application's proxy)."""
    key = profile_key(profile)
    try:
        keys = credentials.load_connectwise_keys(key)
    except CredentialError as exc:
        raise AccountError(str(exc), exc.reason) from None
    if keys is None:
        raise AccountError(
            f"No ConnectWise keys in the OS keyring for {profile.company} on {site_host(profile.site)}: "
            "run `flowdesk connect …` or open Settings"
        )
    try:
        return ConnectWiseClient(
            profile.site,
            profile.company,
            keys.public_key,
            keys.private_key,
            client_id=profile.client_id,
            ca_file=profile.ca_file,
            timeout=timeout,
            proxy=_proxy(proxy),
        )
    except SiteConfigError as exc:
        raise AccountError(f"The saved ConnectWise account is unusable ({exc}): enter it again in Settings.") from None


def ticket_url(profile: ConnectWiseProfile, ticket_id: int, kind: str = "service") -> str:
    """The ticket in ConnectWise's web UI (its documented URL entry point), for "Open ticket"."""
    base = normalise_site(profile.site)
    parts = urlsplit(base)
    host = parts.netloc
    if host.startswith("api-"):  # the API host of a cloud site; people browse the site itself
        host = host[len("api-") :]
    record = "ProjectTicketFV" if kind == "project" else "ServiceFV"
    return (
        f"{parts.scheme}://{host}/v4_6_release/services/system_io/router/openrecord.rails"
        f"?locale=en_US&recordType={record}&recid={int(ticket_id)}&companyName={quote(profile.company)}"
    )


class AccountInput:
    """What the engineer typed in Settings. An empty key means "keep the saved one"."""

    def __init__(
        self,
        site: str,
        company: str,
        public_key: str = "",
        private_key: str = "",
        client_id: str | None = None,
        ca_file: str | None = None,
    ) -> None:
        self.site = site.strip()
        self.company = company.strip()
        self.public_key = public_key.strip()
        self.private_key = private_key.strip()
        self.client_id = (client_id or "").strip() or None
        self.ca_file = (ca_file or "").strip() or None

    def __repr__(self) -> str:  # never the private key
        return f"AccountInput(site={self.site!r}, company={self.company!r}, public_key={self.public_key!r})"


def _same_site(typed: str, saved: str) -> bool:
    """The same server however it is written (``na.myconnectwise.net``, its login URL, a trailing slash), and
    the same scheme: the saved keys never go over plain HTTP to a server they were saved for over HTTPS."""
    try:
        return normalise_site(typed) == normalise_site(saved)
    except SiteConfigError:
        return False


def _keys_for(inp: AccountInput, saved: ConnectWiseProfile, credentials: CredentialStore) -> tuple[str, str]:
    public, private = inp.public_key, inp.private_key
    if public and private:
        return public, private
    same_account = saved.configured and _same_site(inp.site, saved.site) and inp.company.lower() == saved.company.lower()
    if same_account:
        try:
            keys = credentials.load_connectwise_keys(profile_key(saved))
        except CredentialError as exc:
            raise AccountError(str(exc)) from None
        if keys is not None:
            return public or keys.public_key, private or keys.private_key
    raise AccountError("Enter both the public and the private key (from My Account → API Keys in ConnectWise).")


def test_account(
    inp: AccountInput, saved: ConnectWiseProfile, credentials: CredentialStore, *, proxy: ProxyConfig | None = None
) -> Any:
    """Sign in with what was typed and report who that is and what they may do. Network and keyring:
    worker threads only."""
    if not inp.site:
        raise AccountError("Enter your ConnectWise site (for example na.myconnectwise.net or your login URL).")
    try:
        check_company(inp.company)
    except SiteConfigError as exc:
        raise AccountError(str(exc)) from None
    public, private = _keys_for(inp, saved, credentials)
    try:
        client = ConnectWiseClient(
            inp.site, inp.company, public, private, client_id=inp.client_id, ca_file=inp.ca_file, proxy=_proxy(proxy)
        )
    except SiteConfigError as exc:
        raise AccountError(str(exc)) from None
    with client:
        return client.test_connection()


def save_account(
    inp: AccountInput, saved: ConnectWiseProfile, credentials: CredentialStore, *, proxy: ProxyConfig | None = None
) -> tuple[ConnectWiseProfile, Any]:
    """Test the account, then put its keys in the keyring; returns the profile to save in the settings and the
    test's ``ConnectionReport`` (what the keys may do). Nothing is stored when the test fails. The replaced
    account's keys do not linger."""
    report = test_account(inp, saved, credentials, proxy=proxy)
    public, private = _keys_for(inp, saved, credentials)
    key = connectwise_profile_key(inp.site, inp.company)
    try:
        credentials.save_connectwise_keys(key, public, private)
    except CredentialError as exc:
        raise AccountError(f"{exc} Nothing was saved.") from None
    if saved.configured:
        try:
            old = profile_key(saved)
        except AccountError:
            old = None
        if old and old != key:
            with contextlib.suppress(CredentialError):
                credentials.delete_connectwise_keys(old)
    return checked_profile(inp.site, inp.company, inp.client_id, inp.ca_file, report), report


def checked_profile(
    site: str, company: str, client_id: str | None, ca_file: str | None, report: Any
) -> ConnectWiseProfile:
    """The profile to save for an account ConnectWise just accepted: what was typed, and what its report
    (``ConnectionReport``) says: the API host, whose keys they are, whether that member must enter start and
    end times, the license. ``flowdesk connect``, Settings and the first-run setup all save this one."""
    return ConnectWiseProfile(
        site=site,
        company=company,
        api_host=report.site.api_host,
        codebase=report.site.codebase,
        client_id=client_id,
        ca_file=ca_file,
        member_identifier=report.member.identifier,
        member_name=report.member.name,
        require_start_end=report.member.require_start_end,
        license_class=report.member.license_class or "",
    )
