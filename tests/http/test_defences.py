"""A hostile or broken server against both clients, over real sockets (the sandbox's faults): an oversized
body, an endless chunked body and a trickling body each end the request within its deadline, with a plain
message and memory well under the body's size; a huge Retry-After waits a day at most; close() from
another thread ends a request in flight at once.

The figures are printed (``-s`` shows them) and asserted with room for a busy machine. The sandbox
declares the oversized body's length (refused before a byte of it is read); the endless one has none
(read up to the cap, then dropped).
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from flowdesk.connectwise.bodies import TicketRef, note_body
from flowdesk.connectwise.errors import Ambiguous, Offline, RateLimited, ServerError
from flowdesk.core.policy import JobSnapshot, JobState, Outcome, decide
from flowdesk.http.transport import MAX_RESPONSE_BYTES
from flowdesk.resolutionflow import errors as rf_errors
from flowdesk.sandbox.admin import SandboxAdmin

MIB = 1024 * 1024
CW_MEMBER = "*/system/myMembers/info"
CW_NOTES = "*/service/tickets/48211/notes"
RF_LIST = "/api/v1/ai-sessions"


def measured(call: Callable[[], Any]) -> tuple[BaseException, float, float]:
    """``(the error call raised, seconds, peak MiB allocated meanwhile)``."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the error is what is measured
        error: BaseException = exc
    else:
        raise AssertionError("the request did not fail")
    finally:
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()
    return error, elapsed, peak


def post(cw: Any) -> Any:
    return cw.post_note(TicketRef(48211), note_body("Restarted the spooler.", "internal"))


# ---------------------------------------------------------------- size


def test_an_oversized_body_stops_at_the_cap_for_both_clients(clients, sandbox_admin: SandboxAdmin):
    make_cw, make_rf = clients
    cw, rf = make_cw(), make_rf()
    cw.discover()
    body = 256 * MIB
    sandbox_admin.add_fault(method="GET", path=CW_MEMBER, body_bytes=body)
    err, seconds, peak = measured(cw.who_am_i)
    print(f"\noversized GET ({body // MIB} MiB body): {seconds:.2f} s, peak {peak:.1f} MiB")
    assert type(err) is ServerError and err.may_have_stored is False
    assert str(err) == (
        "ConnectWise did not answer the request to read your ConnectWise member record (its answer was larger "
        "than FlowDesk accepts, 16 MiB). Try again in a few minutes."
    )
    assert peak < 3 * MAX_RESPONSE_BYTES / MIB < body / MIB / 5 and seconds < 20

    sandbox_admin.add_fault(method="POST", path=CW_NOTES, body_bytes=body)
    err, seconds, peak = measured(lambda: post(cw))
    print(f"oversized answer to a POST: {seconds:.2f} s, peak {peak:.1f} MiB")
    assert type(err) is Ambiguous and err.may_have_stored is True
    assert "(its answer was larger than FlowDesk accepts, 16 MiB), so it may or may not have been saved" in str(err)
    assert peak < 3 * MAX_RESPONSE_BYTES / MIB

    sandbox_admin.add_fault(method="GET", path=RF_LIST, body_bytes=body)
    err, seconds, peak = measured(lambda: list(rf.list_sessions()))
    print(f"oversized ResolutionFlow list: {seconds:.2f} s, peak {peak:.1f} MiB")
    assert type(err) is rf_errors.ServerError
    assert "did not answer the request to list your sessions (its answer was larger than FlowDesk accepts, 16 MiB)" in str(err)
    assert peak < 3 * MAX_RESPONSE_BYTES / MIB


def test_an_endless_chunked_body_stops_at_the_cap(clients, sandbox_admin: SandboxAdmin):
    make_cw, make_rf = clients
    cw, rf = make_cw(deadline=30.0), make_rf()
    cw.discover()
    sandbox_admin.add_fault(method="GET", path=CW_MEMBER, endless=True)
    err, seconds, peak = measured(cw.who_am_i)
    print(f"\nendless chunked body: {seconds:.2f} s, peak {peak:.1f} MiB")
    assert type(err) is ServerError and "its answer was larger than FlowDesk accepts, 16 MiB" in str(err)
    assert peak < 3 * MAX_RESPONSE_BYTES / MIB and seconds < 20
    sandbox_admin.add_fault(method="GET", path="/api/v1/auth/me", endless=True)
    err, seconds, peak = measured(rf.me)
    assert type(err) is rf_errors.ServerError and peak < 3 * MAX_RESPONSE_BYTES / MIB


# ---------------------------------------------------------------- time


def test_a_trickling_body_ends_at_the_deadline(clients, sandbox_admin: SandboxAdmin):
    """One byte every 2 s: any of these answers (hundreds of bytes) would take many minutes; the deadline
    is 2 s. The bounds leave room for a machine busy with other work; the figure printed is the truth."""
    make_cw, make_rf = clients
    cw, rf = make_cw(deadline=2.0), make_rf(deadline=2.0)
    cw.discover()
    sandbox_admin.add_fault(method="GET", path=CW_MEMBER, trickle_ms=2000)
    err, seconds, peak = measured(cw.who_am_i)
    print(f"\ntrickling body, 2 s deadline: {seconds:.2f} s, peak {peak:.2f} MiB")
    assert type(err) is ServerError
    assert str(err) == (
        "ConnectWise did not answer the request to read your ConnectWise member record (no complete answer "
        "within 2 seconds). Try again in a few minutes."
    )
    assert 1.9 < seconds < 20 and peak < 1

    sandbox_admin.add_fault(method="POST", path=CW_NOTES, trickle_ms=2000)
    err, seconds, _ = measured(lambda: post(cw))
    assert type(err) is Ambiguous and "(no complete answer within 2 seconds), so it may or may not have been saved" in str(err)
    assert seconds < 20

    sandbox_admin.add_fault(method="GET", path=RF_LIST, trickle_ms=2000)
    err, seconds, _ = measured(lambda: list(rf.list_sessions()))
    assert type(err) is rf_errors.ServerError and "(no complete answer within 2 seconds)" in str(err)
    assert seconds < 20


def test_a_server_that_holds_the_answer_ends_at_the_deadline_too(clients, sandbox_admin: SandboxAdmin):
    make_cw, _ = clients
    cw = make_cw(deadline=1.0)
    cw.discover()
    sandbox_admin.add_fault(method="POST", path=CW_NOTES, hold="after_store")
    err, seconds, _ = measured(lambda: post(cw))
    assert type(err) is Ambiguous and "no complete answer within 1 second" in str(err)
    assert seconds < 15
    assert sandbox_admin.wait("notes", 1) == 1  # it was stored: Ambiguous was the truth


def test_close_from_another_thread_ends_a_request_in_flight(clients, sandbox_admin: SandboxAdmin):
    make_cw, _ = clients
    cw = make_cw()  # the default deadline: only close() can end it early
    cw.discover()
    sandbox_admin.add_fault(method="POST", path=CW_NOTES, hold="before_store")
    closed_at: list[float] = []

    def close_when_held() -> None:
        sandbox_admin.wait("held", 1)
        closed_at.append(time.monotonic())
        cw.close()

    closer = threading.Thread(target=close_when_held)
    closer.start()
    err, _, _ = measured(lambda: post(cw))
    ended = time.monotonic()
    closer.join()
    print(f"\nclose() to the end of the request in flight: {ended - closed_at[0]:.3f} s")
    assert type(err) is Ambiguous
    assert "(FlowDesk stopped waiting for the answer because it is closing), so it may or may not have been saved" in str(err)
    assert ended - closed_at[0] < 5.0  # the deadline is 60 s: only close() can end it this soon
    with pytest.raises(Offline, match=r"^FlowDesk stopped the request to 127.0.0.1:\d+ because it is closing; nothing was sent.$"):
        cw.who_am_i()


# ---------------------------------------------------------------- Retry-After


def test_a_huge_retry_after_waits_a_day_at_most(clients, sandbox_admin: SandboxAdmin):
    make_cw, make_rf = clients
    cw, rf = make_cw(), make_rf()
    cw.discover()
    sandbox_admin.add_fault(method="POST", path=CW_NOTES, status=429, retry_after=100000000000000)
    with pytest.raises(RateLimited) as info:
        post(cw)
    assert info.value.retry_after == 86400.0
    assert info.value.message == "ConnectWise is receiving too many requests (HTTP 429): wait 24 hours before trying again."
    when = datetime.fromtimestamp(time.time(), UTC)
    decision = decide(JobSnapshot(state=JobState.SENDING, ticket_id=48211), Outcome.from_error(info.value), when)
    assert decision.next_attempt_at == when + timedelta(days=1)
    sandbox_admin.add_fault(method="GET", path=RF_LIST, status=429, retry_after="Fri, 31 Dec 9999 23:59:59 GMT")
    with pytest.raises(rf_errors.RateLimited) as rf_info:
        list(rf.list_sessions())
    assert rf_info.value.retry_after == 86400.0
