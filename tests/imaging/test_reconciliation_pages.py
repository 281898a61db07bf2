"""Reconciliation: the queue, a study beside the participants found, attaching (with a reason where
details differ) and rejecting; a refusal stores nothing."""

from datetime import date

import pytest
from django.urls import reverse

from screening.campaigns.models import EpisodeStatus
from screening.core.models import AuditEvent
from screening.imaging.models import StudyMatch, StudyMatchEvent
from tests.factories import PatientFactory
from tests.imaging.reconciliation_fixtures import awaiting_study, breast_episode, jane, lung_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]
__all__ = ["awaiting_study", "jane"]  # fixtures


def attach(client, study, episode, **extra):
    return client.post(
        reverse("imaging:reconciliation_attach", args=[study.pk]),
        {"patient": episode.patient_id, "episode": episode.pk, **extra},
        follow=True,
    )


def search(client, study, q):
    return client.get(reverse("imaging:reconciliation_study", args=[study.pk]), {"q": q}).content.decode()


def candidate_rows(html: str, patient_pk: int) -> dict[str, bool]:
    """{field: differs} of the comparison table shown for one participant."""
    section = html.split(f'id="candidate-{patient_pk}"', 1)[1].split("</section>", 1)[0]
    rows = section.split("<tr data-field=")[1:]
    return {row.split('"')[1]: 'data-differs="true"' in row.split(">", 1)[0] for row in rows}


def test_queue_lists_studies_as_received(coordinator_client, awaiting_study, radiologist_client):
    html = coordinator_client.get(reverse("imaging:reconciliation")).content.decode()

    assert "X-12345" in html and "DOE^JANE" in html and "No participant with this identifier" in html
    assert reverse("imaging:reconciliation_study", args=[awaiting_study.pk]) in html
    assert radiologist_client.get(reverse("imaging:reconciliation")).status_code == 403


def test_only_episodes_of_the_studys_modality_awaiting_images_are_offered(
    coordinator_client, awaiting_study, jane
):
    offered = [lung_episode(jane, EpisodeStatus.ATTENDED), lung_episode(jane, EpisodeStatus.INVITED)]
    not_offered = [
        breast_episode(jane),  # a mammography episode for a CT study
        lung_episode(jane, EpisodeStatus.IMAGED),
        lung_episode(jane, EpisodeStatus.CLOSED),
        lung_episode(jane, EpisodeStatus.OPTED_OUT),
        lung_episode(jane, EpisodeStatus.RESULT_ISSUED),
    ]

    html = search(coordinator_client, awaiting_study, "Doe")

    for episode in offered:
        assert f'name="episode" value="{episode.pk}"' in html
    for episode in not_offered:
        assert f'name="episode" value="{episode.pk}"' not in html


def test_the_images_details_are_shown_beside_the_record_with_each_difference_marked(
    coordinator_client, awaiting_study
):
    other = PatientFactory(family_name="Doe", given_name="Janet", date_of_birth=date(1961, 5, 6), sex="M")
    lung_episode(other)

    html = search(coordinator_client, awaiting_study, "Doe")

    assert candidate_rows(html, other.pk) == {
        "name": True,
        "identifier": True,
        "birth_date": True,
        "sex": True,
        "study_date": False,
        "modality": False,
    }
    section = html.split(f'id="candidate-{other.pk}"', 1)[1]
    assert "1960-01-02" in section and "1961-05-06" in section and "2025-03-04" in section
    assert "DOE^JANE" in section and "Differs" in section and "4 differences" in section


def test_a_participant_whose_details_agree_is_shown_as_agreeing(coordinator_client, awaiting_study, jane):
    lung_episode(jane)

    html = search(coordinator_client, awaiting_study, "X-12345")

    assert not any(candidate_rows(html, jane.pk).values())
    section = html.split(f'id="candidate-{jane.pk}"', 1)[1].split("</section>", 1)[0]
    assert "Details agree" in section and 'name="reason"' not in section


def test_attaching_where_details_agree_needs_no_reason(coordinator_client, awaiting_study, jane):
    episode = lung_episode(jane)

    response = attach(coordinator_client, awaiting_study, episode)

    assert "attached to episode" in response.content.decode()
    awaiting_study.refresh_from_db()
    episode.refresh_from_db()
    assert awaiting_study.match_status == StudyMatch.MATCHED
    assert (awaiting_study.patient, awaiting_study.episode) == (jane, episode)
    assert episode.status == EpisodeStatus.IMAGED
    event = StudyMatchEvent.objects.get(study=awaiting_study)
    assert (event.kind, event.reason, event.mismatches, event.actor_name) == (
        "attached",
        "",
        [],
        "coordinator",
    )


def test_attaching_despite_differences_is_refused_without_a_reason_and_stores_nothing(
    coordinator_client, awaiting_study
):
    episode = lung_episode(PatientFactory(family_name="Franklin", date_of_birth=date(1970, 1, 1)))
    audit_before = AuditEvent.objects.filter(object_type="study", action="change").count()

    for extra in ({}, {"confirm": "1"}, {"confirm": "1", "reason": "   "}, {"reason": "no box ticked"}):
        html = attach(coordinator_client, awaiting_study, episode, **extra).content.decode()
        assert "differ (name, patient id, birth date)" in html
        assert "give the reason" in html

    awaiting_study.refresh_from_db()
    episode.refresh_from_db()
    assert (
        awaiting_study.match_status == StudyMatch.AWAITING_RECONCILIATION and awaiting_study.episode is None
    )
    assert episode.status == EpisodeStatus.ATTENDED
    assert not StudyMatchEvent.objects.exists()
    assert AuditEvent.objects.filter(object_type="study", action="change").count() == audit_before


def test_attaching_despite_differences_with_a_reason_keeps_reason_and_differences(
    coordinator_client, awaiting_study
):
    patient = PatientFactory(
        identifier="X-12345", issuer="HOSP", family_name="Doe-Smith", given_name="Jane", sex="F",
        date_of_birth=date(1960, 2, 1),
    )  # fmt: skip
    episode = lung_episode(patient)
    reason = "Married name; birth date day and month swapped at the modality (checked with her)"

    attach(coordinator_client, awaiting_study, episode, confirm="1", reason=reason)

    awaiting_study.refresh_from_db()
    assert awaiting_study.match_status == StudyMatch.MATCHED and awaiting_study.episode == episode
    event = StudyMatchEvent.objects.get(study=awaiting_study)
    assert event.reason == reason and event.actor_name == "coordinator"
    assert [row["field"] for row in event.mismatches] == ["name", "birth_date"]
    assert event.mismatches[1] == {
        "field": "birth_date",
        "label": "Birth date",
        "in_images": "1960-01-02",
        "in_record": "1960-02-01",
    }
    audit = AuditEvent.objects.filter(object_type="study", action="change").latest("sequence")
    assert audit.detail["reason"] == reason and audit.detail["mismatches"] == ["name", "birth_date"]
    assert "1960" not in str(audit.detail)  # the trail names the fields, not the patient's details


@pytest.mark.parametrize(
    "make_episode",
    [
        breast_episode,
        lambda p: lung_episode(p, EpisodeStatus.IMAGED),
        lambda p: lung_episode(p, EpisodeStatus.CLOSED),
        lambda p: lung_episode(p, EpisodeStatus.OPTED_OUT),
    ],
    ids=["other programme", "imaged", "closed", "opted out"],
)
def test_a_forged_attach_to_an_episode_not_offered_is_refused(
    coordinator_client, awaiting_study, jane, make_episode
):
    episode = make_episode(jane)
    status_before = episode.status

    html = attach(coordinator_client, awaiting_study, episode, confirm="1", reason="forced").content.decode()

    assert "That episode" in html
    awaiting_study.refresh_from_db()
    episode.refresh_from_db()
    assert awaiting_study.match_status == StudyMatch.AWAITING_RECONCILIATION
    assert episode.status == status_before and not StudyMatchEvent.objects.exists()


def test_attaching_to_another_participants_episode_changes_nothing(coordinator_client, awaiting_study, jane):
    someone_elses = lung_episode(PatientFactory())

    response = coordinator_client.post(
        reverse("imaging:reconciliation_attach", args=[awaiting_study.pk]),
        {"patient": jane.pk, "episode": someone_elses.pk},
        follow=True,
    )

    assert "belongs to another participant" in response.content.decode()
    awaiting_study.refresh_from_db()
    someone_elses.refresh_from_db()
    assert (
        awaiting_study.match_status == StudyMatch.AWAITING_RECONCILIATION and awaiting_study.episode is None
    )
    assert someone_elses.status == EpisodeStatus.ATTENDED


def test_attaching_a_study_that_is_already_matched_changes_nothing(coordinator_client, awaiting_study, jane):
    attach(coordinator_client, awaiting_study, lung_episode(jane))
    episode = lung_episode(jane)

    html = attach(coordinator_client, awaiting_study, episode).content.decode()

    assert "no longer awaiting reconciliation" in html
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.ATTENDED


def test_attaching_to_an_invited_participant_without_screening_consent_says_why(
    coordinator_client, awaiting_study, jane
):
    episode = lung_episode(jane, EpisodeStatus.INVITED)

    html = attach(coordinator_client, awaiting_study, episode).content.decode()

    assert "Not attached: screening consent not recorded" in html
    awaiting_study.refresh_from_db()
    episode.refresh_from_db()
    assert awaiting_study.match_status == StudyMatch.AWAITING_RECONCILIATION
    assert episode.status == EpisodeStatus.INVITED and not StudyMatchEvent.objects.exists()


def test_attach_with_unknown_ids_is_refused(coordinator_client, awaiting_study):
    response = coordinator_client.post(
        reverse("imaging:reconciliation_attach", args=[awaiting_study.pk]),
        {"patient": 999_999, "episode": 999_999},
        follow=True,
    )

    assert "No such participant or episode" in response.content.decode()
    awaiting_study.refresh_from_db()
    assert awaiting_study.match_status == StudyMatch.AWAITING_RECONCILIATION


def test_coordinator_rejects_a_study_with_a_reason(coordinator_client, awaiting_study):
    response = coordinator_client.post(
        reverse("imaging:reconciliation_reject", args=[awaiting_study.pk]), {"reason": "Test phantom"}
    )

    assert response.status_code == 302
    awaiting_study.refresh_from_db()
    assert awaiting_study.match_status == StudyMatch.REJECTED
    assert awaiting_study.match_note == "Test phantom"
    event = AuditEvent.objects.filter(object_type="study", action="change").get()
    assert event.object_id == str(awaiting_study.pk) and event.detail == {"match_status": "rejected"}

    again = coordinator_client.post(
        reverse("imaging:reconciliation_reject", args=[awaiting_study.pk]), {"reason": "Twice"}, follow=True
    )
    assert "no longer awaiting reconciliation" in again.content.decode()
    awaiting_study.refresh_from_db()
    assert awaiting_study.match_note == "Test phantom"


def test_reconciliation_actions_are_post_only(coordinator_client, awaiting_study):
    for name in (
        "imaging:reconciliation_attach",
        "imaging:reconciliation_reject",
        "imaging:reconciliation_detach",
    ):
        assert coordinator_client.get(reverse(name, args=[awaiting_study.pk])).status_code == 405


def test_reject_without_reason_changes_nothing(coordinator_client, awaiting_study):
    coordinator_client.post(
        reverse("imaging:reconciliation_reject", args=[awaiting_study.pk]), {"reason": ""}
    )

    awaiting_study.refresh_from_db()
    assert awaiting_study.match_status == StudyMatch.AWAITING_RECONCILIATION
