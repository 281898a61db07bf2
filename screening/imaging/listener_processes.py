"""The DICOM listener on every core: one parent, N listener processes accepting from one socket.

One Python process moves every PDU of every association under one interpreter lock, and commits
one batch at a time; with ``--processes N`` (``DICOM_LISTENER_PROCESSES``, default the number of
CPUs) the parent binds the port once and starts N children (``manage.py dicom_listener`` with
the inherited socket), each with its own pynetdicom AE, its own association threads and its own
group commit (``cstore_group_commit``): a C-STORE is still answered only once its own batch has
committed. Every child serves the whole listener (C-ECHO, C-STORE, worklist C-FIND) with the
same limits; the per-peer limit is shared (``listener_peers``).

Why one inherited socket rather than ``SO_REUSEPORT`` (a socket per child): the kernel hashes
each connection to one ``SO_REUSEPORT`` socket whether its process is busy or not, and the
connections queued on a dying child's socket are reset; with one socket, an idle child takes the
next connection, nothing queued is lost when a child dies, and ``--port 0`` works.

The parent restarts a child that exits (after a pause if it keeps exiting at once), and on
SIGTERM or SIGINT asks every child to stop: each stops accepting, lets its associations finish
for up to ``--stop-grace`` seconds, aborts those left, and exits; the parent then exits.
"""

import contextlib
import logging
import os
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from screening.imaging.listener_admission import RECEIVE_BUFFER_BYTES
from screening.imaging.listener_peers import SharedPeerCounts

logger = logging.getLogger(__name__)

LISTEN_BACKLOG = 128
# A child that exits sooner than this after its start is restarted only after a pause.
QUICK_EXIT_SECONDS = 5.0
RESTART_PAUSE_SECONDS = 2.0
_POLL_SECONDS = 0.2


def listening_socket(host: str, port: int) -> socket.socket:
    """The listener's socket: bound and listening, inheritable by the children."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = socket.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: the association request is peeked at whole (admission).
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
    server.bind((host, port))
    server.listen(LISTEN_BACKLOG)
    server.set_inheritable(True)
    return server


def peer_slots() -> int:
    """Distinct peers one process can hold: its waiting connections and its associations."""
    return int(settings.DICOM_LISTENER_MAX_ASSOCIATIONS) * 2 + 1


def stop_signals_handled() -> threading.Event:
    """An event set by SIGTERM or SIGINT (the process's main thread waits on it)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def server_stop(server: Any, grace: float) -> None:
    """Stop accepting, let the associations finish for up to `grace` seconds, abort those left."""
    socketserver.BaseServer.shutdown(server)  # the serving thread leaves its loop; nothing more accepted
    server.server_close()
    deadline = time.monotonic() + grace
    while server.active_associations and time.monotonic() < deadline:
        time.sleep(0.05)
    left = server.active_associations
    for assoc in left:
        assoc.abort()
    for assoc in left:
        assoc.join(timeout=5)
    with contextlib.suppress(ValueError):
        server.ae._servers.remove(server)


class ListenerProcesses:
    """The parent: N children on one socket, each restarted when it exits, all stopped together."""

    def __init__(
        self, child_arguments: list[str], processes: int, host: str, port: int, grace: float
    ) -> None:
        self.child_arguments, self.processes, self.grace = child_arguments, processes, grace
        self.socket = listening_socket(host, port)
        self.port = int(self.socket.getsockname()[1])
        folder = Path(tempfile.mkdtemp(prefix="dicom-listener-"))
        self.peer_table = folder / "peers"
        self.peers = SharedPeerCounts(self.peer_table, processes, peer_slots())
        self.children: list[subprocess.Popen | None] = [None] * processes
        self.started_at = [0.0] * processes
        self.restart_after = [0.0] * processes

    def child_start(self, index: int) -> None:
        command = [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "dicom_listener",
            *self.child_arguments,
            "--port",
            str(self.port),
            "--stop-grace",
            str(self.grace),
            "--child-socket",
            str(self.socket.fileno()),
            "--child-peers",
            f"{self.peer_table}:{self.processes}:{index}",
        ]
        self.children[index] = subprocess.Popen(command, pass_fds=(self.socket.fileno(),))  # noqa: S603
        self.started_at[index] = time.monotonic()

    def serve(self, stop: threading.Event) -> None:
        """Start the children and keep them running until `stop` is set; then stop them all."""
        for index in range(self.processes):
            self.child_start(index)
        try:
            while not stop.wait(_POLL_SECONDS):
                self._restart_exited()
        finally:
            self._stop_all()

    def _restart_exited(self) -> None:
        now = time.monotonic()
        for index, child in enumerate(self.children):
            if child is not None and child.poll() is not None:
                logger.warning("DICOM listener process %s exited (%s); restarting", index, child.returncode)
                self.peers.clear(index)
                self.children[index] = None
                quick = now - self.started_at[index] < QUICK_EXIT_SECONDS
                self.restart_after[index] = now + (RESTART_PAUSE_SECONDS if quick else 0.0)
            if self.children[index] is None and now >= self.restart_after[index]:
                self.child_start(index)

    def _stop_all(self) -> None:
        running = [child for child in self.children if child is not None]
        for child in running:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace + 15
        for child in running:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                logger.warning("DICOM listener process %s did not stop; killed", child.pid)
                child.kill()
                child.wait()
        self.socket.close()
        self.peers.close()
        with contextlib.suppress(OSError):
            os.unlink(self.peer_table)
            os.rmdir(self.peer_table.parent)
