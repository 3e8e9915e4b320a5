"""The engineer's ResolutionFlow sign-in: from the settings and the keyring to a signed-in client.

One place for signing in (password or pasted access token), refreshing the session cache with the
stored sign-in, and signing out, shared by ``flowdesk signin/signout/sessions refresh`` and the window.
Clients go through the application's proxy (``flowdesk.network``) unless one is given.
Every function here talks to the network and the keyring: call them on worker threads only.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flowdesk.core.error_words import Where, said_where
from flowdesk.core.settings import ResolutionFlowProfile
from flowdesk.credentials import (
    CredentialError,
    CredentialStore,
    resolutionflow_access_key,
    resolutionflow_account_key,
)
from flowdesk.http.proxy import ProxyConfig
from flowdesk.network import ProxySettingError, current_proxy
from flowdesk.resolutionflow.client import ResolutionFlowClient, jwt_claims
from flowdesk.resolutionflow.errors import (
    EXPIRED_IDLE,
    REVOKED,
    TOKEN_EXPIRED,
    TOKEN_REJECTED,
    Offline,
    ResolutionFlowError,
    SignInRequired,
)
from flowdesk.resolutionflow.sync import SyncReport, refresh_sessions

NOTHING_SAVED = "Nothing was saved."


class NotSignedIn(Exception):
    """No stored ResolutionFlow sign-in for the saved account."""

    def __init__(self, message: str = "Not signed in to ResolutionFlow: sign in from Settings (or `flowdesk signin`).") -> None:
        super().__init__(message)

    def said(self, where: Where) -> str:
        """A window banner opens Settings: it says Settings alone."""
        return str(self).replace(" (or `flowdesk signin`)", "") if where == "window" else str(self)


class SignInFailed(Exception):
    """Signing in did not complete; ``str()`` says why. Nothing was saved. ``error``: ResolutionFlow's refusal,
    when it was one (``said(where)`` says it for Settings or ``flowdesk signin``; it holds no secret)."""

    def __init__(self, message: str, *, error: ResolutionFlowError | None = None) -> None:
        super().__init__(message)
        self.error = error

    def said(self, where: Where) -> str:
        return str(self) if self.error is None else said_where(self.error, where, NOTHING_SAVED)


@dataclass(frozen=True)
class SignedIn:
    url: str
    email: str
    name: str | None
    pasted_token: bool
    can_renew: bool
    access_expires_at: datetime | None
    ca_file: str | None = None  # the CA file it was signed in with (kept with the account)

    @property
    def who(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


def _entries(url: str, email: str) -> tuple[str, str]:
    return resolutionflow_account_key(url, email), resolutionflow_access_key(url, email)


def _proxy(proxy: ProxyConfig | None) -> ProxyConfig:
    """The given proxy, else the application's (may read the keyring); an unusable proxy setting is
    :class:`Offline`: nothing can be sent until it is corrected."""
    if proxy is not None:
        return proxy
    try:
        return current_proxy()
    except ProxySettingError as exc:
        raise Offline(str(exc)) from None


def refresh_failed(exc: BaseException) -> str:
    """The window's banner when a refresh failed; its button opens Settings (or tries again): the words name
    Settings alone, not also ``flowdesk signin``."""
    return f"Could not refresh your sessions: {said_where(exc, 'window')}"


def stored_entries(profile: ResolutionFlowProfile) -> tuple[str, str]:
    if not profile.email:
        raise NotSignedIn()
    try:
        return _entries(profile.url, profile.email)
    except ValueError:
        raise NotSignedIn() from None


def refresh(
    profile: ResolutionFlowProfile,
    store: CredentialStore,
    cache: Any,
    *,
    full: bool = False,
    proxy: ProxyConfig | None = None,
) -> SyncReport:
    """Fetch what changed with the stored sign-in. A dead sign-in (expired, revoked, pasted token gone)
    is removed from the keyring, so the next attempt says "not signed in" rather than failing again."""
    account, access_entry = stored_entries(profile)
    refresh_token = store.load_refresh_token(account)
    access = None if refresh_token else store.load_access_token(access_entry)
    if not refresh_token and not access:
        raise NotSignedIn()
    client = ResolutionFlowClient(
        profile.url,
        ca_file=profile.ca_file,
        on_tokens=lambda token: store.save_refresh_token(account, token),
        proxy=_proxy(proxy),
    )
    try:
        with client:
            if refresh_token:
                client.resume(refresh_token)
            else:
                assert access is not None
                client.use_access_token(access)
            return refresh_sessions(client, cache, full=full, scope=account)
    except SignInRequired as exc:
        with contextlib.suppress(CredentialError):
            if exc.reason in (EXPIRED_IDLE, REVOKED):
                store.delete_refresh_token(account)
            elif exc.reason in (TOKEN_EXPIRED, TOKEN_REJECTED):
                store.delete_access_token(access_entry)
        raise


def sign_in(
    url: str,
    email: str,
    secret: str,
    *,
    store: CredentialStore,
    ca_file: str | None = None,
    pasted_token: bool = False,
    proxy: ProxyConfig | None = None,
) -> SignedIn:
    """Sign in with a password, or check a pasted access token, and keep the sign-in in the keyring.

    Raises ``SignInFailed`` (nothing saved). The settings are the caller's to save; when that fails,
    call :func:`undo_sign_in`.
    """
    saved: list[str] = []
    account = resolutionflow_account_key(url, email) if email else None

    def keep(token: str) -> None:
        assert account is not None
        store.save_refresh_token(account, token)
        saved.append(account)

    try:
        proxy = _proxy(proxy)
    except (ResolutionFlowError, CredentialError) as exc:
        raise SignInFailed(f"{exc} Nothing was saved.") from None
    client = ResolutionFlowClient(url, ca_file=ca_file, on_tokens=keep, proxy=proxy)
    with client:
        name: str | None = None
        can_renew = False
        try:
            if not pasted_token:
                result = client.sign_in(email, secret)
                can_renew = result.can_renew
                with contextlib.suppress(ResolutionFlowError):
                    name = client.me().name
            else:
                if secret.lower().startswith("bearer "):
                    secret = secret[7:].strip()
                try:
                    client.use_access_token(secret)
                except ValueError as exc:
                    raise SignInFailed(str(exc)) from None
                me = client.me()  # checks the token before anything is saved
                name = me.name
                email = email or me.email or str((jwt_claims(secret) or {}).get("email") or "")
                if not email:
                    raise SignInFailed(
                        "ResolutionFlow did not say whose token this is: give your e-mail address. Nothing was saved."
                    )
        except ResolutionFlowError as exc:  # its request id last, after "Nothing was saved."
            raise SignInFailed(said_where(exc, "elsewhere", NOTHING_SAVED), error=exc) from None
        except CredentialError as exc:
            with contextlib.suppress(Exception):
                client.sign_out()  # do not leave a sign-in behind that nothing remembers
            raise SignInFailed(f"{exc} Nothing was saved.") from None

        account, access_entry = _entries(url, email)
        try:
            if pasted_token:
                store.save_access_token(access_entry, secret)
                store.delete_refresh_token(account)  # one way of signing in per account
            else:
                store.delete_access_token(access_entry)
        except CredentialError as exc:
            with contextlib.suppress(Exception):
                client.sign_out()
            raise SignInFailed(f"{exc} Nothing was saved.") from None
        return SignedIn(url, email, name, pasted_token, can_renew, client.access_expires_at, ca_file)


def undo_sign_in(signed: SignedIn, store: CredentialStore) -> None:
    """The settings could not be saved: do not keep a sign-in nothing points to."""
    account, access_entry = _entries(signed.url, signed.email)
    with contextlib.suppress(CredentialError):
        store.delete_refresh_token(account)
        store.delete_access_token(access_entry)


def forget_previous(previous: ResolutionFlowProfile, signed: SignedIn, store: CredentialStore) -> str | None:
    """After signing in as another account, remove the old account's sign-in. Returns a warning, or None."""
    if not previous.email:
        return None
    try:
        old_account, old_access = _entries(previous.url, previous.email)
    except ValueError:
        return None
    if old_account == resolutionflow_account_key(signed.url, signed.email):
        return None
    try:
        store.delete_refresh_token(old_account)
        store.delete_access_token(old_access)
    except CredentialError as exc:
        return f"the previous account's sign-in is still in the keyring: {exc}"
    return None


@dataclass(frozen=True)
class SignedOut:
    was_signed_in: bool
    revoked: bool
    problem: str | None


def signed_in_email(profile: ResolutionFlowProfile, store: CredentialStore) -> str | None:
    """The e-mail address FlowDesk is signed in to ResolutionFlow with (a refresh token or a pasted access token is
    in the keyring for it), or None. Reads the keyring: never on the GUI thread."""
    try:
        account, access_entry = stored_entries(profile)
    except NotSignedIn:
        return None
    return profile.email if store.load_refresh_token(account) or store.load_access_token(access_entry) else None


def sign_out(profile: ResolutionFlowProfile, store: CredentialStore, *, proxy: ProxyConfig | None = None) -> SignedOut:
    """Revoke the sign-in on ResolutionFlow when it can be reached; always remove it from the keyring
    (a ``CredentialError`` from that means it is still stored)."""
    try:
        account, access_entry = stored_entries(profile)
    except NotSignedIn:
        return SignedOut(False, False, None)
    refresh_token = store.load_refresh_token(account)
    access = store.load_access_token(access_entry)
    if not refresh_token and not access:
        return SignedOut(False, False, None)
    problem: str | None = None
    revoked = False
    try:
        client = ResolutionFlowClient(profile.url, ca_file=profile.ca_file, proxy=_proxy(proxy))
    except (ValueError, ResolutionFlowError, CredentialError) as exc:
        problem = str(exc)
    else:
        with client:
            if refresh_token:
                client.resume(refresh_token)
            elif access:
                client.use_access_token(access)
            outcome = client.sign_out()
            revoked, problem = outcome.revoked, outcome.problem
    store.delete_refresh_token(account)
    store.delete_access_token(access_entry)
    return SignedOut(True, revoked, problem)
