"""Reading research exports from the actor's scope: their own (admins: all); the package, the
re-identification table and the withdrawals since an export, each read audited."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record, audit_record_many
from screening.core.models import AuditAction
from screening.patients.consent_services import consents_withdrawn_at
from screening.patients.models import ConsentScope, Patient
from screening.research.models import ExportJob, ExportStatus, ReidentificationEntry

VIEW_ALL_EXPORTS = "research.view_exportjob"
EXPORT_JOB = "research_export"
# Exports whose package was made (and may have been downloaded) before a withdrawal.
DELIVERED = (ExportStatus.SUCCEEDED, ExportStatus.EXPIRED)


def exports_visible(*, actor: Actor) -> QuerySet[ExportJob]:
    """The actor's own exports; an administrator's: everyone's (states and counts, no patient data)."""
    jobs = ExportJob.objects.select_related("programme", "campaign", "requested_by")
    if actor.has_perm(VIEW_ALL_EXPORTS):
        return jobs
    return jobs.filter(requested_by_id=actor.user_id)


def export_get(*, actor: Actor, job_id: int) -> ExportJob:
    job = exports_visible(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise Http404("No such export.")
    return job


def export_package_open(*, actor: Actor, job: ExportJob) -> Path:
    """The package's path for its download (the requester's or an administrator's); audited."""
    path = Path(settings.RESEARCH_EXPORT_ROOT) / job.package_name
    if not job.downloadable or not path.is_file():
        raise Http404("This export has no package to download.")
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type=EXPORT_JOB,
        object_id=job.pk,
        detail={"download": job.package_name, "sha256": job.package_sha256},
    )
    return path


@dataclass(frozen=True)
class Withdrawal:
    """A participant the package held who withdrew research consent after the export."""

    patient_id: int
    withdrawn_at: datetime


def export_withdrawals(*, job: ExportJob) -> list[Withdrawal]:
    """Members of a delivered export whose research consent stands withdrawn since it ran (ids
    only: the coordinator opens the participant from the link)."""
    if job.status not in DELIVERED or job.started_at is None:
        return []
    since = job.started_at
    member_ids = list(job.members.values_list("patient_id", flat=True))
    withdrawn = consents_withdrawn_at(patient_ids=member_ids, scope=ConsentScope.RESEARCH)
    return sorted(
        (Withdrawal(patient_id, at) for patient_id, at in withdrawn.items() if at >= since),
        key=lambda withdrawal: withdrawal.withdrawn_at,
    )


@dataclass(frozen=True)
class ParticipantExports:
    """The delivered exports that held a participant, and when they withdrew research consent since."""

    exports: list[ExportJob]
    withdrawn_at: datetime | None

    @property
    def held_since_withdrawal(self) -> list[ExportJob]:
        """The exports made before the standing withdrawal: the researchers must be told."""
        at = self.withdrawn_at
        return [job for job in self.exports if at is not None and job.started_at and job.started_at <= at]


def participant_exports(*, patient: Patient) -> ParticipantExports:
    """The delivered exports whose package held the participant, newest first (ids, dates, states)."""
    jobs = ExportJob.objects.filter(members__patient=patient, status__in=DELIVERED).order_by(
        "-started_at", "-id"
    )
    withdrawn = consents_withdrawn_at(patient_ids=[patient.pk], scope=ConsentScope.RESEARCH)
    return ParticipantExports(exports=list(jobs), withdrawn_at=withdrawn.get(patient.pk))


def exports_with_withdrawals(*, actor: Actor) -> dict[int, int]:
    """{export id: withdrawals since it ran} for the actor's delivered exports that have any."""
    counts = {}
    for job in exports_visible(actor=actor).filter(status__in=DELIVERED):
        found = len(export_withdrawals(job=job))
        if found:
            counts[job.pk] = found
    return counts


def reidentification_list(*, actor: Actor, job: ExportJob) -> list[ReidentificationEntry]:
    """The export's re-identification table (administrators only; each participant shown audited)."""
    entries = list(job.reidentification.select_related("patient"))
    audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(AuditAction.VIEW, "patient", patient_id, detail={"reidentification_of_export": job.pk})
            for patient_id in sorted({entry.patient_id for entry in entries})
        ]
        + [AuditEntry(AuditAction.VIEW, "research_reidentification", job.pk)],
    )
    return entries
