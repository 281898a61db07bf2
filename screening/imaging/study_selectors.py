"""Reading studies and intake, always from the actor's scope; reads of patient data are audited."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Prefetch
from django.utils import timezone

from screening.campaigns.models import Episode
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.audited_reads import audited_get
from screening.core.models import AuditAction
from screening.imaging.models import (
    Instance,
    IntakeRejection,
    IntakeSource,
    Series,
    Study,
    StudyMatchEvent,
    StudyQuerySet,
)
from screening.imaging.study_demographics import DemographicRow, demographics_compare
from screening.imaging.study_matching import AWAITING_IMAGES
from screening.patients.models import Patient
from screening.patients.patient_selectors import patient_search, patients_visible

STUDY = "study"
INSTANCE = "instance"
INTAKE_REJECTION = "intake_rejection"

# A study's images fetched within this time of an audited view of it are not audited again.
VIEW_AUDIT_SECONDS = 60 * 60
# The standard screening views, in the order a mammogram is hung: right breast on the left.
MAMMOGRAM_LAYOUT = [["R-CC", "L-CC"], ["R-MLO", "L-MLO"]]


def studies_visible(*, actor: Actor) -> StudyQuerySet:
    """The studies the actor may see at all (no audit: nothing is read yet)."""
    return Study.objects.visible_to(actor.user)


def study_list(*, actor: Actor, filters: dict[str, Any]) -> StudyQuerySet:
    """Studies in scope, newest first, with their series and instance counts; audited as a list."""
    studies = (
        studies_visible(actor=actor)
        .filter(**filters)
        .annotate(series_count=Count("series", distinct=True), instance_count=Count("series__instances"))
    )
    audit_record(actor=actor, action=AuditAction.LIST, object_type=STUDY, detail={"api": True})
    return studies.order_by("-created_at", "-id")


def study_get(*, actor: Actor, study_id: int) -> Study:
    """One study with its series and instances, audited; 404 (audited as denied) outside the scope."""
    instances = Instance.objects.order_by("slice_location", "instance_number", "id")
    studies = (
        studies_visible(actor=actor)
        .select_related("patient", "episode__campaign")
        .prefetch_related(
            Prefetch(
                "series", queryset=Series.objects.prefetch_related(Prefetch("instances", queryset=instances))
            )
        )
    )
    study = audited_get(
        actor=actor, queryset=studies, object_id=study_id, object_type=STUDY, missing="No such study."
    )
    cache.set(_viewed_key(actor, study.pk), True, VIEW_AUDIT_SECONDS)
    return study


def instance_get(*, actor: Actor, instance_id: int, frame: int) -> Instance:
    """One instance of a study in scope, for its pixels; 404 (audited as denied) otherwise.

    A study's images are audited as one view of the study per user and hour (see study_get), not
    per image: a CT scroll or a page of thumbnails would otherwise write hundreds of events.
    """
    instance = audited_get(
        actor=actor,
        queryset=Instance.objects.filter(series__study__in=studies_visible(actor=actor)).select_related(
            "series__study"
        ),
        object_id=instance_id,
        object_type=INSTANCE,
        missing="No such image.",
        audit_view=False,  # audited once per study and hour, below
        detail={"frame": frame},
    )
    study_id = instance.series.study_id
    if cache.add(_viewed_key(actor, study_id), True, VIEW_AUDIT_SECONDS):
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type=STUDY,
            object_id=study_id,
            detail={"images": True},
        )
    return instance


def _viewed_key(actor: Actor, study_id: int) -> str:
    return f"imaging:study-viewed:{actor.username}:{study_id}"


@dataclass(frozen=True)
class StackSlice:
    """One image of a scrollable stack: a single-frame instance, or one frame of a multi-frame one."""

    instance: Instance
    frame: int

    @property
    def caption(self) -> str:
        parts = [
            f"Instance {self.instance.instance_number if self.instance.instance_number is not None else '-'}"
        ]
        if self.instance.frames > 1:
            parts.append(f"frame {self.frame + 1} of {self.instance.frames}")
        if self.instance.slice_location is not None:
            parts.append(f"location {self.instance.slice_location:g} mm")
        return " · ".join(parts)


def mammogram_layout(study: Study) -> list[list[tuple[str, Instance | None]]]:
    """The four screening views as rows of (label, instance); the latest instance of a view wins."""
    by_view: dict[str, Instance] = {}
    for series in study.series.all():
        for instance in series.instances.all():
            if instance.view_label:
                by_view[instance.view_label] = instance
    return [[(label, by_view.get(label)) for label in row] for row in MAMMOGRAM_LAYOUT]


def stack_slices(series: Series) -> list[StackSlice]:
    """The images of a series in scrolling order: by slice location, then instance number, frames inside."""
    instances = sorted(
        series.instances.all(),
        key=lambda i: (
            i.slice_location is None,
            i.slice_location or 0.0,
            i.instance_number is None,
            i.instance_number or 0,
            i.pk,
        ),
    )
    return [StackSlice(instance, frame) for instance in instances for frame in range(max(instance.frames, 1))]


def stack_series(study: Study, series_id: int | None = None) -> Series | None:
    """The series to scroll: the one asked for, else the one with the most images."""
    series_list = list(study.series.all())
    if series_id is not None:
        for series in series_list:
            if series.pk == series_id:
                return series
    return max(series_list, key=lambda s: sum(max(i.frames, 1) for i in s.instances.all()), default=None)


def studies_awaiting_reconciliation(*, actor: Actor) -> StudyQuerySet:
    """The reconciliation queue, oldest first, audited as a list of studies."""
    audit_record(
        actor=actor, action=AuditAction.LIST, object_type=STUDY, detail={"awaiting_reconciliation": True}
    )
    return (
        studies_visible(actor=actor)
        .awaiting_reconciliation()
        .annotate(instance_count=Count("series__instances"))
        .order_by("created_at", "id")
    )


@dataclass
class SourceArrivals:
    source: str
    label: str
    instances: int = 0
    studies: int = 0
    rejected: int = 0


@dataclass
class IntakeSummary:
    since: datetime
    arrivals: list[SourceArrivals] = field(default_factory=list)
    rejections: list[IntakeRejection] = field(default_factory=list)
    awaiting_count: int = 0
    awaiting: list[Study] = field(default_factory=list)


def intake_summary(*, actor: Actor, rejection_days: int = 7, limit: int = 100) -> IntakeSummary:
    """What arrived today by source, recent rejected files, and the head of the reconciliation queue."""
    since = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    instances_today = Instance.objects.filter(
        received_at__gte=since, series__study__in=studies_visible(actor=actor)
    )
    counts: dict[str, dict[str, int]] = {
        row["source"]: {"instances": row["instances"], "studies": row["studies"]}
        for row in instances_today.values("source").annotate(
            instances=Count("id"), studies=Count("series__study", distinct=True)
        )
    }
    rejected = {
        row["source"]: row["n"]
        for row in IntakeRejection.objects.filter(received_at__gte=since)
        .values("source")
        .annotate(n=Count("id"))
    }
    arrivals = [
        SourceArrivals(
            source=source.value,
            label=source.label,
            instances=counts.get(source.value, {}).get("instances", 0),
            studies=counts.get(source.value, {}).get("studies", 0),
            rejected=rejected.get(source.value, 0),
        )
        for source in IntakeSource
    ]
    rejections = list(
        IntakeRejection.objects.filter(received_at__gte=since - timedelta(days=rejection_days))[:limit]
    )
    queue = studies_visible(actor=actor).awaiting_reconciliation().order_by("created_at", "id")
    audit_record(
        actor=actor,
        action=AuditAction.LIST,
        object_type=INTAKE_REJECTION,
        detail={"rejections_shown": len(rejections), "awaiting_reconciliation": True},
    )
    return IntakeSummary(
        since=since,
        arrivals=arrivals,
        rejections=rejections,
        awaiting_count=queue.count(),
        awaiting=list(queue[:10]),
    )


@dataclass(frozen=True)
class ReconciliationCandidate:
    """A participant found by the search, their details beside the images', and the episodes the
    study may go to (of the programme taking its modality, awaiting images)."""

    patient: Patient
    episodes: list[Episode]
    demographics: list[DemographicRow]

    @property
    def mismatches(self) -> list[DemographicRow]:
        return [row for row in self.demographics if row.differs]


def reconciliation_candidates(
    *, actor: Actor, study: Study, query: str, limit: int = 20
) -> list[ReconciliationCandidate]:
    """Participants matching an identifier or name (search audited there), each with the episodes
    this study may be attached to and their details compared with the images'."""
    patients = list(patient_search(actor=actor, query=query)[:limit])
    episodes: dict[int, list[Episode]] = {patient.pk: [] for patient in patients}
    for episode in (
        Episode.objects.visible_to(actor.user)
        .filter(
            patient__in=patients,
            status__in=AWAITING_IMAGES,
            campaign__programme__modality__iexact=study.modality or "-",
        )
        .select_related("campaign__programme")
        .order_by("-created_at")
    ):
        episodes[episode.patient_id].append(episode)
    return [
        ReconciliationCandidate(patient, episodes[patient.pk], demographics_compare(study, patient))
        for patient in patients
    ]


def study_match_history(*, study: Study) -> list[StudyMatchEvent]:
    """The study's attaches and detaches, oldest first (the study was read, audited, by study_get)."""
    return list(study.match_events.select_related("patient", "episode__campaign", "actor"))


def attach_targets_get(*, actor: Actor, patient_id: int, episode_id: int) -> tuple[Patient, Episode] | None:
    """The participant and episode a study is to be attached to, both in the actor's scope, or None."""
    patient = patients_visible(actor=actor).filter(pk=patient_id).first()
    episode = Episode.objects.visible_to(actor.user).filter(pk=episode_id).first()
    return None if patient is None or episode is None else (patient, episode)
