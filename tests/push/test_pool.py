"""The drain's request pool: daemon threads, at most ``workers`` of them, results and errors through futures,
and a shutdown that never waits for a call the server never answers."""

from __future__ import annotations

import threading
from concurrent import futures

import pytest

from flowdesk.push.pool import DaemonPool, InlinePool

WAIT = 30.0


def test_calls_run_on_at_most_n_daemon_threads_and_answer_through_futures():
    pool = DaemonPool(2, "test-pool")
    names: set[str] = set()
    daemons: set[bool] = set()

    def work(n: int) -> int:
        names.add(threading.current_thread().name)
        daemons.add(threading.current_thread().daemon)
        return n * n

    try:
        results = [f.result(timeout=WAIT) for f in [pool.submit(work, n) for n in range(20)]]
    finally:
        pool.shutdown(wait=True)
    assert results == [n * n for n in range(20)]
    assert names <= {"test-pool_0", "test-pool_1"} and daemons == {True}


def test_an_error_reaches_the_future():
    pool = DaemonPool(1, "test-pool")
    try:
        future = pool.submit(int, "not a number")
        with pytest.raises(ValueError):
            future.result(timeout=WAIT)
    finally:
        pool.shutdown(wait=True)


def test_shutdown_without_waiting_leaves_a_stuck_call_behind():
    pool = DaemonPool(2, "test-pool")
    release, entered = threading.Event(), threading.Event()

    def stuck() -> str:
        entered.set()
        release.wait(WAIT)
        return "late"

    future = pool.submit(stuck)
    assert entered.wait(WAIT)
    pool.shutdown(wait=False)  # returns at once: nothing waits for the stuck call
    assert not future.done()
    with pytest.raises(RuntimeError):
        pool.submit(stuck)
    release.set()
    assert future.result(timeout=WAIT) == "late"  # it finished on its own; its thread then ended


def test_inline_runs_on_the_calling_thread():
    pool = InlinePool()
    future = pool.submit(lambda: threading.current_thread().name)
    assert future.done() and future.result() == threading.current_thread().name
    failed = pool.submit(int, "x")
    assert isinstance(failed.exception(), ValueError)
    assert isinstance(pool, futures.Executor)
