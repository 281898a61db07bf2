"""simulate_outcomes: the synthetic cohort's outcomes agree with its ground truth, once."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from screening.campaigns.models import Episode, EpisodeResult, EpisodeStatus
from screening.core.audit_selectors import audit_chain_verify
from screening.core.models import AuditEvent
from screening.demo.models import SyntheticStudyTruth
from screening.outcomes.episode_truth import Truth
from screening.outcomes.models import CANCER_KINDS, Assessment, Diagnosis, Pathology, PathologyKind
from screening.outcomes.outcome_selectors import current, episode_truths

FOUR_YEARS = timedelta(days=4 * 365)


def _malignant(truth: SyntheticStudyTruth) -> dict | None:
    return next((lesion for lesion in truth.lesions if lesion["malignant"]), None)


def _had_cancer(truth: SyntheticStudyTruth) -> bool:
    return _malignant(truth) is not None or truth.outcome == "interval_cancer"


def _issue_results(programme: str, *, imaged_ago: timedelta) -> list[SyntheticStudyTruth]:
    """Results as readers would give them: lesions recalled, except the subtle ones the truth says
    are missed and one more malignant lesion; two lesion-free participants recalled (false
    positives). Fixture rows, written directly."""
    truths = list(SyntheticStudyTruth.objects.filter(programme=programme, episode__isnull=False))
    false_positives, one_more_missed = 2, True
    for truth in truths:
        if truth.lesion_present:
            missed = truth.outcome == "interval_cancer" or (one_more_missed and bool(_malignant(truth)))
            one_more_missed = one_more_missed and not (missed and truth.outcome == "cancer_confirmed")
            result = EpisodeResult.ROUTINE if missed else EpisodeResult.RECALL
        else:
            result = EpisodeResult.RECALL if false_positives else EpisodeResult.ROUTINE
            false_positives -= result == EpisodeResult.RECALL
        imaged_at = timezone.now() - imaged_ago
        Episode.objects.filter(pk=truth.episode_id).update(
            status=EpisodeStatus.RESULT_ISSUED,
            result=result,
            imaged_at=imaged_at,
            status_changed_at=imaged_at + timedelta(days=5),
        )
    return [SyntheticStudyTruth.objects.select_related("episode").get(pk=t.pk) for t in truths]


def _outcome_counts() -> list[int]:
    return [model.objects.count() for model in (Assessment, Pathology, Diagnosis, AuditEvent)]


@pytest.fixture
def breast_cohort(db, media_in_tmp, radiologist):  # generate_cohort opens a campaign with a reader
    call_command(
        "generate_cohort", programme="breast", patients=20, seed=3, prevalence=0.5, send="none",
        out=media_in_tmp / "breast",
    )  # fmt: skip
    return _issue_results("breast", imaged_ago=FOUR_YEARS)


@pytest.mark.django_db
def test_recalled_lesions_become_their_cancers_and_lesion_free_recalls_benign(breast_cohort):
    call_command("simulate_outcomes", seed=1)

    recalled = [t for t in breast_cohort if t.episode.result == EpisodeResult.RECALL]
    assert {bool(_malignant(t)) for t in recalled} == {True, False}
    for truth in recalled:
        assessment = current(Assessment.objects.filter(episode=truth.episode)).get()
        pathology = list(current(Pathology.objects.filter(episode=truth.episode)))
        lesion = _malignant(truth)
        if lesion is not None:
            assert assessment.outcome == "malignant"
            [cancer] = pathology
            assert cancer.kind in CANCER_KINDS and cancer.side == lesion["laterality"]
            if cancer.kind == PathologyKind.INVASIVE:
                assert cancer.invasive_size_mm == round(lesion["diameter_mm"], 1)
            else:
                assert lesion["kind"] == "calcification_cluster"
            assert cancer.grade in (1, 2, 3)
        elif truth.lesion_present:
            assert assessment.outcome == "biopsy_taken"
            assert [p.kind for p in pathology] == [PathologyKind.BENIGN]
        else:
            assert assessment.outcome == "normal_benign" and pathology == []
        assert assessment.recorded_by is None
    assert audit_chain_verify().ok
    assert AuditEvent.objects.filter(
        actor_username="system:simulate_outcomes", object_type="assessment"
    ).count() == len(recalled)


@pytest.mark.django_db
def test_missed_lesions_surface_as_interval_cancers_within_the_interval(breast_cohort):
    call_command("simulate_outcomes", seed=1)

    missed = [t for t in breast_cohort if t.episode.result == EpisodeResult.ROUTINE and _had_cancer(t)]
    assert missed
    for truth in missed:
        [diagnosis] = Diagnosis.objects.filter(patient=truth.patient)
        assert diagnosis.episode_id == truth.episode_id
        assert 3 <= diagnosis.months_since_screening <= 36
        lesion = _malignant(truth)
        if lesion is not None:
            assert diagnosis.side == lesion["laterality"]
            assert diagnosis.size_mm == round(lesion["diameter_mm"], 1)
    healthy = [t.patient_id for t in breast_cohort if not _had_cancer(t)]
    assert not Diagnosis.objects.filter(patient_id__in=healthy).exists()


@pytest.mark.django_db
def test_truth_per_episode_agrees_with_the_ground_truth(breast_cohort):
    call_command("simulate_outcomes", seed=1)

    episodes = Episode.objects.filter(pk__in=[t.episode_id for t in breast_cohort]).select_related(
        "campaign__programme"
    )
    truths = episode_truths(episodes=episodes)
    expected = {
        (EpisodeResult.RECALL, True): Truth.SCREEN_DETECTED,
        (EpisodeResult.RECALL, False): Truth.FALSE_POSITIVE,
        (EpisodeResult.ROUTINE, True): Truth.INTERVAL_CANCER,
        (EpisodeResult.ROUTINE, False): Truth.TRUE_NEGATIVE,
    }
    for truth in breast_cohort:
        assert truths[truth.episode_id].truth == expected[(truth.episode.result, _had_cancer(truth))]
    assert {t.truth for t in truths.values()} == set(expected.values())


@pytest.mark.django_db
def test_running_twice_changes_nothing_and_the_same_seed_gives_the_same_outcomes(breast_cohort):
    call_command("simulate_outcomes", seed=1)
    first = _outcome_counts()
    dates = sorted(Diagnosis.objects.values_list("diagnosed_on", "size_mm", "side"))

    call_command("simulate_outcomes", seed=1)

    assert _outcome_counts() == first
    assert sorted(Diagnosis.objects.values_list("diagnosed_on", "size_mm", "side")) == dates


@pytest.mark.django_db
def test_a_cancer_not_yet_due_is_recorded_by_a_later_run(db, media_in_tmp, radiologist):
    call_command(
        "generate_cohort", programme="breast", patients=20, seed=3, prevalence=0.5, send="none",
        out=media_in_tmp / "breast",
    )  # fmt: skip
    cohort = _issue_results("breast", imaged_ago=timedelta(days=30))  # under the 3 months
    call_command("simulate_outcomes", seed=1)
    assert not Diagnosis.objects.exists()
    missed = [t for t in cohort if t.episode.result == EpisodeResult.ROUTINE and _had_cancer(t)]
    truths = episode_truths(
        episodes=Episode.objects.filter(pk__in=[t.episode_id for t in missed]).select_related(
            "campaign__programme"
        )
    )
    assert {t.truth for t in truths.values()} == {Truth.UNKNOWN}

    Episode.objects.filter(pk__in=[t.episode_id for t in cohort]).update(
        imaged_at=timezone.now() - FOUR_YEARS
    )
    call_command("simulate_outcomes", seed=1)

    assert Diagnosis.objects.count() == len(missed)


@pytest.mark.django_db
def test_lung_nodules_become_staged_cancers_or_stable_benign_nodules(db, media_in_tmp, radiologist):
    call_command(
        "generate_cohort", programme="lung", patients=6, seed=2, prevalence=0.7, send="none",
        out=media_in_tmp / "lung",
    )  # fmt: skip
    cohort = _issue_results("lung", imaged_ago=FOUR_YEARS)
    call_command("simulate_outcomes", seed=1)

    recalled_with_lesion = [t for t in cohort if t.episode.result == EpisodeResult.RECALL and t.lesions]
    assert recalled_with_lesion
    for truth in recalled_with_lesion:
        [nodule] = current(Pathology.objects.filter(episode=truth.episode))
        assert nodule.side == ""
        if truth.lesions[0]["malignant"]:
            assert nodule.kind == PathologyKind.INVASIVE and nodule.nodule_outcome == "malignant"
            assert nodule.invasive_size_mm == round(truth.lesions[0]["diameter_mm"], 1)
            assert nodule.stage.startswith("I")
        else:
            assert nodule.kind == PathologyKind.BENIGN and nodule.nodule_outcome == "stable"
