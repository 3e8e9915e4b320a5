"""``flowdesk tickets search [TEXT] [--company NAME] [--all] [--json]``: find ConnectWise tickets with the saved
account, as the window's ticket finder does (``flowdesk.connectwise.search``).

Exit codes: 0 ok (also when nothing matches), 1 ConnectWise could not be asked, 2 bad input.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from flowdesk.commands.base import EXIT_OK, NO_ACCOUNT, CommandError, Context, add_command, json_option
from flowdesk.commands.console import print_json, utf8_stdout
from flowdesk.core import present

SEARCH_TIMEOUT = (5.0, 20.0)  # connect, read


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    t = add_command(sub, common, "tickets", None, help="find ConnectWise tickets", description="Find ConnectWise tickets.")
    tsub = t.add_subparsers(dest="tickets_command", metavar="ACTION", required=True)
    s = add_command(
        tsub, common, "search", cmd_search,
        help="search tickets by number, #number, a ConnectWise link, words of the summary or company",
    )
    s.add_argument("text", nargs="*", default=[], help='a number, "#48211", a pasted ticket link, or words of the summary')
    s.add_argument("--company", default="", metavar="NAME", help="only this company's tickets (the start of its name)")
    s.add_argument("--all", action="store_true", help="closed tickets too")
    s.add_argument("--limit", type=int, default=25, metavar="N", help="at most N tickets (default 25, at most 1000)")
    json_option(s, "print the tickets as one JSON object")


def ticket_json(t: Any) -> dict[str, Any]:
    return {
        "id": t.ref.id, "kind": t.ref.kind, "summary": t.summary, "company": t.company,
        "company_identifier": t.company_identifier, "board": t.board, "status": t.status, "closed": t.closed,
        "updated": t.updated.isoformat().replace("+00:00", "Z") if t.updated else None,
    }  # fmt: skip


def cmd_search(args: argparse.Namespace, ctx: Context) -> int:
    """Search ConnectWise service tickets (a number also finds a project ticket). Open tickets only unless --all;
    newest first."""
    # lazy: httpx and the client, which not every command needs
    from flowdesk.commands.queue import LOOKUP_TIMEOUT, connectwise_client, profile_key
    from flowdesk.connectwise.errors import ConnectWiseError
    from flowdesk.connectwise.search import SECRET_SEARCH, find_tickets, looks_secret, parse_ticket_text
    from flowdesk.push.drainer import ClientUnavailable

    if not 1 <= args.limit <= 1000:
        raise CommandError(f"--limit {args.limit}: give a number from 1 to 1000", 2)
    if looks_secret(" ".join([*args.text, args.company or ""])):  # never sent to ConnectWise in a query
        raise CommandError(SECRET_SEARCH, 2)
    query = parse_ticket_text(" ".join(args.text), company=args.company, include_closed=args.all)
    profile = ctx.settings.connectwise
    if not profile.configured:
        raise CommandError(NO_ACCOUNT)
    key = profile_key(profile)
    try:
        client = connectwise_client(profile, key, timeout=(LOOKUP_TIMEOUT[0], SEARCH_TIMEOUT[1]))
    except ClientUnavailable as exc:
        raise CommandError(str(exc)) from None
    with client:
        try:
            found = find_tickets(client, query, limit=args.limit)
        except ConnectWiseError as exc:
            raise CommandError(f"ticket search: {exc}") from None
    utf8_stdout()
    if args.json:
        print_json({"tickets": [ticket_json(t) for t in found]})
        return EXIT_OK
    if not found:
        print(present.no_tickets(args.all))
        return EXIT_OK
    now = datetime.now(UTC)
    rows = [present.ticket_row(t, now) for t in found]
    widths = [min(max(len(r[i]) for r in rows), 60) for i in range(5)]
    for r in rows:
        cells = [(c if len(c) <= w else c[: w - 1] + "…").ljust(w) for c, w in zip(r[:5], widths, strict=True)]
        print("  ".join([*cells, r[5]]).rstrip())
    return EXIT_OK
