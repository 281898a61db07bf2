"""A cohort as training data: every study goes through the predictor's own decoding and preprocessing.

Studies come from the synthetic generator (written to a scratch folder one at a time, read back
as DICOM, then deleted) or from an existing folder with ground_truth.json. Prepared arrays are kept
as float16 and can be cached in one .npz per cohort and input size.
"""

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from inference.study_preparation import ImageGeometry, study_prepare
from inference.synthetic.chest_geometry import CtGrid
from inference.synthetic.cohort import cohort_plan as synthetic_cohort_plan
from inference.synthetic.cohort import ground_truth_records, load_ground_truth, write_study

ARRAY_FIELDS = ("inputs", "image_labels", "lesion_disks")


@dataclass
class TrainingStudy:
    """One study's prepared inputs and labels (MG views: (4, 1, H, W); CT: the volume (S, H, W))."""

    accession: str
    participant: str
    label: int  # a lesion is present
    malignant: int
    image_labels: np.ndarray  # per MG view / CT slice: the lesion is in it
    inputs: np.ndarray  # float16
    lesion_disks: np.ndarray  # per image (row, col, radius) of the lesion in model-input pixels; -1 if none
    sides: tuple[str, ...]
    size_band: str
    contrast_band: str
    kind: str
    density: str


def _lesion(record: dict[str, Any]) -> dict[str, Any]:
    return record["lesions"][0] if record["lesions"] else {}


def _image_labels(record: dict[str, Any], prepared_images: list, volume_slices: int) -> np.ndarray:
    lesion = _lesion(record)
    if record["programme"] == "breast":
        return np.array(
            [int(bool(lesion) and image.side == lesion["laterality"]) for image in prepared_images]
        )
    labels = np.zeros(volume_slices, dtype=np.int64)
    if lesion:
        grid = CtGrid(tuple(record["image_shape"]))  # type: ignore[arg-type]
        reach = max(0.6, lesion["diameter_mm"] / 2 / grid.slice_thickness_mm)
        centre = lesion["positions"][0]["slice"]
        for index, image in enumerate(prepared_images):
            labels[index] = int(abs(_ct_slice_number(image) - centre) <= reach)
    return labels


def _ct_slice_number(image: ImageGeometry) -> int:
    """The generator's slice index of a prepared CT slice.

    The generator numbers slices from the most superior one, the order `ct_volume_prepare` sorts
    them into, so the sorted position is the ground truth's slice number whatever order (or names)
    the files came in; the file's place in the list (its reference) is not.
    """
    assert image.slice_index is not None
    return image.slice_index


def _mammography_disks(record: dict[str, Any], images: list[ImageGeometry]) -> np.ndarray:
    disks = np.full((len(images), 3), -1.0, dtype=np.float32)
    positions = {p["view"]: p for lesion in record["lesions"] for p in lesion["positions"]}
    for index, image in enumerate(images):
        position = positions.get(f"{image.side}-{image.view}")
        if position is None:
            continue
        scale = image.content_shape[0] / image.original_shape[0]
        col = image.original_shape[1] - 1 - position["col"] if image.mirrored else position["col"]
        disks[index] = (position["row"] * scale, col * scale, max(1.0, position["radius_px"] * scale))
    return disks


def _ct_disks(record: dict[str, Any], images: list[ImageGeometry], labels: np.ndarray) -> np.ndarray:
    disks = np.full((len(images), 3), -1.0, dtype=np.float32)
    if not record["lesions"]:
        return disks
    lesion = record["lesions"][0]
    position = lesion["positions"][0]
    grid = CtGrid(tuple(record["image_shape"]))  # type: ignore[arg-type]
    radius_mm = lesion["diameter_mm"] / 2
    for index, image in enumerate(images):
        if not labels[index]:
            continue
        scale = image.content_shape[0] / image.original_shape[0]
        depth_mm = abs(_ct_slice_number(image) - position["slice"]) * grid.slice_thickness_mm
        across_mm = np.sqrt(max(radius_mm**2 - depth_mm**2, (0.4 * radius_mm) ** 2))
        radius = across_mm / grid.pixel_spacing_mm * scale
        disks[index] = (position["row"] * scale, position["col"] * scale, max(1.0, radius))
    return disks


def _study_from_files(record: dict[str, Any], files: list[Path], spec: dict[str, Any]) -> TrainingStudy:
    references = [(str(i), path) for i, path in enumerate(files)]
    prepared = study_prepare(record["programme"], references, spec)
    lesion = _lesion(record)
    labels = _image_labels(record, prepared.images, len(prepared.images))
    if record["programme"] == "breast":
        inputs = prepared.inputs
    else:  # keep the volume once; slice stacks are cut at training time
        half = int(spec.get("half_depth", 1))
        inputs = prepared.inputs[:, half]
    return TrainingStudy(
        accession=record["accession_number"],
        participant=record["participant_identifier"],
        label=int(record["lesion_present"]),
        malignant=int(bool(lesion) and bool(lesion["malignant"])),
        image_labels=labels,
        lesion_disks=(
            _mammography_disks(record, prepared.images)
            if record["programme"] == "breast"
            else _ct_disks(record, prepared.images, labels)
        ),
        inputs=inputs.astype(np.float16),
        sides=tuple(image.side for image in prepared.images),
        size_band=lesion.get("size_band", ""),
        contrast_band=lesion.get("contrast_band", ""),
        kind=lesion.get("kind", ""),
        density=record.get("density") or "",
    )


def _generated_study(job: tuple[Any, dict[str, Any], dict[str, Any]]) -> TrainingStudy:
    study, record, spec = job
    scratch = Path(tempfile.mkdtemp(prefix="train-study-"))
    try:
        files = write_study(study, scratch)
        return _study_from_files(record, files, spec)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _folder_study(job: tuple[Path, dict[str, Any], dict[str, Any]]) -> TrainingStudy:
    folder, record, spec = job
    return _study_from_files(record, sorted((folder / record["accession_number"]).glob("*.dcm")), spec)


def _worker_init() -> None:
    torch.set_num_threads(1)


def _run(function: Callable[[Any], TrainingStudy], jobs: list, workers: int) -> list[TrainingStudy]:
    if workers <= 1:
        return [function(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool:
        return list(pool.map(function, jobs, chunksize=8))


def cohort_generate(
    programme: str, patients: int, seed: int, prevalence: float, spec: dict[str, Any], workers: int = 1
) -> list[TrainingStudy]:
    """Plan a synthetic cohort and prepare every study through real DICOM files."""
    cohort = synthetic_cohort_plan(programme, patients, seed, prevalence)
    records = ground_truth_records(cohort)
    return _run(_generated_study, [(s, r, spec) for s, r in zip(cohort, records, strict=True)], workers)


def cohort_read(folder: Path, spec: dict[str, Any], workers: int = 1) -> list[TrainingStudy]:
    """Prepare every study of an existing folder holding ground_truth.json."""
    records = load_ground_truth(folder)["studies"]
    return _run(_folder_study, [(Path(folder), record, spec) for record in records], workers)


def cache_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The part of an input spec that decides the prepared arrays (the cache key's spec).

    A CT study is kept as its volume whatever the stack depth, so half_depth (and the channel count
    it implies) is written as 1 (3): every depth shares one cache, under the key it always had.
    """
    if spec.get("kind") != "ct_slice_stack":
        return spec
    return {**spec, "half_depth": 1, "channels": 3}


def cache_path(cache: Path, description: dict[str, Any]) -> Path:
    """One file per cohort description (programme, size, seed, input spec...)."""
    digest = hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()[:16]
    return cache / f"{description['programme']}-{digest}.npz"


def studies_save(path: Path, studies: list[TrainingStudy]) -> None:
    """Write prepared studies to one compressed-free .npz (fast to reload)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = [{k: v for k, v in vars(s).items() if k not in ARRAY_FIELDS} for s in studies]
    arrays: dict[str, Any] = {"meta": np.array(json.dumps(meta))}
    arrays |= {f"inputs_{i}": s.inputs for i, s in enumerate(studies)}
    arrays |= {f"labels_{i}": s.image_labels for i, s in enumerate(studies)}
    arrays |= {f"disks_{i}": s.lesion_disks for i, s in enumerate(studies)}
    temporary = path.with_suffix(".partial.npz")
    np.savez(temporary, **arrays)
    temporary.replace(path)


def studies_load(path: Path) -> list[TrainingStudy]:
    """Read studies written by studies_save."""
    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
        return [
            TrainingStudy(
                **{**m, "sides": tuple(m["sides"])},
                inputs=data[f"inputs_{i}"],
                image_labels=data[f"labels_{i}"],
                lesion_disks=data[f"disks_{i}"],
            )
            for i, m in enumerate(meta)
        ]
