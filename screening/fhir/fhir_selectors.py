"""What the FHIR resources are read from: the actor's scope, every read audited as the API's are.

Patients, studies and episode reports come from the same scoped selectors as the pages and the
API (`patient_get`, `study_get`, `episode_report`: 404 outside the scope, audited as denied; a
reader with a read of the episode still to do gets a 404, as blind reading needs). A report
exists only once signed reads decided the episode's result; its AI score only where the
participant's AI consent stands and an AI result exists.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from screening.campaigns.models import Episode
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.fhir.search_params import Search
from screening.imaging.models import Series, Study, StudyMatch
from screening.imaging.study_selectors import STUDY, studies_visible, study_get
from screening.inference_jobs.models import InferenceResult
from screening.patients.models import Patient
from screening.patients.patient_selectors import PATIENT, patient_get, patients_visible
from screening.reading.models import ReadOpinion
from screening.reading.read_selectors import EpisodeReport, episode_report

READ_REPORT = "read_report"


@dataclass(frozen=True)
class ReportWithAi:
    """An episode's signed report and, where it may be shown, the AI result of its study."""

    report: EpisodeReport
    ai_result: InferenceResult | None


def fhir_patient_get(*, actor: Actor, patient_id: int) -> Patient:
    return patient_get(actor=actor, patient_id=patient_id)


def fhir_patient_search(*, actor: Actor, search: Search) -> QuerySet[Patient]:
    """Participants in scope by id or identifier ("system|value" or value); audited, terms not kept."""
    patients = patients_visible(actor=actor)
    if search.patient_id is not None:
        patients = patients.filter(pk=search.patient_id)
    if search.identifier is not None:
        patients = patients.filter(identifier=search.identifier.rpartition("|")[2])
    audit_record(
        actor=actor,
        action=AuditAction.SEARCH,
        object_type=PATIENT,
        detail={"fhir": True, "by_identifier": search.identifier is not None},
    )
    return patients.order_by("pk")[: search.count]


def fhir_study_get(*, actor: Actor, study_id: int) -> Study:
    """A matched study (an ImagingStudy names its participant) in scope; audited."""
    study = study_get(actor=actor, study_id=study_id)
    if study.match_status != StudyMatch.MATCHED or study.patient_id is None:
        raise Http404("No such study.")
    return study


def fhir_study_search(*, actor: Actor, search: Search) -> list[Study]:
    """Matched studies in scope by participant and study date; audited as a list."""
    studies = studies_visible(actor=actor).filter(match_status=StudyMatch.MATCHED, patient__isnull=False)
    if search.patient_id is not None:
        studies = studies.filter(patient_id=search.patient_id)
    if search.first_day is not None:
        studies = studies.filter(study_date__gte=search.first_day)
    if search.last_day is not None:
        studies = studies.filter(study_date__lte=search.last_day)
    audit_record(actor=actor, action=AuditAction.LIST, object_type=STUDY, detail={"fhir": True})
    series = Series.objects.annotate(instance_count=Count("instances"))
    return list(
        studies.prefetch_related(Prefetch("series", queryset=series)).order_by("-study_date", "-id")[
            : search.count
        ]
    )


def fhir_report_get(*, actor: Actor, episode_id: int) -> ReportWithAi:
    """The signed report of an episode in scope, audited by `episode_report`; 404 until a signed
    read decided it (a result recorded without a read is never a report)."""
    report = episode_report(actor=actor, episode_id=episode_id)
    if not any(report.versions.get(slot.pk) for slot in report.slots):
        raise Http404("The reads of this episode have not decided its result yet.")
    return ReportWithAi(report=report, ai_result=_shown_ai_result(report))


def fhir_report_search(*, actor: Actor, search: Search) -> list[ReportWithAi]:
    """Signed reports in scope by participant and decision day; the search and each report audited."""
    episodes = Episode.objects.visible_to(actor.user).filter(read_decisions__isnull=False)
    if search.patient_id is not None:
        episodes = episodes.filter(patient_id=search.patient_id)
    if search.first_day is not None or search.last_day is not None:
        episodes = episodes.filter(_decided_between(search.first_day, search.last_day))
    audit_record(actor=actor, action=AuditAction.LIST, object_type=READ_REPORT, detail={"fhir": True})
    ids = list(episodes.order_by("-pk").values_list("pk", flat=True).distinct()[: search.count])
    reports = []
    for episode_id in ids:
        try:
            reports.append(fhir_report_get(actor=actor, episode_id=episode_id))
        except Http404:
            continue  # the acting reader still has a read of it to do: blind reading
    return reports


def fhir_observation_report(*, actor: Actor, kind: str, object_id: int) -> ReportWithAi:
    """The report an observation belongs to ("read": a signed opinion, "ai": an AI result); the
    same scope, blind-reading and audit rules as the report itself."""
    if kind == "read":
        episode_id = (
            ReadOpinion.objects.filter(pk=object_id).values_list("slot__episode_id", flat=True).first()
        )
    else:
        episode_id = (
            InferenceResult.objects.filter(pk=object_id).values_list("study__episode_id", flat=True).first()
        )
    return fhir_report_get(actor=actor, episode_id=episode_id or 0)


def _shown_ai_result(report: EpisodeReport) -> InferenceResult | None:
    """The latest AI result of the decided study, unless the participant's AI consent is withdrawn."""
    decision = report.decision
    if report.ai_withheld_reason or decision is None:
        return None
    return InferenceResult.objects.filter(study_id=decision.study_id).order_by("-created_at", "-id").first()


def _decided_between(first: date | None, last: date | None) -> Q:
    zone = timezone.get_current_timezone()
    condition = Q()
    if first is not None:
        condition &= Q(read_decisions__decided_at__gte=datetime.combine(first, time.min, tzinfo=zone))
    if last is not None:
        end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
        condition &= Q(read_decisions__decided_at__lt=end)
    return condition
