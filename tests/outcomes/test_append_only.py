"""Outcome history is append-only: the models refuse changes and deletes, and so does the database
(UPDATE everywhere; DELETE and TRUNCATE on PostgreSQL)."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from screening.outcomes.models import AppendOnlyError, Assessment, Diagnosis, Pathology
from screening.outcomes.outcome_services import assessment_record, diagnosis_record, pathology_record


@pytest.fixture
def records(coordinator_actor, recalled):
    today = timezone.localdate()
    return [
        assessment_record(
            actor=coordinator_actor, episode=recalled, outcome="biopsy_taken", attended_on=today
        ),
        pathology_record(actor=coordinator_actor, episode=recalled, side="R", kind="dcis", grade=3),
        diagnosis_record(
            actor=coordinator_actor,
            patient=recalled.patient,
            diagnosed_on=today,
            kind="dcis",
            reporting_source="Lab",
        ),
    ]


def test_the_models_refuse_to_change_or_delete_a_record(records):
    for record in records:
        with pytest.raises(AppendOnlyError):
            record.save()
        with pytest.raises(AppendOnlyError):
            record.delete()


@pytest.mark.parametrize("model", [Assessment, Pathology, Diagnosis])
def test_the_database_refuses_to_change_a_record(records, model):
    with pytest.raises(Exception, match="locked"), transaction.atomic():
        model.objects.update(recorded_via="api")
    assert set(model.objects.values_list("recorded_via", flat=True)) == {
        "form" if model is not Diagnosis else "api"
    }


@pytest.mark.parametrize("table", ["outcomes_assessment", "outcomes_pathology", "outcomes_diagnosis"])
def test_the_database_refuses_to_delete_or_truncate_a_record_on_postgresql(records, table):
    if connection.vendor != "postgresql":
        pytest.skip("DELETE and TRUNCATE are refused by PostgreSQL triggers (SQLite test databases flush)")
    for statement in (f"DELETE FROM {table}", f"TRUNCATE {table} CASCADE"):
        with pytest.raises(Exception, match="locked"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] == 1
