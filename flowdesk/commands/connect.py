"""``flowdesk connect`` (sign in to ConnectWise and save the account) and ``flowdesk whoami``.

The private key is read from stdin (or typed at a hidden prompt), never taken from the command line,
where other users could read it in the process list and the shell would keep it in its history.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flowdesk.commands.base import (
    EXIT_OK,
    NO_ACCOUNT,
    CommandError,
    Context,
    add_command,
    bad_input,
    ca_file_path,
    json_option,
    tell_the_window,
)
from flowdesk.commands.console import print_json, read_stdin_text, utf8_stdout
from flowdesk.core import present
from flowdesk.core.error_words import said_where
from flowdesk.core.settings import save_settings, unwritable
from flowdesk.core.terminal import printable
from flowdesk.credentials import CredentialError, CredentialStore, connectwise_profile_key
from flowdesk.logs import register_secret


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(
        sub, common, "connect", cmd_connect,
        help="sign in to ConnectWise with your API keys and save the account",
    )
    p.add_argument("--site", required=True, help="your ConnectWise address: a login URL, na.myconnectwise.net, or the API host")
    p.add_argument("--company", required=True, help="the company ID you type when you sign in to ConnectWise")
    p.add_argument("--public-key", required=True, help="from My Account → API Keys")
    p.add_argument(
        "--private-key-stdin",
        action="store_true",
        help="read the private key from stdin (required: FlowDesk never takes it on the command line)",
    )
    p.add_argument("--client-id", help="a ConnectWise clientId to send instead of FlowDesk's own")
    p.add_argument("--ca-file", type=Path, help="a PEM file of the certificate authority of an on-premise server")

    w = add_command(
        sub, common, "whoami", cmd_whoami,
        help="show who your saved ConnectWise keys belong to and what they may do",
    )
    json_option(w, "print member, site and permissions as one JSON object")


def _read_private_key() -> str:
    data = read_stdin_text("private key", "ConnectWise private key: ")
    key = data.strip()
    register_secret(key)
    if not key:
        bad_input("the private key on stdin is empty")
    if any(c.isspace() for c in key) or not key.isprintable():
        bad_input("the private key on stdin must be one line without spaces")
    return key


def _nothing_saved(exc: Exception) -> str:
    # refused keys: run this command again, not "Settings (or flowdesk connect)"; a request id last
    return said_where(exc, "command", "Nothing was saved.")


def cmd_connect(args: argparse.Namespace, ctx: Context) -> int:
    """Test your ConnectWise API keys, show who you are and what you may do, then save the account (keys in the
    OS keyring, the rest in the settings). Nothing is saved when the test fails. Example: printf '%s'
    "$KEY" | flowdesk connect --site na.myconnectwise.net --company acme --public-key PUBKEY
    --private-key-stdin"""
    # lazy: httpx, which not every command needs; cli imports every command module, the window too
    from flowdesk.connectwise.account import checked_profile
    from flowdesk.connectwise.client import ConnectWiseClient
    from flowdesk.connectwise.errors import ConnectWiseError
    from flowdesk.connectwise.site import SiteConfigError, check_company, site_host

    if not args.private_key_stdin:
        bad_input("give the private key on stdin with --private-key-stdin (FlowDesk never takes it on the command line)")
    try:
        site = args.site.strip()
        host = site_host(site)
        company = check_company(args.company)
    except SiteConfigError as exc:
        bad_input(str(exc))
    public_key = (args.public_key or "").strip()
    if not public_key:
        bad_input("--public-key is empty: copy it from My Account → API Keys")
    ca_file = ca_file_path(args.ca_file)
    private_key = _read_private_key()

    from flowdesk.network import ProxySettingError, current_proxy

    try:
        proxy = current_proxy()  # the proxy setting, or HTTPS_PROXY / NO_PROXY
    except (ProxySettingError, CredentialError) as exc:
        raise CommandError(_nothing_saved(exc)) from None
    try:
        client = ConnectWiseClient(
            site, company, public_key, private_key, client_id=args.client_id, ca_file=ca_file, proxy=proxy
        )
    except SiteConfigError as exc:
        bad_input(str(exc))
    with client:
        try:
            report = client.test_connection()
        except ConnectWiseError as exc:
            raise CommandError(_nothing_saved(exc)) from None

    settings = ctx.settings
    previous = settings.connectwise
    previous_key: str | None = None
    if previous.configured:
        try:
            previous_key = connectwise_profile_key(previous.site, previous.company)
        except ValueError:
            previous_key = None
    profile_key = connectwise_profile_key(site, company)
    store = CredentialStore()
    try:
        store.save_connectwise_keys(profile_key, public_key, private_key)
    except CredentialError as exc:
        raise CommandError(_nothing_saved(exc)) from None

    settings.connectwise = checked_profile(site, company, (args.client_id or "").strip() or None, ca_file, report)
    try:
        save_settings(settings, ctx.paths.settings_file)
    except OSError as exc:
        # The keys stay in the keyring: deleting them now could fail as well, and a second run (after the
        # antivirus or whatever held the file lets go) saves the same keys again.
        raise CommandError(
            f"the keys are in the OS keyring, but {unwritable(ctx.paths.settings_file, exc)}. Then run the same "
            "command again."
        ) from None

    if previous_key and previous_key != profile_key:
        try:
            store.delete_connectwise_keys(previous_key)  # the replaced account's keys do not linger
        except CredentialError as exc:
            print(printable(f"flowdesk: warning: the previous account's keys are still in the keyring: {exc}"), file=sys.stderr)

    resumed = _lift_account_pause(ctx)
    # a window running on this data folder reads the account again: it would go on sending with the keys it holds
    window = tell_the_window(ctx.paths, account=True)
    utf8_stdout()
    print(printable(report.summary(), lines=True))
    print(printable(f"Saved the ConnectWise account {company} on {host}; keys are in the OS keyring ({store.backend_name()})."))
    if resumed:
        then = "the FlowDesk window sends them now" if window else "`flowdesk queue drain` (or the window) sends them"
        print(f"Sending resumed: the pushes that waited for ConnectWise to accept your account are due again; {then}.")
    return EXIT_OK


def _lift_account_pause(ctx: Context) -> bool:
    """ConnectWise accepted the keys: lift the pause its refusal of the keys (or of the company ID) wrote, as
    saving the account in the window's Settings does; the engineer's own pause and a member pause stay. True
    when it was lifted. A queue that cannot be opened is left as it is (``queue resume`` says why)."""
    # lazy: sqlite3 and the store, which not every command needs
    from flowdesk.store import Database, Outbox, StoreError

    try:
        db = Database(ctx.paths.database_file)
    except StoreError:
        return False
    try:
        outbox = Outbox(db)
        if outbox.paused_kind() != "account":
            return False
        outbox.resume()
        return True
    finally:
        db.close()


def cmd_whoami(args: argparse.Namespace, ctx: Context) -> int:
    """Test the saved ConnectWise account and print who you are and what you may do."""
    # lazy: httpx, which not every command needs; cli imports every command module, the window too
    from flowdesk.connectwise.account import AccountError, open_client
    from flowdesk.connectwise.errors import ConnectWiseError

    profile = ctx.settings.connectwise
    if not profile.configured:
        raise CommandError(NO_ACCOUNT)
    try:
        client = open_client(profile, CredentialStore())
    except AccountError as exc:
        raise CommandError(str(exc)) from None
    with client:
        try:
            report = client.test_connection()
        except ConnectWiseError as exc:
            raise CommandError(str(exc)) from None
    utf8_stdout()
    if report.member.api_member:
        print(f"flowdesk: warning: {present.API_MEMBER_KEYS}", file=sys.stderr)
    if args.json:
        print_json(
            {
                "member": report.member.model_dump(mode="json"),
                "site": report.site.model_dump(mode="json"),
                "permissions": report.permissions.model_dump(mode="json"),
                "summary": report.summary(),
            }
        )
    else:
        print(printable(report.summary(), lines=True))
    return EXIT_OK
