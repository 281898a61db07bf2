"""Matching arriving studies to participants and their open episodes, or queueing them."""

import pytest
from django.core.exceptions import ValidationError

from screening.campaigns.models import CampaignStatus, EpisodeStatus
from screening.core.models import AuditEvent
from screening.imaging.ingestion_services import IngestStatus, instance_ingest
from screening.imaging.models import IntakeSource, StudyMatch
from screening.imaging.study_matching import study_link
from screening.patients.consent_services import consent_grant
from screening.patients.models import ConsentMethod, ConsentScope
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory, programme
from tests.imaging.conftest import mammogram_sample

pytestmark = pytest.mark.django_db


def _arrive(actor, data):
    outcome = instance_ingest(actor=actor, source=IntakeSource.CSTORE, data=data)
    assert outcome.status == IngestStatus.STORED, outcome.message
    return outcome.study


def _with_consent(patient, actor):
    consent_grant(actor=actor, patient=patient, scope=ConsentScope.SCREENING, method=ConsentMethod.WRITTEN)
    return patient


def test_mammogram_of_an_attended_participant_is_matched_and_the_episode_imaged(intake_actor):
    episode = EpisodeFactory(status=EpisodeStatus.ATTENDED)

    study = _arrive(intake_actor, mammogram_sample(patient_id=episode.patient.identifier))

    episode.refresh_from_db()
    assert (study.match_status, study.patient, study.episode) == (
        StudyMatch.MATCHED,
        episode.patient,
        episode,
    )
    assert episode.status == EpisodeStatus.IMAGED and episode.imaged_at is not None
    assert AuditEvent.objects.filter(object_type="study", detail__match_status="matched").exists()


def test_invited_participant_with_consent_is_stepped_through_attended_to_imaged(
    intake_actor, coordinator_actor
):
    episode = EpisodeFactory(status=EpisodeStatus.INVITED)
    _with_consent(episode.patient, coordinator_actor)

    study = _arrive(intake_actor, mammogram_sample(patient_id=episode.patient.identifier))

    assert study.match_status == StudyMatch.MATCHED
    steps = list(episode.status_events.order_by("id").values_list("from_status", "to_status"))
    assert steps == [
        (EpisodeStatus.INVITED, EpisodeStatus.ATTENDED),
        (EpisodeStatus.ATTENDED, EpisodeStatus.IMAGED),
    ]


def test_invited_participant_without_screening_consent_waits_for_reconciliation(intake_actor):
    episode = EpisodeFactory(status=EpisodeStatus.INVITED)

    study = _arrive(intake_actor, mammogram_sample(patient_id=episode.patient.identifier))

    episode.refresh_from_db()
    assert study.match_status == StudyMatch.AWAITING_RECONCILIATION and study.episode is None
    assert "consent" in study.match_note
    assert episode.status == EpisodeStatus.INVITED


def test_nhs_number_typed_with_spaces_still_matches(intake_actor):
    episode = EpisodeFactory(status=EpisodeStatus.ATTENDED)
    number = episode.patient.identifier
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"

    study = _arrive(intake_actor, mammogram_sample(patient_id=spaced))

    assert study.match_status == StudyMatch.MATCHED


def test_identifier_of_another_issuer_matches_with_that_issuer(intake_actor):
    patient = PatientFactory(issuer="LEEDS-PAS", identifier="PAS-0042")
    episode = EpisodeFactory(patient=patient, status=EpisodeStatus.ATTENDED)

    study = _arrive(intake_actor, mammogram_sample(patient_id="PAS-0042", IssuerOfPatientID="LEEDS-PAS"))

    assert study.episode == episode


def test_unknown_identifier_waits_for_reconciliation(intake_actor):
    study = _arrive(intake_actor, mammogram_sample(patient_id="9999999999"))

    assert study.match_status == StudyMatch.AWAITING_RECONCILIATION
    assert study.match_note == "no participant with this identifier"


def test_study_of_a_modality_no_open_campaign_images_waits(intake_actor):
    lung = CampaignFactory(programme=programme("lung"))
    episode = EpisodeFactory(campaign=lung, status=EpisodeStatus.ATTENDED)

    study = _arrive(intake_actor, mammogram_sample(patient_id=episode.patient.identifier))

    assert study.match_status == StudyMatch.AWAITING_RECONCILIATION
    assert study.match_note == "no open episode in a campaign for MG"


def test_episode_of_a_closed_campaign_is_not_matched(intake_actor):
    episode = EpisodeFactory(
        campaign=CampaignFactory(status=CampaignStatus.CLOSED), status=EpisodeStatus.ATTENDED
    )

    study = _arrive(intake_actor, mammogram_sample(patient_id=episode.patient.identifier))

    assert study.match_status == StudyMatch.AWAITING_RECONCILIATION


def test_later_study_of_an_imaged_episode_is_matched_without_a_step(intake_actor):
    episode = EpisodeFactory(status=EpisodeStatus.IMAGED)

    study = _arrive(intake_actor, mammogram_sample(patient_id=episode.patient.identifier))

    assert study.episode == episode and episode.status_events.count() == 0


def test_coordinator_links_an_awaiting_study_and_the_episode_is_imaged(intake_actor, coordinator_actor):
    study = _arrive(intake_actor, mammogram_sample(patient_id="UNKNOWN-1"))
    episode = EpisodeFactory(status=EpisodeStatus.ATTENDED)

    study = study_link(actor=coordinator_actor, study=study, patient=episode.patient, episode=episode)

    episode.refresh_from_db()
    assert study.match_status == StudyMatch.MATCHED and episode.status == EpisodeStatus.IMAGED


def test_linking_to_another_participants_episode_is_refused(intake_actor, coordinator_actor):
    study = _arrive(intake_actor, mammogram_sample(patient_id="UNKNOWN-2"))
    episode = EpisodeFactory(status=EpisodeStatus.ATTENDED)

    with pytest.raises(ValidationError):
        study_link(actor=coordinator_actor, study=study, patient=PatientFactory(), episode=episode)


def test_episode_that_did_not_attend_cannot_receive_images(intake_actor, coordinator_actor):
    study = _arrive(intake_actor, mammogram_sample(patient_id="UNKNOWN-3"))
    episode = EpisodeFactory(status=EpisodeStatus.DID_NOT_ATTEND)

    with pytest.raises(ValidationError):
        study_link(actor=coordinator_actor, study=study, patient=episode.patient, episode=episode)


def test_only_the_first_instance_of_a_study_triggers_matching(intake_actor):
    episode = EpisodeFactory(status=EpisodeStatus.ATTENDED)
    first = mammogram_sample(patient_id=episode.patient.identifier)
    study = _arrive(intake_actor, first)

    again = _arrive(
        intake_actor,
        mammogram_sample(
            patient_id=episode.patient.identifier, study_uid=study.study_instance_uid, laterality="R"
        ),
    )

    assert again.pk == study.pk and episode.status_events.count() == 1


@pytest.mark.parametrize(
    ("attributes", "named"),
    [
        ({"PatientBirthDate": "19500101"}, "birth date differs"),
        ({"PatientSex": "M"}, "sex differs"),
        ({"PatientBirthDate": "19500101", "PatientSex": "M"}, "birth date and sex differ"),
    ],
)
def test_a_study_whose_birth_date_or_sex_contradicts_the_participant_waits_with_the_reason(
    intake_actor, attributes, named
):
    episode = EpisodeFactory(status=EpisodeStatus.ATTENDED)  # a woman of about 60

    study = _arrive(intake_actor, mammogram_sample(patient_id=episode.patient.identifier, **attributes))

    episode.refresh_from_db()
    assert study.match_status == StudyMatch.AWAITING_RECONCILIATION and study.episode is None
    assert f"whose {named} from the images'" in study.match_note
    assert episode.status == EpisodeStatus.ATTENDED


def test_a_study_whose_birth_date_and_sex_agree_is_matched(intake_actor):
    episode = EpisodeFactory(status=EpisodeStatus.ATTENDED)
    birth_date = episode.patient.date_of_birth.strftime("%Y%m%d")

    study = _arrive(
        intake_actor,
        mammogram_sample(patient_id=episode.patient.identifier, PatientBirthDate=birth_date, PatientSex="F"),
    )

    assert study.match_status == StudyMatch.MATCHED and study.episode == episode
    history = list(study.match_events.values_list("kind", "actor_name", "reason"))
    assert history == [("attached", "system:cstore:TESTMODALITY", "")]
