"""Demo readers sign most of the synthetic cohort's open reads, from its ground truth, so the demo
has issued results (and then outcomes) while the worklist keeps some work.

Each read is signed by a demo radiologist of the campaign through the reading services (claim,
password, structured opinion; audited), so the reading policy decides results, double reading and
arbitration as it does for people. Readers recall a lesion the ground truth does not mark as
missed (`interval_cancer`), and recall a few lesion-free participants (false positives); both
readers of a pair agree, as the decision is the study's. Deterministic for the seed.

An earlier round's reads (`earlier_round`) happen on its days: 1-5 days after the imaging, a day
later for each further read of the study, so its results are issued then (the episode's history);
the reads' own `signed_at`, like every record time, is when the simulation signed them.
"""

import random
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from screening.campaigns.models import EpisodeResult
from screening.core.actors import Actor
from screening.demo.demo_cohort import DEMO_USERS, demo_password
from screening.demo.earlier_round import dated
from screening.demo.models import SyntheticOutcome, SyntheticStudyTruth
from screening.reading.models import ReadSlot, ReadSlotStatus
from screening.reading.opinion_rules import STUDY, FindingInput, OpinionInput
from screening.reading.signoff_services import read_sign
from screening.reading.slot_services import read_slot_claim

FALSE_POSITIVE_SHARE = 0.06
# An earlier round's studies are all read (within days of their imaging), whatever the share.
EARLIER_ROUND_READ_BY = timedelta(days=14)
READERS = [username for username, _ in DEMO_USERS if username.startswith("radiologist")]


def reads_simulate(*, seed: int, share: float = 0.75) -> int:
    """Sign the open reads of `share` of the synthetic studies (the rest stay in the worklist) and
    of every study imaged more than two weeks ago (an earlier round, read on its days); returns how
    many reads were signed. Arbitrations the pair's reads open are signed too."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=READERS)}
    truths = {
        t.episode_id: t
        for t in SyntheticStudyTruth.objects.filter(episode__isnull=False)
        .select_related("episode")
        .order_by("id")
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
            truth = truths[slot.episode_id]
            opinion = _opinion(truth, seed, per_side=slot.campaign.programme.results_per_side)
            with dated(_read_on(slot, truth, seed)):
                claimed = read_slot_claim(actor=actor, slot=slot)
                read_sign(actor=actor, slot=claimed, password=demo_password(reader.username), opinion=opinion)
            progress += 1
        signed += progress
        if not progress:  # a signed pair may open an arbitration: go round until nothing opens
            return signed


def _open_slots(truths: dict[int, SyntheticStudyTruth], seed: int, share: float) -> list[ReadSlot]:
    earlier = timezone.now() - EARLIER_ROUND_READ_BY
    chosen = [
        episode_id
        for episode_id, truth in truths.items()
        if random.Random(f"{seed}:read:{truth.study_instance_uid}").random() < share
        or _imaged_before(truth, earlier)
    ]
    return list(
        ReadSlot.objects.filter(episode_id__in=chosen, status=ReadSlotStatus.OPEN)
        .select_related("campaign__programme", "episode")
        .order_by("id")
    )


def _imaged_before(truth: SyntheticStudyTruth, moment: datetime) -> bool:
    imaged_at = truth.episode.imaged_at if truth.episode is not None else None
    return imaged_at is not None and imaged_at < moment


def _read_on(slot: ReadSlot, truth: SyntheticStudyTruth, seed: int) -> datetime | None:
    """When an earlier round's read happens: 1-5 days after imaging, a day later for each read of
    the study already signed; None (now) for a study imaged too recently for that."""
    imaged_at = slot.episode.imaged_at
    if imaged_at is None:
        return None
    days = random.Random(f"{seed}:read-day:{truth.study_instance_uid}").randint(1, 5)
    done = ReadSlot.objects.filter(study_id=slot.study_id, signed_by__isnull=False).count()
    at = imaged_at + timedelta(days=days + done, hours=2)
    return at if at < timezone.now() else None


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
