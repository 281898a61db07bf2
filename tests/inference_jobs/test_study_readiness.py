"""When a study is complete enough and may be scored: the four MG views, a contiguous CT volume, consent."""

import pytest

from screening.imaging.models import StudyMatch
from screening.inference_jobs.study_readiness import ai_consent_given, ai_consent_given_for, study_readiness
from tests.inference_jobs.job_fixtures import (
    MG_VIEWS,
    ai_campaign,
    ai_consent_grant,
    ai_consent_withdraw,
    ct_study,
    imaged_episode,
    mg_study,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_ct_minimum(settings):
    settings.INFERENCE_CT_MIN_SLICES = 8


def test_mammogram_with_three_views_is_not_ready():
    study = mg_study(imaged_episode(ai_campaign()), views=MG_VIEWS[:3])
    readiness = study_readiness(study)
    assert not readiness.ready
    assert "L-MLO" in readiness.reason


def test_mammogram_with_all_four_views_is_ready_with_the_views_in_order():
    study = mg_study(imaged_episode(ai_campaign()))
    readiness = study_readiness(study)
    assert readiness.ready
    assert [i.view_label for i in readiness.instances] == ["R-CC", "L-CC", "R-MLO", "L-MLO"]


def test_a_repeated_view_uses_the_latest_image():
    study = mg_study(imaged_episode(ai_campaign()), views=[*MG_VIEWS, "R-CC"])
    readiness = study_readiness(study)
    assert readiness.ready
    r_cc = [i for i in readiness.instances if i.view_label == "R-CC"]
    assert [i.pk for i in r_cc] == [study.series.get().instances.get(instance_number=5).pk]


def test_contiguous_ct_volume_is_ready_in_slice_order():
    locations = [float(z) * 2.5 for z in range(12)]
    study = ct_study(imaged_episode(ai_campaign("lung")), reversed(locations))
    readiness = study_readiness(study)
    assert readiness.ready
    assert [i.slice_location for i in readiness.instances] == locations


def test_ct_with_too_few_slices_is_not_ready():
    study = ct_study(imaged_episode(ai_campaign("lung")), [0.0, 2.5, 5.0])
    assert "fewer than 8" in study_readiness(study).reason


def test_ct_with_a_gap_is_not_ready():
    locations = [z * 2.5 for z in range(6)] + [z * 2.5 for z in range(9, 14)]
    readiness = study_readiness(ct_study(imaged_episode(ai_campaign("lung")), locations))
    assert not readiness.ready
    assert "gap" in readiness.reason


def test_ct_with_uneven_spacing_is_not_ready():
    locations = [0, 1, 2, 3, 4, 5, 7.5, 8.5, 9.5, 10.5, 11.5]
    assert not study_readiness(ct_study(imaged_episode(ai_campaign("lung")), locations)).ready


def test_without_ai_consent_a_complete_study_is_not_ready():
    study = mg_study(imaged_episode(ai_campaign(), ai_consent=False))
    assert study_readiness(study).reason == "no AI consent"


def test_withdrawn_ai_consent_makes_a_study_not_ready():
    episode = imaged_episode(ai_campaign())
    study = mg_study(episode)
    ai_consent_withdraw(episode.patient)
    assert study_readiness(study).reason == "no AI consent"


def test_campaign_without_ai_is_not_ready():
    study = mg_study(imaged_episode(ai_campaign(ai_enabled=False)))
    assert "not enabled" in study_readiness(study).reason


def test_unmatched_study_is_not_ready():
    study = mg_study(imaged_episode(ai_campaign()))
    study.match_status = StudyMatch.AWAITING_RECONCILIATION
    assert not study_readiness(study).ready


def test_consent_of_many_studies_in_one_query_is_each_participants_latest_decision(
    django_assert_num_queries,
):
    campaign = ai_campaign()
    granted = mg_study(imaged_episode(campaign))
    never = mg_study(imaged_episode(campaign, ai_consent=False))
    withdrawn_episode = imaged_episode(campaign)
    withdrawn = mg_study(withdrawn_episode)
    ai_consent_withdraw(withdrawn_episode.patient)
    regranted_episode = imaged_episode(campaign)
    regranted = mg_study(regranted_episode)
    ai_consent_withdraw(regranted_episode.patient)
    ai_consent_grant(regranted_episode.patient)
    second_study_of_granted = mg_study(granted.episode)
    studies = [granted, never, withdrawn, regranted, second_study_of_granted]
    with django_assert_num_queries(1):
        consent = ai_consent_given_for(studies)
    assert consent == {
        granted.pk: True,
        never.pk: False,
        withdrawn.pk: False,
        regranted.pk: True,
        second_study_of_granted.pk: True,
    }
    assert consent == {study.pk: ai_consent_given(study) for study in studies}
    assert [study_readiness(study).ready for study in studies] == [True, False, False, True, True]
