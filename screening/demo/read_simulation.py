"""Demo readers sign most of the synthetic cohort's open reads, from its ground truth, so the demo
has issued results (and then outcomes) while the worklist keeps some work.

Each read is signed by a demo radiologist of the campaign through the reading services (claim,
password, structured opinion; audited), so the reading policy decides results, double reading and
arbitration as it does for people. Readers recall a lesion the ground truth does not mark as
missed (`interval_cancer`), and recall a few lesion-free participants (false positives); both
readers of a pair agree, as the decision is the study's. Deterministic for the seed.
"""

import random
from typing import Any

from django.contrib.auth import get_user_model

from screening.campaigns.models import EpisodeResult
from screening.core.actors import Actor
from screening.demo.demo_cohort import DEMO_USERS, demo_password
from screening.demo.models import SyntheticOutcome, SyntheticStudyTruth
from screening.reading.models import ReadSlot, ReadSlotStatus
from screening.reading.opinion_rules import STUDY, FindingInput, OpinionInput
from screening.reading.signoff_services import read_sign
from screening.reading.slot_services import read_slot_claim

FALSE_POSITIVE_SHARE = 0.06
READERS = [username for username, _ in DEMO_USERS if username.startswith("radiologist")]


def reads_simulate(*, seed: int, share: float = 0.75) -> int:
    """Sign the open reads of `share` of the synthetic studies (the rest stay in the worklist);
    returns how many reads were signed. Arbitrations the pair's reads open are signed too."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=READERS)}
    truths = {
        t.episode_id: t
        for t in SyntheticStudyTruth.objects.filter(episode__isnull=False).order_by("id")
        if t.episode_id is not None
    }
    signed = 0
    while True:
        slots = _open_slots(truths, seed, share)
        progress = 0
        for slot in slots:
            reader = _reader(slot, users)
            if reader is None:
                continue
            actor = Actor.for_user(reader)
            claimed = read_slot_claim(actor=actor, slot=slot)
            opinion = _opinion(
                truths[slot.episode_id], seed, per_side=slot.campaign.programme.results_per_side
            )
            read_sign(actor=actor, slot=claimed, password=demo_password(reader.username), opinion=opinion)
            progress += 1
        signed += progress
        if not progress:  # a signed pair may open an arbitration: go round until nothing opens
            return signed


def _open_slots(truths: dict[int, SyntheticStudyTruth], seed: int, share: float) -> list[ReadSlot]:
    chosen = [
        episode_id
        for episode_id, truth in truths.items()
        if random.Random(f"{seed}:read:{truth.study_instance_uid}").random() < share
    ]
    return list(
        ReadSlot.objects.filter(episode_id__in=chosen, status=ReadSlotStatus.OPEN)
        .select_related("campaign__programme")
        .order_by("id")
    )


def _reader(slot: ReadSlot, users: dict[str, Any]) -> Any:
    """The first demo radiologist of the campaign who has not read this study yet."""
    assigned = set(slot.campaign.assigned_staff.values_list("username", flat=True))
    taken = set(
        ReadSlot.objects.filter(study_id=slot.study_id, signed_by__isnull=False).values_list(
            "signed_by__username", flat=True
        )
    )
    return next((users[name] for name in READERS if name in users and name in assigned - taken), None)


def reader_recalls(truth: SyntheticStudyTruth, seed: int) -> bool:
    """What the demo readers decide for the study (the same for every reader of it)."""
    if truth.lesion_present:
        return truth.outcome != SyntheticOutcome.INTERVAL_CANCER
    return random.Random(f"{seed}:recall:{truth.study_instance_uid}").random() < FALSE_POSITIVE_SHARE


def _opinion(truth: SyntheticStudyTruth, seed: int, *, per_side: bool) -> OpinionInput:
    recall = reader_recalls(truth, seed)
    result = EpisodeResult.RECALL if recall else EpisodeResult.ROUTINE
    lesion = truth.lesions[0] if truth.lesions and recall else None
    if not per_side:
        category = ("4A" if lesion is None or lesion["malignant"] else "3") if recall else "1"
        return OpinionInput(result=result, categories={STUDY: category}, comment="Synthetic demo read")
    categories = {"R": "1", "L": "1"}
    findings = []
    if recall:
        side = lesion["laterality"] if lesion is not None else "R"
        category = "4" if lesion is not None and lesion["malignant"] else "3"
        categories[side] = category
        size = round(float(lesion["diameter_mm"]), 1) if lesion is not None else None
        findings.append(
            FindingInput(category=category, side=side, quadrant="UOQ", depth="middle", size_mm=size)
        )
    return OpinionInput(
        result=result, categories=categories, findings=findings, comment="Synthetic demo read"
    )
