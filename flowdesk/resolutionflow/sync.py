"""Refreshing the session cache from ResolutionFlow: list summaries, fetch only what is new or changed.

1. List the engineer's sessions (summaries) — since the last finished sync's watermark, less
   :data:`SYNC_OVERLAP`, when there is one and ``full`` is not asked for. The watermark is the newest
   ``updated_at`` a finished sync listed, i.e. the *server's* clock, so a wrong clock on this computer
   cannot make FlowDesk miss changes. If ResolutionFlow refuses ``updated_since`` (400/422), the sync
   lists everything instead.
2. Compare each summary's (``updated_at``, ``state_version``) with :meth:`SessionCache.versions`; only a
   session that is not cached or whose summary is newer is fetched (``GET /ai-sessions/{id}``). So a
   refresh with nothing changed transfers no session bodies.
3. Store each fetched session with its response text (byte for byte), newest copy winning, in batches
   (one transaction each). A session ResolutionFlow already posted to its ticket keeps that marking
   (``resolution_note_posted_at`` / ``*_external_id``), since what is stored is RF's own record.

A record that fails validation (listed or fetched) is skipped and reported as ``(id, "field: problem")``;
a session deleted between listing and fetching is skipped as not found. Any other error stops the sync:
what was fetched until then stays cached, the watermark does not move, and the error propagates.
Sessions deleted on ResolutionFlow are not removed from the cache (the API has no tombstones).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flowdesk.core.models import Session
from flowdesk.logs import get_logger
from flowdesk.resolutionflow.client import DEFAULT_PAGE_SIZE, ResolutionFlowClient, SessionListing
from flowdesk.resolutionflow.errors import InvalidRecord, NotFound, ProtocolError, ResolutionFlowError
from flowdesk.store.sessions import API_SOURCE, SessionCache, Version, session_version

log = get_logger("resolutionflow")

SYNC_OVERLAP = timedelta(minutes=10)  # re-list this much before the watermark: costs summaries, not bodies
DETAIL_BATCH = 100  # fetched sessions stored per transaction
DEFAULT_WORKERS = 4  # detail requests in flight at once (a first sync of thousands over a real network)


@dataclass
class SyncReport:
    listed: int = 0  # summaries read (valid, each session once)
    fetched: int = 0  # session bodies transferred (GET /ai-sessions/{id} answered)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0  # listed but not newer than the cache, or fetched and found equal/older
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (session id, reason)
    full: bool = True  # listed everything (no updated_since)
    since: datetime | None = None  # the updated_since sent
    pages: int = 0
    seconds: float = 0.0
    changed_ids: list[str] = field(default_factory=list, compare=False)  # new or updated in the cache

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("changed_ids")  # may be thousands of ids: the counts say it
        d["skipped"] = [{"id": sid, "reason": reason} for sid, reason in self.skipped]
        d["since"] = None if self.since is None else self.since.isoformat()
        return d

    def summary(self) -> str:
        parts = [f"{self.listed} listed", f"{self.fetched} fetched ({self.inserted} new, {self.updated} updated)"]
        parts.append(f"{self.unchanged} unchanged")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return "Refreshed from ResolutionFlow: " + ", ".join(parts) + "."


def default_scope(client: ResolutionFlowClient) -> str:
    return f"resolutionflow:{client.base_url}"


def needs_fetch(summary: Session, cached: Version | None) -> bool:
    """Whether a listed summary is newer than the cached copy, judging only by what the summary carries
    (a summary without ``updated_at`` is compared by ``state_version`` alone)."""
    if cached is None:
        return True
    s_upd, s_ver = session_version(summary)
    c_upd, c_ver = cached
    if s_upd is not None:
        if c_upd is None:
            return True
        if s_upd != c_upd:
            return s_upd > c_upd
    return s_ver is not None and (c_ver is None or s_ver > c_ver)


def refresh_sessions(
    client: ResolutionFlowClient,
    cache: SessionCache,
    *,
    full: bool = False,
    scope: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    workers: int = DEFAULT_WORKERS,
) -> SyncReport:
    """Bring the cache up to date with ResolutionFlow (see the module docstring). ``scope`` names the
    account whose watermark is used (default: the client's address)."""
    started = time.perf_counter()
    scope = scope or default_scope(client)
    state = None if full else cache.sync_state(scope)
    since = state.watermark - SYNC_OVERLAP if state is not None and state.watermark is not None else None
    report = SyncReport(full=since is None, since=since)
    try:
        summaries, listing = _list(client, page_size, since)
        if summaries is None:  # updated_since refused: list everything
            report.full, report.since = True, None
            summaries, listing = _list(client, page_size, None)
            assert summaries is not None
        report.pages = listing.pages
        report.skipped.extend(listing.skipped)
        versions = cache.versions(source=API_SOURCE)  # a session cached from a file is fetched: the API's copy replaces it
        newest: datetime | None = None
        wanted: list[str] = []
        for s in summaries:
            report.listed += 1
            if s.updated_at is not None and (newest is None or s.updated_at > newest):
                newest = s.updated_at
            if needs_fetch(s, versions.get(s.id)):  # type: ignore[arg-type]
                wanted.append(s.id)  # type: ignore[arg-type]
            else:
                report.unchanged += 1
        _fetch_and_store(client, cache, wanted, report, workers)
    except ResolutionFlowError as exc:
        cache.record_sync(scope, ok=False, error=str(exc))
        report.seconds = time.perf_counter() - started
        log.info("session refresh failed after %d fetched: %s", report.fetched, exc.kind)
        raise
    cache.record_sync(scope, ok=True, watermark=newest)
    report.seconds = time.perf_counter() - started
    log.info(
        "session refresh: %d listed (%d pages, %s), %d fetched, %d new, %d updated, %d unchanged, %d skipped in %.2fs",
        report.listed, report.pages, "full" if report.full else "since watermark", report.fetched,
        report.inserted, report.updated, report.unchanged, len(report.skipped), report.seconds,
    )  # fmt: skip
    return report


def _list(
    client: ResolutionFlowClient, page_size: int, since: datetime | None
) -> tuple[list[Session] | None, SessionListing]:
    """Every listed summary; ``(None, listing)`` when ResolutionFlow refused ``updated_since``."""
    listing = client.list_sessions(page_size=page_size, updated_since=since)
    try:
        return list(listing), listing
    except ProtocolError as exc:
        if since is not None and listing.pages == 0 and exc.status in (400, 422):
            log.warning("ResolutionFlow refused updated_since (HTTP %s); listing every session instead", exc.status)
            return None, listing
        raise


_Fetched = tuple[str, str | None, Session | None, str | None]  # (id, text, session, skip reason)


def _fetch_one(client: ResolutionFlowClient) -> Callable[[str], _Fetched]:
    def fetch(session_id: str) -> _Fetched:
        try:
            text, session = client.get_session(session_id)
        except InvalidRecord as exc:
            return session_id, None, None, exc.reason
        except NotFound:
            return session_id, None, None, "not found: deleted on ResolutionFlow after it was listed, or no longer yours"
        return session_id, text, session, None

    return fetch


def _fetch_and_store(
    client: ResolutionFlowClient, cache: SessionCache, ids: Sequence[str], report: SyncReport, workers: int
) -> None:
    fetch = _fetch_one(client)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rf-fetch") if workers > 1 else None
    try:
        for start in range(0, len(ids), DETAIL_BATCH):
            chunk = ids[start : start + DETAIL_BATCH]
            results: list[_Fetched] = []
            try:
                for result in pool.map(fetch, chunk) if pool is not None else map(fetch, chunk):
                    results.append(result)
            finally:
                _store(cache, results, report)  # what arrived before a failure stays cached
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _store(cache: SessionCache, results: list[_Fetched], report: SyncReport) -> None:
    good: list[tuple[str, Session]] = []
    for session_id, text, session, reason in results:
        if reason is not None:
            if not reason.startswith("not found"):
                report.fetched += 1  # a body came, but could not be read
            report.skipped.append((session_id, reason))
            log.warning("skipped ResolutionFlow session %s: %s", session_id, reason)
            continue
        assert text is not None and session is not None
        good.append((text, session))
    if not good:
        return
    report.fetched += len(good)
    r = cache.upsert(good, source=API_SOURCE, replace_equal=True)
    report.inserted += r.inserted
    report.updated += r.updated
    report.changed_ids.extend(r.changed_ids)
    report.unchanged += r.unchanged + r.skipped_older
