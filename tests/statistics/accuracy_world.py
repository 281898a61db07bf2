"""A double-read breast campaign whose every outcome and accuracy figure is worked out by hand.

"Accuracy 2021" (imaged 2021-03-01, so every 36-month window is observed), readers A (first
reads, AI shown) and B (second reads, AI not shown), arbitrator C, the AI "m:1" at threshold 0.5:

| truth                | n  | A recalls | B recalls | arbitrations | AI scores                         |
|----------------------|----|-----------|-----------|--------------|-----------------------------------|
| screen-detected      | 10 | 10        | 8         | 2 (recall)   | .95 .9 .85 .8 .75 .7 .65 .6 .4 .3 |
| interval cancer      | 6  | 0         | 1         | 1 (routine)  | .55 .45 .35 .25 .2 .15            |
| false positive       | 8  | 6         | 8         | 2 (recall)   | .6 .5 .45 .4 .3 .2 .1 .05         |
| true negative        | 24 | 1         | 0         | 1 (routine)  | .52, then .01 ... .23             |
| unknown (recalled)   | 2  | 2         | 2         | 0            | .9 .1                             |

Screen-detected: 7 invasive, 3 DCIS (pathology); 5 of the false positives were biopsied (benign
pathology), 3 assessed normal. Interval cancers diagnosed 3, 5, 7, 9, 11 and 20 months after.
"Recent" (imaged 100 days ago): 5 routine results whose windows are still open (unknown).
"""

import itertools
from datetime import date, datetime, timedelta

from django.utils import timezone

from screening.campaigns.models import EpisodeResult, EpisodeStatus, ReadingPolicy
from screening.core.actors import Actor
from screening.core.roles import Role
from screening.imaging.models import IntakeSource, Study, StudyMatch
from screening.inference_jobs.models import InferenceJob, InferenceResult
from screening.outcomes.episode_truth import add_months
from screening.outcomes.outcome_services import assessment_record, diagnosis_record, pathology_record
from screening.reading.models import ReadOpinion, ReadRole, ReadSlot, ReadSlotStatus
from screening.statistics.kpi_facts_services import kpi_facts_rebuild
from tests.factories import CampaignFactory, EpisodeFactory, UserFactory, programme

IMAGED_ON = date(2021, 3, 1)
_uids = itertools.count(1)
SD_SCORES = (0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.4, 0.3)
IC_SCORES = (0.55, 0.45, 0.35, 0.25, 0.2, 0.15)
IC_MONTHS = (3, 5, 7, 9, 11, 20)
FP_SCORES = (0.6, 0.5, 0.45, 0.4, 0.3, 0.2, 0.1, 0.05)
TN_SCORES = (0.52, *(round(0.01 * i, 2) for i in range(1, 24)))
UNKNOWN_SCORES = (0.9, 0.1)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10))


def screened(campaign, *, result: str, imaged_on: date, score: float | None, reads, model: str = "m:1"):
    """An episode with a result, its study, its signed reads [(role, reader, recall, ai shown[,
    study category])] and its AI result."""
    imaged = _at(imaged_on)
    episode = EpisodeFactory(
        campaign=campaign,
        status=EpisodeStatus.RESULT_ISSUED,
        result=result,
        imaged_at=imaged,
        reading_policy=ReadingPolicy.DOUBLE_BLIND,
        ai_high_suspicion_threshold=0.5,
        ai_low_suspicion_threshold=0.1,
        ai_shown_to_readers=True,
    )
    study = Study.objects.create(
        study_instance_uid=f"1.2.826.0.1.3680043.10.77.{next(_uids)}",
        patient=episode.patient,
        episode=episode,
        match_status=StudyMatch.MATCHED,
        first_source=IntakeSource.UPLOAD,
        modality="MG",
    )
    for role, user, recall, ai_shown, *category in reads:
        slot = ReadSlot.objects.create(
            episode=episode,
            study=study,
            campaign=campaign,
            role=role,
            status=ReadSlotStatus.SIGNED,
            waiting_since=imaged,
            signed_by=user,
            signed_at=imaged + timedelta(days=2),
        )
        opinion = ReadOpinion.objects.create(
            slot=slot,
            version=1,
            reader=user,
            signed_at=imaged + timedelta(days=2),
            result=EpisodeResult.RECALL if recall else EpisodeResult.ROUTINE,
            ai_shown=ai_shown,
            categories={"study": category[0]} if category else {},
        )
        ReadSlot.objects.filter(pk=slot.pk).update(current_opinion=opinion)
    if score is not None:
        name, version = model.split(":")
        job = InferenceJob.objects.create(
            study=study, model_name=name, model_version=version, queued_at=imaged
        )
        InferenceResult.objects.create(
            job=job,
            study=study,
            model_name=name,
            model_version=version,
            programme="breast",
            study_score=score,
            band="high" if score >= 0.5 else "low",
            high_threshold=0.5,
            low_threshold=0.1,
        )
    return episode


def _reads(a, b, c, first: bool, second: bool, arbitration: bool | None):
    reads = [(ReadRole.FIRST, a, first, True), (ReadRole.SECOND, b, second, False)]
    if arbitration is not None:
        reads.append((ReadRole.ARBITRATION, c, arbitration, True))
    return reads


def accuracy_world() -> dict[str, object]:
    breast = programme("breast")
    campaign = CampaignFactory(
        programme=breast, name="Accuracy 2021", site="Leeds", start_date=date(2021, 1, 1)
    )
    recent = CampaignFactory(programme=breast, name="Recent", site="York")
    a, b, c = (
        UserFactory(username=name, role=Role.RADIOLOGIST, first_name=name.title())
        for name in ("reada", "readb", "readc")
    )
    recorder = Actor.for_user(UserFactory(username="recorder", role=Role.COORDINATOR))
    assessed_on = IMAGED_ON + timedelta(days=20)
    recall, routine = EpisodeResult.RECALL, EpisodeResult.ROUTINE
    for n, score in enumerate(SD_SCORES):
        second = n < 8
        reads = _reads(a, b, c, True, second, None if second else True)
        episode = screened(campaign, result=recall, imaged_on=IMAGED_ON, score=score, reads=reads)
        assessment_record(actor=recorder, episode=episode, outcome="biopsy_taken", attended_on=assessed_on)
        kind = "invasive" if n < 7 else "dcis"
        pathology_record(
            actor=recorder,
            episode=episode,
            kind=kind,
            side="R",
            diagnosed_on=assessed_on,
            invasive_size_mm=12.0 if kind == "invasive" else None,
        )
    for n, (score, months) in enumerate(zip(IC_SCORES, IC_MONTHS, strict=True)):
        second = n == 0
        reads = _reads(a, b, c, False, second, False if second else None)
        episode = screened(campaign, result=routine, imaged_on=IMAGED_ON, score=score, reads=reads)
        diagnosis_record(
            actor=recorder,
            patient=episode.patient,
            diagnosed_on=add_months(IMAGED_ON, months),
            kind="invasive",
            reporting_source="Registry",
        )
    for n, score in enumerate(FP_SCORES):
        first = n < 6
        reads = _reads(a, b, c, first, True, None if first else True)
        episode = screened(campaign, result=recall, imaged_on=IMAGED_ON, score=score, reads=reads)
        if n < 5:
            assessment_record(
                actor=recorder, episode=episode, outcome="biopsy_taken", attended_on=assessed_on
            )
            pathology_record(
                actor=recorder, episode=episode, kind="benign", side="L", diagnosed_on=assessed_on
            )
        else:
            assessment_record(
                actor=recorder, episode=episode, outcome="normal_benign", attended_on=assessed_on
            )
    for n, score in enumerate(TN_SCORES):
        first = n == 0
        reads = _reads(a, b, c, first, False, False if first else None)
        screened(campaign, result=routine, imaged_on=IMAGED_ON, score=score, reads=reads)
    for score in UNKNOWN_SCORES:
        screened(
            campaign, result=recall, imaged_on=IMAGED_ON, score=score, reads=_reads(a, b, c, True, True, None)
        )
    recent_on = timezone.localdate() - timedelta(days=100)
    for _ in range(5):
        screened(
            recent, result=routine, imaged_on=recent_on, score=0.05, reads=_reads(a, b, c, False, False, None)
        )
    kpi_facts_rebuild()  # the episodes were written by factories, not by the services that keep the facts
    return {"campaign": campaign, "recent": recent, "readers": (a, b, c), "recorder": recorder}


def truth_and_scores() -> tuple[list[int], list[float]]:
    """The known-truth episodes of "Accuracy 2021" as (cancer 0/1, AI score), for sklearn."""
    truth = [1] * 16 + [0] * 32
    return truth, [*SD_SCORES, *IC_SCORES, *FP_SCORES, *TN_SCORES]
