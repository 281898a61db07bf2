"""The KPI facts stay true: after every change an episode can go through, the per-episode facts and
the monthly counts equal what a rebuild from the episodes and their history gives."""

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from screening.campaigns.campaign_services import cohort_invite
from screening.campaigns.episode_services import (
    episode_images_withdrawn,
    episode_result_from_reads,
    episode_transition,
    episodes_opt_out,
)
from screening.campaigns.models import EpisodeResult, EpisodeStatus
from screening.patients.consent_services import consent_grant
from screening.patients.models import ConsentMethod, ConsentScope
from screening.statistics.kpi_counts import counts_total, kpi_counts
from screening.statistics.kpi_facts_services import COUNT_NAMES, kpi_facts_rebuild
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.models import EpisodeKpiFacts, KpiMonthCounts
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db
S = EpisodeStatus
FACT_FIELDS = [field.attname for field in EpisodeKpiFacts._meta.concrete_fields]


def _facts() -> dict[int, tuple]:
    return {row[0]: row for row in EpisodeKpiFacts.objects.values_list(*FACT_FIELDS)}


def _counts() -> set[tuple]:
    key = ("campaign_id", "month", "screening_round", "age_band")
    return set(KpiMonthCounts.objects.values_list(*key, *COUNT_NAMES))


def assert_as_rebuilt() -> None:
    """The incremental state equals a rebuild's (which then stays, for the next step)."""
    facts, counts = _facts(), _counts()
    kpi_facts_rebuild()
    assert _facts() == facts
    assert _counts() == counts


def _fact(episode) -> EpisodeKpiFacts:
    return EpisodeKpiFacts.objects.get(episode_id=episode.pk)


def _participant(actor):
    patient = PatientFactory(date_of_birth=date(1965, 6, 1))
    consent_grant(actor=actor, patient=patient, scope=ConsentScope.SCREENING, method=ConsentMethod.WRITTEN)
    return patient


def _step(actor, episode, to_status, result="", note=""):
    episode_transition(actor=actor, episode=episode, to_status=to_status, result=result, note=note)
    assert_as_rebuilt()


def test_a_bulk_invitation_adds_the_facts_and_counts(coordinator_actor):
    campaign = CampaignFactory()
    patients = [_participant(coordinator_actor) for _ in range(3)]
    ids = [patient.pk for patient in patients]
    assert cohort_invite(actor=coordinator_actor, campaign=campaign, patient_ids=ids) == 3
    this_month = timezone.localdate().replace(day=1)
    assert [(f.invited_month, f.screening_round, f.attended) for f in EpisodeKpiFacts.objects.all()] == [
        (this_month, "first", False)
    ] * 3
    (row,) = KpiMonthCounts.objects.all()
    assert (row.campaign_id, row.month, row.invited, row.screened) == (campaign.pk, this_month, 3, 0)
    assert_as_rebuilt()


def test_every_step_of_the_pathway_keeps_the_facts_true(coordinator_actor):
    """Invitation, attendance, a technical recall and new images, results from the reads (and a
    change of result), images withdrawn, an earlier round's images making the later one subsequent."""
    actor, patient = coordinator_actor, _participant(coordinator_actor)
    earlier = CampaignFactory(start_date=date(2024, 1, 1))
    later = CampaignFactory(start_date=timezone.localdate())
    episode = EpisodeFactory(patient=patient, campaign=later, status=S.ELIGIBLE, invited_at=None)
    _step(actor, episode, S.INVITED)
    assert (_fact(episode).invited_month, _fact(episode).screening_round) == (
        timezone.localdate().replace(day=1),
        "first",
    )
    first = EpisodeFactory(patient=patient, campaign=earlier, status=S.INVITED)
    _step(actor, first, S.ATTENDED)
    _step(actor, first, S.IMAGED)
    assert _fact(episode).screening_round == "subsequent"  # the participant's earlier images
    _step(actor, episode, S.ATTENDED)
    assert _fact(episode).attended
    _step(actor, episode, S.RESULT_ISSUED, EpisodeResult.TECHNICAL_RECALL, "Blurred")
    _step(actor, episode, S.ATTENDED)  # back for new images
    _step(actor, episode, S.IMAGED)
    fact = _fact(episode)
    assert (fact.technical_recall, fact.waiting, fact.result) == (True, True, "")
    episode_result_from_reads(actor=actor, episode=episode, result=EpisodeResult.ROUTINE, note="")
    assert_as_rebuilt()
    fact = _fact(episode)
    assert (fact.result, fact.resulted, fact.within_standard, fact.waiting) == ("routine", True, True, False)
    episode_result_from_reads(actor=actor, episode=episode, result=EpisodeResult.RECALL, note="arbitrated")
    assert_as_rebuilt()
    assert _fact(episode).result == "recall"
    episode_images_withdrawn(actor=actor, episode=first, note="Another person's study")
    assert_as_rebuilt()
    assert (_fact(first).imaged_on, _fact(episode).screening_round) == (None, "first")
    counts = counts_total(kpi_counts(user=None, filters=KpiFilters(), keys=()))
    assert counts["invited"] == 0  # nobody without the right sees anything


def test_the_kpis_follow_the_services(coordinator_actor, auditor):
    actor, campaign = coordinator_actor, CampaignFactory()
    patients = [_participant(actor) for _ in range(3)]
    cohort_invite(actor=actor, campaign=campaign, patient_ids=[patient.pk for patient in patients])
    episodes = list(campaign.episodes.order_by("pk"))
    for episode in episodes[:2]:
        _step(actor, episode, S.ATTENDED)
        _step(actor, episode, S.IMAGED)
    episode_result_from_reads(actor=actor, episode=episodes[0], result=EpisodeResult.RECALL, note="")
    _step(actor, episodes[2], S.DID_NOT_ATTEND)
    counts = counts_total(kpi_counts(user=auditor, filters=KpiFilters(campaign=campaign.pk), keys=()))
    assert {name: counts[name] for name in ("invited", "attended", "screened", "recalled", "waiting")} == {
        "invited": 3,
        "attended": 2,
        "screened": 2,
        "recalled": 1,
        "waiting": 1,
    }


def test_an_opt_out_and_a_refused_step(coordinator_actor):
    actor, patient = coordinator_actor, _participant(coordinator_actor)
    episode = EpisodeFactory(patient=patient, campaign=CampaignFactory())
    _step(actor, episode, S.ATTENDED)
    before = (_facts(), _counts())
    with pytest.raises(ValidationError):
        episode_transition(actor=actor, episode=episode, to_status=S.CLOSED)
    assert (_facts(), _counts()) == before  # refused: nothing changed, facts included
    invited = EpisodeFactory(patient=patient, campaign=CampaignFactory(start_date=date(2024, 1, 1)))
    assert episodes_opt_out(actor=actor, patient=patient) == 2
    assert_as_rebuilt()
    assert set(EpisodeKpiFacts.objects.values_list("episode_id", flat=True)) == {episode.pk, invited.pk}


def test_the_rebuild_command_fills_the_facts_of_episodes_written_in_bulk(coordinator_actor):
    EpisodeFactory.create_batch(2)  # written without the services
    out = StringIO()
    call_command("kpi_facts_rebuild", stdout=out)
    assert "KPI facts rebuilt for 2 episodes." in out.getvalue()
    assert sum(KpiMonthCounts.objects.values_list("invited", flat=True)) == 2
