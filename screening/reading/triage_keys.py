"""The worklist's ordering key on each read slot, kept in step with the AI result of its study.

The worklist orders open reads by AI band, score and waiting time. Copying those onto the slot
row lets one partial index serve every page (keyset pagination) instead of joining the inference
results per request. The jobs app's ``ai_result_stored`` signal (once per batch of results) calls
`read_slots_triage_refresh` so open slots follow a new result; slots opened after the result copy
it when they are created.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from screening.campaigns.models import Campaign
from screening.imaging.models import Study
from screening.inference_jobs.models import InferenceResult
from screening.patients.consent_services import consents_withdrawn_at
from screening.patients.models import ConsentScope
from screening.reading.models import BAND_RANK, ReadSlot, ReadSlotStatus, TriageBand


@dataclass(frozen=True)
class StudyTriage:
    """The AI's band and calibrated score for a study, as the worklist uses them."""

    band: str = TriageBand.NONE
    score: float | None = None

    @property
    def band_rank(self) -> int:
        return BAND_RANK[self.band]

    @property
    def score_rank(self) -> float:
        return -self.score if self.score is not None else 0.0


NO_AI = StudyTriage()


def study_triage(*, study: Study, campaign: Campaign) -> StudyTriage:
    """The latest AI result of the campaign's model for the study; NO_AI when AI is off or absent."""
    return studies_triage(pairs=[(study.pk, campaign)])[(study.pk, campaign.pk)]


def studies_triage(*, pairs: Iterable[tuple[int, Campaign]]) -> dict[tuple[int, int], StudyTriage]:
    """``study_triage`` of many (study id, campaign) pairs, their results read in one query:
    {(study id, campaign id): triage}. NO_AI for a participant whose AI consent stands withdrawn."""
    pairs = list(pairs)
    triage = {(study_id, campaign.pk): NO_AI for study_id, campaign in pairs}
    wanted = {study_id for study_id, campaign in pairs if campaign.ai_enabled}
    if not wanted:
        return triage
    patients = dict(Study.objects.filter(pk__in=wanted).values_list("pk", "patient_id"))
    withdrawn = consents_withdrawn_at(
        patient_ids={p for p in patients.values() if p is not None}, scope=ConsentScope.AI_READING
    )
    wanted -= {study_id for study_id, patient_id in patients.items() if patient_id in withdrawn}
    if not wanted:
        return triage

    latest_first: dict[int, list[tuple[str, str, float]]] = {study_id: [] for study_id in wanted}
    rows = (
        InferenceResult.objects.filter(study_id__in=wanted)
        .order_by("-created_at", "-id")
        .values_list("study_id", "model_name", "band", "study_score")
    )
    for study_id, model_name, band, score in rows:
        latest_first[study_id].append((model_name, band, score))
    for study_id, campaign in pairs:
        if study_id not in wanted:
            continue
        model_name = campaign.ai_model_name.partition(":")[0].strip()  # "name" or "name:version"
        latest = next((row for row in latest_first[study_id] if not model_name or row[0] == model_name), None)
        if latest is not None and latest[1] in BAND_RANK:
            triage[(study_id, campaign.pk)] = StudyTriage(band=latest[1], score=latest[2])
    return triage


@transaction.atomic(savepoint=False)  # called inside the storing of results: one transaction
def read_slots_triage_refresh(*, study_ids: Iterable[int]) -> int:
    """Copy the current AI result onto the open read slots of these studies; returns slots updated."""
    slots = ReadSlot.objects.filter(study_id__in=list(study_ids), status=ReadSlotStatus.OPEN)
    # Locked (in id order, as signing locks them) so a read signed meanwhile is not re-banded.
    locked = list(slots.select_related("campaign").select_for_update(of=("self",)).order_by("id"))
    if not locked:
        return 0
    triage_of = studies_triage(pairs=[(slot.study_id, slot.campaign) for slot in locked])
    changed, now = [], timezone.now()
    for slot in locked:
        triage = triage_of[(slot.study_id, slot.campaign_id)]
        if (slot.band_rank, slot.ai_score) != (triage.band_rank, triage.score):
            slot.band_rank, slot.ai_score, slot.score_rank = triage.band_rank, triage.score, triage.score_rank
            slot.updated_at = now
            changed.append(slot)
    ReadSlot.objects.bulk_update(changed, ["band_rank", "ai_score", "score_rank", "updated_at"])
    return len(changed)


def on_ai_consent_changed(sender: Any, patient_id: int, scope: str, **kwargs: Any) -> None:
    """Receiver of patients' ``consent_withdrawn`` and ``consent_granted`` (inside the consent's
    transaction): the participant's open reads drop their AI band, or take it again."""
    if scope == ConsentScope.AI_READING:
        read_slots_triage_refresh(
            study_ids=Study.objects.filter(patient_id=patient_id).values_list("pk", flat=True)
        )


def on_ai_result_stored(sender: Any, study_ids: Iterable[int], **kwargs: Any) -> None:
    """Receiver of the jobs app's ``ai_result_stored`` (once per batch of results): the studies'
    open reads take the new bands."""
    read_slots_triage_refresh(study_ids=study_ids)
