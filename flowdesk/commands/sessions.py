"""``flowdesk import``, ``flowdesk sessions list|refresh``, ``flowdesk signin`` and ``flowdesk signout``.

* ``import`` and ``sessions list`` never touch the network: they read and write the local cache.
* ``signin`` reads the password (or a pasted access token) from stdin only — never from the command line,
  where other users could read it in the process list and the shell would keep it in its history. The
  address and e-mail go to the settings, the refresh token (or pasted access token) to the OS keyring.
* ``sessions refresh`` signs in with the stored token and stores every rotated refresh token again.
* ``signout`` revokes the sign-in on ResolutionFlow when it can be reached and always removes it from the
  keyring.

Exit codes: 0 ok; 1 failure (for ``import``: some files could not be imported); 2 bad input (for
``import``: nothing usable at all).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from flowdesk.commands.base import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_OK,
    CommandError,
    Context,
    add_command,
    bad_input,
    ca_file_path,
    json_option,
)
from flowdesk.commands.console import print_json, read_stdin_text, utf8_stdout
from flowdesk.core.settings import save_settings, unwritable
from flowdesk.core.terminal import printable
from flowdesk.credentials import CredentialError, CredentialStore
from flowdesk.logs import register_secret

DEFAULT_LIST_LIMIT = 50
NOT_SIGNED_IN = (
    "Not signed in to ResolutionFlow: run `flowdesk signin --email you@example.com --password-stdin` "
    "(or `flowdesk signin --token-stdin` to paste an access token)"
)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    imp = add_command(
        sub, common, "import", cmd_import,
        help="import FlowPilot sessions from JSON exports into the local cache",
    )
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a session file or a folder of them")
    json_option(imp, "print the report as one JSON object")

    ses = add_command(
        sub, common, "sessions", None,
        help="list the cached sessions, or refresh them from ResolutionFlow",
        description="Your recent FlowPilot sessions: `list` reads the local cache (no network); `refresh` "
        "fetches what is new or changed from ResolutionFlow.",
    )
    ses_sub = ses.add_subparsers(dest="sessions_command", metavar="ACTION", required=True)
    lst = add_command(ses_sub, common, "list", cmd_sessions_list, help="list the cached sessions, newest first (no network)")
    json_option(lst, "print the sessions as a JSON list")
    lst.add_argument(
        "--status", action="append", metavar="S", help="only sessions with this status (resolved, escalated, …); repeatable"
    )
    lst.add_argument(
        "--limit", type=int, default=DEFAULT_LIST_LIMIT, metavar="N", help=f"at most N sessions (default {DEFAULT_LIST_LIMIT}; 0: all)"
    )
    ref = add_command(ses_sub, common, "refresh", cmd_sessions_refresh, help="fetch new and changed sessions from ResolutionFlow")
    ref.add_argument("--full", action="store_true", help="list every session, not only those changed since the last refresh")
    json_option(ref, "print the report as one JSON object")

    sin = add_command(
        sub, common, "signin", cmd_signin,
        help="sign in to ResolutionFlow",
    )
    sin.add_argument("--url", help="the ResolutionFlow API address (default: the saved one, else https://api.resolutionflow.com)")
    sin.add_argument("--email", help="your ResolutionFlow e-mail address")
    how = sin.add_mutually_exclusive_group(required=True)
    how.add_argument("--password-stdin", action="store_true", help="read the password from stdin (never from the command line)")
    how.add_argument("--token-stdin", action="store_true", help="read an access token from stdin (copied from a signed-in browser)")
    sin.add_argument("--ca-file", type=Path, help="a PEM file of a certificate authority your network uses to inspect TLS")

    add_command(
        sub, common, "signout", cmd_signout,
        help="sign out of ResolutionFlow",
    )


# ---------------------------------------------------------------------------------------- helpers


def _open_cache(ctx: Context):
    # lazy: sqlite3 and the store, which not every command needs; cli imports every command module, the window too
    from flowdesk.store import Database, SessionCache, StoreError

    try:
        db = Database(ctx.paths.database_file)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    return db, SessionCache(db)


def _read_secret(what: str, *, one_word: bool) -> str:
    data = read_stdin_text(what, f"ResolutionFlow {what}: ")
    # a password may contain spaces: drop only the line ending a shell or echo adds
    value = data.strip() if one_word else data.rstrip("\r\n")
    register_secret(value)
    register_secret(data)
    if not value.strip():
        bad_input(f"the {what} on stdin is empty")
    if one_word and (any(c.isspace() for c in value) or not value.isprintable()):
        bad_input(f"the {what} on stdin must be one line without spaces")
    if "\n" in value or "\r" in value:
        bad_input(f"the {what} on stdin must be one line")
    return value


def _when(dt: datetime | None) -> str:
    from flowdesk.core.localtime import to_local

    return "-" if dt is None else to_local(dt).isoformat(" ", "minutes")[:16]


def _clip(text: str | None, width: int) -> str:
    text = printable(" ".join((text or "").split()))
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------------------------------- import


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    """Import sessions from JSON files: a session, a list of sessions, a saved page ({"items": [...]},
    or its list under "sessions", "results" or "data"), or a folder of such *.json files. Each file is
    imported whole or not at all; every file is reported. Exit 0: all imported; 1: some files could not
    be imported; 2: nothing could be imported."""
    # lazy: the importer loads the store; cli imports every command module, the window too
    from flowdesk.resolutionflow.importer import import_paths

    db, cache = _open_cache(ctx)
    try:
        report = import_paths(args.paths, cache)
    finally:
        db.close()
    utf8_stdout()
    if args.json:
        print_json(report.as_dict())
    else:
        for f in report.files:
            print(printable(f.line()))
        print(report.summary())
    if not report.good:
        return EXIT_BAD_INPUT
    return EXIT_FAILURE if report.bad else EXIT_OK


# ---------------------------------------------------------------------------------------- list


def _row_json(row: Any) -> dict[str, Any]:
    def t(dt: datetime | None) -> str | None:
        return None if dt is None else dt.isoformat().replace("+00:00", "Z")

    return {
        "id": row.id,
        "status": row.status,
        "session_type": row.session_type,
        "psa_ticket_id": row.psa_ticket_id,
        "client_name": row.client_name,
        "summary": row.summary,
        "created_at": t(row.created_at),
        "updated_at": t(row.updated_at),
        "ended_at": t(row.ended_at),
        "duration_seconds": row.duration_seconds,
        "state_version": row.state_version,
        "posted_by_resolutionflow": row.posted_by_resolutionflow,
        "source": row.source,
        "cached_at": t(row.cached_at),
    }


def cmd_sessions_list(args: argparse.Namespace, ctx: Context) -> int:
    if args.limit < 0:
        bad_input("--limit must be 0 (all) or more")
    statuses = [s.strip() for s in args.status or [] if s.strip()] or None
    db, cache = _open_cache(ctx)
    try:
        rows = cache.rows(status=statuses, limit=args.limit if 0 < args.limit < 2**63 else None)  # SQLite's range
        total = None
        if args.limit and len(rows) == args.limit:
            total = sum(cache.count(status=s) for s in statuses) if statuses else cache.count()
    finally:
        db.close()
    utf8_stdout()
    if args.json:
        print_json([_row_json(r) for r in rows])
        return EXIT_OK
    if not rows:
        print("No sessions cached yet: run `flowdesk sessions refresh` or `flowdesk import PATH`." if not statuses else "No cached sessions with that status.")
        return EXIT_OK
    for r in rows:
        ticket = f"#{r.psa_ticket_id}" if r.psa_ticket_id is not None else "-"
        posted = " [posted by ResolutionFlow]" if r.posted_by_resolutionflow else ""
        print(
            f"{_when(r.ended_at or r.updated_at or r.created_at):16}  {_clip(r.status or '-', 21):21}  {ticket:8}  "
            f"{_clip(r.client_name or '-', 28):28}  {_clip(r.summary, 60)}{posted}  {printable(r.id)}"
        )
    if total is not None and total > len(rows):
        print(f"… {total - len(rows)} more; use --limit 0 to list them all.")
    return EXIT_OK


# ---------------------------------------------------------------------------------------- refresh


def cmd_sessions_refresh(args: argparse.Namespace, ctx: Context) -> int:
    # lazy: httpx and the store, which not every command needs; cli imports every command module, the window too
    from flowdesk.resolutionflow.account import NotSignedIn, refresh
    from flowdesk.resolutionflow.errors import ResolutionFlowConfigError, ResolutionFlowError

    profile = ctx.settings.resolutionflow
    db, cache = _open_cache(ctx)
    try:
        report = refresh(profile, CredentialStore(), cache, full=args.full)
    except NotSignedIn:
        raise CommandError(NOT_SIGNED_IN) from None
    except ResolutionFlowConfigError as exc:
        raise CommandError(f"The saved ResolutionFlow address is unusable ({exc}): run `flowdesk signin --url …` again") from None
    except (ResolutionFlowError, CredentialError) as exc:
        raise CommandError(str(exc)) from None
    finally:
        db.close()
    utf8_stdout()
    if args.json:
        print_json(report.as_dict())
    else:
        print(printable(report.summary()))
        for sid, reason in report.skipped:
            print(printable(f"skipped {sid}: {reason}"))
    return EXIT_OK


def cmd_signin(args: argparse.Namespace, ctx: Context) -> int:
    """Sign in to ResolutionFlow with your e-mail address and password (read from stdin), or with an access token
    pasted on stdin (single sign-on accounts; it lasts minutes and cannot be renewed). The address and
    e-mail are saved in the settings, the sign-in in the OS keyring. Example: printf '%s' "$PASSWORD" |
    flowdesk signin --email you@example.com --password-stdin"""
    # lazy: httpx, which not every command needs; cli imports every command module, the window too
    from flowdesk.resolutionflow.account import SignInFailed, forget_previous, sign_in, undo_sign_in
    from flowdesk.resolutionflow.client import normalise_base_url
    from flowdesk.resolutionflow.errors import ResolutionFlowConfigError

    settings = ctx.settings
    previous = settings.resolutionflow.model_copy()
    try:
        url = normalise_base_url(args.url if args.url is not None else previous.url)
    except ResolutionFlowConfigError as exc:
        bad_input(str(exc))
    email = (args.email or "").strip()
    if args.password_stdin and not email:
        bad_input("give your ResolutionFlow e-mail address with --email")
    if email and ("@" not in email or any(c.isspace() for c in email)):
        bad_input(f"--email {email!r} is not an e-mail address")
    ca_file = ca_file_path(args.ca_file)
    secret = _read_secret("password" if args.password_stdin else "access token", one_word=args.token_stdin)

    store = CredentialStore()
    try:
        signed = sign_in(url, email, secret, store=store, ca_file=ca_file, pasted_token=args.token_stdin)
    except ResolutionFlowConfigError as exc:
        bad_input(str(exc))
    except SignInFailed as exc:
        raise CommandError(exc.said("command")) from None  # run it again, not "Settings, or flowdesk signin"
    settings.resolutionflow.url = url
    settings.resolutionflow.email = signed.email
    settings.resolutionflow.ca_file = ca_file
    try:
        save_settings(settings, ctx.paths.settings_file)
    except OSError as exc:
        undo_sign_in(signed, store)
        raise CommandError(f"{unwritable(ctx.paths.settings_file, exc)}. Nothing was saved: sign in again then.") from None
    warning = forget_previous(previous, signed, store)
    if warning:
        print(f"flowdesk: warning: {warning}", file=sys.stderr)

    utf8_stdout()
    print(f"Signed in to ResolutionFlow at {url} as {signed.who}.")
    if signed.pasted_token:
        until = f" until {_when(signed.access_expires_at)}" if signed.access_expires_at else ""
        print(
            f"The pasted access token works{until}; FlowDesk cannot renew it. Paste a new one when it expires, "
            "or sign in with --password-stdin."
        )
    else:
        if not signed.can_renew:
            print("ResolutionFlow gave no refresh token: you will have to sign in again when the access token expires.")
        print(f"The sign-in is kept in the OS keyring ({store.backend_name()}). Run `flowdesk sessions refresh` to fetch your sessions.")
    return EXIT_OK


def cmd_signout(args: argparse.Namespace, ctx: Context) -> int:
    """Revoke the sign-in on ResolutionFlow when it can be reached, and always remove it from the OS keyring.
    Cached sessions stay."""
    # lazy: httpx, which not every command needs; cli imports every command module, the window too
    from flowdesk.resolutionflow.account import sign_out

    profile = ctx.settings.resolutionflow
    utf8_stdout()
    try:
        out = sign_out(profile, CredentialStore())
    except CredentialError as exc:
        raise CommandError(f"{exc} You are still signed in on this computer.") from None
    if not out.was_signed_in:
        print(f"Not signed in to ResolutionFlow as {profile.email}." if profile.email else "Not signed in to ResolutionFlow.")
        return EXIT_OK
    if out.revoked:
        print(f"Signed out of ResolutionFlow ({profile.email}): the sign-in was revoked and removed from this computer.")
    else:
        print(
            f"Signed out of ResolutionFlow ({profile.email}) on this computer. ResolutionFlow could not confirm it "
            f"({out.problem}); the sign-in ends on its own after a few days without use."
        )
    return EXIT_OK
