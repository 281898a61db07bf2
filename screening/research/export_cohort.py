"""Who and what an export holds: the studies its filters select, of participants whose research
consent is granted at export time; the others counted per reason of exclusion."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import QuerySet

from screening.imaging.models import Study, StudyMatch
from screening.patients.consent_services import consents_allow, consents_withdrawn_at
from screening.patients.models import ConsentScope, Patient
from screening.research.models import ExclusionReason, ExportJob
from screening.research.study_facts import StudyFacts, studies_facts


@dataclass
class Cohort:
    facts: list[StudyFacts] = field(default_factory=list)  # the included studies, in order
    excluded: dict[str, int] = field(default_factory=dict)  # exclusion reason -> participants

    @property
    def patient_ids(self) -> list[int]:
        return sorted({facts.study.patient_id for facts in self.facts if facts.study.patient_id})


def candidate_studies(job: ExportJob) -> QuerySet[Study]:
    """The matched studies of the job's programme (campaign, period, modality) before consent."""
    studies = Study.objects.filter(
        match_status=StudyMatch.MATCHED,
        patient__isnull=False,
        episode__campaign__programme=job.programme,
    )
    if job.campaign_id:
        studies = studies.filter(episode__campaign_id=job.campaign_id)
    if job.period_start:
        studies = studies.filter(episode__imaged_at__date__gte=job.period_start)
    if job.period_end:
        studies = studies.filter(episode__imaged_at__date__lte=job.period_end)
    if job.modality:
        studies = studies.filter(modality=job.modality)
    return studies.select_related("patient", "episode__campaign__programme").order_by("pk")


def research_exclusions(patients: list[Patient]) -> dict[int, str]:
    """{patient id: exclusion reason} for those who may not be exported now (absent: included)."""
    ids = [patient.pk for patient in patients]
    allowed = consents_allow(patient_ids=ids, scope=ConsentScope.RESEARCH)
    withdrawn = consents_withdrawn_at(patient_ids=ids, scope=ConsentScope.RESEARCH)
    reasons = {}
    for patient in patients:
        if patient.opted_out_at is not None:
            reasons[patient.pk] = ExclusionReason.OPTED_OUT.value
        elif patient.pk in withdrawn:
            reasons[patient.pk] = ExclusionReason.WITHDRAWN.value
        elif not allowed.get(patient.pk, False):
            reasons[patient.pk] = ExclusionReason.NO_RESEARCH_CONSENT.value
    return reasons


def export_cohort(job: ExportJob) -> Cohort:
    """The studies the job exports and the participants it leaves out (each counted once)."""
    studies = list(candidate_studies(job))
    patients = {study.patient_id: study.patient for study in studies if study.patient is not None}
    reasons = research_exclusions(list(patients.values()))
    consented = [study for study in studies if study.patient_id not in reasons]
    facts = studies_facts(consented)
    cohort = Cohort(excluded=dict(Counter(reasons.values())))
    cohort.facts = [facts[study.pk] for study in consented if _selected(job, facts[study.pk])]
    return cohort


def _selected(job: ExportJob, facts: StudyFacts) -> bool:
    if job.ai_band and facts.ai_band != job.ai_band:
        return False
    if job.reader_result and facts.final_decision != job.reader_result:
        return False
    return not (job.truth and (facts.truth is None or facts.truth.truth != job.truth))
