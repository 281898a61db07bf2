"""A deterministic demo: staff per role, a few hundred participants, an open campaign per programme.

Everything goes through the same audited services the pages use, so the demo's audit trail is
real. Running it twice changes nothing the second time but the demo users' passwords.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from screening.campaigns import campaign_services, episode_services
from screening.campaigns.models import Campaign, CampaignStatus, EpisodeStatus, Programme, ReadingPolicy
from screening.core.actors import Actor
from screening.core.roles import Role, role_group
from screening.patients.consent_services import consent_grant, consent_withdraw
from screening.patients.identifiers import nhs_number_with_check_digit
from screening.patients.models import ConsentMethod, ConsentScope, Patient, Sex
from screening.patients.patient_services import patient_create

DEMO_ISSUER = "NHS"
DEMO_SITE = "Leeds General Infirmary"
DEMO_USERS = [
    ("coordinator", Role.COORDINATOR),
    ("radiologist", Role.RADIOLOGIST),
    ("radiologist2", Role.RADIOLOGIST),
    ("radiologist3", Role.RADIOLOGIST),  # a third reader: arbitrates the pair's disagreements
    ("auditor", Role.AUDITOR),
    ("admin", Role.ADMIN),
]
FAMILY_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Thomas",
    "Clarke",
    "Jackson",
    "Wood",
    "Harris",
    "Edwards",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Hughes",
    "Moore",
    "Clark",
    "King",
    "Harrison",
    "Lewis",
    "Baker",
    "Lee",
    "Allen",
    "Morris",
    "Khan",
    "Scott",
    "Watson",
]
FEMALE_NAMES = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Grace",
    "Sophia",
    "Lily",
    "Emily",
    "Freya",
    "Ella",
    "Florence",
    "Margaret",
    "Susan",
    "Patricia",
    "Linda",
    "Barbara",
    "Elizabeth",
    "Jennifer",
    "Maria",
    "Sarah",
    "Karen",
    "Nancy",
    "Helen",
    "Sandra",
    "Ruth",
    "Anita",
    "Priya",
    "Aisha",
]
MALE_NAMES = [
    "John",
    "David",
    "Michael",
    "Peter",
    "Robert",
    "James",
    "William",
    "Richard",
    "Thomas",
    "Mohammed",
    "Andrew",
    "Paul",
]


@dataclass(frozen=True)
class DemoSummary:
    created_patients: int
    invited: int
    passwords: dict[str, str]


def demo_password(username: str) -> str:
    return f"{username}-demo-2026"


def demo_users_ensure() -> dict[str, str]:
    """Create (or reset) the demo staff; returns username -> password."""
    passwords = {}
    for username, role in DEMO_USERS:
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.email = f"{username}@demo.invalid"
        # The admin opens the Django admin with its role's permissions; no demo user is a superuser,
        # who would pass every permission check (clinical acts need the radiologist role anyway).
        user.is_staff, user.is_superuser = role == Role.ADMIN, False
        user.set_password(demo_password(username))
        user.save()
        user.groups.add(role_group(role))
        passwords[username] = demo_password(username)
    return passwords


def _nhs_number(rng: random.Random) -> str:
    while True:
        number = nhs_number_with_check_digit(f"9{rng.randrange(10**8):08d}")
        if number and not Patient.objects.filter(identifier=number, issuer=DEMO_ISSUER).exists():
            return number


def _demo_patients(actor: Actor, rng: random.Random, count: int) -> list[Patient]:
    today = timezone.localdate()
    patients = []
    for _ in range(count):
        sex = Sex.FEMALE if rng.random() < 0.8 else Sex.MALE
        given = rng.choice(FEMALE_NAMES if sex == Sex.FEMALE else MALE_NAMES)
        patient = patient_create(
            actor=actor,
            identifier=_nhs_number(rng),
            issuer=DEMO_ISSUER,
            family_name=rng.choice(FAMILY_NAMES),
            given_name=given,
            date_of_birth=today - timedelta(days=rng.randrange(45 * 365, 78 * 365)),
            sex=sex,
            phone=f"0113 496 {rng.randrange(10000):04d}",
            address=f"{rng.randrange(1, 200)} Demo Street, Leeds",
            postcode=f"LS{rng.randrange(1, 30)} {rng.randrange(1, 9)}{rng.choice('ABDEFGHJ')}X",
        )
        _demo_consents(actor, rng, patient)
        patients.append(patient)
    return patients


def _demo_consents(actor: Actor, rng: random.Random, patient: Patient) -> None:
    """Mixed consent: most grant screening and AI reading, some withdraw, half allow research."""
    grants = [
        (ConsentScope.SCREENING, 0.92),
        (ConsentScope.AI_READING, 0.85),
        (ConsentScope.RESEARCH, 0.5),
    ]
    for scope, probability in grants:
        if rng.random() < probability:
            consent_grant(actor=actor, patient=patient, scope=scope, method=ConsentMethod.WRITTEN)
            if scope == ConsentScope.AI_READING and rng.random() < 0.1:
                consent_withdraw(
                    actor=actor,
                    patient=patient,
                    scope=scope,
                    method=ConsentMethod.VERBAL,
                    note="Changed mind",
                )


def _demo_campaign(actor: Actor, code: str, staff: list) -> Campaign:
    programme = Programme.objects.get(code=code)
    today = timezone.localdate()
    campaign = campaign_services.campaign_create(
        actor=actor,
        programme=programme,
        name=f"{programme.name.split(' (')[0]} {today.year}: Leeds",
        site=DEMO_SITE,
        start_date=date(today.year, 1, 1),
        end_date=date(today.year, 12, 31),
        reading_policy=DEMO_POLICY[code],
    )
    # Readers first: a campaign opens only with the radiologists its policy needs.
    campaign_services.campaign_assign_staff(actor=actor, campaign=campaign, users=staff)
    campaign_services.campaign_set_status(actor=actor, campaign=campaign, status=CampaignStatus.OPEN)
    return campaign


def _demo_attendance(actor: Actor, rng: random.Random, campaign: Campaign) -> None:
    """Move part of the invited cohort on: some attend, some do not."""
    for episode in campaign.episodes.select_related("patient").order_by("id"):
        roll = rng.random()
        if roll < 0.15:
            episode_services.episode_transition(
                actor=actor, episode=episode, to_status=EpisodeStatus.DID_NOT_ATTEND
            )
        elif roll < 0.6:
            try:
                episode_services.episode_transition(
                    actor=actor, episode=episode, to_status=EpisodeStatus.ATTENDED
                )
            except ValidationError:  # no screening consent recorded: stays invited
                continue


# Who works each demo campaign: double reading needs two readers, arbitration a third; the
# lung campaign, read singly, leaves radiologist2 out, so the demo shows readers see only their
# campaigns.
DEMO_POLICY = {"breast": ReadingPolicy.DOUBLE_BLIND, "lung": ReadingPolicy.SINGLE}
DEMO_STAFF = {
    "breast": ["coordinator", "radiologist", "radiologist2", "radiologist3"],
    "lung": ["coordinator", "radiologist", "radiologist3"],
}


def _demo_staff_ensure(actor: Actor, users: dict[str, Any]) -> None:
    """Assign demo staff missing from a demo campaign seeded before they existed (no-op otherwise)."""
    for campaign in Campaign.objects.filter(site=DEMO_SITE).select_related("programme"):
        staff = [users[name] for name in DEMO_STAFF.get(campaign.programme.code, [])]
        if {u.pk for u in staff} - set(campaign.assigned_staff.values_list("pk", flat=True)):
            campaign_services.campaign_assign_staff(
                actor=actor, campaign=campaign, users=[*campaign.assigned_staff.all(), *staff]
            )


@transaction.atomic
def demo_seed(*, patients: int = 300, seed: int = 2026) -> DemoSummary:
    """Seed the demo once; later runs only reset the demo users' passwords."""
    passwords = demo_users_ensure()
    actor = Actor.system("seed_demo")
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[n for n, _ in DEMO_USERS])}
    if Campaign.objects.filter(site=DEMO_SITE).exists():
        _demo_staff_ensure(actor, users)
        return DemoSummary(created_patients=0, invited=0, passwords=passwords)
    rng = random.Random(seed)
    created = _demo_patients(actor, rng, patients)
    invited = 0
    for code in ("breast", "lung"):
        campaign = _demo_campaign(actor, code, [users[name] for name in DEMO_STAFF[code]])
        invited += campaign_services.cohort_invite(actor=actor, campaign=campaign)
        _demo_attendance(actor, rng, campaign)
    return DemoSummary(created_patients=len(created), invited=invited, passwords=passwords)
