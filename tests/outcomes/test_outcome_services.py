"""Recording outcomes: who may, what the services refuse, corrections with reasons, audit, truth."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.models import AuditEvent
from screening.outcomes.episode_truth import Truth
from screening.outcomes.models import Assessment, Diagnosis, Pathology
from screening.outcomes.outcome_selectors import episode_outcome, episode_truths
from screening.outcomes.outcome_services import (
    assessment_record,
    diagnosis_record,
    outcome_withdraw,
    pathology_record,
)
from tests.outcomes.conftest import screened_episode

TODAY = timezone.localdate


def test_a_coordinator_records_the_assessment_of_a_recalled_episode_audited(coordinator_actor, recalled):
    assessment = assessment_record(
        actor=coordinator_actor, episode=recalled, outcome="normal_benign", attended_on=TODAY(), site="Leeds"
    )
    event = AuditEvent.objects.get(object_type="assessment")
    assert (event.action, event.object_id, event.actor_username) == (
        "create",
        str(assessment.pk),
        "coordinator",
    )
    assert episode_outcome(episode=recalled).truth.truth == Truth.FALSE_POSITIVE


def test_a_routine_episode_has_no_assessment(coordinator_actor, routine):
    with pytest.raises(ValidationError, match="recalled"):
        assessment_record(
            actor=coordinator_actor, episode=routine, outcome="normal_benign", attended_on=TODAY()
        )
    assert not Assessment.objects.exists()


def test_recording_outcomes_needs_the_right(radiologist, recalled):
    with pytest.raises(PermissionDenied):
        assessment_record(actor=Actor.for_user(radiologist), episode=recalled, outcome="did_not_attend")


def test_an_attended_assessment_needs_its_date_and_not_a_future_one(coordinator_actor, recalled):
    with pytest.raises(ValidationError, match="date"):
        assessment_record(actor=coordinator_actor, episode=recalled, outcome="biopsy_taken")
    with pytest.raises(ValidationError, match="future"):
        assessment_record(
            actor=coordinator_actor,
            episode=recalled,
            outcome="biopsy_taken",
            attended_on=TODAY() + timedelta(days=1),
        )
    assert not Assessment.objects.exists()


def test_a_correction_is_a_new_record_with_a_reason_and_the_first_stays(coordinator_actor, recalled):
    first = assessment_record(
        actor=coordinator_actor, episode=recalled, outcome="normal_benign", attended_on=TODAY()
    )
    with pytest.raises(ValidationError, match="reason"):
        assessment_record(actor=coordinator_actor, episode=recalled, outcome="malignant", attended_on=TODAY())
    second = assessment_record(
        actor=coordinator_actor,
        episode=recalled,
        outcome="malignant",
        attended_on=TODAY(),
        reason="Wrong form",
    )
    assert second.corrects == first and second.correction_reason == "Wrong form"
    outcome = episode_outcome(episode=recalled)
    assert outcome.assessment == second and outcome.history == [first, second]
    assert outcome.truth.truth == Truth.SCREEN_DETECTED
    assert AuditEvent.objects.filter(
        object_type="assessment", action="change", object_id=str(second.pk)
    ).exists()


def test_breast_pathology_is_per_side_with_grade_and_nodes(coordinator_actor, recalled):
    pathology_record(
        actor=coordinator_actor,
        episode=recalled,
        side="R",
        kind="invasive",
        invasive_size_mm=14.5,
        grade=2,
        nodal_status="negative",
    )
    pathology_record(actor=coordinator_actor, episode=recalled, side="L", kind="benign")
    with pytest.raises(ValidationError) as refused:
        pathology_record(actor=coordinator_actor, episode=recalled, kind="benign", invasive_size_mm=3)
    assert set(refused.value.message_dict) == {"side", "invasive_size_mm"}
    assessment_record(actor=coordinator_actor, episode=recalled, outcome="biopsy_taken", attended_on=TODAY())
    assert episode_outcome(episode=recalled).truth.truth == Truth.SCREEN_DETECTED


def test_lung_pathology_has_follow_up_nodule_outcome_and_stage_and_no_dcis(coordinator_actor, recalled_lung):
    pathology = pathology_record(
        actor=coordinator_actor,
        episode=recalled_lung,
        kind="invasive",
        lung_rads_follow_up="tissue_sampling",
        nodule_outcome="malignant",
        stage="IA2",
    )
    assert pathology.side == "" and pathology.stage == "IA2"
    for wrong in (
        {"kind": "dcis"},
        {"kind": "benign", "nodule_outcome": "malignant"},
        {"kind": "benign", "side": "R"},
    ):
        with pytest.raises(ValidationError):
            pathology_record(actor=coordinator_actor, episode=recalled_lung, lesion=2, **wrong)
    assert Pathology.objects.count() == 1


def test_benign_biopsy_pathology_makes_a_false_positive(coordinator_actor, recalled):
    assessment_record(actor=coordinator_actor, episode=recalled, outcome="biopsy_taken", attended_on=TODAY())
    assert episode_outcome(episode=recalled).truth.truth == Truth.UNKNOWN
    pathology_record(actor=coordinator_actor, episode=recalled, side="L", kind="benign")
    assert episode_outcome(episode=recalled).truth.truth == Truth.FALSE_POSITIVE


def test_a_diagnosis_links_to_the_episode_it_followed_with_months_since_screening(coordinator_actor, patient):
    older = screened_episode(result="routine", days_ago=800, patient=patient)
    latest = screened_episode(result="routine", days_ago=200, patient=patient)
    diagnosis = diagnosis_record(
        actor=coordinator_actor,
        patient=patient,
        diagnosed_on=TODAY() - timedelta(days=100),
        kind="invasive",
        side="L",
        size_mm=12,
        reporting_source="Northern registry",
    )
    assert diagnosis.episode == latest and diagnosis.months_since_screening == 3.3
    truths = episode_truths(episodes=[older, latest])
    assert truths[latest.pk].truth == Truth.INTERVAL_CANCER
    assert truths[older.pk].truth == Truth.UNKNOWN  # its 36-month window is still open
    assert AuditEvent.objects.filter(object_type="diagnosis", object_id=str(diagnosis.pk)).exists()


def test_a_diagnosis_before_any_screen_links_to_no_episode(coordinator_actor, patient):
    diagnosis = diagnosis_record(
        actor=coordinator_actor, patient=patient, diagnosed_on=TODAY(), kind="dcis", reporting_source="Lab"
    )
    assert diagnosis.episode is None and diagnosis.months_since_screening is None


def test_a_withdrawn_diagnosis_no_longer_counts_and_its_history_stays(coordinator_actor, routine):
    diagnosis = diagnosis_record(
        actor=coordinator_actor,
        patient=routine.patient,
        diagnosed_on=TODAY(),
        kind="invasive",
        reporting_source="Registry",
    )
    assert episode_outcome(episode=routine).truth.truth == Truth.INTERVAL_CANCER
    with pytest.raises(ValidationError):
        outcome_withdraw(actor=coordinator_actor, record=diagnosis, reason="")
    withdrawal = outcome_withdraw(actor=coordinator_actor, record=diagnosis, reason="Another participant's")
    outcome = episode_outcome(episode=routine)
    assert outcome.diagnoses == [] and outcome.truth.truth == Truth.UNKNOWN
    assert withdrawal.entered_in_error and withdrawal.corrects == diagnosis
    assert Diagnosis.objects.count() == 2
    with pytest.raises(ValidationError, match="current"):
        outcome_withdraw(actor=coordinator_actor, record=diagnosis, reason="again")
