"""A generated cohort scored through the predictor, exactly as the product scores studies.

Each planned study is written as DICOM to a scratch folder, scored by `Predictor.predict_study`
(decoding, preprocessing, aggregation, calibration and heat maps as in an inference worker), compared
with its ground truth and deleted; only the figures of each study are kept.
"""

import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from inference.evaluation.localisation import (
    ViewLocalisation,
    breast_localisation,
    candidate_hits,
    detection_candidates,
    heat_volume,
    slice_holds_nodule,
)
from inference.predictor import Predictor, StudyPrediction
from inference.registry import LoadedModel
from inference.study_preparation import input_shape
from inference.synthetic.cohort import cohort_plan, ground_truth_records, write_study


@dataclass
class ScoredStudy:
    """One study's score (on the card's calibration) and how its heat maps point."""

    accession: str
    label: int
    malignant: int
    size_band: str
    contrast_band: str
    kind: str
    score: float
    lesion_views: list[ViewLocalisation] = field(default_factory=list)
    top_slice_hit: bool | None = None
    peak_slice_hit: bool | None = None  # the slice holding the heat volume's maximum cuts the nodule
    nodule_score: float | None = None  # FROC: best candidate on the nodule
    false_positive_scores: list[float] = field(default_factory=list)


def cam_rows(model: LoadedModel) -> int:
    """Rows of the model's ordinary activation map for one input (the cell the pointing game allows).

    A dense map (`dense_levels`) is finer, but the tolerance stays the trained map's cell, so that
    figures with and without it compare.
    """
    rows, cols = input_shape(model.card.input_spec)
    channels = int(model.card.input_spec.get("channels", 1))
    with torch.inference_mode():
        output = model.network(torch.zeros(1, channels, rows, cols, device=model.device))
    dense = 2 ** int(getattr(model.network, "dense_levels", 0))
    return int(output[1].shape[-2]) // dense if isinstance(output, tuple | list) else rows


def _scored(record: dict[str, Any], prediction: StudyPrediction, map_rows: int) -> ScoredStudy:
    lesion = record["lesions"][0] if record["lesions"] else {}
    study = ScoredStudy(
        accession=record["accession_number"],
        label=int(record["lesion_present"]),
        malignant=int(bool(lesion) and bool(lesion["malignant"])),
        size_band=lesion.get("size_band", ""),
        contrast_band=lesion.get("contrast_band", ""),
        kind=lesion.get("kind", ""),
        score=prediction.study_score,
    )
    if record["programme"] == "breast":
        study.lesion_views = breast_localisation(record, prediction.images, map_rows)
        return study
    cell = int(record["image_shape"][1]) / map_rows
    volume = heat_volume(prediction.images)
    candidates = detection_candidates(volume, cell)
    hits = [candidate_hits(record, candidate, cell) for candidate in candidates]
    study.false_positive_scores = [c[0] for c, hit in zip(candidates, hits, strict=True) if not hit]
    if lesion:
        top = max(prediction.images, key=lambda image: image.score)
        study.top_slice_hit = slice_holds_nodule(record, int(top.slice_index or 0))
        study.peak_slice_hit = slice_holds_nodule(record, int(np.argmax(volume.max(axis=(1, 2)))))
        on_nodule = [c[0] for c, hit in zip(candidates, hits, strict=True) if hit]
        study.nodule_score = max(on_nodule) if on_nodule else None
    return study


def cohort_score(
    model: LoadedModel,
    *,
    patients: int,
    seed: int,
    prevalence: float,
    log: Callable[[str], None] = lambda line: None,
) -> Iterator[ScoredStudy]:
    """Plan a cohort of the model's programme from seed and score every study of it, in order."""
    plan = cohort_plan(model.card.programme, patients, seed, prevalence)
    records = ground_truth_records(plan)
    predictor = Predictor(model, heatmap_long_side=max(records[0]["image_shape"][-2:]))
    map_rows = cam_rows(model)
    try:
        for number, (study, record) in enumerate(zip(plan, records, strict=True), start=1):
            scratch = Path(tempfile.mkdtemp(prefix="evaluate-study-"))
            try:
                files = write_study(study, scratch)
                references = [(path.stem, path) for path in files]
                yield _scored(record, predictor.predict_study(references), map_rows)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            if number % 20 == 0 or number == len(plan):
                log(f"{number}/{len(plan)} studies scored")
    finally:
        predictor.close()


def scores_of(studies: list[ScoredStudy]) -> tuple[np.ndarray, np.ndarray]:
    """(labels, card-scale scores) of the scored studies."""
    return np.array([s.label for s in studies]), np.array([s.score for s in studies])
