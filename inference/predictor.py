"""Score studies: batches on CUDA (autocast, cudnn.benchmark) or CPU, decode overlapped with compute.

`Predictor.predict_study` scores one study; `Predictor.predict_studies` scores many, preparing the
next studies (DICOM decoding and preprocessing, in a background thread; `prepared_ahead`, bounded
depth) while the current one runs on the device. Heat maps are class activation maps (see
`heatmaps.py`), so no gradients are needed.
"""

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from inference.heatmaps import HEATMAP_LONG_SIDE, HeatmapPlacement, cams_to_heatmaps, heatmap_shape
from inference.input_errors import InputError
from inference.registry import LoadedModel
from inference.study_preparation import PreparedStudy, input_shape, study_prepare
from inference.study_scoring import (
    DEFAULT_TOP_SLICES,
    breast_logits,
    calibrated,
    ct_study_logit,
    mammography_study_logit,
)

__all__ = ["ImagePrediction", "InputError", "Predictor", "StudyPrediction"]

StudyFiles = Sequence[tuple[str, Path]]


@dataclass
class ImagePrediction:
    """One image's (MG view / CT slice) calibrated score and heat map over the whole original image."""

    reference: str
    score: float
    side: str
    view: str
    slice_index: int | None
    heatmap: np.ndarray


@dataclass
class StudyPrediction:
    """A study's calibrated score, per-breast scores (MG), per-image results, device and timings."""

    model_name: str
    model_version: str
    programme: str
    study_score: float
    side_scores: dict[str, float]
    images: list[ImagePrediction]
    device: str
    timings_ms: dict[str, float]


class Predictor:
    """Runs one loaded model over studies given as (reference, path) pairs."""

    def __init__(
        self,
        model: LoadedModel,
        *,
        device: str | None = None,
        batch_size: int | None = None,
        heatmap_long_side: int = HEATMAP_LONG_SIDE,
    ):
        self.model = model
        self.heatmap_long_side = heatmap_long_side
        self.card = model.card
        self.device = device or model.device
        if self.device != model.device:
            model.network.to(self.device)
            model.device = self.device
        self.on_cuda = self.device.startswith("cuda")
        if self.on_cuda:
            torch.backends.cudnn.benchmark = True
        self.batch_size = batch_size or (64 if self.on_cuda else 16)
        # Two pools: a study prepared ahead (prefetch) decodes its files in the other pool, so neither
        # can wait on work queued behind itself.
        self._executor = ThreadPoolExecutor(
            max_workers=min(8, os.cpu_count() or 1), thread_name_prefix="decode"
        )
        self._prefetch = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")

    def close(self) -> None:
        """Stop the decoding threads."""
        self._prefetch.shutdown(wait=False)
        self._executor.shutdown(wait=False)

    def _prepare(self, files: StudyFiles) -> PreparedStudy:
        return study_prepare(self.card.programme, files, self.card.input_spec, self._executor)

    def _forward(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Logits (N,) and CAMs (N, h, w) or None for a network that returns logits only."""
        logits, cams = [], []
        with torch.inference_mode():
            for start in range(0, len(inputs), self.batch_size):
                batch = torch.from_numpy(inputs[start : start + self.batch_size])
                if self.on_cuda:
                    batch = batch.pin_memory().to(self.device, non_blocking=True)
                with torch.autocast("cuda", dtype=torch.float16, enabled=self.on_cuda):
                    output = self.model.network(batch)
                logit, cam = output if isinstance(output, tuple | list) else (output, None)
                logits.append(logit.float().reshape(-1).cpu().numpy())
                if cam is not None:
                    cams.append(cam.float().cpu().numpy())
        return np.concatenate(logits), (np.concatenate(cams) if cams else None)

    def _result(
        self, prepared: PreparedStudy, logits: np.ndarray, cams: np.ndarray | None
    ) -> StudyPrediction:
        temperature = self.card.temperature
        scores = calibrated(logits, temperature)
        images = [
            ImagePrediction(
                geometry.reference,
                float(scores[index]),
                geometry.side,
                geometry.view,
                geometry.slice_index,
                heatmap,
            )
            for index, (geometry, heatmap) in enumerate(
                zip(prepared.images, self._heatmaps(prepared, cams), strict=True)
            )
        ]
        if self.card.programme == "breast":
            sides = breast_logits([g.side for g in prepared.images], logits)
            study_logit = mammography_study_logit(sides)
            side_scores = {side: float(calibrated(value, temperature)) for side, value in sides.items()}
        else:
            top = int(self.card.aggregation.get("top_slices", DEFAULT_TOP_SLICES))
            study_logit, side_scores = ct_study_logit(logits, top), {}
        return StudyPrediction(
            model_name=self.card.name,
            model_version=self.card.version,
            programme=self.card.programme,
            study_score=float(calibrated(study_logit, temperature)),
            side_scores=side_scores,
            images=images,
            device=self.device,
            timings_ms=dict(prepared.timings_ms),
        )

    def _heatmaps(self, prepared: PreparedStudy, cams: np.ndarray | None) -> list[np.ndarray]:
        """Every image's heat map over its original image, mapped back in one call per study."""
        if cams is None:
            shapes = [heatmap_shape(g.original_shape, self.heatmap_long_side) for g in prepared.images]
            return [np.zeros(shape, dtype=np.float32) for shape in shapes]
        placements = [
            HeatmapPlacement(g.content_shape, g.original_shape, g.mirrored) for g in prepared.images
        ]
        return cams_to_heatmaps(
            cams,
            placements,
            temperature=self.card.temperature,
            input_shape=input_shape(self.card.input_spec),
            long_side=self.heatmap_long_side,
            shift_cells=float(getattr(self.model.network, "dense_shift_cells", 0.0)),
        )

    def _score(self, prepared: PreparedStudy) -> StudyPrediction:
        computing = time.perf_counter()
        logits, cams = self._forward(prepared.inputs)
        result = self._result(prepared, logits, cams)
        result.timings_ms["inference"] = (time.perf_counter() - computing) * 1000
        # The study's own work, not the time it waited prepared for its turn.
        timings = result.timings_ms
        timings["total"] = timings["load"] + timings["preprocess"] + timings["inference"]
        return result

    def predict_study(self, files: StudyFiles) -> StudyPrediction:
        """Score one study; InputError when its files cannot be scored."""
        return self._score(self._prepare(files))

    def prepared_ahead(
        self, studies: Iterable["StudyFiles | Callable[[], StudyFiles]"], depth: int = 1
    ) -> Iterator["Future[PreparedStudy]"]:
        """Each study's preparation (decoding, preprocessing), in order, begun up to `depth` studies
        ahead of the one the caller has taken, in a background thread.

        Memory stays bounded: beyond the study taken, at most `depth` are prepared or being prepared
        (`studies` is read lazily; a study given as a callable is asked for its files in the
        background thread too). A preparation that fails holds its error for that study only.
        Closing the iterator, or leaving it by an exception (a time limit), cancels the preparations
        not begun. depth 0 prepares each study only when it is taken.
        """
        pending: deque[Future[PreparedStudy]] = deque()
        try:
            for files in studies:
                pending.append(self._prefetch.submit(self._prepare_study, files))
                if len(pending) > depth:
                    yield pending.popleft()
            while pending:
                yield pending.popleft()
        finally:
            for future in pending:
                future.cancel()

    def _prepare_study(self, study: "StudyFiles | Callable[[], StudyFiles]") -> PreparedStudy:
        return self._prepare(study() if callable(study) else study)

    def score_prepared(self, preparation: "Future[PreparedStudy]") -> StudyPrediction:
        """Score a study from `prepared_ahead`; raises what preparing it raised (InputError, OSError...)."""
        return self._score(preparation.result())

    def predict_studies(
        self, studies: Iterable[StudyFiles], depth: int = 1
    ) -> Iterator[StudyPrediction | InputError]:
        """Score studies in order, preparing up to `depth` ahead while the current one computes.

        Yields a StudyPrediction, or the InputError of a study that cannot be scored (the rest go on).
        """
        for preparation in self.prepared_ahead(studies, depth):
            try:
                yield self.score_prepared(preparation)
            except InputError as exc:
                yield exc
