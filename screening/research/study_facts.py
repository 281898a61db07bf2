"""What an export needs of each study, read in a few queries: AI result, signed reads, the final
decision, the assessment outcome and the episode's truth. Filters and the clinical table share it."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from screening.imaging.models import Study
from screening.inference_jobs.models import InferenceResult
from screening.outcomes.episode_truth import EpisodeTruth, episode_truth
from screening.outcomes.outcome_selectors import episode_facts
from screening.patients.consent_services import consents_withdrawn_at
from screening.patients.models import ConsentScope
from screening.reading.models import EpisodeReadDecision, ReadOpinion, ReadSlot, ReadSlotStatus


@dataclass
class StudyFacts:
    study: Study
    ai: InferenceResult | None = None  # None too while the participant's AI consent stands withdrawn
    reads: dict[str, ReadOpinion] = field(default_factory=dict)  # read role -> current signed opinion
    decision: EpisodeReadDecision | None = None
    assessment_outcome: str = ""
    truth: EpisodeTruth | None = None

    @property
    def ai_band(self) -> str:
        return self.ai.band if self.ai is not None else ""

    @property
    def final_decision(self) -> str:
        return self.decision.result if self.decision is not None else ""


def studies_facts(studies: Sequence[Study]) -> dict[int, StudyFacts]:
    """{study id: facts} for studies fetched with their episode's campaign and programme."""
    facts = {study.pk: StudyFacts(study=study) for study in studies}
    study_ids = list(facts)
    no_ai = consents_withdrawn_at(
        patient_ids={s.patient_id for s in studies if s.patient_id}, scope=ConsentScope.AI_READING
    )
    for result in InferenceResult.objects.filter(study_id__in=study_ids).order_by("created_at", "id"):
        if facts[result.study_id].study.patient_id not in no_ai:
            facts[result.study_id].ai = result  # the latest wins
    slots = ReadSlot.objects.filter(study_id__in=study_ids, status=ReadSlotStatus.SIGNED).select_related(
        "current_opinion"
    )
    for slot in slots:
        if slot.current_opinion is not None:
            facts[slot.study_id].reads[slot.role] = slot.current_opinion
    decisions = EpisodeReadDecision.objects.filter(study_id__in=study_ids).order_by("decided_at", "id")
    for decision in decisions:
        facts[decision.study_id].decision = decision
    episodes = [study.episode for study in studies if study.episode is not None]
    known = episode_facts(episodes=episodes)
    for study in studies:
        if study.episode_id in known:
            facts[study.pk].assessment_outcome = known[study.episode_id].assessment_outcome
            facts[study.pk].truth = episode_truth(known[study.episode_id])
    return facts
