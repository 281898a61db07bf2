"""Reading outcomes: an episode's current records, its history and its truth, from the actor's scope."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import chain

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from screening.campaigns.models import Episode
from screening.core.actors import Actor
from screening.core.audited_reads import audited_get
from screening.outcomes.episode_truth import EpisodeFacts, EpisodeTruth, episode_truth
from screening.outcomes.models import (
    CANCER_KINDS,
    AppendOnlyRecord,
    Assessment,
    Diagnosis,
    Pathology,
)
from screening.patients.models import Patient

EPISODE_OUTCOME = "episode_outcome"


@dataclass(frozen=True)
class EpisodeOutcome:
    """What the outcome page and API show of one episode."""

    episode: Episode
    assessment: Assessment | None
    pathology: list[Pathology]
    diagnoses: list[Diagnosis]
    history: list[AppendOnlyRecord]
    truth: EpisodeTruth

    @property
    def current_records(self) -> list[AppendOnlyRecord]:
        """The records a coordinator may still withdraw: the current ones."""
        return [*([self.assessment] if self.assessment else []), *self.pathology, *self.diagnoses]


def outcome_episode_get(*, actor: Actor, episode_id: int) -> Episode:
    """An episode of the actor's scope for its outcome, the view audited; 404 (audited) otherwise."""
    return audited_get(
        actor=actor,
        queryset=Episode.objects.visible_to(actor.user).select_related("patient", "campaign__programme"),
        object_id=episode_id,
        object_type=EPISODE_OUTCOME,
        missing="No such episode.",
    )


def current(records: QuerySet) -> QuerySet:
    """The records no later record corrects or withdraws."""
    return records.filter(corrected_by__isnull=True, entered_in_error=False)


def episode_outcome(*, episode: Episode, follow_up_until: date | None = None) -> EpisodeOutcome:
    """The episode's current assessment, pathology and diagnoses, its whole history and its truth;
    fetch `episode` with outcome_episode_get, which audits the view."""
    assessments = list(episode.outcome_assessments.select_related("recorded_by"))
    pathology = list(episode.outcome_pathology.select_related("recorded_by"))
    diagnoses = list(episode.outcome_diagnoses.select_related("recorded_by"))
    corrected_by_type: dict[type[AppendOnlyRecord], set[int | None]] = {
        model: {r.corrects_id for r in records if r.corrects_id}
        for model, records in ((Assessment, assessments), (Pathology, pathology), (Diagnosis, diagnoses))
    }

    def is_current(record: AppendOnlyRecord) -> bool:
        return record.pk not in corrected_by_type[type(record)] and not record.entered_in_error

    history = sorted(chain(assessments, pathology, diagnoses), key=lambda r: (r.recorded_at, r.pk))
    return EpisodeOutcome(
        episode=episode,
        assessment=next((a for a in reversed(assessments) if is_current(a)), None),
        pathology=[p for p in pathology if is_current(p)],
        diagnoses=[d for d in diagnoses if is_current(d)],
        history=history,
        truth=episode_truths(episodes=[episode], follow_up_until=follow_up_until)[episode.pk],
    )


def episode_facts(
    *, episodes: Iterable[Episode], follow_up_until: date | None = None
) -> dict[int, EpisodeFacts]:
    """The facts episode_truth needs, for many episodes in three queries: {episode id: facts}.

    `episodes` need their campaign's programme (select_related); `follow_up_until` is the date up
    to which cancer data are complete (today when not given)."""
    episodes = list(episodes)
    ids = [episode.pk for episode in episodes]
    until = follow_up_until or timezone.localdate()
    outcomes = dict(
        current(Assessment.objects.filter(episode_id__in=ids)).values_list("episode_id", "outcome")
    )
    kinds: dict[int, set[str]] = defaultdict(set)
    for episode_id, kind in current(Pathology.objects.filter(episode_id__in=ids)).values_list(
        "episode_id", "kind"
    ):
        kinds[episode_id].add(kind)
    cancers: dict[int, list[date]] = defaultdict(list)
    cancer_rows = current(Diagnosis.objects.filter(episode_id__in=ids, kind__in=CANCER_KINDS))
    for episode_id, diagnosed_on in cancer_rows.values_list("episode_id", "diagnosed_on"):
        cancers[episode_id].append(diagnosed_on)
    return {
        episode.pk: EpisodeFacts(
            result="" if episode.result_under_review else episode.result,
            screened_on=timezone.localdate(episode.imaged_at) if episode.imaged_at else None,
            interval_months=episode.campaign.programme.interval_months,
            follow_up_until=until,
            assessment_outcome=outcomes.get(episode.pk, ""),
            pathology_cancer=bool(kinds[episode.pk] & CANCER_KINDS),
            pathology_benign_only=bool(kinds[episode.pk]) and not kinds[episode.pk] & CANCER_KINDS,
            cancer_diagnosed_on=sorted(cancers[episode.pk]),
        )
        for episode in episodes
    }


def episode_truths(
    *, episodes: Iterable[Episode], follow_up_until: date | None = None
) -> dict[int, EpisodeTruth]:
    """{episode id: truth} for many episodes (statistics use this; nothing identifying is read)."""
    facts = episode_facts(episodes=episodes, follow_up_until=follow_up_until)
    return {episode_id: episode_truth(known) for episode_id, known in facts.items()}


RECORD_TYPES: dict[str, type[Assessment] | type[Pathology] | type[Diagnosis]] = {
    "assessment": Assessment,
    "pathology": Pathology,
    "diagnosis": Diagnosis,
}


def outcome_record_get(*, episode: Episode, record_type: str, record_id: int) -> AppendOnlyRecord:
    """One outcome record of the episode (fetched in scope with outcome_episode_get); 404 otherwise."""
    model = RECORD_TYPES.get(record_type)
    record = model._default_manager.filter(pk=record_id, episode=episode).first() if model else None
    if record is None:
        raise Http404("No such outcome record.")
    return record


def participant_diagnoses(*, patient: Patient) -> list[Diagnosis]:
    """The participant's current diagnoses, newest first; fetch `patient` with patient_get, which
    audits the view."""
    return list(current(patient.outcome_diagnoses.all()).order_by("-diagnosed_on", "-id"))
