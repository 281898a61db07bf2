"""Who an export holds: research consent granted at export time, the others counted per reason."""

import pytest

from screening.core.actors import Actor
from screening.patients.consent_services import consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope
from screening.research.export_cohort import export_cohort
from screening.research.models import ExclusionReason
from tests.research.conftest import GRANTED, NONE, OPTED_OUT, REGRANTED, WITHDRAWN, requested

pytestmark = pytest.mark.django_db


def _cohort(world, coordinator_actor, **changes):
    return export_cohort(requested(coordinator_actor, world.campaign, **changes))


def test_only_participants_with_research_consent_granted_now_are_included(export_world, coordinator_actor):
    cohort = _cohort(export_world, coordinator_actor)
    included = set(cohort.patient_ids)
    assert included == {export_world.patients[GRANTED].pk, export_world.patients[REGRANTED].pk}


def test_exclusions_are_counted_once_per_participant_and_reason(export_world, coordinator_actor):
    cohort = _cohort(export_world, coordinator_actor)
    assert cohort.excluded == {
        ExclusionReason.WITHDRAWN: 1,
        ExclusionReason.NO_RESEARCH_CONSENT: 1,
        ExclusionReason.OPTED_OUT: 1,
    }


def test_a_withdrawal_before_the_export_runs_takes_the_participant_out(export_world, coordinator_actor):
    granted = export_world.patients[GRANTED]
    consent_withdraw(
        actor=Actor.system("test"), patient=granted, scope=ConsentScope.RESEARCH, method=ConsentMethod.VERBAL
    )
    cohort = _cohort(export_world, coordinator_actor)
    assert granted.pk not in cohort.patient_ids
    assert cohort.excluded[ExclusionReason.WITHDRAWN] == 2


def test_filters_select_studies_by_ai_band_and_final_decision(export_world, coordinator_actor):
    high = _cohort(export_world, coordinator_actor, ai_band="high")
    assert [f.study for f in high.facts] == [export_world.studies[GRANTED]]
    recalled = _cohort(export_world, coordinator_actor, reader_result="recall")
    assert [f.study for f in recalled.facts] == [export_world.studies[GRANTED]]
    routine = _cohort(export_world, coordinator_actor, reader_result="routine")
    assert routine.facts == []


def test_a_modality_filter_and_a_period_narrow_the_studies(export_world, coordinator_actor):
    assert _cohort(export_world, coordinator_actor, modality="MG").facts == []
    study = export_world.studies[GRANTED]
    day = study.episode.imaged_at.date()
    assert len(_cohort(export_world, coordinator_actor, period_start=day, period_end=day).facts) == 2
    later = day.replace(year=day.year + 1)
    assert _cohort(export_world, coordinator_actor, period_start=later).facts == []


def test_participants_never_asked_are_excluded_even_without_any_consent_event(
    export_world, coordinator_actor
):
    none = export_world.patients[NONE]
    assert not none.consent_events.exists()
    assert none.pk not in _cohort(export_world, coordinator_actor).patient_ids


def test_an_opted_out_participant_is_excluded_although_research_consent_stands(
    export_world, coordinator_actor
):
    opted_out = export_world.patients[OPTED_OUT]
    assert opted_out.consent_events.filter(scope=ConsentScope.RESEARCH).exists()
    assert opted_out.pk not in _cohort(export_world, coordinator_actor).patient_ids


def test_withdrawn_stays_distinct_from_never_granted(export_world, coordinator_actor):
    assert export_world.patients[WITHDRAWN].pk not in _cohort(export_world, coordinator_actor).patient_ids
