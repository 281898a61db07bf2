"""The DICOM objects an outbound job sends, built from the database when it runs."""

from pydicom.dataset import Dataset

from screening.outbound.ai_result_sr import ai_result_sr
from screening.outbound.episode_report_sr import episode_report_sr, report_sop_instance_uid
from screening.outbound.heatmap_capture import heatmap_capture
from screening.outbound.models import OutboundJob, OutboundObject, OutboundStatus
from screening.outbound.report_selectors import ai_result_with_images, episode_report_facts


class NothingToSend(Exception):
    """What the job would send is not there (a result without images, a report without a decision)."""


def job_objects(job: OutboundJob) -> list[Dataset]:
    """The SR (and heat maps) of the job's result, as its destination receives them."""
    if job.payload == OutboundObject.AI_RESULT:
        return _ai_result_objects(job)
    facts = episode_report_facts(study=job.study)
    if facts is None:
        raise NothingToSend("no signed read has decided a result of this study")
    earlier = OutboundJob.objects.filter(
        destination=job.destination,
        study=job.study,
        payload=OutboundObject.EPISODE_REPORT,
        status=OutboundStatus.SENT,
        pk__lt=job.pk,
    ).order_by("pk")
    own = report_sop_instance_uid(facts)
    sent = (uid for uids in earlier.values_list("sop_instance_uids", flat=True) for uid in uids)
    facts.predecessors.extend(uid for uid in dict.fromkeys(sent) if uid != own)
    return [episode_report_sr(facts)]


def _ai_result_objects(job: OutboundJob) -> list[Dataset]:
    found = ai_result_with_images(result_id=job.source_id)
    if found is None or not found[1]:
        raise NothingToSend("the AI result has no image results to report")
    result, images = found
    objects: list[Dataset] = [ai_result_sr(result, images)]
    if job.destination.send_heatmaps:
        mapped = [image for image in images if image.has_heatmap]
        objects += [heatmap_capture(result, image, number=n) for n, image in enumerate(mapped, start=1)]
    return objects
