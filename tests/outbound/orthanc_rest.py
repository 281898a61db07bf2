"""What a private Orthanc holds, through its REST API."""

import io

import pydicom
from pydicom.dataset import Dataset

from bench.bench_orthanc import OrthancPeer


def stored_in_study(pacs: OrthancPeer, study_uid: str) -> list[Dataset]:
    """The files Orthanc stored in the study, read back (empty when it has none)."""
    datasets = []
    for orthanc_id in pacs.rest("/studies"):  # type: ignore[union-attr]
        study = pacs.rest(f"/studies/{orthanc_id}")
        if study["MainDicomTags"]["StudyInstanceUID"] != study_uid:  # type: ignore[index]
            continue
        for instance in pacs.rest(f"/studies/{orthanc_id}/instances"):  # type: ignore[union-attr]
            data = pacs.rest_bytes(f"/instances/{instance['ID']}/file")
            datasets.append(pydicom.dcmread(io.BytesIO(data)))
    return datasets


def by_sop_class(datasets: list[Dataset]) -> dict[str, list[Dataset]]:
    grouped: dict[str, list[Dataset]] = {}
    for dataset in datasets:
        grouped.setdefault(str(dataset.SOPClassUID), []).append(dataset)
    return grouped
