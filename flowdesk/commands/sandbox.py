"""``flowdesk sandbox``: the loopback ConnectWise + ResolutionFlow emulation on its own."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from flowdesk.commands.base import EXIT_OK, CommandError, Context, add_command
from flowdesk.commands.console import print_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(
        sub, common, "sandbox", cmd_sandbox,
        help="run the ConnectWise + ResolutionFlow sandbox",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default: 0, a free one)")
    p.add_argument("--tls", action="store_true", help="serve HTTPS with a throwaway CA (its file is printed)")
    p.add_argument("--latency-ms", type=int, default=0, metavar="N", help="add N ms to every API request")


def cmd_sandbox(args: argparse.Namespace, ctx: Context) -> int:
    """Serve a loopback emulation of the ConnectWise PSA and ResolutionFlow APIs, seeded with sample tickets and
    sessions, with fault injection under /__sandbox__/. Prints one JSON line with the URLs and the demo
    credentials, then serves until SIGINT or SIGTERM."""
    # lazy: the sandbox (cryptography, the HTTP server) for this command only; cli imports every command module, the window too
    from flowdesk.sandbox import Sandbox

    if args.latency_ms < 0:
        raise CommandError("--latency-ms must be 0 or more", 2)
    if not 0 <= args.port <= 65535:
        raise CommandError(f"--port {args.port}: give a port from 1 to 65535, or 0 for a free one", 2)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        sandbox = Sandbox(host=args.host, port=args.port, tls=args.tls, latency_ms=args.latency_ms)
        try:
            sandbox.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
        try:
            print_json(sandbox.info.as_json())
            while not stop.wait(1.0):
                pass
        finally:
            sandbox.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK
