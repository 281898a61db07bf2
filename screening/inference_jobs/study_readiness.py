"""Is a study complete enough for the AI, and may it be used? Asked on enqueue and again at dispatch.

A programme declares the views of a complete study (``Programme.views``): projection views such
as ``R-CC`` must all be present (the latest instance of a view is used); ``AXIAL`` asks for one
contiguous volume: a series with enough slices, evenly spaced, without gaps.
"""

import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Count, Max

from screening.imaging.models import Instance, Study, StudyMatch
from screening.patients.consent_services import consents_allow
from screening.patients.models import ConsentScope

VOLUME_VIEW = "AXIAL"
# Spacing between neighbouring slices may differ from the median by this share before it is a gap.
SPACING_TOLERANCE = 0.1


class ReadyImage(NamedTuple):
    """What readiness and a dispatch read of an instance, as a plain row (a CT study has hundreds:
    building model instances for them cost more than the checks)."""

    pk: int
    series_id: int
    laterality: str
    view_position: str
    frames: int
    slice_location: float | None
    image_position: Any
    file: str  # the storage name
    received_at: datetime

    @property
    def view_label(self) -> str:
        """As ``Instance.view_label``: 'R-CC', 'L-MLO'... for mammograms, '' otherwise."""
        return f"{self.laterality}-{self.view_position}" if self.laterality and self.view_position else ""


@dataclass(frozen=True)
class Readiness:
    """Whether a study can be scored now; if not, why; if so, the images to send, in order."""

    ready: bool
    reason: str = ""
    instances: list[ReadyImage] = field(default_factory=list)


def study_readiness(study: Study) -> Readiness:
    """Matched to an episode of a campaign with AI enabled, complete, and the participant consents."""
    return studies_readiness([study])[study.pk]


def studies_readiness(studies: Sequence[Study]) -> dict[int, Readiness]:
    """The readiness of each study (by id): consents asked in one query, images read in another."""
    readiness, eligible = studies_eligible(studies)
    readiness.update(images_readiness(eligible))
    return readiness


def studies_eligible(studies: Sequence[Study]) -> tuple[dict[int, Readiness], list[Study]]:
    """The studies refused whatever their images (unmatched, AI off, no consent: one query), and
    those that may be scored once their images are complete."""
    readiness, eligible = {}, []
    refusals = {study.pk: _refusal(study) for study in studies}
    consenting = ai_consent_given_for([study for study in studies if not refusals[study.pk]])
    for study in studies:
        refusal = refusals[study.pk] or ("" if consenting[study.pk] else "no AI consent")
        if refusal:
            readiness[study.pk] = Readiness(False, refusal)
        else:
            eligible.append(study)
    return readiness, eligible


def volumes_short(studies: Sequence[Study]) -> dict[int, Readiness]:
    """The eligible volume studies none of whose series holds enough slices, told apart by counting
    slices per series in SQL rather than reading every slice: what ``images_readiness`` decides of
    them, without the rows (a CT sent slice by slice is asked after every slice)."""
    volumes = {study.pk: False for study in studies if VOLUME_VIEW in _views(study)}
    if not volumes:
        return {}
    minimum = settings.INFERENCE_CT_MIN_SLICES
    counted = (
        Instance.objects.filter(series__study_id__in=list(volumes))
        .values("series__study_id", "series_id")
        .annotate(slices=Count("pk"), frames=Max("frames"))
        .values_list("series__study_id", "slices", "frames")
    )
    imaged = set()
    for study_id, slices, frames in counted:  # as contiguous_volume: enough slices, or one multi-frame
        volumes[study_id] = volumes[study_id] or slices >= minimum or (slices == 1 and frames >= minimum)
        imaged.add(study_id)
    return {
        study_id: Readiness(False, f"fewer than {minimum} slices" if study_id in imaged else "no images")
        for study_id, enough in volumes.items()
        if not enough
    }


def images_readiness(studies: Sequence[Study]) -> dict[int, Readiness]:
    """Whether each eligible study's images are complete for its programme (one query)."""
    if not studies:  # intake asks after every batch; most studies are not ready
        return {}
    readiness = {}
    instances: dict[int, list[ReadyImage]] = {study.pk: [] for study in studies}
    rows = Instance.objects.filter(series__study_id__in=list(instances)).values_list(
        "series__study_id", *ReadyImage._fields
    )
    for study_id, *fields in rows:
        instances[study_id].append(ReadyImage(*fields))
    for study in studies:
        views = _views(study)
        if VOLUME_VIEW in views:
            readiness[study.pk] = _volume_readiness(instances[study.pk])
        else:
            readiness[study.pk] = _views_readiness(instances[study.pk], views)
    return readiness


def _views(study: Study) -> list[str]:
    """The views of a complete study of the programme (an eligible study has an episode)."""
    return list(study.episode.campaign.programme.views or [])  # type: ignore[union-attr]


def _refusal(study: Study) -> str:
    """Why the study may not be scored whatever its images and consent (empty when it may)."""
    episode = study.episode
    if study.match_status != StudyMatch.MATCHED or episode is None or study.patient_id is None:
        return "not matched to an episode"
    if not episode.campaign.ai_enabled:
        return "AI is not enabled for the campaign"
    return ""


def ai_consent_given(study: Study) -> bool:
    """The participant's AI-reading consent as it stands now."""
    return ai_consent_given_for([study])[study.pk]


def ai_consent_given_for(studies: Iterable[Study]) -> dict[int, bool]:
    """``ai_consent_given`` of many studies in one query: {study id: consent as it stands now}."""
    studies = list(studies)
    if not studies:
        return {}
    patient_ids = {study.patient_id for study in studies if study.patient_id is not None}
    allowed = consents_allow(patient_ids=patient_ids, scope=ConsentScope.AI_READING)
    return {study.pk: allowed.get(study.patient_id, False) for study in studies}  # type: ignore[arg-type]


def _views_readiness(instances: list[ReadyImage], views: list[str]) -> Readiness:
    by_view: dict[str, ReadyImage] = {}
    for instance in sorted(instances, key=lambda i: (i.received_at, i.pk)):
        if instance.view_label:
            by_view[instance.view_label] = instance  # the latest of a view wins
    missing = [view for view in views if view not in by_view]
    if missing:
        return Readiness(False, f"missing views: {', '.join(missing)}")
    return Readiness(True, instances=[by_view[view] for view in views])


def _volume_readiness(instances: list[ReadyImage]) -> Readiness:
    by_series: dict[int, list[ReadyImage]] = {}
    for instance in instances:
        by_series.setdefault(instance.series_id, []).append(instance)
    reasons = []
    for series_instances in sorted(by_series.values(), key=len, reverse=True):
        volume, reason = contiguous_volume(series_instances)
        if volume:
            return Readiness(True, instances=volume)
        reasons.append(reason)
    return Readiness(False, reasons[0] if reasons else "no images")


def contiguous_volume(instances: list[ReadyImage]) -> tuple[list[ReadyImage], str]:
    """The series' slices in order when they form one evenly spaced volume, else ([], why not)."""
    minimum = settings.INFERENCE_CT_MIN_SLICES
    multi_frame = [i for i in instances if i.frames > 1]
    if len(instances) == 1 and multi_frame:
        ok = multi_frame[0].frames >= minimum
        return (instances, "") if ok else ([], f"fewer than {minimum} slices")
    if len(instances) < minimum:
        return [], f"fewer than {minimum} slices"
    positions = [_position(i) for i in instances]
    if any(p is None for p in positions):
        return [], "slices without a position"
    ordered = sorted(zip(positions, instances, strict=True), key=lambda pair: pair[0])  # type: ignore[arg-type,return-value]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(ordered)]  # type: ignore[operator]
    spacing = statistics.median(gaps)
    if spacing <= 0:
        return [], "duplicate slice positions"
    if any(abs(gap - spacing) > SPACING_TOLERANCE * spacing for gap in gaps):
        return [], "uneven slice spacing or a gap in the volume"
    return [instance for _, instance in ordered], ""


def _position(instance: ReadyImage) -> float | None:
    """Where a slice lies along the volume: Slice Location, else the z of Image Position (Patient)."""
    if instance.slice_location is not None:
        return float(instance.slice_location)
    position = instance.image_position
    if isinstance(position, list) and len(position) == 3:
        try:
            return float(position[2])
        except (TypeError, ValueError):
            return None
    return None
