"""The worklist's database work runs on a few long-lived threads that keep their connections
(CONN_MAX_AGE), not on the association's own thread: pynetdicom runs every association in a new
thread, and a new PostgreSQL connection cost 46 ms p50, 96 ms p95 at load 21 on the shared
machine, as much as the rest of a worklist answer (docs/benchmarks.md).

Items stream from the thread that reads them through a bounded queue, as the modality takes them;
a cancel, or an association that ends, stops the reading. The listener releases the threads'
connections when it stops (`worklist_connections_release`).
"""

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.conf import settings
from django.db import close_old_connections, connections

Result = TypeVar("Result")
Item = TypeVar("Item")
# Items read ahead of the modality, at most.
STREAM_AHEAD = 256
_END = object()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _threads() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=settings.DICOM_WORKLIST_DATABASE_THREADS, thread_name_prefix="worklist-database"
            )
        return _pool


def _in_database_thread(work: Callable[[], Result]) -> Result:
    close_old_connections()  # one broken or past CONN_MAX_AGE is replaced; a live one is kept
    try:
        return work()
    finally:
        close_old_connections()


def database_call(work: Callable[[], Result]) -> Result:
    """Run `work` on a worklist database thread and return what it returns (or raise what it raised)."""
    return _threads().submit(_in_database_thread, work).result()


def database_stream(items: Callable[[], Iterator[Item]]) -> Iterator[Item]:
    """The items of `items()`, read on a worklist database thread and yielded here as they come."""
    ahead: queue.Queue[object] = queue.Queue(maxsize=STREAM_AHEAD)
    stop = threading.Event()

    def read() -> None:
        try:
            for item in items():
                if not _put(ahead, item, stop):
                    return
            _put(ahead, _END, stop)
        except Exception as error:
            _put(ahead, error, stop)

    _threads().submit(_in_database_thread, read)
    try:
        while (entry := ahead.get()) is not _END:
            if isinstance(entry, Exception):
                raise entry
            yield entry  # type: ignore[misc]
    finally:
        stop.set()


def worklist_connections_release() -> None:
    """Close the worklist threads' connections (the listener stops; tests drop their database)."""
    with _pool_lock:
        pool = _pool
    if pool is None:
        return
    count = settings.DICOM_WORKLIST_DATABASE_THREADS
    # One task per thread: each waits for the others, so every thread closes its own.
    barrier = threading.Barrier(count)

    def close() -> None:
        connections.close_all()
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)

    for future in [pool.submit(close) for _ in range(count)]:
        future.result()


def _put(ahead: "queue.Queue[object]", entry: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            ahead.put(entry, timeout=0.5)
            return True
        except queue.Full:
            continue
    return False
