"""refresh_sessions against the sandbox over real sockets: what is fetched, what is cached, what is skipped."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from flowdesk.core.models import parse_session
from flowdesk.resolutionflow.client import ResolutionFlowClient
from flowdesk.resolutionflow.errors import ServerError, SignInRequired, SubscriptionRequired
from flowdesk.resolutionflow.importer import import_paths
from flowdesk.resolutionflow.sync import SYNC_OVERLAP, default_scope, needs_fetch, refresh_sessions
from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from flowdesk.store import SessionCache

from .conftest import (
    POSTED_ID,
    SEEDED,
    UNDATED_ID,
    HookTransport,
    Tokens,
    calls,
    detail_gets,
    generated,
    rf_requests,
)

LIST = "/api/v1/ai-sessions"
NEWEST = datetime(2026, 11, 24, 13, 5, 41, tzinfo=UTC)  # sample 12's updated_at


def stored_json(sandbox: Sandbox, sid: str) -> str:
    with sandbox.state.cond:
        return sandbox.state.sessions.get_json(sid)


def hooked_client(sandbox: Sandbox, tokens: Tokens, before) -> ResolutionFlowClient:
    info = sandbox.info.resolutionflow
    client = ResolutionFlowClient(info.url, transport=HookTransport(before), on_tokens=tokens)
    client.sign_in(info.email, info.password)
    return client


def test_first_refresh_caches_every_session_as_received(signed_in, cache: SessionCache, sandbox: Sandbox, sandbox_admin) -> None:
    report = refresh_sessions(signed_in, cache, page_size=5)
    assert (report.listed, report.fetched, report.inserted, report.updated, report.unchanged, report.skipped) == (
        SEEDED, SEEDED, SEEDED, 0, 0, []
    )
    assert report.full and report.since is None and report.pages == 4
    assert cache.count() == SEEDED and detail_gets(sandbox_admin) == SEEDED
    for row in cache.rows():
        assert cache.raw_text(row.id) == stored_json(sandbox, row.id)  # byte for byte
        assert row.source == "api"
    state = cache.sync_state(default_scope(signed_in))
    assert state.watermark == NEWEST and state.last_error is None and state.last_success_at is not None


def test_sessions_resolutionflow_already_posted_keep_that_marking(signed_in, cache: SessionCache, sandbox_admin) -> None:
    refresh_sessions(signed_in, cache)
    posted = {r.id for r in cache.rows() if r.posted_by_resolutionflow}
    assert posted == {POSTED_ID}
    assert cache.get(POSTED_ID).posted_by_resolutionflow
    assert cache.get(POSTED_ID).resolution_note_external_id == "1184523"
    # ResolutionFlow posts the escalation package of another session: the refresh picks the marking up
    raw = json.loads(cache.raw_text("4b2d2d31-2871-4244-b8a0-d81b80ca3565"))
    raw.update(updated_at="2026-11-25T08:00:00Z", state_version=raw["state_version"] + 1,
               escalation_package_posted_at="2026-11-25T08:00:00Z", escalation_package_external_id=1190001)  # fmt: skip
    sandbox_admin.add_sessions([raw])
    report = refresh_sessions(signed_in, cache)
    assert (report.fetched, report.updated) == (1, 1)
    assert {r.id for r in cache.rows() if r.posted_by_resolutionflow} == {POSTED_ID, raw["id"]}


def test_a_second_refresh_with_nothing_changed_transfers_no_session_bodies(
    signed_in, cache: SessionCache, sandbox_admin: SandboxAdmin
) -> None:
    refresh_sessions(signed_in, cache)
    before = detail_gets(sandbox_admin)
    listed_before = len(rf_requests(sandbox_admin))
    report = refresh_sessions(signed_in, cache)
    assert detail_gets(sandbox_admin) == before == SEEDED  # the ledger: no GET /ai-sessions/{id}
    assert (report.fetched, report.inserted, report.updated) == (0, 0, 0)
    assert not report.full and report.since == NEWEST - SYNC_OVERLAP
    (listing,) = rf_requests(sandbox_admin)[listed_before:]
    assert listing["path"] == LIST and listing["query"]["updated_since"] == "2026-11-24T12:55:41.000000Z"
    assert report.listed == report.unchanged == 1  # only sample 12 is inside the overlap window
    full = refresh_sessions(signed_in, cache, full=True)
    assert (full.listed, full.unchanged, full.fetched) == (SEEDED, SEEDED, 0)
    assert detail_gets(sandbox_admin) == SEEDED


def test_only_new_and_changed_sessions_are_fetched(signed_in, cache: SessionCache, sandbox: Sandbox, sandbox_admin) -> None:
    refresh_sessions(signed_in, cache)
    changed = json.loads(stored_json(sandbox, "e1bf1b69-98b5-413a-979e-37fc4bb78c6e"))
    changed.update(updated_at="2026-11-25T09:00:00Z", state_version=10, status="escalated")
    new = generated(3, updated="2026-11-25T1{d}:00:00Z")
    sandbox_admin.add_sessions([changed, *new])
    report = refresh_sessions(signed_in, cache)
    assert (report.listed, report.fetched, report.inserted, report.updated, report.unchanged) == (5, 4, 3, 1, 1)
    assert detail_gets(sandbox_admin) == SEEDED + 4
    assert cache.get(changed["id"]).status == "escalated"
    assert cache.sync_state(default_scope(signed_in)).watermark == datetime(2026, 11, 25, 13, tzinfo=UTC)


def test_malformed_records_are_skipped_with_their_reason_and_the_rest_cached(
    signed_in, cache: SessionCache, sandbox_admin: SandboxAdmin
) -> None:
    good = generated(2, updated="2030-01-0{d}T00:00:00Z")
    sandbox_admin.add_sessions(
        [
            {"id": "bad-status", "updated_at": "2030-02-01T00:00:00Z", "status": 7},  # bad in the summary
            {"id": "bad-steps", "updated_at": "2030-03-01T00:00:00Z", "steps": "not a list"},  # bad in the detail
            *good,
        ]
    )
    report = refresh_sessions(signed_in, cache)
    assert sorted(report.skipped) == [
        ("bad-status", "status: Input should be a valid string"),
        ("bad-steps", "steps: Input should be a valid list"),
    ]
    assert cache.count() == SEEDED + 2 and {g["id"] for g in good} <= {r.id for r in cache.rows()}
    assert cache.get("bad-steps") is None and cache.get("bad-status") is None
    assert (report.listed, report.fetched, report.inserted) == (SEEDED + 3, SEEDED + 3, SEEDED + 2)
    assert cache.sync_state(default_scope(signed_in)).watermark == datetime(2030, 3, 1, tzinfo=UTC)


def test_a_session_imported_from_a_file_is_fetched_and_replaced_whatever_its_time(
    signed_in, cache: SessionCache, sandbox: Sandbox, tmp_path
) -> None:
    future = {**json.loads(stored_json(sandbox, POSTED_ID)), "updated_at": "9999-12-31T00:00:00Z", "psa_ticket_id": 999}
    (tmp_path / "export.json").write_text(json.dumps(future), encoding="utf-8")
    assert import_paths([tmp_path / "export.json"], cache).inserted == 1
    report = refresh_sessions(signed_in, cache)
    assert (report.fetched, report.inserted, report.updated) == (SEEDED, SEEDED - 1, 1)
    [row] = [r for r in cache.rows() if r.id == POSTED_ID]
    assert row.source == "api" and cache.raw_text(POSTED_ID) == stored_json(sandbox, POSTED_ID)


def test_a_session_deleted_between_listing_and_fetching_is_skipped(signed_in, cache: SessionCache, sandbox: Sandbox) -> None:
    def before(request: httpx.Request) -> None:
        if request.url.path == f"{LIST}/{UNDATED_ID}":
            with sandbox.state.cond:
                sandbox.state.sessions._entries.pop(UNDATED_ID)  # gone on the server

    client = hooked_client(sandbox, Tokens(), before)
    with client:
        report = refresh_sessions(client, cache, workers=1)
    assert report.skipped == [(UNDATED_ID, "not found: deleted on ResolutionFlow after it was listed, or no longer yours")]
    assert cache.count() == SEEDED - 1


def test_the_access_token_expiring_in_the_middle_of_the_listing(
    cache: SessionCache, sandbox: Sandbox, sandbox_admin: SandboxAdmin, tokens: Tokens
) -> None:
    fired: list[str] = []

    def before(request: httpx.Request) -> None:
        if request.url.path == LIST and request.url.params.get("page") == "2" and not fired:
            fired.append("page 2")
            sandbox_admin.config(resolutionflow={"expire_access_tokens": True})

    with hooked_client(sandbox, tokens, before) as client:
        report = refresh_sessions(client, cache, page_size=5, workers=1)
    assert fired and report.fetched == report.inserted == SEEDED
    lists = [c for c in calls(sandbox_admin) if c[1] in (LIST, "/api/v1/auth/refresh")]
    assert lists == [
        ("GET", LIST, "1", 200),
        ("GET", LIST, "2", 401),
        ("POST", "/api/v1/auth/refresh", None, 200),
        ("GET", LIST, "2", 200),
        ("GET", LIST, "3", 200),
        ("GET", LIST, "4", 200),
    ]
    assert len(tokens.saved) == 2


def test_the_access_token_expiring_while_fetching_in_parallel_is_renewed_once(
    cache: SessionCache, sandbox: Sandbox, sandbox_admin: SandboxAdmin, tokens: Tokens
) -> None:
    fired: list[str] = []

    def before(request: httpx.Request) -> None:
        if request.url.path.startswith(LIST + "/") and not fired:
            fired.append(request.url.path)
            sandbox_admin.config(resolutionflow={"expire_access_tokens": True})

    with hooked_client(sandbox, tokens, before) as client:
        report = refresh_sessions(client, cache, workers=4)
    assert report.inserted == SEEDED and cache.count() == SEEDED
    assert sum(1 for c in calls(sandbox_admin) if c[1] == "/api/v1/auth/refresh") == 1
    assert len(tokens.saved) == 2


def test_a_failure_midway_keeps_what_was_fetched_and_leaves_the_watermark(
    signed_in, cache: SessionCache, sandbox: Sandbox, sandbox_admin: SandboxAdmin
) -> None:
    refresh_sessions(signed_in, cache)
    scope = default_scope(signed_in)
    mark = cache.sync_state(scope).watermark
    sandbox_admin.add_sessions(generated(10, updated="2026-12-{d:02d}T00:00:00Z"))
    served: list[str] = []

    def before(request: httpx.Request) -> None:
        if request.url.path.startswith(LIST + "/"):
            served.append(request.url.path)
            if len(served) == 5:
                sandbox_admin.add_fault(method="GET", path=request.url.path, status=503)

    info = sandbox.info.resolutionflow
    with ResolutionFlowClient(info.url, transport=HookTransport(before)) as client:
        client.sign_in(info.email, info.password)
        with pytest.raises(ServerError):
            refresh_sessions(client, cache, workers=1)
    assert cache.count() == SEEDED + 4  # the four fetched before the failure stay
    state = cache.sync_state(scope)
    assert state.watermark == mark and "HTTP 503" in state.last_error
    gets = detail_gets(sandbox_admin)
    report = refresh_sessions(signed_in, cache)
    assert (report.fetched, report.inserted) == (6, 6)  # only the rest
    assert detail_gets(sandbox_admin) == gets + 6
    assert cache.sync_state(scope).last_error is None


def test_a_server_refusing_updated_since_gets_a_full_listing(signed_in, cache: SessionCache, sandbox_admin) -> None:
    refresh_sessions(signed_in, cache)
    sandbox_admin.add_fault(method="GET", path=LIST, status=422)
    report = refresh_sessions(signed_in, cache)
    assert report.full and report.listed == SEEDED and report.fetched == 0
    lists = [r for r in rf_requests(sandbox_admin) if r["path"] == LIST][-2:]
    assert [(r["status"], "updated_since" in r["query"]) for r in lists] == [(422, True), (200, False)]


def test_the_bare_list_shape_syncs_too(signed_in, cache: SessionCache, sandbox_admin) -> None:
    sandbox_admin.config(resolutionflow={"list_shape": "bare"})
    report = refresh_sessions(signed_in, cache, page_size=7)
    assert report.inserted == SEEDED and report.pages == 3


@pytest.mark.parametrize(
    ("config", "error"),
    [({"subscription_lapsed": True}, SubscriptionRequired), ({"refresh_error": "session_expired_idle", "expire_access_tokens": True}, SignInRequired)],
)
def test_errors_stop_the_refresh_and_are_recorded(signed_in, cache: SessionCache, sandbox_admin, config, error) -> None:
    sandbox_admin.config(resolutionflow=config)
    with pytest.raises(error) as err:
        refresh_sessions(signed_in, cache)
    assert cache.count() == 0
    state = cache.sync_state(default_scope(signed_in))
    assert state.watermark is None and state.last_error == str(err.value) and state.last_success_at is None


def test_each_account_scope_keeps_its_own_watermark(signed_in, cache: SessionCache) -> None:
    refresh_sessions(signed_in, cache, scope="resolutionflow:a")
    assert cache.sync_state("resolutionflow:a").watermark == NEWEST
    assert cache.sync_state("resolutionflow:b") is None
    assert refresh_sessions(signed_in, cache, scope="resolutionflow:b").full


@pytest.mark.slow
def test_ten_thousand_sessions_are_cached_listed_in_order_and_not_fetched_again(
    signed_in, cache: SessionCache, sandbox: Sandbox, sandbox_admin: SandboxAdmin
) -> None:
    many = generated(10_000)
    sandbox_admin.add_sessions(many)
    report = refresh_sessions(signed_in, cache)
    assert (report.listed, report.fetched, report.inserted, report.skipped) == (10_018, 10_018, 10_018, [])
    assert cache.count() == 10_018
    rows = cache.rows()
    expected = {}
    for raw in many:
        expected[raw["id"]] = parse_session(raw).updated_at
    for sid in [r.id for r in rows if r.id not in expected]:
        s = cache.get(sid)
        expected[sid] = s.ended_at or s.updated_at or s.created_at
    undated = sorted((sid for sid, t in expected.items() if t is None), reverse=True)
    dated = sorted((sid for sid, t in expected.items() if t is not None), key=lambda sid: (expected[sid], sid), reverse=True)
    assert [r.id for r in rows] == dated + undated
    generated_order = [r.id for r in rows if r.id.startswith("00000000-")]
    with sandbox.state.cond:
        items, _ = sandbox.state.sessions.list_page(page=1, page_size=100_000)
    server = [i for i in (json.loads(x)["id"] for x in items) if i.startswith("00000000-")]
    assert generated_order == server  # both newest first

    before = detail_gets(sandbox_admin)
    assert before == 10_018
    again = refresh_sessions(signed_in, cache)
    assert again.fetched == 0 and detail_gets(sandbox_admin) == before
    full = refresh_sessions(signed_in, cache, full=True)
    assert (full.listed, full.unchanged, full.fetched) == (10_018, 10_018, 0) and detail_gets(sandbox_admin) == before


# ---------------------------------------------------------------------------------------- needs_fetch


def _summary(updated: str | None, version: int | None):
    return parse_session({"id": "x", "updated_at": updated, "state_version": version})


T = "2026-11-24T10:00:00Z"
T_CACHED = "2026-11-24T10:00:00.000000Z"


@pytest.mark.parametrize(
    ("summary", "cached", "fetch"),
    [
        ((T, 3), None, True),  # not cached
        ((T, 3), (T_CACHED, 3), False),  # same
        (("2026-11-24T10:00:01Z", 3), (T_CACHED, 3), True),  # newer updated_at
        (("2026-11-24T09:59:59Z", 9), (T_CACHED, 3), False),  # older updated_at wins over a higher version
        ((T, 4), (T_CACHED, 3), True),  # same time, higher state_version
        ((T, 2), (T_CACHED, 3), False),
        ((T, None), (T_CACHED, 3), False),
        ((None, 4), (T_CACHED, 3), True),  # a summary without updated_at: judged by state_version alone
        ((None, 3), (T_CACHED, 3), False),
        ((None, None), (T_CACHED, 3), False),
        ((T, 1), (None, 1), True),  # the summary has a time the cached copy lacked
        ((None, 2), (None, None), True),
    ],
)
def test_needs_fetch(summary, cached, fetch) -> None:
    assert needs_fetch(_summary(*summary), cached) is fetch

