"""Where a drain's requests run: a small pool of daemon threads, or (the serial drainer) the calling thread.

The pool's threads are daemon threads on purpose. A drain that is stopped (``--max-seconds``, SIGTERM, the
window quitting) waits a short grace for the requests in flight and then stops waiting: a request the
server never answers must not keep the process alive. Nothing is lost by that — the job of an abandoned
POST is ``sending`` in SQLite, exactly as after a crash, and is checked on the ticket at the next start.
(``concurrent.futures.ThreadPoolExecutor`` joins its threads at interpreter exit, so it cannot be used.)
Pool threads run requests only: no SQLite, no clock, no listener.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent import futures
from typing import Any

_Task = tuple[futures.Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class InlinePool(futures.Executor):
    """The serial drainer's executor: runs the call at once on the calling thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> futures.Future[Any]:
        future: futures.Future[Any] = futures.Future()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # raised from future.result() on the same thread, right after
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future


class DaemonPool(futures.Executor):
    """Up to ``workers`` daemon threads, started as work arrives, that take calls from one queue.

    ``shutdown(wait=False)`` leaves a thread that is still in a call to finish it (its result is dropped)
    and end; nothing waits for it, at exit neither."""

    def __init__(self, workers: int, name: str) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self._workers = workers
        self._name = name
        self._tasks: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = threading.Semaphore(0)
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> futures.Future[Any]:
        if self._closed:
            raise RuntimeError("the pool is shut down")
        future: futures.Future[Any] = futures.Future()
        self._tasks.put((future, fn, args, kwargs))
        if not self._idle.acquire(blocking=False) and len(self._threads) < self._workers:
            thread = threading.Thread(target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()
        return future

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            future, fn, args, kwargs = task
            del task
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:  # handed to whoever reads the future
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del future, fn, args, kwargs
            self._idle.release()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._closed = True
        for _ in self._threads:
            self._tasks.put(None)
        if wait:
            for thread in self._threads:
                thread.join()


__all__ = ["DaemonPool", "InlinePool"]
