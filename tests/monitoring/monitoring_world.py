"""A generated monitoring history: weekly AI results drawn from the card's own validation scores (or
a degraded model's), with images from a scanner mix that can shift, written as rows in bulk."""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.utils import timezone

from inference.training.score_baseline import SCORE_BINS
from screening.imaging.models import Instance, IntakeSource, Series, Study, StudyMatch
from screening.inference_jobs.models import InferenceJob, InferenceResult, JobStatus
from screening.monitoring.card_baselines import card_baselines
from tests.factories import CampaignFactory, EpisodeFactory

MODEL = "breast-demo:2.0.0"
FIRST_WEEK = date(2026, 1, 5)  # a Monday
USUAL_SCANNERS = {"HOLOGIC": 0.7, "GE": 0.3}
SHIFTED_SCANNERS = {"HOLOGIC": 0.3, "GE": 0.2, "FUJIFILM": 0.5}


@dataclass
class WeekPlan:
    results: int = 150
    degraded: bool = False
    scanners: dict[str, float] | None = None
    failed: int = 0


def baseline_scores(rng: np.random.Generator, n: int, degraded: bool) -> np.ndarray:
    """Scores drawn from the card's validation histogram; a degraded model's pushed towards 1."""
    counts = np.array(card_baselines()[MODEL].counts, dtype=float)
    bins = rng.choice(SCORE_BINS, size=n, p=counts / counts.sum())
    scores = (bins + rng.random(n)) / SCORE_BINS
    return np.sqrt(scores) if degraded else scores


def history_write(weeks: list[WeekPlan], *, seed: int, site: str = "Leeds") -> None:
    """One campaign at `site`, one study per result (and failed job), one image per study."""
    rng = np.random.default_rng(seed)
    episode = EpisodeFactory(campaign=CampaignFactory(site=site))
    name, version = MODEL.split(":")
    now = timezone.now()
    for index, plan in enumerate(weeks):
        day = FIRST_WEEK + timedelta(weeks=index)
        total = plan.results + plan.failed
        prefix = f"1.2.826.0.1.3680043.10.99.{seed}.{index}"
        studies = Study.objects.bulk_create(
            Study(
                study_instance_uid=f"{prefix}.{n}",
                episode=episode,
                patient=episode.patient,
                match_status=StudyMatch.MATCHED,
                study_date=day + timedelta(days=n % 5),
                modality="MG",
                first_source=IntakeSource.UPLOAD,
            )
            for n in range(total)
        )
        scanners = plan.scanners or USUAL_SCANNERS
        makers = rng.choice(list(scanners), size=total, p=list(scanners.values()))
        series = Series.objects.bulk_create(
            Series(study=study, series_instance_uid=f"{study.study_instance_uid}.1", manufacturer=maker)
            for study, maker in zip(studies, makers, strict=True)
        )
        Instance.objects.bulk_create(
            Instance(
                series=s,
                sop_instance_uid=f"{s.series_instance_uid}.1",
                sop_class_uid="1.2.840.10008.5.1.4.1.1.1.2",
                transfer_syntax_uid="1.2.840.10008.1.2.1",
                rows=3328,
                columns=2560,
                kvp=29,
                file="x.dcm",
                size_bytes=1,
                sha256="0" * 64,
                source=IntakeSource.UPLOAD,
            )
            for s in series
        )
        statuses = [JobStatus.SUCCEEDED] * plan.results + [JobStatus.FAILED] * plan.failed
        jobs = InferenceJob.objects.bulk_create(
            InferenceJob(study=study, model_name=name, model_version=version, status=status, queued_at=now)
            for study, status in zip(studies, statuses, strict=True)
        )
        scores = baseline_scores(rng, plan.results, plan.degraded)
        InferenceResult.objects.bulk_create(
            InferenceResult(
                job=job,
                study=job.study,
                model_name=name,
                model_version=version,
                programme="breast",
                study_score=float(score),
                band="high" if score >= 0.39 else "low" if score < 0.17 else "intermediate",
                high_threshold=0.39,
                low_threshold=0.17,
            )
            for job, score in zip(jobs[: plan.results], scores, strict=True)
        )
