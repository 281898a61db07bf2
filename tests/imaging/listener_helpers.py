"""The C-STORE receiver served on a free local port, and a pynetdicom modality that talks to it."""

import subprocess
import sys

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from screening.imaging.dicom_listener import ListenerConfig, listener_start

LISTENER_AE = "SCREENING"


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


def serve(allowed: tuple[str, ...] = ()):
    server = listener_start(
        ListenerConfig(host="127.0.0.1", port=0, ae_title=LISTENER_AE, allowed_calling_aets=allowed),
        block=False,
    )
    assert server is not None
    return server


def sample(name: str) -> Dataset:
    path = get_testdata_file(name)
    assert path is not None, f"pydicom test file {name} is missing"
    dataset = pydicom.dcmread(path)
    # Some test files are bare images: give them what every modality sends.
    dataset.StudyInstanceUID = dataset.get("StudyInstanceUID") or generate_uid()
    dataset.SeriesInstanceUID = dataset.get("SeriesInstanceUID") or generate_uid()
    dataset.Modality = dataset.get("Modality") or "OT"
    dataset.SOPInstanceUID = generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    return dataset


def scu(calling_ae: str = "MODALITY1", *, contexts: list[tuple[str, str | list[str]]] = ()) -> AE:
    ae = AE(ae_title=calling_ae)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
    ae.add_requested_context(Verification)
    for sop_class, transfer_syntax in contexts:
        ae.add_requested_context(sop_class, transfer_syntax)
    return ae


def echo(port: int, calling_ae: str = "MODALITY1", called_ae: str = LISTENER_AE):
    assoc = scu(calling_ae).associate("127.0.0.1", port, ae_title=called_ae)
    if not assoc.is_established:
        return None
    status = assoc.send_c_echo()
    assoc.release()
    return status.Status


def store(port: int, dataset: Dataset, transfer_syntaxes: list[str] | None = None) -> int:
    proposed = transfer_syntaxes or [dataset.file_meta.TransferSyntaxUID]
    ae = scu(contexts=[(dataset.SOPClassUID, proposed)])
    assoc = ae.associate("127.0.0.1", port, ae_title=LISTENER_AE)
    assert assoc.is_established
    accepted = assoc.accepted_contexts
    assert any(c.abstract_syntax == dataset.SOPClassUID for c in accepted), "context refused"
    status = assoc.send_c_store(dataset)
    assoc.release()
    return status.Status


_SENDER = """
import sys
from pydicom import dcmread
from pynetdicom import AE, _config
_config.STORE_SEND_CHUNKED_DATASET = True
port, path = int(sys.argv[1]), sys.argv[2]
meta = dcmread(path, stop_before_pixels=True)
ae = AE(ae_title="MODALITY1")
ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 30
ae.add_requested_context(meta.SOPClassUID, meta.file_meta.TransferSyntaxUID)
assoc = ae.associate("127.0.0.1", port, ae_title="SCREENING")
status = assoc.send_c_store(path) if assoc.is_established else None
if assoc.is_established:
    assoc.release()
print(status.get("Status", "none") if status is not None else "none")
"""


def store_file_from_another_process(port: int, path: str) -> int | None:
    """Send a file as a modality does: from its own process, read from disk in chunks."""
    sent = subprocess.run(
        [sys.executable, "-c", _SENDER, str(port), path], capture_output=True, text=True, timeout=120
    )
    answer = sent.stdout.strip().splitlines()[-1] if sent.stdout.strip() else "none"
    return None if answer == "none" else int(answer)
