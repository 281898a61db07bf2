"""DICOM C-STORE receiver: modalities and PACS push images here; each instance goes to intake.

The application entity accepts C-ECHO, Modality Worklist C-FIND (``worklist_find``), and C-STORE
of the storage SOP classes (settings ``DICOM_ALLOWED_SOP_CLASSES`` where set, else pynetdicom's
storage classes) in every common transfer syntax, preferring to receive a compressed image as it is
(TRANSFER_SYNTAXES). Each association runs in its own thread (pynetdicom), so every event starts
and ends with Django's connection housekeeping, and the thread's connections are closed when the
association ends.
A store is answered with a DICOM status: success for stored or already present (a re-send is not an
error for the sender), the failure status of intake's reason for a file it refused (the one STOW-RS
answers, ``dicom_failure_statuses``: e.g. 0xA900 for a dataset that does not match its SOP class,
0xC000 for one that cannot be understood), 0xA700 "out of resources" when storage or the database
failed, so the sender retries later. Success is answered
only once the instance is committed; stores of concurrent associations share one commit
(``cstore_group_commit``), and each association's studies are announced once, when it ends.
"""

import logging
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from pydicom.dataset import Dataset
from pydicom.uid import (
    JPEG2000,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)
from pynetdicom import AE, StoragePresentationContexts, _config, evt
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    ModalityWorklistInformationFind,
    Verification,
)
from pynetdicom.transport import ThreadedAssociationServer

from screening.core.actors import Actor
from screening.imaging.cstore_group_commit import StoreGroupCommit
from screening.imaging.dicom_failure_statuses import FAILURE_OUT_OF_RESOURCES, failure_status
from screening.imaging.ingestion_services import IngestStatus
from screening.imaging.intake_signals import studies_announce
from screening.imaging.listener_admission import AdmissionLimits, AdmittingAssociationServer
from screening.imaging.listener_peers import SharedPeerCounts
from screening.imaging.listener_receive import (
    ReceiveBoundedRequestHandler,
    handle_pdu_received,
    partial_dataset_discard,
)
from screening.imaging.worklist_find import handle_worklist_find

logger = logging.getLogger(__name__)

DEFAULT_AE_TITLE = "SCREENING"
DEFAULT_PORT = 11112

# In the order the listener prefers them when a peer proposes several in one context (pynetdicom
# takes the acceptor's first that the peer offers): lossless compressed first, so a sender holding
# a compressed image sends it as it is and it is stored as received; then uncompressed; the lossy
# syntaxes last, so a sender holding an uncompressed image is never asked to compress it lossily.
LOSSLESS_COMPRESSED_SYNTAXES = [JPEGLosslessSV1, JPEGLossless, JPEGLSLossless, RLELossless, JPEG2000Lossless]
UNCOMPRESSED_SYNTAXES = [
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
]
LOSSY_SYNTAXES = [JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLSNearLossless, JPEG2000]
TRANSFER_SYNTAXES = LOSSLESS_COMPRESSED_SYNTAXES + UNCOMPRESSED_SYNTAXES + LOSSY_SYNTAXES

STATUS_SUCCESS = 0x0000
# ErrorComment is a LO element: 64 characters at most.
ERROR_COMMENT_LENGTH = 64


@dataclass(frozen=True)
class ListenerConfig:
    """Where the receiver listens, as which AE title, and which callers it accepts (empty: any)."""

    host: str = "0.0.0.0"  # noqa: S104 - a DICOM receiver listens for modalities on the network
    port: int = DEFAULT_PORT
    ae_title: str = DEFAULT_AE_TITLE
    allowed_calling_aets: tuple[str, ...] = ()


def storage_sop_classes() -> list[str]:
    """The storage SOP class UIDs accepted: the setting's list, else pynetdicom's storage classes."""
    configured = getattr(settings, "DICOM_ALLOWED_SOP_CLASSES", None)
    if configured:
        return [str(uid) for uid in configured]
    return [str(context.abstract_syntax) for context in StoragePresentationContexts]


def allowed_calling_aets(option: str | None = None) -> tuple[str, ...]:
    """Calling AE titles from a comma list (the command's option) or DICOM_ALLOWED_CALLING_AETS."""
    if option:
        titles: Iterable[str] = option.split(",")
    else:
        titles = getattr(settings, "DICOM_ALLOWED_CALLING_AETS", None) or ()
    return tuple(title.strip() for title in titles if title.strip())


def listener_ae(config: ListenerConfig) -> AE:
    """The application entity: Verification, the worklist, and storage in every supported syntax."""
    ae = AE(ae_title=config.ae_title)
    ae.network_timeout = settings.DICOM_LISTENER_NETWORK_TIMEOUT
    ae.acse_timeout = settings.DICOM_LISTENER_ACSE_TIMEOUT
    ae.dimse_timeout = settings.DICOM_LISTENER_DIMSE_TIMEOUT
    ae.maximum_associations = settings.DICOM_LISTENER_MAX_ASSOCIATIONS
    # A modality configured for another node is refused, not silently stored here.
    ae.require_called_aet = True
    # Peers fragment what they send to fit the largest PDU we accept; 16 KiB (pynetdicom's
    # default) cuts a 9 MB mammogram into ~550 fragments, each handled in Python.
    ae.maximum_pdu_size = MAXIMUM_PDU_BYTES
    ae.add_supported_context(Verification, UNCOMPRESSED_SYNTAXES)
    ae.add_supported_context(ModalityWorklistInformationFind, UNCOMPRESSED_SYNTAXES)
    for sop_class in storage_sop_classes():
        ae.add_supported_context(sop_class, TRANSFER_SYNTAXES)
    if config.allowed_calling_aets:
        ae.require_calling_aet = list(config.allowed_calling_aets)
    return ae


MAXIMUM_PDU_BYTES = 4 * 1024 * 1024


# Stores of concurrent associations share a commit; each is answered once its own is durable.
_STORES = StoreGroupCommit()

# Studies that received images per open association (keyed by the association object's id); each
# association runs in its own thread, and its studies are announced once when it ends.
_association_studies: dict[int, set[int]] = {}


def handle_echo(event: Any) -> int:
    """C-ECHO: the peer checks that we are there."""
    return STATUS_SUCCESS


def handle_store(event: Any) -> int | Dataset:
    """C-STORE: hand the file as sent to intake and answer with the DICOM status of what happened.

    pynetdicom writes the dataset to a temporary file as it arrives (STORE_RECV_CHUNKED_DATASET), so a
    send is never held whole in memory; listener_receive aborts one that grows past the size limit.
    The bytes go to the ingestion service as received (with their file meta), not decoded and
    re-encoded here: intake parses and validates them once, as for every other path. Stores
    arriving together from several associations are committed as one batch
    (cstore_group_commit); each answer waits for the commit of its own store.
    """
    calling_ae = _calling_ae(event)
    close_old_connections()
    try:
        path = event.dataset_path  # received to a temporary file as it arrived; pynetdicom removes it
        outcome = _STORES.ingest_file(
            actor=Actor.system(f"cstore:{calling_ae}"), sender=calling_ae, path=path
        )
    except Exception:
        logger.exception("C-STORE from %s: intake failed", calling_ae)
        return store_status(FAILURE_OUT_OF_RESOURCES, "Storage is unavailable; retry later")
    finally:
        close_old_connections()
    if outcome.study is not None:
        _association_studies.setdefault(id(event.assoc), set()).add(outcome.study.pk)
    if outcome.status == IngestStatus.REJECTED:
        logger.info("C-STORE from %s refused: %s", calling_ae, outcome.reason)
        return store_status(failure_status(outcome.reason), outcome.message or outcome.reason)
    return STATUS_SUCCESS


def handle_association_end(event: Any) -> None:
    """The association ends: announce its studies to later stages, close its database connections."""
    partial_dataset_discard(event.assoc)
    studies_announce(_association_studies.pop(id(event.assoc), set()))
    connections.close_all()


def store_status(status: int, comment: str) -> Dataset:
    """A C-STORE response status with a short error comment for the sender's log."""
    response = Dataset()
    response.Status = status
    response.ErrorComment = comment[:ERROR_COMMENT_LENGTH]
    return response


HANDLERS: list[evt.EventHandlerType] = [
    (evt.EVT_C_ECHO, handle_echo),
    (evt.EVT_C_STORE, handle_store),
    (evt.EVT_C_FIND, handle_worklist_find),
    (evt.EVT_RELEASED, handle_association_end),
    (evt.EVT_ABORTED, handle_association_end),
    (evt.EVT_PDU_RECV, handle_pdu_received),
]


def listener_start(
    config: ListenerConfig,
    *,
    block: bool,
    listening_socket: socket.socket | None = None,
    shared_peers: SharedPeerCounts | None = None,
) -> ThreadedAssociationServer | None:
    """Serve associations; blocking, or in a background thread (the command, tests, embedding).

    A child of ``listener_processes`` serves the socket its parent bound (`listening_socket`)
    and counts connections per peer with its siblings (`shared_peers`)."""
    _config.STORE_RECV_CHUNKED_DATASET = True
    ae = listener_ae(config)
    logger.info(
        "DICOM listener %s on %s:%s (%s calling AE titles allowed)",
        config.ae_title,
        config.host,
        config.port,
        len(config.allowed_calling_aets) or "all",
    )
    server = ae.make_server(
        (config.host, config.port),
        evt_handlers=HANDLERS,
        server_class=AdmittingAssociationServer,
        request_handler=ReceiveBoundedRequestHandler,
        admission=AdmissionLimits.from_settings(),
        listening_socket=listening_socket,
        shared_peers=shared_peers,
    )
    ae._servers.append(server)  # as AE.start_server does: server.shutdown() removes it
    if block:
        try:
            server.serve_forever()
        finally:
            server.shutdown()
        return None
    threading.Thread(target=server.serve_forever, name="dicom-listener", daemon=True).start()
    return server


def _calling_ae(event: Any) -> str:
    try:
        return str(event.assoc.requestor.ae_title).strip()
    except AttributeError:
        return "unknown"
