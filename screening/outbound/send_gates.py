"""Whether a result may leave for the PACS now, asked when the job runs (consent may have changed
since the event): never for a participant without screening consent or who opted out, never an
AI result without AI consent, never a report without signed reads that decided a result."""

from screening.campaigns.models import EpisodeStatus
from screening.imaging.models import Study
from screening.outbound.models import OutboundObject
from screening.patients.consent_services import consents_allow
from screening.patients.models import ConsentScope


def send_refusal(*, study: Study, payload: str) -> str | None:
    """Why this study's `payload` must not be sent now, or None when it may."""
    patient_id = study.patient_id
    if patient_id is None or study.episode_id is None:
        return "the study is not matched to a participant's episode"
    if not consents_allow(patient_ids=[patient_id], scope=ConsentScope.SCREENING).get(patient_id, False):
        return "the participant's screening consent is not granted, or they opted out"
    episode = study.episode
    assert episode is not None
    if episode.status == EpisodeStatus.OPTED_OUT:
        return "the episode is opted out"
    if payload == OutboundObject.AI_RESULT:
        if not consents_allow(patient_ids=[patient_id], scope=ConsentScope.AI_READING).get(patient_id, False):
            return "the participant's consent to AI is not granted"
    elif episode.result_under_review:
        return "the episode's result is under review (an amendment opened a read)"
    return None
