"""C-STORE of the outbound objects to a destination: one association per job, every object in it."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE

# Seconds to wait for the association, each answer and the network, before the attempt fails.
TIMEOUT_SECONDS = 30
# Status 0x0000 is success; Bxxx are warnings (the PACS stored the object, e.g. coerced an element).
SUCCESS = 0x0000


class SendError(Exception):
    """The destination could not be reached, refused the association, or refused an object."""


@dataclass(frozen=True)
class Peer:
    ae_title: str
    host: str
    port: int


def objects_store(*, peer: Peer, datasets: Sequence[Dataset]) -> list[str]:
    """Send `datasets` to `peer` by C-STORE in one association; the SOP Instance UIDs it stored.
    Raises SendError at the first refusal (the job retries the whole set: C-STORE is idempotent)."""
    ae = AE(ae_title=settings.OUTBOUND_CALLING_AE_TITLE)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = TIMEOUT_SECONDS
    for sop_class in sorted({str(dataset.SOPClassUID) for dataset in datasets}):
        ae.add_requested_context(sop_class, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
    association = ae.associate(peer.host, peer.port, ae_title=peer.ae_title)
    if not association.is_established:
        raise SendError(f"no association with {peer.ae_title}@{peer.host}:{peer.port}")
    stored: list[str] = []
    try:
        for dataset in datasets:
            status = association.send_c_store(dataset)
            code = getattr(status, "Status", None)
            if code is None:
                raise SendError(f"no answer to C-STORE of {dataset.SOPInstanceUID} (connection lost)")
            if code != SUCCESS and not 0xB000 <= code <= 0xBFFF:
                raise SendError(f"C-STORE of {dataset.SOPInstanceUID} refused with status 0x{code:04X}")
            stored.append(str(dataset.SOPInstanceUID))
    finally:
        association.release()
    return stored
