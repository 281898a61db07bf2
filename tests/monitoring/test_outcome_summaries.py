"""The weekly outcome summary counts the KPI facts by grouped SQL: settled truths only, flagged at
the card's high threshold, per model version, site and week imaged."""

from datetime import date

import pytest

from screening.monitoring.models import OutcomeWeek
from screening.monitoring.summary_services import summaries_rebuild
from screening.statistics.models import EpisodeKpiFacts
from tests.factories import CampaignFactory, EpisodeFactory

HIGH = 0.391044  # breast-demo:2.0.0's high threshold


def _facts(episode, *, score, truth, imaged_on, model="breast-demo:2.0.0"):
    return EpisodeKpiFacts(
        episode=episode,
        campaign=episode.campaign,
        screening_round="first",
        age_band="50-52",
        attended=True,
        imaged_on=imaged_on,
        technical_recall=False,
        resulted=True,
        within_standard=True,
        waiting=False,
        truth=truth,
        ai_score=score,
        ai_model=model,
    )


@pytest.mark.django_db
def test_outcome_weeks_count_settled_episodes_flags_and_cancers():
    campaign = CampaignFactory(site="York")
    monday, wednesday = date(2026, 3, 2), date(2026, 3, 4)
    rows = [
        (HIGH + 0.1, "screen_detected", monday),  # flagged cancer
        (HIGH - 0.1, "interval_cancer", wednesday),  # missed cancer
        (HIGH, "false_positive", wednesday),  # flagged at exactly the threshold
        (0.05, "true_negative", monday),
        (0.9, "unknown", monday),  # truth not settled: left out
    ]
    EpisodeKpiFacts.objects.bulk_create(
        _facts(EpisodeFactory(campaign=campaign), score=score, truth=truth, imaged_on=day)
        for score, truth, day in rows
    )

    summaries_rebuild()

    week = OutcomeWeek.objects.get()
    assert (week.model_key, week.site, week.week) == ("breast-demo:2.0.0", "York", monday)
    assert (week.episodes, week.flagged, week.cancers, week.flagged_cancers) == (4, 2, 2, 1)
