"""What the reading pages show beside a read: the images, the AI (when allowed), priors, history.

Built on the reading selectors (`read_selectors`, `worklist_selectors`), which decide what a
reader may see of the other reads; this module adds the page's other panels and never reads an
opinion itself, so blind double reading is kept in one place.
"""

from dataclasses import dataclass, field

from screening.campaigns.campaign_selectors import episode_history
from screening.campaigns.models import EpisodeStatusEvent
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.imaging import study_selectors
from screening.imaging.models import Instance, Series, Study
from screening.imaging.study_selectors import StackSlice
from screening.inference_jobs.result_selectors import StudyAi, study_ai_get
from screening.reading.models import ReadSlot, ReadSlotEvent
from screening.reading.read_selectors import StudyReads, study_reads_for_reader
from screening.reading.worklist_selectors import WorklistFilters, worklist_page

STUDY = "study"


@dataclass(frozen=True)
class PriorStudy:
    """Another study of the same participant, with the result its episode got."""

    study: Study
    result_label: str
    report_episode_id: int | None


@dataclass(frozen=True)
class SlotStep:
    """One step of the study's reads as this reader may see it: who is named only when it is them."""

    event: ReadSlotEvent
    role_label: str
    mine: bool


@dataclass
class ReadingView:
    slot: ReadSlot
    reads: StudyReads
    study: Study
    modality: str
    ai: StudyAi | None
    mammogram_rows: list[list[tuple[str, Instance | None]]] = field(default_factory=list)
    stack_series: Series | None = None
    slices: list[StackSlice] = field(default_factory=list)
    priors: list[PriorStudy] = field(default_factory=list)
    history: list[EpisodeStatusEvent] = field(default_factory=list)
    steps: list[SlotStep] = field(default_factory=list)

    @property
    def is_mammogram(self) -> bool:
        return self.modality.upper() == "MG"

    @property
    def ai_visible(self) -> bool:
        return self.ai is not None


def reading_view_get(*, actor: Actor, slot: ReadSlot) -> ReadingView:
    """Everything the reading view shows of `slot` (fetched with read_slot_get); reads audited."""
    reads = study_reads_for_reader(actor=actor, slot=slot)
    study = study_selectors.study_get(actor=actor, study_id=slot.study_id)
    series_list = list(study.series.all())
    modality = study.modality or next((s.modality for s in series_list if s.modality), "")
    ai = study_ai_get(actor=actor, study=study) if reads.ai_visible else None
    view = ReadingView(slot=slot, reads=reads, study=study, modality=modality, ai=ai)
    if view.is_mammogram:
        view.mammogram_rows = study_selectors.mammogram_layout(study)
    else:
        view.stack_series = study_selectors.stack_series(study)
        view.slices = study_selectors.stack_slices(view.stack_series) if view.stack_series else []
    view.priors = prior_studies(actor=actor, study=study)
    view.history = list(episode_history(episode=slot.episode))
    view.steps = read_steps(actor=actor, study=study)
    return view


def prior_studies(*, actor: Actor, study: Study) -> list[PriorStudy]:
    """The participant's other studies in the actor's scope, newest first, audited as a list."""
    if study.patient_id is None:
        return []
    others = list(
        study_selectors.studies_visible(actor=actor)
        .filter(patient_id=study.patient_id)
        .exclude(pk=study.pk)
        .select_related("episode__campaign")
        .order_by("-created_at", "-id")[:20]
    )
    if others:
        audit_record(
            actor=actor,
            action=AuditAction.LIST,
            object_type=STUDY,
            detail={"priors_of": study.pk, "studies": [s.pk for s in others]},
        )
    priors = []
    for other in others:
        episode = other.episode
        decided = episode is not None and bool(episode.result)
        priors.append(
            PriorStudy(
                study=other,
                result_label=episode.result_display if episode is not None and decided else "",
                report_episode_id=episode.pk if episode is not None and decided else None,
            )
        )
    return priors


def read_steps(*, actor: Actor, study: Study) -> list[SlotStep]:
    """Claims, releases, skips, signatures and amendments of the study's reads, oldest first.

    Other readers stay anonymous and their skip or amendment reasons hidden: under double reading
    the page must not hint at the other read.
    """
    events = ReadSlotEvent.objects.filter(study=study).select_related("slot").order_by("occurred_at", "id")
    return [
        SlotStep(event=event, role_label=event.slot.get_role_display(), mine=event.user_id == actor.user_id)
        for event in events
    ]


def next_read_slot_id(*, actor: Actor, after_slot_id: int | None) -> int | None:
    """The first read on the reader's worklist other than the one they are leaving."""
    page = worklist_page(actor=actor, filters=WorklistFilters(), page_size=3)
    return next((e.slot.pk for e in page.entries if e.slot.pk != after_slot_id), None)
