"""A small programme whose every KPI is worked out by hand (the numbers are in the tests).

Leeds 2025 (breast, campaign start 2025-01-01): 10 participants invited on 2025-01-10. Numbers
0-3 had images in Leeds 2022 (subsequent round), 4-9 did not (first round). 0-7 attend and are
imaged on 2025-02-03; 8 and 9 do not attend. Results: 0 and 4 recall, the others routine; 1 had a
technical recall before its images; 7's result came 20 days after its images, the others' after 5.
Leeds 2022 (start 2022-01-01): participants 0-3 invited, imaged, routine within 5 days.
York (breast, site York, start today - 30 days): 6 invited 20 days ago; imaged 2, 5 and 16 days
ago (3 waiting for a result) and 3 imaged 10 days ago with routine results 1, 2 and 3 days ago.
Ages at campaign start: participant i is born (55 + i) years before 2025-01-01 (in 2025,
participants 0-4 are 55-59, 5-9 are 60-64).
"""

from datetime import date, datetime, timedelta

from django.utils import timezone

from screening.campaigns.models import Episode, EpisodeResult, EpisodeStatus, EpisodeStatusEvent
from screening.statistics.kpi_facts_services import kpi_facts_rebuild
from tests.factories import CampaignFactory, PatientFactory, programme

S = EpisodeStatus


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def episode_with_history(
    campaign,
    patient,
    *,
    invited: datetime,
    imaged: datetime | None = None,
    result: str = "",
    result_at: datetime | None = None,
    technical_recall: bool = False,
) -> Episode:
    """An episode and the steps of its history, as the services would have written them."""
    steps: list[tuple[str, str, str, datetime]] = [
        ("", S.ELIGIBLE, "", invited),
        (S.ELIGIBLE, S.INVITED, "", invited),
    ]
    status = S.INVITED
    if imaged is not None:
        attended = imaged - timedelta(hours=1)
        steps.append((S.INVITED, S.ATTENDED, "", attended))
        if technical_recall:
            steps.append((S.ATTENDED, S.RESULT_ISSUED, EpisodeResult.TECHNICAL_RECALL, attended))
            steps.append((S.RESULT_ISSUED, S.ATTENDED, "", attended))
        steps.append((S.ATTENDED, S.IMAGED, "", imaged))
        status = S.IMAGED
        if result_at is not None:
            steps.append((S.IMAGED, S.READ, "", result_at))
            steps.append((S.READ, S.RESULT_ISSUED, result, result_at))
            status = S.RESULT_ISSUED
    episode = Episode.objects.create(
        patient=patient,
        campaign=campaign,
        status=status,
        result=result if result_at else "",
        status_changed_at=steps[-1][3],
        invited_at=invited,
        imaged_at=imaged,
    )
    EpisodeStatusEvent.objects.bulk_create(
        EpisodeStatusEvent(episode=episode, from_status=a, to_status=b, result=r, occurred_at=t)
        for a, b, r, t in steps
    )
    return episode


def kpi_world() -> dict[str, object]:
    breast = programme("breast")
    leeds_2022 = CampaignFactory(
        programme=breast, name="Leeds 2022", site="Leeds", start_date=date(2022, 1, 1)
    )
    leeds = CampaignFactory(programme=breast, name="Leeds 2025", site="Leeds", start_date=date(2025, 1, 1))
    today = timezone.localdate()
    york = CampaignFactory(programme=breast, name="York", site="York", start_date=today - timedelta(days=30))
    patients = [PatientFactory(date_of_birth=date(2025 - 55 - i, 1, 1)) for i in range(10)]
    for patient in patients[:4]:
        episode_with_history(
            leeds_2022,
            patient,
            invited=at(date(2022, 1, 10)),
            imaged=at(date(2022, 1, 20)),
            result=EpisodeResult.ROUTINE,
            result_at=at(date(2022, 1, 25)),
        )
    imaged = at(date(2025, 2, 3))
    for i, patient in enumerate(patients):
        attends = i < 8
        episode_with_history(
            leeds,
            patient,
            invited=at(date(2025, 1, 10)),
            imaged=imaged if attends else None,
            result=EpisodeResult.RECALL if i in (0, 4) else EpisodeResult.ROUTINE,
            result_at=(imaged + timedelta(days=20 if i == 7 else 5)) if attends else None,
            technical_recall=i == 1,
        )
    for days_ago, result_days_ago in ((2, None), (5, None), (16, None), (10, 1), (10, 2), (10, 3)):
        episode_with_history(
            york,
            PatientFactory(),
            invited=at(today - timedelta(days=20)),
            imaged=at(today - timedelta(days=days_ago)),
            result=EpisodeResult.ROUTINE,
            result_at=at(today - timedelta(days=result_days_ago)) if result_days_ago else None,
        )
    kpi_facts_rebuild()  # the rows were written here, not by the services that keep the facts
    return {"leeds": leeds, "leeds_2022": leeds_2022, "york": york, "today": today}
