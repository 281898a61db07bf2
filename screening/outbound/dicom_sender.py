"""C-STORE of the outbound objects to a destination. A `StoreSession` holds one association per
destination and reuses it for the jobs of a batch (opening one costs about as much as storing a
study); an association that failed is aborted, and the next job opens a fresh one."""

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

from django.conf import settings
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE
from pynetdicom.association import Association

# Seconds to wait for the association, each answer and the network, before the attempt fails.
TIMEOUT_SECONDS = 30
# Status 0x0000 is success; Bxxx are warnings (the PACS stored the object, e.g. coerced an element).
SUCCESS = 0x0000
# What this product sends: the SOP classes proposed on every association (Comprehensive 3D SR,
# Enhanced SR, Secondary Capture), so one association carries any job's objects.
OUTBOUND_SOP_CLASSES = (
    "1.2.840.10008.5.1.4.1.1.88.34",
    "1.2.840.10008.5.1.4.1.1.88.22",
    "1.2.840.10008.5.1.4.1.1.7",
)


class SendError(Exception):
    """The destination could not be reached, refused the association, or refused an object."""


@dataclass(frozen=True)
class Peer:
    ae_title: str
    host: str
    port: int


class StoreSession:
    """Associations to the destinations of a batch of jobs, opened on first use, released at the end."""

    def __init__(self) -> None:
        self._open: dict[Peer, Association] = {}

    def __enter__(self) -> "StoreSession":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def store(self, peer: Peer, datasets: Sequence[Dataset]) -> list[str]:
        """Send `datasets` to `peer` by C-STORE; the SOP Instance UIDs it stored. Raises SendError
        at the first refusal (the job retries the whole set: C-STORE is idempotent)."""
        association = self._association(peer, datasets)
        try:
            return _store_all(association, datasets)
        except BaseException:
            self._open.pop(peer, None)
            association.abort()
            raise

    def close(self) -> None:
        for association in self._open.values():
            if association.is_established:
                association.release()
        self._open.clear()

    def _association(self, peer: Peer, datasets: Sequence[Dataset]) -> Association:
        association = self._open.get(peer)
        wanted = {str(dataset.SOPClassUID) for dataset in datasets}
        if association is not None and association.is_established:
            accepted = {str(c.abstract_syntax) for c in association.accepted_contexts}
            if wanted <= accepted:
                return association
            association.release()
        association = _associate(peer, wanted)
        self._open[peer] = association
        return association


def _associate(peer: Peer, sop_classes: set[str]) -> Association:
    ae = AE(ae_title=settings.OUTBOUND_CALLING_AE_TITLE)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = TIMEOUT_SECONDS
    for sop_class in sorted(sop_classes | set(OUTBOUND_SOP_CLASSES)):
        ae.add_requested_context(sop_class, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
    association = ae.associate(peer.host, peer.port, ae_title=peer.ae_title)
    if not association.is_established:
        raise SendError(f"no association with {peer.ae_title}@{peer.host}:{peer.port}")
    return association


def _store_all(association: Association, datasets: Sequence[Dataset]) -> list[str]:
    stored: list[str] = []
    for dataset in datasets:
        status = association.send_c_store(dataset)
        code = getattr(status, "Status", None)
        if code is None:
            raise SendError(f"no answer to C-STORE of {dataset.SOPInstanceUID} (connection lost)")
        if code != SUCCESS and not 0xB000 <= code <= 0xBFFF:
            raise SendError(f"C-STORE of {dataset.SOPInstanceUID} refused with status 0x{code:04X}")
        stored.append(str(dataset.SOPInstanceUID))
    return stored
