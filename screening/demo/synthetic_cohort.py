"""The synthetic cohort in the register: participants, consents, invitations, images, ground truth.

`inference.synthetic` plans the cohort and writes its DICOM files without Django; this module
registers the participants through the same audited services the pages use, invites and marks
them attended in an open campaign of the programme, records the ground truth, and hands the
files to an intake path, exactly as a screening unit's modality would.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inference.synthetic.cohort import (
    SyntheticStudy,
    cohort_plan,
    ground_truth_records,
    write_ground_truth,
    write_study,
)
from screening.campaigns import campaign_services, episode_services
from screening.campaigns.cohort_selectors import cohort_eligible
from screening.campaigns.models import (
    Campaign,
    CampaignStatus,
    Episode,
    EpisodeStatus,
    Programme,
)
from screening.core.actors import Actor
from screening.demo.earlier_round import (
    IMAGES_SENT_AFTER,
    dated,
    invitations_sent_at,
    round_campaign_open,
    screened_at,
    synthetic_campaign_open,
)
from screening.demo.models import SyntheticStudyTruth
from screening.demo.synthetic_senders import Sender
from screening.patients.attribute_services import BREAST_DENSITY, participant_attribute_record
from screening.patients.consent_services import consent_grant, consent_state, consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope, Patient
from screening.patients.patient_services import patient_create
from screening.promotion.promotion_services import active_model_set, shadow_model_set

DID_NOT_ATTEND_SHARE = 0.08
AI_CONSENT_SHARE = 0.9
AI_WITHDRAWN_SHARE = 0.05
RESEARCH_CONSENT_SHARE = 0.6


@dataclass
class CohortSummary:
    studies: int = 0
    new_participants: int = 0
    invited: int = 0
    did_not_attend: int = 0
    files_written: int = 0
    sent: dict[str, int] = field(default_factory=dict)


def cohort_generate(
    *,
    actor: Actor,
    programme_code: str,
    patients: int,
    seed: int,
    prevalence: float,
    out_dir: Path,
    sender: Sender | None,
    size: str = "small",
    screened_on: date | None = None,
    shadow_model: str = "",
    active_model: str = "",
) -> CohortSummary:
    """Generate (or complete) a deterministic cohort and push its images through `sender`:
    screened today, or (`screened_on`) an earlier round replayed on its days (`earlier_round`);
    with `active_model` (name:version) the campaign is scored by that version instead of the
    programme's latest, and with `shadow_model` it runs that version in shadow (docs/promotion.md)."""
    plan = cohort_plan(programme_code, patients, seed, prevalence)
    if screened_on is not None:
        campaign, plan = round_campaign_open(actor, programme_code, plan, screened_on)
    else:
        campaign = _open_campaign(actor, programme_code)
    if active_model and campaign.ai_model_name != active_model:
        active_model_set(actor=actor, campaign=campaign, model=active_model)
    if shadow_model and campaign.ai_shadow_model_name != shadow_model:
        shadow_model_set(actor=actor, campaign=campaign, model=shadow_model)
    rng = random.Random(seed)
    summary = CohortSummary(studies=len(plan))
    participants = {}
    with dated(invitations_sent_at(campaign) if screened_on else None):
        for study in plan:
            patient, created = _participant(actor, study, rng)
            summary.new_participants += created
            participants[study.study_uid] = patient
        summary.invited = _invite(actor, campaign, list(participants.values()))
    attended = []
    for study in plan:
        episode = Episode.objects.filter(campaign=campaign, patient=participants[study.study_uid]).first()
        with dated(screened_at(study) if screened_on else None):
            if episode is not None and _attend(actor, episode, rng):
                attended.append(study)
                _record_density(actor, participants[study.study_uid], study)
            elif episode is not None and episode.status == EpisodeStatus.DID_NOT_ATTEND:
                summary.did_not_attend += 1
        _record_truth(study, participants[study.study_uid], episode, seed, size)
    files = {study.study_uid: write_study(study, out_dir, size=size) for study in attended}
    write_ground_truth(plan, out_dir, size=size)
    summary.files_written = sum(len(paths) for paths in files.values())
    if sender is not None and screened_on is None:
        summary.sent = sender(actor, [path for paths in files.values() for path in paths])
    elif sender is not None:
        summary.sent = _send_on_their_days(actor, sender, attended, files)
    return summary


def _send_on_their_days(
    actor: Actor, sender: Sender, studies: list[SyntheticStudy], files: dict[str, list[Path]]
) -> dict[str, int]:
    """Each earlier study's images arrive just after its visit (so it is imaged that day); the
    studies are announced together at the end, so the AI scores them in batches."""
    from screening.imaging.intake_signals import intake_batch

    counts: Counter[str] = Counter()
    with intake_batch():
        for study in studies:
            with dated(screened_at(study) + IMAGES_SENT_AFTER):
                counts.update(sender(actor, files[study.study_uid]))
    return dict(counts)


@transaction.atomic
def _open_campaign(actor: Actor, programme_code: str) -> Campaign:
    """The programme's open campaign (newest, not ended: an earlier round's is not today's), or a
    new one for this year."""
    programme = Programme.objects.get(code=programme_code)
    campaign = Campaign.objects.filter(
        programme=programme, status=CampaignStatus.OPEN, end_date__gte=timezone.localdate()
    ).first()
    if campaign is not None:
        return campaign
    year = timezone.localdate().year
    name = f"{programme.name} {year}: synthetic cohort"
    return synthetic_campaign_open(actor, programme, name, date(year, 1, 1), date(year, 12, 31))


def _participant(actor: Actor, study: SyntheticStudy, rng: random.Random) -> tuple[Patient, bool]:
    person = study.participant
    existing = Patient.objects.filter(issuer=person.issuer, identifier=person.identifier).first()
    if existing is not None:
        return existing, False
    patient = patient_create(
        actor=actor,
        identifier=person.identifier,
        issuer=person.issuer,
        family_name=person.family_name,
        given_name=person.given_name,
        date_of_birth=person.birth_date,
        sex=person.sex,
    )
    grants = [ConsentScope.SCREENING]
    if rng.random() < AI_CONSENT_SHARE:
        grants.append(ConsentScope.AI_READING)
    if rng.random() < RESEARCH_CONSENT_SHARE:
        grants.append(ConsentScope.RESEARCH)
    for scope in grants:
        consent_grant(actor=actor, patient=patient, scope=scope, method=ConsentMethod.WRITTEN)
    if ConsentScope.AI_READING in grants and rng.random() < AI_WITHDRAWN_SHARE:
        consent_withdraw(
            actor=actor, patient=patient, scope=ConsentScope.AI_READING, method=ConsentMethod.VERBAL
        )
    return patient, True


def _invite(actor: Actor, campaign: Campaign, patients: list[Patient]) -> int:
    """Invite those of the cohort the campaign finds eligible; the others' images need reconciling."""
    eligible = set(
        cohort_eligible(campaign=campaign)
        .filter(pk__in=[p.pk for p in patients])
        .values_list("pk", flat=True)
    )
    if not eligible:
        return 0
    return campaign_services.cohort_invite(actor=actor, campaign=campaign, patient_ids=eligible)


def _attend(actor: Actor, episode: Episode, rng: random.Random) -> bool:
    """Most invited participants attend (and are imaged); a few do not."""
    if episode.status in (EpisodeStatus.ATTENDED, EpisodeStatus.IMAGED, EpisodeStatus.READ):
        return True
    if episode.status != EpisodeStatus.INVITED:
        return False
    if rng.random() < DID_NOT_ATTEND_SHARE:
        episode_services.episode_transition(
            actor=actor, episode=episode, to_status=EpisodeStatus.DID_NOT_ATTEND
        )
        return False
    if not consent_state(patient=episode.patient, scope=ConsentScope.SCREENING).granted:
        return False
    try:
        episode_services.episode_transition(actor=actor, episode=episode, to_status=EpisodeStatus.ATTENDED)
    except ValidationError:
        return False
    return True


def _record_density(actor: Actor, patient: Patient, study: SyntheticStudy) -> None:
    """The breast density of the phantom, as a reader would record it (the equity breakdown)."""
    if not study.density:
        return
    current = patient.attributes.filter(name=BREAST_DENSITY).values_list("value", flat=True).first()
    if current != study.density:
        participant_attribute_record(
            actor=actor, patient=patient, name=BREAST_DENSITY, value=study.density, source="synthetic cohort"
        )


def _record_truth(
    study: SyntheticStudy, patient: Patient, episode: Episode | None, seed: int, size: str
) -> None:
    record = ground_truth_records([study], size=size)[0]
    SyntheticStudyTruth.objects.update_or_create(
        study_instance_uid=study.study_uid,
        defaults={
            "programme": study.programme,
            "seed": seed,
            "patient": patient,
            "episode": episode,
            "lesion_present": study.lesion_present,
            "lesions": record["lesions"],
            "outcome": study.outcome,
            "density": study.density or "",
        },
    )
