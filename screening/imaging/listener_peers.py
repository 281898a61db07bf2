"""Connections per peer address, counted across the listener's processes.

With ``--processes N`` every listener process accepts from the same socket
(``listener_processes``), so a peer's connections may land in any of them. The limit of
``DICOM_LISTENER_MAX_ASSOCIATIONS_PER_PEER`` is the listener's, not a process's: each process
publishes its own count per peer (waiting or associated) in its own region of one shared file,
and admits a connection only if its count plus every other process's stays under the limit.
Publishing and admitting hold an ``flock`` on the file (the kernel releases it if a process
dies), so two processes cannot both admit the last slot. A process whose connections ended
publishes again within ``PUBLISH_INTERVAL_SECONDS``; the parent clears the region of a process
that died.
"""

import contextlib
import fcntl
import hashlib
import mmap
import os
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

_SLOT = struct.Struct("<qi")  # a peer address's hash, and its connections in this process
PUBLISH_INTERVAL_SECONDS = 0.25


def _peer_key(peer: str) -> int:
    key = int.from_bytes(hashlib.blake2b(peer.encode(), digest_size=8).digest(), "little", signed=True)
    return key or 1  # 0 marks an empty slot


class SharedPeerCounts:
    """One region of `slots` peers per process in a shared file; see the module's docstring."""

    def __init__(self, path: Path, processes: int, slots: int, index: int | None = None) -> None:
        self.path, self.processes, self.slots, self.index = path, processes, slots, index
        self._region_bytes = slots * _SLOT.size
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._fd).st_size < self._region_bytes * processes:
            os.ftruncate(self._fd, self._region_bytes * processes)
        self._map = mmap.mmap(self._fd, self._region_bytes * processes)
        self._thread_lock = threading.Lock()  # flock is per open file: threads take this first

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._thread_lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def others(self, peer: str) -> int:
        """Connections of the peer in every other process (call while `locked`)."""
        key = _peer_key(peer)
        total = 0
        for region in range(self.processes):
            if region == self.index:
                continue
            start = region * self._region_bytes
            for slot_key, count in _SLOT.iter_unpack(self._map[start : start + self._region_bytes]):
                if slot_key == key:
                    total += count
        return total

    def publish(self, counts: Counter[str]) -> None:
        """This process's connections per peer, replacing what it published (call while `locked`).
        Past `slots` distinct peers the rest go unpublished (counted only by this process)."""
        assert self.index is not None
        peers = [(peer, count) for peer, count in counts.items() if count > 0][: self.slots]
        region = bytearray(self._region_bytes)
        for position, (peer, count) in enumerate(peers):
            _SLOT.pack_into(region, position * _SLOT.size, _peer_key(peer), count)
        start = self.index * self._region_bytes
        self._map[start : start + self._region_bytes] = bytes(region)

    def clear(self, index: int) -> None:
        """Forget what a process published (the parent, once that process has exited)."""
        with self.locked():
            start = index * self._region_bytes
            self._map[start : start + self._region_bytes] = bytes(self._region_bytes)

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)
