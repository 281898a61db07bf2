"""Which TCP connections the DICOM listener turns into associations, and how long it waits for them.

pynetdicom starts an association (and counts it against the AE's maximum) as soon as a peer
connects, then waits on a blocking socket for the association request: ten connections that send
four bytes and stop held every slot for as long as they stayed open. Here a connection becomes an
association only once its whole A-ASSOCIATE-RQ PDU has arrived (read without consuming it, so
pynetdicom reads it as usual), within ``DICOM_LISTENER_ACSE_TIMEOUT`` seconds; a peer address may
hold at most ``DICOM_LISTENER_MAX_ASSOCIATIONS_PER_PEER`` connections (waiting or associated), and
at most ``DICOM_LISTENER_MAX_ASSOCIATIONS`` connections wait at once. Once admitted, every read on
the connection times out after ``DICOM_LISTENER_NETWORK_TIMEOUT`` seconds, so a peer that stops
mid-message is aborted instead of holding its association.

With several listener processes (``listener_processes``) each accepts from the socket their parent
bound, and the per-peer limit counts the peer's connections in every process (``listener_peers``);
the waiting and association maxima stay each process's own (they bound its threads and memory).
"""

import contextlib
import logging
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from pynetdicom.presentation import PresentationContext
from pynetdicom.transport import ThreadedAssociationServer

from screening.imaging.listener_peers import PUBLISH_INTERVAL_SECONDS, SharedPeerCounts
from screening.imaging.worklist_database import worklist_connections_release

logger = logging.getLogger(__name__)

A_ASSOCIATE_RQ = 0x01
PDU_HEADER_BYTES = 6
# An association request proposing 128 contexts in a dozen transfer syntaxes each is ~50 KB; in
# every syntax DCMTK knows, ~110 KB. It is read without being consumed, so it must fit in the
# connection's receive buffer: accepted connections inherit RECEIVE_BUFFER_BYTES.
MAX_ASSOCIATE_RQ_BYTES = 128 * 1024
RECEIVE_BUFFER_BYTES = 2 * MAX_ASSOCIATE_RQ_BYTES
_PEEK_INTERVAL_SECONDS = 0.05


@dataclass(frozen=True)
class AdmissionLimits:
    """Seconds a peer has to send its association request; connections allowed per peer and waiting."""

    request_timeout: float
    network_timeout: float
    max_waiting: int
    max_per_peer: int

    @classmethod
    def from_settings(cls) -> "AdmissionLimits":
        return cls(
            request_timeout=float(settings.DICOM_LISTENER_ACSE_TIMEOUT),
            network_timeout=float(settings.DICOM_LISTENER_NETWORK_TIMEOUT),
            max_waiting=int(settings.DICOM_LISTENER_MAX_ASSOCIATIONS),
            max_per_peer=int(settings.DICOM_LISTENER_MAX_ASSOCIATIONS_PER_PEER),
        )


class QuicklyCopiedContext(PresentationContext):
    """A presentation context whose deep copy shares its UIDs (immutable strings) and copies its
    list of transfer syntaxes: what an association changes in its copy are the lists and flags."""

    @classmethod
    def of(cls, context: PresentationContext) -> "QuicklyCopiedContext":
        quick = cls.__new__(cls)
        quick.__dict__.update(vars(context))
        quick._transfer_syntax = list(context._transfer_syntax)
        return quick

    def __deepcopy__(self, _memo: dict[int, Any]) -> "QuicklyCopiedContext":
        return QuicklyCopiedContext.of(self)


class AdmittingAssociationServer(ThreadedAssociationServer):
    """pynetdicom's threaded server, admitting a connection only with a complete association request."""

    daemon_threads = True

    def __init__(
        self,
        *args: Any,
        admission: AdmissionLimits,
        listening_socket: socket.socket | None = None,
        shared_peers: SharedPeerCounts | None = None,
        **kwargs: Any,
    ) -> None:
        self.admission = admission
        self._waiting: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._listening_socket = listening_socket
        self.shared_peers = shared_peers
        self._published: Counter[str] = Counter()
        self._closed = threading.Event()
        super().__init__(*args, **kwargs)
        # pynetdicom deep-copies the server's contexts for every association: with UIDs copied one
        # by one, 24 contexts x 13 syntaxes cost 45 ms an association (load 12, docs/benchmarks.md).
        self.contexts = [QuicklyCopiedContext.of(context) for context in self.contexts]
        if shared_peers is not None:
            threading.Thread(target=self._publish_while_open, name="dicom-peers", daemon=True).start()

    def server_bind(self) -> None:
        if self._listening_socket is not None:
            # The parent's socket, shared by every listener process. Another process may take a
            # connection first, so accept must not wait: a lost race is an OSError socketserver skips.
            if self.socket is not None:
                self.socket.close()
            self.socket = self._listening_socket
            self.socket.setblocking(False)
            self.server_address = self.socket.getsockname()
            return
        if self.socket is not None:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        super().server_bind()

    def server_activate(self) -> None:
        if self._listening_socket is None:
            super().server_activate()

    def server_close(self) -> None:
        self._closed.set()
        if self._listening_socket is None:
            super().server_close()
        elif self.socket is not None:
            self.socket.close()  # never shutdown(): that would stop the other processes' accepting
        worklist_connections_release()

    def service_actions(self) -> None:
        """Nothing between connections. pynetdicom's own runs a full ``gc.collect()`` every 60
        loops of the accept loop: ~170 ms holding the interpreter lock over a Django process's
        heap, stalling every association's stores (a fifth of the lock's time in a C-STORE
        profile). Python's generational collector still frees dead associations' cycles."""

    def get_request(self) -> Any:
        request, address = super().get_request()
        request.setblocking(True)  # not the shared socket's non-blocking mode; timeouts come later
        return request, address

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Refuse at once a peer over its share, or any connection while too many are waiting."""
        peer = _host(client_address)
        limits = self.admission
        with self._lock:
            if sum(self._waiting.values()) >= limits.max_waiting:
                logger.warning("DICOM listener: %s connections waiting; one more refused", limits.max_waiting)
                return False
            connections = self._peer_connections()
            with self._shared_locked():
                others = self.shared_peers.others(peer) if self.shared_peers is not None else 0
                if connections[peer] + others >= limits.max_per_peer:
                    logger.warning("DICOM listener: a peer over %s connections refused", limits.max_per_peer)
                    return False
                self._waiting[peer] += 1
                connections[peer] += 1
                self._publish(connections)
        return True

    def _peer_connections(self) -> Counter[str]:
        """This process's connections per peer: waiting for their request, or associated."""
        connections = Counter(self._waiting)
        connections.update(_assoc_peer(assoc) for assoc in self.active_associations)
        return connections

    def _shared_locked(self) -> Any:
        return self.shared_peers.locked() if self.shared_peers is not None else contextlib.nullcontext()

    def _publish(self, connections: Counter[str]) -> None:
        if self.shared_peers is not None and connections != self._published:
            self.shared_peers.publish(connections)
            self._published = connections

    def _publish_while_open(self) -> None:
        """Associations end in their own threads: publish this process's counts as they change."""
        while not self._closed.wait(PUBLISH_INTERVAL_SECONDS):
            with self._lock:
                connections = self._peer_connections()
                if connections != self._published:
                    with self._shared_locked():
                        self._publish(connections)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Hand the connection to pynetdicom once its association request is complete; else close it."""
        peer = _host(client_address)
        try:
            if association_request_arrived(request, self.admission.request_timeout):
                request.settimeout(self.admission.network_timeout)
                super().process_request_thread(request, client_address)
            else:
                logger.info("DICOM listener: no association request in time; connection closed")
                self.shutdown_request(request)
        finally:
            with self._lock:
                self._waiting[peer] -= 1
                if self._waiting[peer] <= 0:
                    del self._waiting[peer]
                if self.shared_peers is not None:
                    connections = self._peer_connections()
                    with self._shared_locked():
                        self._publish(connections)


def association_request_arrived(connection: socket.socket, timeout: float) -> bool:
    """Whether a whole A-ASSOCIATE-RQ PDU is waiting on the connection within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    wanted = PDU_HEADER_BYTES
    while (remaining := deadline - time.monotonic()) > 0:
        connection.settimeout(remaining)
        try:
            peeked = connection.recv(wanted, socket.MSG_PEEK)
        except (TimeoutError, OSError):
            return False
        if not peeked:
            return False  # the peer closed the connection
        if peeked[0] != A_ASSOCIATE_RQ:
            return True  # not an association request: pynetdicom answers it as the standard says
        if len(peeked) >= PDU_HEADER_BYTES:
            whole = PDU_HEADER_BYTES + int.from_bytes(peeked[2:6], "big")
            if whole > MAX_ASSOCIATE_RQ_BYTES:
                return False
            if len(peeked) >= whole:
                return True
            if whole > wanted:  # the header told the length: peek for the whole PDU at once
                wanted = whole
                continue
        time.sleep(min(_PEEK_INTERVAL_SECONDS, max(remaining, 0)))
    return False


def _host(client_address: Any) -> str:
    return str(client_address[0]) if isinstance(client_address, tuple) else str(client_address)


def _assoc_peer(assoc: Any) -> str:
    try:
        return str(assoc.requestor.address)
    except AttributeError:
        return ""
