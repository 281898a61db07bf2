"""Who is eligible for a campaign: age, sex, interval since last screening, not opted out."""

from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from screening.campaigns.models import Campaign, Episode, EpisodeStatus
from screening.patients.models import ConsentAction, ConsentEvent, ConsentScope, Patient

# Someone still on the pathway of another round of the programme is not invited again.
ACTIVE_BEFORE_RESULT = [
    EpisodeStatus.ELIGIBLE,
    EpisodeStatus.INVITED,
    EpisodeStatus.ATTENDED,
    EpisodeStatus.IMAGED,
    EpisodeStatus.READ,
]


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February falls back to 28)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def months_before(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate_day)
        except ValueError:
            continue
    raise ValueError("unreachable")


def cohort_eligible(*, campaign: Campaign) -> QuerySet[Patient]:
    """Participants the campaign should invite, judged on its start date.

    Aged min..max inclusive, of an eligible sex, alive, not opted out, not having withdrawn
    screening consent, not already in this campaign or on the pathway of another round, and not
    imaged in this programme within its screening interval.
    """
    programme = campaign.programme
    reference = campaign.start_date
    born_after = years_before(reference, programme.max_age + 1)
    born_on_or_before = years_before(reference, programme.min_age)
    latest_screening_consent = (
        ConsentEvent.objects.filter(patient=OuterRef("pk"), scope=ConsentScope.SCREENING)
        .order_by("-occurred_at", "-id")
        .values("action")[:1]
    )
    recently_screened = Episode.objects.filter(
        campaign__programme=programme,
        imaged_at__date__gt=months_before(reference, programme.interval_months),
    ).values("patient_id")
    already_in_campaign = Episode.objects.filter(campaign=campaign).values("patient_id")
    in_another_round = Episode.objects.filter(
        campaign__programme=programme, status__in=ACTIVE_BEFORE_RESULT
    ).values("patient_id")
    return (
        Patient.objects.filter(
            date_of_birth__gt=born_after,
            date_of_birth__lte=born_on_or_before,
            sex__in=programme.eligible_sexes,
            opted_out_at__isnull=True,
            deceased_on__isnull=True,
        )
        # Coalesce: a participant with no screening consent recorded yet is still invited.
        .annotate(screening_consent=Coalesce(Subquery(latest_screening_consent), Value("")))
        .exclude(screening_consent=ConsentAction.WITHDRAWN)
        .exclude(pk__in=recently_screened)
        .exclude(pk__in=already_in_campaign)
        .exclude(pk__in=in_another_round)
    )
