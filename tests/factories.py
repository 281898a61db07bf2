"""Factories for the domain: valid participants, campaigns and episodes, with users per role."""

from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from screening.campaigns.accession_numbers import accession_number_of, episodes_accession_assign
from screening.campaigns.models import Campaign, CampaignStatus, Episode, EpisodeStatus, Programme
from screening.campaigns.programme_definitions import programmes_seed
from screening.core.roles import Role, role_group
from screening.patients.identifiers import nhs_number_with_check_digit
from screening.patients.models import Patient, Sex

PASSWORD = "correct-horse-battery-staple"


def _nhs_number(n: int) -> str:
    """A valid NHS number for sequence n (skipping those with no check digit)."""
    base = 900_000_000 + n * 7
    while True:
        number = nhs_number_with_check_digit(f"{base:09d}")
        if number:
            return number
        base += 1


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: Role | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(role_group(extracted))
            if extracted == Role.ADMIN:  # the Django admin by its role's permissions, no superuser
                self.is_staff = True
        if create:
            self.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    identifier = factory.Sequence(_nhs_number)
    issuer = "NHS"
    family_name = factory.Faker("last_name")
    given_name = factory.Faker("first_name_female")
    date_of_birth = factory.LazyFunction(lambda: date.today() - timedelta(days=365 * 60))
    sex = Sex.FEMALE
    postcode = "LS1 4AP"


def programme(code: str = "breast") -> Programme:
    """A shipped programme; re-seeded when a transactional test has flushed the tables."""
    if not Programme.objects.filter(code=code).exists():
        programmes_seed(Programme)
    return Programme.objects.get(code=code)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    programme = factory.LazyFunction(programme)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    site = "Leeds"
    start_date = factory.LazyFunction(date.today)
    end_date = factory.LazyFunction(lambda: date.today() + timedelta(days=180))
    status = CampaignStatus.OPEN


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    campaign = factory.SubFactory(CampaignFactory)
    status = EpisodeStatus.INVITED
    status_changed_at = factory.LazyFunction(timezone.now)
    invited_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def accession(self, create: bool, extracted: object, **kwargs: object) -> None:
        """Numbered as the invitation services number them (the worklist's accession number)."""
        if create and self.accession_number is None:
            episodes_accession_assign(episode_ids=[self.pk])
            self.accession_number = accession_number_of(self.pk)
