"""A reading world: radiologists assigned to a campaign, imaged episodes with studies and open reads."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from screening.campaigns.models import EpisodeStatus, ReadingPolicy
from screening.core.actors import Actor
from screening.core.roles import Role
from screening.imaging.models import IntakeSource, Study, StudyMatch
from screening.reading.models import BAND_RANK, ReadRole, ReadSlot
from screening.reading.opinion_rules import FindingInput, OpinionInput
from screening.reading.signoff_services import read_sign
from screening.reading.slot_services import read_slot_claim, read_slots_open
from tests.factories import PASSWORD, CampaignFactory, EpisodeFactory, UserFactory, programme

_uids = itertools.count(1)


def reader(username: str, campaign=None) -> Actor:
    user = UserFactory(username=username, role=Role.RADIOLOGIST)
    if campaign is not None:
        campaign.assigned_staff.add(user)
    return Actor.for_user(user, ip_address="10.0.0.9")


def imaged_study(campaign, *, days_waiting: int = 1, score: float | None = None, band: str = "none") -> Study:
    """An imaged episode of the campaign with a matched study and the policy's reads opened."""
    imaged_at = timezone.now() - timedelta(days=days_waiting)
    episode = EpisodeFactory(campaign=campaign, status=EpisodeStatus.IMAGED, imaged_at=imaged_at)
    study = Study.objects.create(
        study_instance_uid=f"1.2.826.0.1.3680043.10.{next(_uids)}",
        patient=episode.patient,
        episode=episode,
        match_status=StudyMatch.MATCHED,
        first_source=IntakeSource.UPLOAD,
        modality=campaign.programme.modality,
    )
    read_slots_open(actor=Actor.system("test"), study=study)
    if score is not None:
        ReadSlot.objects.filter(study=study).update(
            ai_score=score, score_rank=-score, band_rank=BAND_RANK[band]
        )
    return study


def slot_of(study: Study, role: str = ReadRole.FIRST) -> ReadSlot:
    return ReadSlot.objects.get(study=study, role=role)


def sign_read(actor: Actor, slot: ReadSlot, opinion: OpinionInput | None = None, password: str = PASSWORD):
    """Open the read (signing needs the reader's live claim), then sign it."""
    slot = read_slot_claim(actor=actor, slot=slot)
    return read_sign(actor=actor, slot=slot, password=password, opinion=opinion or breast_opinion())


def breast_opinion(right: str = "1", left: str = "1", result: str | None = None, **kwargs) -> OpinionInput:
    """A BI-RADS opinion; the result follows the categories unless given."""
    recall = {"0", "3", "4", "5", "6"}
    if result is None:
        result = "recall" if {right, left} & recall else "routine"
    findings = []
    if right in recall:
        findings.append(FindingInput(category=right, side="R", quadrant="UOQ", depth="middle"))
    if left in recall:
        findings.append(FindingInput(category=left, side="L", clock_face=2, depth="anterior"))
    return OpinionInput(result=result, categories={"R": right, "L": left}, findings=findings, **kwargs)


@pytest.fixture
def breast_campaign(db):
    return CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.DOUBLE_BLIND)


@pytest.fixture
def readers(breast_campaign):
    return [reader(f"reader{n}", breast_campaign) for n in (1, 2, 3)]


__all__ = ["PASSWORD", "breast_opinion", "imaged_study", "reader", "sign_read", "slot_of"]
