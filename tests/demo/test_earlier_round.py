"""An earlier round of the synthetic cohort: screened, read and followed up on its own days, so the
demo's auditor sees known truths, interval cancers and accuracy figures with their intervals."""

from datetime import date, timedelta

import pydicom
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from screening.campaigns.models import Campaign, Episode, EpisodeStatus, EpisodeStatusEvent
from screening.core.audit_selectors import audit_chain_verify
from screening.core.models import AuditEvent
from screening.demo.models import SyntheticStudyTruth
from screening.imaging.models import Instance
from screening.outcomes.episode_truth import Truth, add_months
from screening.outcomes.outcome_selectors import episode_truths
from screening.patients.models import ConsentEvent, Patient

User = get_user_model()
# 16 participants, 60 % with a lesion: the seed gives 7 cancers found and 3 surfacing later.
COHORT = {"programme": "breast", "patients": 16, "seed": 203, "prevalence": 0.6, "send": "upload"}


def _earlier_round(media_in_tmp, capture, **options) -> Campaign:
    with capture(execute=True):  # reads open (and the AI scores) once the images are stored
        call_command("generate_cohort", **(COHORT | options), out=media_in_tmp / "earlier")
    return Campaign.objects.get(name__contains="earlier round")


@pytest.mark.django_db
def test_an_earlier_round_happens_on_its_days_and_is_recorded_today(
    media_in_tmp, radiologist, django_capture_on_commit_callbacks
):
    first_day = timezone.localdate() - timedelta(days=400)
    campaign = _earlier_round(
        media_in_tmp, django_capture_on_commit_callbacks, patients=4, screened_on=first_day
    )

    assert campaign.start_date == first_day - timedelta(
        days=21
    ) and campaign.end_date < first_day + timedelta(28)
    imaged = Episode.objects.filter(campaign=campaign, status=EpisodeStatus.IMAGED)
    assert imaged.exists()
    for episode in imaged:
        instance = Instance.objects.filter(series__study__episode=episode).first()
        study_date = pydicom.dcmread(instance.file.open("rb"), stop_before_pixels=True).StudyDate
        screened_on = timezone.localdate(episode.imaged_at)
        assert (
            study_date == screened_on.strftime("%Y%m%d") and first_day <= screened_on < timezone.localdate()
        )
        assert timezone.localdate(episode.invited_at) == campaign.start_date
        steps = EpisodeStatusEvent.objects.filter(episode=episode)
        assert max(step.occurred_at for step in steps) == episode.imaged_at
        consents = ConsentEvent.objects.filter(patient=episode.patient)
        assert all(c.occurred_at == episode.invited_at for c in consents)
        assert timezone.localdate(episode.created_at) == timezone.localdate()  # written today
    # The audit trail says when the rows were written: today, not on the round's days.
    assert {timezone.localdate(e.occurred_at) for e in AuditEvent.objects.all()} == {timezone.localdate()}
    assert audit_chain_verify().ok
    # Generating it again, on another day, finds the round and keeps its days.
    imaged = {e.pk: e.imaged_at for e in imaged}
    _earlier_round(media_in_tmp, django_capture_on_commit_callbacks, patients=4, months_ago=30)
    assert {e.pk: e.imaged_at for e in Episode.objects.filter(imaged_at__isnull=False)} == imaged
    # Today's round goes to a campaign of its own, not to the ended earlier one.
    call_command(
        "generate_cohort", programme="breast", patients=2, seed=8, send="none", out=media_in_tmp / "now"
    )
    assert Episode.objects.filter(campaign=campaign).count() == 4
    assert Episode.objects.exclude(campaign=campaign).exists()


@pytest.mark.django_db
def test_an_earlier_round_must_be_earlier(media_in_tmp, radiologist):
    with pytest.raises(CommandError, match="before today"):
        call_command("generate_cohort", **COHORT, screened_on=timezone.localdate(), out=media_in_tmp / "x")
    with pytest.raises(CommandError, match="1 or more"):
        call_command("generate_cohort", **COHORT, months_ago=0, out=media_in_tmp / "x")
    assert not Patient.objects.exists() and not Campaign.objects.exists()


@pytest.mark.django_db
def test_the_demo_seed_shows_the_auditor_known_truths_interval_cancers_and_a_sensitivity(
    media_in_tmp, client, django_capture_on_commit_callbacks
):
    call_command("seed_demo", patients=4)
    client.force_login(User.objects.get(username="auditor"))  # the demo's auditor
    campaign = _earlier_round(media_in_tmp, django_capture_on_commit_callbacks, months_ago=40)
    call_command("simulate_reads", seed=1)  # share 0.75, but a round imaged weeks ago is read in full
    call_command("simulate_outcomes", seed=1)

    episodes = list(Episode.objects.filter(campaign=campaign, imaged_at__isnull=False))
    assert episodes and all(e.status == EpisodeStatus.RESULT_ISSUED for e in episodes)
    for episode in episodes:  # results issued days after the imaging, years ago
        issued = episode.status_events.get(to_status=EpisodeStatus.RESULT_ISSUED).occurred_at
        assert timedelta(days=1) <= issued - episode.imaged_at <= timedelta(days=10)
        decided = episode.read_decisions.get()  # the decision is an event too: its day, not today
        assert decided.decided_at == issued and decided.imaging_to_result == issued - episode.imaged_at
    truths = [truth.truth for truth in episode_truths(episodes=episodes).values()]
    assert Truth.UNKNOWN not in truths and Truth.TRUE_NEGATIVE in truths
    assert truths.count(Truth.INTERVAL_CANCER) >= 2 and truths.count(Truth.SCREEN_DETECTED) >= 5
    surfaced = SyntheticStudyTruth.objects.filter(episode__campaign=campaign, outcome="interval_cancer")
    assert surfaced.count() == truths.count(Truth.INTERVAL_CANCER)
    assert add_months(date.today(), -40) <= min(timezone.localdate(e.imaged_at) for e in episodes)

    answer = client.get(reverse("statistics-accuracy"), {"campaign": campaign.pk}).json()
    assert answer["truths"]["unknown"] == "<5" and answer["truths"]["positives"] != "<5"
    final = next(decision for decision in answer["decisions"] if decision["key"] == "final")
    sensitivity = final["sensitivity"]
    assert not sensitivity["suppressed"] and sensitivity["low"] < sensitivity["value"] < 100
    assert answer["auc"]["auc"] is not None
    for page in ("statistics", "statistics:outcomes", "statistics:accuracy", "statistics:readers"):
        assert client.get(reverse(page)).status_code == 200
