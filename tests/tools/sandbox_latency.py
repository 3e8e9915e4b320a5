"""Per-request latency of the sandbox with one keep-alive httpx client (200 GETs, HTTP and HTTPS).

    uv run python tests/tools/sandbox_latency.py [--requests 200] [--rounds 5]

Prints the median over the rounds of the mean ms/request, for a ConnectWise GET (auth, version check,
a ticket) and a ResolutionFlow GET (JWT check, a page of 20 summaries).
"""

from __future__ import annotations

import argparse
import base64
import statistics
import time

import httpx

from flowdesk.sandbox import Sandbox


def measure(sb: Sandbox, n: int, rounds: int) -> dict[str, float]:
    info = sb.info
    cw = info.connectwise
    verify = info.ssl_context() or False
    headers = {
        "Authorization": "Basic " + base64.b64encode(f"{cw.company}+{cw.public_key}:{cw.private_key}".encode()).decode(),
        "clientId": cw.client_id,
        "Accept": "application/vnd.connectwise.com+json; version=2025.8",
    }
    out: dict[str, float] = {}
    with httpx.Client(verify=verify) as c:
        codebase = c.get(f"{cw.site}/login/companyinfo/{cw.company}").json()["Codebase"]
        token = c.post(
            f"{info.resolutionflow.url}/api/v1/auth/login",
            json={"email": info.resolutionflow.email, "password": info.resolutionflow.password},
        ).json()["access_token"]
        targets = {
            "connectwise GET /service/tickets/48211": (f"{cw.site}/{codebase}apis/3.0/service/tickets/48211", headers),
            "resolutionflow GET /api/v1/ai-sessions": (
                f"{info.resolutionflow.url}/api/v1/ai-sessions",
                {"Authorization": f"Bearer {token}"},
            ),
        }
        for name, (url, hdrs) in targets.items():
            samples = []
            for _ in range(rounds):
                for _ in range(10):  # warm up
                    c.get(url, headers=hdrs).raise_for_status()
                t0 = time.perf_counter()
                for _ in range(n):
                    c.get(url, headers=hdrs)
                samples.append((time.perf_counter() - t0) / n * 1000)
            out[name] = statistics.median(samples)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for tls in (False, True):
        with Sandbox(tls=tls) as sb:
            for name, ms in measure(sb, args.requests, args.rounds).items():
                print(f"{'HTTPS' if tls else 'HTTP ':5} {name:45} {ms:.3f} ms/request")


if __name__ == "__main__":
    main()
