"""The worklist's ordering key on each read slot, kept in step with the AI result of its study.

The worklist orders open reads by AI band, score and waiting time. Copying those onto the slot
row lets one partial index serve every page (keyset pagination) instead of joining the inference
results per request. The jobs app's ``ai_result_stored`` signal calls `read_slots_triage_refresh`
so open slots follow a new result; slots opened after the result copy it when they are created.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction

from screening.campaigns.models import Campaign
from screening.imaging.models import Study
from screening.reading.models import BAND_RANK, ReadSlot, ReadSlotStatus, TriageBand
from screening.reading.worklist_counts import CountKey, count_key, worklist_counts_add


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
    if not campaign.ai_enabled or not apps.is_installed("screening.inference_jobs"):
        return NO_AI
    from screening.inference_jobs.models import InferenceResult  # the AI side is optional here

    results = InferenceResult.objects.filter(study=study)
    if campaign.ai_model_name:  # "name" or "name:version"
        results = results.filter(model_name=campaign.ai_model_name.partition(":")[0].strip())
    latest = results.order_by("-created_at", "-id").only("band", "study_score").first()
    if latest is None or latest.band not in BAND_RANK:
        return NO_AI
    return StudyTriage(band=latest.band, score=latest.study_score)


@transaction.atomic
def read_slots_triage_refresh(*, study_ids: Iterable[int]) -> int:
    """Copy the current AI result onto the open read slots of these studies (and their counts to
    the new band); returns slots updated."""
    updated, recounted = 0, Counter[CountKey]()
    slots = ReadSlot.objects.filter(study_id__in=list(study_ids), status=ReadSlotStatus.OPEN)
    # Locked (in id order, as signing locks them) so a read signed meanwhile is not re-banded.
    for slot in slots.select_related("study", "campaign").select_for_update(of=("self",)).order_by("id"):
        triage = study_triage(study=slot.study, campaign=slot.campaign)
        if (slot.band_rank, slot.ai_score) != (triage.band_rank, triage.score):
            recounted[count_key(slot)] -= 1
            slot.band_rank, slot.ai_score, slot.score_rank = triage.band_rank, triage.score, triage.score_rank
            slot.save(update_fields=["band_rank", "ai_score", "score_rank", "updated_at"])
            recounted[count_key(slot)] += 1
            updated += 1
    worklist_counts_add(changes=recounted)  # after the slots, as every writer of the counters
    return updated


def on_ai_result_stored(sender: Any, study_id: int, **kwargs: Any) -> None:
    """Receiver of the jobs app's ``ai_result_stored``: the study's open reads take the new band."""
    read_slots_triage_refresh(study_ids=[study_id])
