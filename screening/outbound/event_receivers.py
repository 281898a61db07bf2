"""Outbound listens to the earlier apps: an AI result stored (inference_jobs' ``ai_result_stored``)
and a read signed or amended (reading's ``read_signed``) queue jobs for the destinations that want
them, in the event's transaction. A report is queued only once the reads decided a result."""

from collections.abc import Sequence

from screening.outbound.job_services import jobs_queue
from screening.outbound.models import OutboundEvent
from screening.reading.models import EpisodeReadDecision


def on_ai_result_stored(
    sender: object, study_ids: Sequence[int], result_ids: Sequence[int], **kwargs: object
) -> None:
    """Queue the AI result SR (and heat maps) of each stored result."""
    jobs_queue(event=OutboundEvent.AI_RESULT_STORED, sources=list(zip(study_ids, result_ids, strict=True)))


def on_read_signed(
    sender: object, study_id: int, episode_id: int, opinion_id: int, amended: bool, **kwargs: object
) -> None:
    """Queue the report of a study whose reads decided a result (a first read of a pair waits)."""
    if not EpisodeReadDecision.objects.filter(study_id=study_id).exists():
        return
    event = OutboundEvent.RESULT_AMENDED if amended else OutboundEvent.RESULT_SIGNED
    jobs_queue(event=event, sources=[(study_id, opinion_id)])
