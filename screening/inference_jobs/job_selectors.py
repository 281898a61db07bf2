"""The job console's figures: counts by state, throughput, the oldest queued job, failures."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from screening.core.actors import Actor
from screening.inference_jobs.models import InferenceJob, InferenceJobQuerySet, JobStatus

THROUGHPUT_WINDOW_MINUTES = 10


def jobs_visible(*, actor: Actor) -> InferenceJobQuerySet:
    """Jobs the actor may see (ids, states and errors; no patient data, so not audited)."""
    return InferenceJob.objects.visible_to(actor.user)


@dataclass
class ConsoleSummary:
    counts: dict[str, int]
    succeeded_last_hour: int
    per_minute: float
    oldest_queued: InferenceJob | None
    problems: list[InferenceJob]
    active: list[InferenceJob]
    recent: list[InferenceJob]

    def as_json(self) -> dict[str, Any]:
        now = timezone.now()
        return {
            "counts": self.counts,
            "succeeded_last_hour": self.succeeded_last_hour,
            "per_minute": round(self.per_minute, 2),
            "oldest_queued": _job_json(self.oldest_queued, now) if self.oldest_queued else None,
            "problems": [_job_json(job, now) for job in self.problems],
            "active": [_job_json(job, now) for job in self.active],
            "recent": [_job_json(job, now) for job in self.recent],
        }


def console_summary(*, actor: Actor, limit: int = 50) -> ConsoleSummary:
    jobs = jobs_visible(actor=actor)
    now = timezone.now()
    by_status = dict(jobs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    counts = {status.value: by_status.get(status.value, 0) for status in JobStatus}
    succeeded = jobs.filter(status=JobStatus.SUCCEEDED)
    last_hour = succeeded.filter(finished_at__gte=now - timedelta(hours=1)).count()
    window = succeeded.filter(finished_at__gte=now - timedelta(minutes=THROUGHPUT_WINDOW_MINUTES)).count()
    return ConsoleSummary(
        counts=counts,
        succeeded_last_hour=last_hour,
        per_minute=window / THROUGHPUT_WINDOW_MINUTES,
        oldest_queued=jobs.filter(status=JobStatus.QUEUED).order_by("queued_at", "id").first(),
        problems=list(
            jobs.filter(status__in=[JobStatus.FAILED, JobStatus.DEAD]).order_by("-finished_at", "-id")[:limit]
        ),
        active=list(jobs.active().order_by("queued_at", "id")[:limit]),
        recent=list(jobs.order_by("-updated_at", "-id")[:limit]),
    )


def _job_json(job: InferenceJob, now: Any) -> dict[str, Any]:
    return {
        "id": job.pk,
        "study": job.study_id,
        "model": job.model_key,
        "status": job.status,
        "status_label": job.get_status_display(),
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "worker": job.worker,
        "device": job.device,
        "error": job.error,
        "queued_at": job.queued_at.isoformat(),
        "age_seconds": int((now - job.queued_at).total_seconds()),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "can_retry": job.status in (JobStatus.FAILED, JobStatus.DEAD, JobStatus.CANCELLED),
        "can_cancel": job.is_active,
    }
