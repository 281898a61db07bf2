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
"""

import logging
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from pynetdicom.transport import ThreadedAssociationServer

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


class AdmittingAssociationServer(ThreadedAssociationServer):
    """pynetdicom's threaded server, admitting a connection only with a complete association request."""

    daemon_threads = True

    def __init__(self, *args: Any, admission: AdmissionLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.admission = admission
        self._waiting: Counter[str] = Counter()
        self._lock = threading.Lock()

    def server_bind(self) -> None:
        if self.socket is not None:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        super().server_bind()

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Refuse at once a peer over its share, or any connection while too many are waiting."""
        peer = _host(client_address)
        limits = self.admission
        with self._lock:
            associated = sum(1 for assoc in self.active_associations if _assoc_peer(assoc) == peer)
            if sum(self._waiting.values()) >= limits.max_waiting:
                logger.warning("DICOM listener: %s connections waiting; one more refused", limits.max_waiting)
                return False
            if self._waiting[peer] + associated >= limits.max_per_peer:
                logger.warning("DICOM listener: a peer over %s connections refused", limits.max_per_peer)
                return False
            self._waiting[peer] += 1
        return True

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
