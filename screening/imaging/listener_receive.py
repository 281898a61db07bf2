"""Bounds on what one association may send the DICOM listener, enforced while the bytes arrive.

pynetdicom reads a whole PDU into memory, whatever length its header announces, and writes a
C-STORE dataset to a temporary file however long it grows. Here each admitted connection's socket
is watched as it is read: a PDU announcing more than the maximum length we negotiated, or a
dataset growing past ``DICOM_MAX_FILE_BYTES``, ends the association with an A-ABORT at once
(before the rest is received), and the partly received temporary file is removed.
"""

import contextlib
import logging
import os
import socket
from typing import Any

from django.conf import settings
from pynetdicom.pdu import A_ABORT_RQ, P_DATA_TF
from pynetdicom.transport import RequestHandler

logger = logging.getLogger(__name__)

PDU_HEADER_BYTES = 6
# The association request is checked before admission (listener_admission); any later PDU may be
# at most the maximum length we announce, plus its own headers.
PDU_SLACK_BYTES = 64 * 1024
_COMMAND_FRAGMENT = 0x01
_LAST_FRAGMENT = 0x02


class ReceiveRefused(ConnectionError):
    """The peer sent more than the listener accepts; the association is aborted."""


class ReceiveBoundedSocket:
    """A connected socket that follows the PDU framing of what it reads and refuses oversized input."""

    def __init__(self, connection: socket.socket, *, max_pdu_bytes: int, max_dataset_bytes: int) -> None:
        self._connection = connection
        self.max_pdu_bytes = max_pdu_bytes
        self.max_dataset_bytes = max_dataset_bytes
        self._header = bytearray()
        self._pdu_remaining = 0
        self._dataset_bytes = 0
        self._refused = ""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def recv(self, bufsize: int, *flags: int) -> bytes:
        if self._refused:
            self._abort()
        data = self._connection.recv(bufsize, *flags)
        self._follow(data)
        return data

    def dataset_received(self, pdu: Any) -> None:
        """Count the dataset bytes of a received P-DATA PDU; past the limit, refuse what follows."""
        if not isinstance(pdu, P_DATA_TF):
            return
        for item in pdu.presentation_data_value_items:
            value = item.presentation_data_value or b""
            if not value or value[0] & _COMMAND_FRAGMENT:
                continue
            self._dataset_bytes += len(value) - 1
            if value[0] & _LAST_FRAGMENT:
                self._dataset_bytes = 0
            elif self._dataset_bytes > self.max_dataset_bytes:
                self._refused = f"a dataset over {self.max_dataset_bytes} bytes"

    def _follow(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._pdu_remaining:
                taken = min(self._pdu_remaining, len(view))
                self._pdu_remaining -= taken
                view = view[taken:]
                continue
            needed = PDU_HEADER_BYTES - len(self._header)
            self._header += view[:needed]
            view = view[needed:]
            if len(self._header) == PDU_HEADER_BYTES:
                self._pdu_remaining = int.from_bytes(self._header[2:6], "big")
                self._header.clear()
                if self._pdu_remaining > self.max_pdu_bytes:
                    self._refused = f"a PDU of {self._pdu_remaining} bytes"
                    self._abort()

    def _abort(self) -> None:
        logger.warning("DICOM listener: association aborted, the peer sent %s", self._refused)
        with contextlib.suppress(OSError):
            self._connection.sendall(_abort_pdu())
        raise ReceiveRefused(self._refused)


class ReceiveBoundedRequestHandler(RequestHandler):
    """pynetdicom's connection handler, reading through a ReceiveBoundedSocket."""

    def handle(self) -> None:
        self.request = ReceiveBoundedSocket(
            self.request,
            max_pdu_bytes=int(self.ae.maximum_pdu_size or 0) + PDU_SLACK_BYTES,
            max_dataset_bytes=int(settings.DICOM_MAX_FILE_BYTES),
        )
        super().handle()


def handle_pdu_received(event: Any) -> None:
    """EVT_PDU_RECV: count the dataset bytes arriving on the association's socket."""
    connection = getattr(getattr(event.assoc.dul, "socket", None), "socket", None)
    if isinstance(connection, ReceiveBoundedSocket):
        connection.dataset_received(event.pdu)


def partial_dataset_discard(assoc: Any) -> None:
    """Remove the temporary file of a dataset whose association ended before it was complete."""
    message = getattr(assoc.dimse, "message", None)
    partial = getattr(message, "_data_set_file", None)  # pynetdicom's file for a chunked receive
    if partial is None:
        return
    with contextlib.suppress(OSError):
        partial.close()
        os.unlink(partial.name)


def _abort_pdu() -> bytes:
    pdu = A_ABORT_RQ()
    pdu.source = 0x02  # the service provider
    pdu.reason_diagnostic = 0x00
    return pdu.encode()
