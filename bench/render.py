"""Child process of the render benchmark (``python -m bench.render``, parameters on stdin).

A 100-step session (the longest sample, 62 steps, extended with its own steps) rendered as its default
note (``render_note``) and redacted with every category on (``redact``), as ``prepare_note`` does for the
preview and before queueing. The peer is ResolutionFlow's own formatter on the same session: the seed's
``format_resolution_note`` as transcribed in ``tests/seed_oracle.py`` (it renders; it does not redact).
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import child_main, median, percentile
from bench.data import long_session


def p50_ms(fn: Any, iterations: int) -> float:
    times = []
    for _ in range(iterations):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return percentile(times, 50)


def main(p: dict[str, Any]) -> dict[str, Any]:
    from flowdesk.core.models import parse_session
    from flowdesk.core.render import render_note
    from flowdesk.core.settings import Settings
    from flowdesk.redact import redact
    from tests.seed_oracle import format_resolution_note, session_from_json

    raw = long_session(p["steps"])
    session = parse_session(raw)
    categories = Settings().enabled_redactions
    seed_session = session_from_json(raw)
    text = render_note(session)
    assert text == format_resolution_note(seed_session), "FlowDesk's note differs from the seed's"
    redacted = redact(text, categories)

    def flowdesk() -> None:
        redact(render_note(session), categories)

    def seed() -> None:
        format_resolution_note(seed_session)

    def render_only() -> None:
        render_note(session)

    def redact_only() -> None:
        redact(text, categories)

    n = p["iterations"]
    for fn in (flowdesk, seed):  # warm-up
        p50_ms(fn, 5)
    out: dict[str, list[float]] = {"flowdesk": [], "seed": [], "render": [], "redact": []}
    for _ in range(p["runs"]):
        out["flowdesk"].append(p50_ms(flowdesk, n))
        out["seed"].append(p50_ms(seed, n))
        out["render"].append(p50_ms(render_only, n))
        out["redact"].append(p50_ms(redact_only, n))
    return {
        "p50_ms": out,
        "chars": len(text),
        "redacted": redacted.counts,
        "summary": {k: median(v) for k, v in out.items()},
    }


if __name__ == "__main__":
    child_main(main)
