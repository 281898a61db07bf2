"""Pushing generated files through a real intake path: upload, C-STORE or STOW-RS."""

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pydicom

from screening.core.actors import Actor

# A sender takes the files and returns how many ended in each status.
Sender = Callable[[Actor, list[Path]], dict[str, int]]
STOW_BATCH = 16


def upload_sender() -> Sender:
    """The browser-upload path, in-process: the same ingestion call the upload page makes."""
    from screening.imaging.ingestion_services import upload_ingest
    from screening.imaging.intake_signals import intake_batch
    from screening.imaging.models import IntakeSource

    def send(actor: Actor, files: list[Path]) -> dict[str, int]:
        counts: Counter[str] = Counter()
        with intake_batch():  # one study's files, as one upload of a folder
            for path in files:
                outcomes = upload_ingest(
                    actor=actor, source=IntakeSource.UPLOAD, name=path.name, data=path.read_bytes()
                )
                counts.update(str(outcome.status) for outcome in outcomes)
        return dict(counts)

    return send


def cstore_sender(*, host: str, port: int, called_ae: str, calling_ae: str = "SYNTHETIC") -> Sender:
    """A modality: one association, one C-STORE per file."""
    from pydicom.uid import CTImageStorage, DigitalMammographyXRayImageStorageForPresentation
    from pynetdicom import AE

    def send(actor: Actor, files: list[Path]) -> dict[str, int]:
        ae = AE(ae_title=calling_ae)
        ae.add_requested_context(CTImageStorage)
        ae.add_requested_context(DigitalMammographyXRayImageStorageForPresentation)
        association = ae.associate(host, port, ae_title=called_ae)
        if not association.is_established:
            raise ConnectionError(f"No association with {called_ae} at {host}:{port}")
        counts: Counter[str] = Counter()
        try:
            for path in files:
                status = association.send_c_store(pydicom.dcmread(path))
                counts["stored" if status and status.Status == 0x0000 else "rejected"] += 1
        finally:
            association.release()
        return dict(counts)

    return send


def stow_sender(*, url: str, token: str) -> Sender:
    """A PACS or script: DICOMweb STOW-RS in batches, authenticated with an API token."""
    import requests
    from dicomweb_client.api import DICOMwebClient

    def send(actor: Actor, files: list[Path]) -> dict[str, int]:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        client = DICOMwebClient(url=url, session=session)
        counts: Counter[str] = Counter()
        for start in range(0, len(files), STOW_BATCH):
            batch = [pydicom.dcmread(path) for path in files[start : start + STOW_BATCH]]
            response = client.store_instances(batch)
            failed = len(response.get("FailedSOPSequence", [])) if response else 0
            counts["stored"] += len(batch) - failed
            counts["rejected"] += failed
        return dict(counts)

    return send
