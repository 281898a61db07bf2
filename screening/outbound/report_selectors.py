"""What the outbound documents are built from, read for a system job (no user scope: the job was
queued by an event of this study, and the runner audits what it sends)."""

from django.db.models import Prefetch

from screening.imaging.models import Instance, Study
from screening.inference_jobs.models import InferenceImageResult, InferenceResult
from screening.outbound.episode_report_sr import EpisodeDecision, EpisodeReportFacts, SignedReadVersion
from screening.reading.models import EpisodeReadDecision, ReadFinding, ReadOpinion, ReadSlotStatus


def ai_result_with_images(*, result_id: int) -> tuple[InferenceResult, list[InferenceImageResult]] | None:
    """The AI result with its study and its image rows (each with its instance and series)."""
    result = InferenceResult.objects.select_related("study").filter(pk=result_id).first()
    if result is None:
        return None
    images = list(
        InferenceImageResult.objects.filter(result=result)
        .select_related("instance__series")
        .order_by("slice_index", "id")
    )
    return result, images


def episode_report_facts(*, study: Study) -> EpisodeReportFacts | None:
    """The signed reads and decisions of the study's episode; None while no decision is issued."""
    decisions = list(EpisodeReadDecision.objects.filter(study=study).order_by("decided_at", "id"))
    if not decisions or study.episode_id is None:
        return None
    opinions = (
        ReadOpinion.objects.filter(slot__study=study, slot__status=ReadSlotStatus.SIGNED)
        .select_related("reader", "slot")
        .prefetch_related(Prefetch("findings", queryset=ReadFinding.objects.order_by("id")))
        .order_by("slot__role", "slot_id", "version")
    )
    reads = [
        SignedReadVersion(
            opinion_id=opinion.pk,
            role=opinion.slot.get_role_display(),
            version=opinion.version,
            reader_name=f"{opinion.reader.last_name or opinion.reader.username}^{opinion.reader.first_name}",
            signed_at=opinion.signed_at,
            result=opinion.result,
            categories=dict(opinion.categories),
            findings=[_finding_text(finding) for finding in opinion.findings.all()],
            comment=opinion.comment,
            amendment_reason=opinion.amendment_reason,
            current=opinion.pk == opinion.slot.current_opinion_id,
        )
        for opinion in opinions
    ]
    if not any(read.current for read in reads):
        return None
    return EpisodeReportFacts(
        study=study,
        episode_id=study.episode_id,
        instances=list(Instance.objects.filter(series__study=study).select_related("series").order_by("pk")),
        decisions=[
            EpisodeDecision(
                result=d.result, basis=d.get_basis_display(), decided_at=d.decided_at, note=d.note
            )
            for d in decisions
        ],
        reads=reads,
    )


def _finding_text(finding: ReadFinding) -> str:
    """A finding's location and category in words, as the printed report gives them."""
    parts = [
        f"category {finding.category}" if finding.category else "",
        {"R": "right", "L": "left"}.get(finding.side, ""),
        finding.quadrant,
        f"{finding.clock_face} o'clock" if finding.clock_face else "",
        finding.depth,
        finding.lobe,
        f"{finding.size_mm:g} mm" if finding.size_mm else "",
        finding.nodule_type,
        finding.description,
    ]
    return ", ".join(part for part in parts if part)[:1024]
