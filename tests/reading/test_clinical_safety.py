"""Clinical safety of sign-off: only a live claim is signed, what the reader was shown is recorded
by the server, clinical acts need the radiologist role (never a superuser flag), refusals are
audited, and a result sent to arbitration by an amendment shows as under review until decided."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from screening.campaigns.episode_services import episode_transition
from screening.campaigns.models import EpisodeResult, EpisodeStatus, ReadingPolicy
from screening.core.actors import Actor
from screening.core.models import AuditEvent, AuditOutcome
from screening.core.roles import Role
from screening.reading.models import DecisionBasis, EpisodeReadDecision, ReadOpinion, ReadRole, ReadSlot
from screening.reading.signoff_services import read_amend, read_sign
from screening.reading.slot_services import read_slot_claim
from tests.factories import CampaignFactory, UserFactory, programme
from tests.reading.conftest import PASSWORD, breast_opinion, imaged_study, reader, sign_read, slot_of

OPINION = {"result": "routine", "categories": {"R": "1", "L": "1"}}


def api_for(actor) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=actor.user)
    return client


def _campaign(policy=ReadingPolicy.SINGLE, *, ai_shown=True):
    return CampaignFactory(programme=programme("breast"), reading_policy=policy, ai_shown_to_readers=ai_shown)


def _set_ai_shown(campaign, shown: bool) -> None:
    campaign.ai_shown_to_readers = shown
    campaign.save(update_fields=["ai_shown_to_readers"])


def test_the_api_refuses_to_sign_a_read_that_was_never_opened(db):
    campaign = _campaign()
    rad = reader("unopened", campaign)
    study = imaged_study(campaign, score=0.2, band="low")
    response = api_for(rad).post(
        f"/api/v1/reading/reads/{slot_of(study).pk}/sign/", {**OPINION, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400 and "open" in str(response.json()).lower()
    assert not ReadOpinion.objects.exists()


def test_a_read_whose_claim_has_run_out_is_not_signed(db):
    campaign = _campaign()
    rad = reader("expired", campaign)
    slot = read_slot_claim(actor=rad, slot=slot_of(imaged_study(campaign)))
    ReadSlot.objects.filter(pk=slot.pk).update(claim_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError, match=r"[Oo]pen"):
        read_sign(actor=rad, slot=slot, password=PASSWORD, opinion=breast_opinion())
    assert not ReadOpinion.objects.exists()


def test_the_signed_read_records_the_ai_as_the_reading_view_showed_it(client, db):
    campaign = _campaign(ai_shown=True)
    rad = reader("shown", campaign)
    study = imaged_study(campaign, score=0.8, band="high")
    client.force_login(rad.user)
    assert client.get(reverse("reading:read", args=[slot_of(study).pk])).status_code == 200
    ReadSlot.objects.filter(pk=slot_of(study).pk).update(claimed_at=timezone.now() - timedelta(minutes=4))
    _set_ai_shown(campaign, False)  # a settings change after the reader saw the AI
    signed = read_sign(actor=rad, slot=slot_of(study), password=PASSWORD, opinion=breast_opinion())
    assert signed.ai_shown is True
    assert signed.reading_seconds is not None and signed.reading_seconds >= 240


def test_a_read_opened_unaided_is_recorded_unaided_when_the_setting_changes_before_signing(client, db):
    campaign = _campaign(ai_shown=False)
    rad = reader("unaided", campaign)
    study = imaged_study(campaign, score=0.8, band="high")
    client.force_login(rad.user)
    client.get(reverse("reading:read", args=[slot_of(study).pk]))
    _set_ai_shown(campaign, True)
    signed = read_sign(actor=rad, slot=slot_of(study), password=PASSWORD, opinion=breast_opinion())
    assert signed.ai_shown is False and signed.ai_agreement == ""


def test_a_superuser_without_the_radiologist_role_cannot_claim_sign_or_amend(db):
    campaign = _campaign()
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    campaign.assigned_staff.add(root)
    actor = Actor.for_user(root)
    study = imaged_study(campaign)
    with pytest.raises(PermissionDenied):
        read_slot_claim(actor=actor, slot=slot_of(study))
    with pytest.raises(PermissionDenied):
        read_sign(actor=actor, slot=slot_of(study), password=PASSWORD, opinion=breast_opinion())
    rad = reader("rad", campaign)
    read_slot_claim(actor=rad, slot=slot_of(study))
    read_sign(actor=rad, slot=slot_of(study), password=PASSWORD, opinion=breast_opinion())
    with pytest.raises(PermissionDenied):
        read_amend(actor=actor, slot=slot_of(study), password=PASSWORD, opinion=breast_opinion(), reason="x")
    assert ReadOpinion.objects.count() == 1


def test_an_admin_is_not_a_superuser_and_cannot_sign(admin_user, db):
    assert not admin_user.is_superuser and admin_user.is_staff
    campaign = _campaign()
    campaign.assigned_staff.add(admin_user)
    study = imaged_study(campaign)
    with pytest.raises(PermissionDenied):
        read_slot_claim(actor=Actor.for_user(admin_user), slot=slot_of(study))


def _denials(object_id=None):
    events = AuditEvent.objects.filter(outcome=AuditOutcome.DENIED, object_type="read_slot")
    return events.filter(object_id=str(object_id)) if object_id is not None else events


@pytest.mark.django_db(transaction=True)
def test_refused_signatures_and_amendments_are_audited_and_committed():
    campaign = _campaign()
    rad, other = reader("signer", campaign), reader("other", campaign)
    study = imaged_study(campaign)
    slot = read_slot_claim(actor=rad, slot=slot_of(study))
    with pytest.raises(ValidationError):
        read_sign(actor=rad, slot=slot, password="wrong", opinion=breast_opinion())
    with pytest.raises(ValidationError):
        read_sign(actor=other, slot=slot, password=PASSWORD, opinion=breast_opinion())
    read_sign(actor=rad, slot=slot, password=PASSWORD, opinion=breast_opinion())
    with pytest.raises(PermissionDenied):
        read_amend(actor=other, slot=slot, password=PASSWORD, opinion=breast_opinion(right="4"), reason="x")
    denials = list(_denials(slot.pk).order_by("sequence").values_list("actor_username", "detail"))
    assert [(name, detail["act"], detail["refusal"]) for name, detail in denials] == [
        ("signer", "sign", "password"),
        ("other", "sign", "refused"),
        ("other", "amend", "not_permitted"),
    ]
    assert ReadOpinion.objects.count() == 1


def _double_read_then_amended_to_discord(campaign, readers):
    first, second, _ = readers
    study = imaged_study(campaign, score=0.9, band="high")
    for actor, role in ((first, ReadRole.FIRST), (second, ReadRole.SECOND)):
        sign_read(
            actor, slot_of(study, role), breast_opinion(ai_agreement="disagree", ai_disagreement_reason="x")
        )
    read_amend(
        actor=first,
        slot=slot_of(study, ReadRole.FIRST),
        password=PASSWORD,
        opinion=breast_opinion(right="4", ai_agreement="agree"),
        reason="Missed mass",
    )
    return study


def test_an_issued_result_sent_to_arbitration_shows_as_under_review_everywhere(
    breast_campaign, readers, coordinator, coordinator_client, coordinator_actor
):
    breast_campaign.assigned_staff.add(coordinator)
    study = _double_read_then_amended_to_discord(breast_campaign, readers)
    episode = study.episode
    episode.refresh_from_db()
    assert (episode.status, episode.result, episode.result_under_review) == (
        EpisodeStatus.RESULT_ISSUED,
        EpisodeResult.ROUTINE,
        True,
    )
    page = coordinator_client.get(reverse("campaigns:episode", args=[episode.pk])).content.decode()
    assert "Routine recall (normal) (under review)" in page
    report = coordinator_client.get(reverse("reading:report", args=[episode.pk])).content.decode()
    assert "under review" in report.lower()
    api = APIClient()
    api.force_authenticate(user=coordinator)
    assert api.get(f"/api/v1/reading/reports/{episode.pk}/").json()["result_under_review"] is True
    assert api.get(f"/api/v1/episodes/{episode.pk}/").json()["result_under_review"] is True
    with pytest.raises(ValidationError, match="under review"):
        episode_transition(actor=coordinator_actor, episode=episode, to_status=EpisodeStatus.CLOSED)

    sign_read(readers[2], slot_of(study, ReadRole.ARBITRATION), breast_opinion())  # routine: it stands
    episode.refresh_from_db()
    assert (episode.result, episode.result_under_review) == (EpisodeResult.ROUTINE, False)
    decision = EpisodeReadDecision.objects.filter(episode=episode).latest("id")
    assert decision.basis == DecisionBasis.ARBITRATION
    assert api.get(f"/api/v1/reading/reports/{episode.pk}/").json()["result_under_review"] is False
    page = coordinator_client.get(reverse("campaigns:episode", args=[episode.pk])).content.decode()
    assert "(under review)" not in page and "Routine recall (normal)" in page


def test_an_arbitrated_decision_records_the_ai_call(breast_campaign, readers):
    first, second, arbiter = readers
    study = imaged_study(breast_campaign, score=0.9, band="high")
    sign_read(first, slot_of(study, ReadRole.FIRST), breast_opinion(right="4", ai_agreement="agree"))
    sign_read(
        second,
        slot_of(study, ReadRole.SECOND),
        breast_opinion(ai_agreement="disagree", ai_disagreement_reason="benign"),
    )
    sign_read(arbiter, slot_of(study, ReadRole.ARBITRATION), breast_opinion(right="4"))
    decision = EpisodeReadDecision.objects.get(episode=study.episode)
    assert (decision.basis, decision.ai_recall) == (DecisionBasis.ARBITRATION, True)


def test_every_decision_basis_records_the_ai_call_when_there_is_a_score(db):
    campaign = _campaign()
    rad = reader("single", campaign)
    study = imaged_study(campaign, score=0.05, band="low")
    sign_read(rad, slot_of(study), breast_opinion(ai_agreement="agree"))
    assert EpisodeReadDecision.objects.get(episode=study.episode).ai_recall is False


def test_the_role_not_the_superuser_flag_decides_clinical_acts(db):
    from screening.core.roles import role_grants

    root = UserFactory(username="root2", is_superuser=True)
    rad = UserFactory(username="rad2", role=Role.RADIOLOGIST)
    assert root.has_perm("reading.sign_read")  # Django's superuser rule, for everything else
    assert not role_grants(root, "reading.sign_read") and role_grants(rad, "reading.sign_read")


def test_an_ai_result_the_api_serves_after_opening_is_recorded_as_shown(db):
    campaign = _campaign(ai_shown=True)
    rad = reader("apiserved", campaign)
    study = imaged_study(campaign)  # no AI score yet: opened without the AI
    client = api_for(rad)
    assert client.post(f"/api/v1/reading/reads/{slot_of(study).pk}/claim/").json()["ai_score"] is None
    ReadSlot.objects.filter(study=study).update(ai_score=0.7, score_rank=-0.7)  # the AI result arrives
    assert client.get(f"/api/v1/reading/reads/{slot_of(study).pk}/").json()["read"]["ai_score"] == 0.7
    response = client.post(
        f"/api/v1/reading/reads/{slot_of(study).pk}/sign/",
        {**OPINION, "ai_agreement": "agree", "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["ai_shown"] is True and response.json()["ai_agreement"] == "agree"


def test_a_reader_who_saw_the_ai_before_releasing_still_signs_as_shown_after_reopening(db):
    from screening.reading.slot_services import read_slot_release

    campaign = _campaign(ai_shown=True)
    rad, other = reader("reopener", campaign), reader("next", campaign)
    study = imaged_study(campaign, score=0.8, band="high")
    read_slot_release(actor=rad, slot=read_slot_claim(actor=rad, slot=slot_of(study)))
    # The episode keeps "AI shown" as recorded at imaging; switching the campaign's AI off hides it.
    campaign.ai_enabled = False
    campaign.save(update_fields=["ai_enabled"])
    assert read_slot_claim(actor=rad, slot=slot_of(study)).claim_ai_shown is True
    read_slot_release(actor=rad, slot=slot_of(study))
    assert read_slot_claim(actor=other, slot=slot_of(study)).claim_ai_shown is False  # another reader
