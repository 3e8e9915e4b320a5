"""What a ConnectWise key check or a ResolutionFlow sign-in that succeeded leaves in the settings.

The settings dialog and the first-run setup start these checks on the ``TaskRunner``; by the time one answers,
its keys or tokens are already in the keyring (and the replaced account's removed), so the settings must point
to them even when the dialog was closed meanwhile. These run on the GUI thread whether or not the dialog is
still there; what only shows the answer is the dialog's, and is dropped with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowdesk.core.settings import ConnectWiseProfile, ProxySettings, ResolutionFlowProfile
    from flowdesk.ui.controller import AppController


def proxy_now(typed: ProxySettings, credentials: Any) -> Any:
    """The proxy the typed fields describe, for a check before they are saved (worker thread: may read the keyring)."""
    from flowdesk import network
    from flowdesk.ui.system_proxy import system_proxy

    return network.proxy_config(typed, credentials, system=system_proxy)


def proxy_problem(typed: ProxySettings, password: str) -> str | None:
    """What is wrong with the typed proxy (``password``: the one typed), in words; None when nothing is."""
    from flowdesk.core.settings import ProxyMode, proxy_address_problem

    if typed.mode != ProxyMode.MANUAL:
        return None
    from flowdesk.http.proxy import proxy_url

    try:
        proxy_url(typed.url, origin="the Proxy address field")  # "the proxy address in the proxy address" read badly
    except ValueError as exc:
        return f"The proxy cannot be used: {exc}."
    problem = proxy_address_problem(typed.url)
    if problem:
        return f"The proxy cannot be used: {problem}."
    if password and not typed.user:
        return "Enter the proxy user name that goes with the password."
    return None


def write_settings(controller: AppController) -> str | None:
    """Write the settings file and tell the window; returns why it could not be written, or None."""
    from flowdesk.core.settings import unwritable

    try:
        controller.services.save_settings()
    except OSError as exc:
        words = unwritable(controller.services.paths.settings_file, exc)
        return f"{words[0].upper()}{words[1:]}."
    controller.settings_changed.emit()
    return None


def keep_connectwise_account(controller: AppController, profile: ConnectWiseProfile) -> str | None:
    """ConnectWise accepted the keys, now in the keyring: the app uses them from now on (new clients, look-ups
    read again) and the settings file names their account. Returns why the file could not be written, or None."""
    controller.settings.connectwise = profile
    controller.account_changed()
    return write_settings(controller)


def account_saved_elsewhere(controller: AppController) -> None:
    """``flowdesk connect`` saved an account (and its keys, in the keyring) while this window runs: the window
    takes that account from the settings file and drops the clients it holds, whose keys may be the old ones
    ConnectWise refused; then, as after a save in Settings, a pause for refused keys is lifted and sending goes
    on (``account_changed``). The other settings are this window's: not read again."""
    from flowdesk.core.settings import load_settings  # lazy: pydantic

    if controller._closed:  # quitting: the store is closing
        return
    saved = load_settings(controller.services.paths.settings_file).settings.connectwise
    if saved.configured:  # an unreadable file reads as no account: keep the one this window has
        controller.settings.connectwise = saved
    controller.account_changed()
    controller.settings_changed.emit()  # as after a save in Settings: the ticket shown is read again with the new keys


def keep_sign_in(controller: AppController, previous: ResolutionFlowProfile, signed: Any) -> str | None:
    """ResolutionFlow signed ``signed`` (a ``SignedIn``) in, its tokens in the keyring: the settings name that
    account, the previous account's sign-in is removed and the sessions are fetched. Returns why the settings
    could not be written (then the previous sign-in is kept and nothing is fetched), or None."""
    # lazy: httpx and keyring, not before the first paint
    from flowdesk.core.settings import unwritable
    from flowdesk.resolutionflow.account import forget_previous

    services = controller.services
    profile = services.settings.resolutionflow
    profile.url, profile.email, profile.ca_file = signed.url, signed.email, signed.ca_file
    try:
        services.save_settings()
    except OSError as exc:
        return f"Signed in, but {unwritable(services.paths.settings_file, exc)}."
    controller.tasks.submit(forget_previous, previous, signed, services.credentials, name="forget-previous-sign-in")
    controller.refresh_sessions()
    return None


def keep_proxy(controller: AppController, typed: ProxySettings, password: str) -> None:
    """Keep the typed proxy in the settings, its password in the keyring (off the GUI thread), and rebuild the
    clients when it changed. The settings file is written by the caller."""
    s = controller.settings
    changed = typed != s.proxy or bool(password)
    old = s.proxy
    s.proxy = typed
    if old.user and old.url and (old.user, old.url) != (typed.user, typed.url):  # the old password does not linger
        from flowdesk.credentials import proxy_password_key as key

        controller.tasks.submit(controller.services.credentials.delete_proxy_password,
                                key(old.url, old.user), name="forget-proxy-password")
    if password and typed.user:
        from flowdesk.credentials import proxy_password_key

        entry, store = proxy_password_key(typed.url, typed.user), controller.services.credentials
        controller.tasks.submit(
            store.save_proxy_password, entry, password, name="save-proxy-password",
            on_error=lambda e: controller.notify_info(f"The proxy password was not saved: {e}"),
        )
    if changed:
        controller.push.reset_requested.emit()
