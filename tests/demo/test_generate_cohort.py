"""generate_cohort: participants, attendance, images through an intake path, and ground truth."""

import json

import pytest
from django.core.management import CommandError, call_command

from screening.campaigns.models import (
    Campaign,
    CampaignStatus,
    Episode,
    EpisodeStatus,
    EpisodeStatusEvent,
    ReadingPolicy,
)
from screening.core.audit_selectors import audit_chain_verify
from screening.demo.models import SyntheticStudyTruth
from screening.imaging.models import Instance, Study, StudyMatch
from screening.patients.models import ConsentEvent, Patient


@pytest.mark.django_db
def test_generated_breast_cohort_is_uploaded_matched_and_imaged(media_in_tmp, radiologist):
    out = media_in_tmp / "cohort"
    call_command("generate_cohort", programme="breast", patients=6, seed=5, send="upload", out=out)

    truths = SyntheticStudyTruth.objects.filter(programme="breast", seed=5)
    assert truths.count() == 6
    imaged = Episode.objects.filter(status=EpisodeStatus.IMAGED)
    studies = Study.objects.filter(match_status=StudyMatch.MATCHED)
    assert studies.count() == imaged.count() > 0
    assert Instance.objects.count() == 4 * studies.count()
    assert {i.view_label for i in Instance.objects.all()} == {"R-CC", "L-CC", "R-MLO", "L-MLO"}
    manifest = json.loads((out / "ground_truth.json").read_text())
    assert {s["study_instance_uid"] for s in manifest["studies"]} == set(
        truths.values_list("study_instance_uid", flat=True)
    )
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_generating_the_same_seed_twice_adds_nothing(media_in_tmp, radiologist):
    def counts() -> list[int]:
        models = (Patient, ConsentEvent, Episode, EpisodeStatusEvent, Study, Instance, SyntheticStudyTruth)
        return [model.objects.count() for model in models]

    def generate() -> None:
        call_command(
            "generate_cohort", programme="lung", patients=2, seed=9, send="upload", out=media_in_tmp / "c"
        )

    generate()
    first = counts()
    generate()

    assert counts() == first
    assert Study.objects.count() == Episode.objects.filter(status=EpisodeStatus.IMAGED).count() > 0


@pytest.mark.django_db
def test_a_new_campaign_is_read_by_the_radiologists_and_refused_without_any(media_in_tmp, radiologist):
    def generate() -> None:
        call_command("generate_cohort", programme="lung", patients=1, seed=2, send="none", out=media_in_tmp)

    radiologist.is_active = False
    radiologist.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="needs one radiologist"):
        generate()
    assert not Campaign.objects.exists() and not Patient.objects.exists()
    radiologist.is_active = True
    radiologist.save(update_fields=["is_active"])
    generate()
    campaign = Campaign.objects.get()
    assert (campaign.status, campaign.reading_policy) == (CampaignStatus.OPEN, ReadingPolicy.SINGLE)
    assert list(campaign.assigned_staff.all()) == [radiologist]
