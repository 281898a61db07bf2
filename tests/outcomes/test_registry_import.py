"""Registry and pathology CSV import: preview with reasons, all or nothing, duplicates change
nothing, hostile files store nothing, unmatched rows queue for the coordinator, all audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.models import AuditEvent
from screening.outcomes.episode_truth import Truth
from screening.outcomes.models import Diagnosis, RegistryImport, UnmatchedDiagnosis
from screening.outcomes.outcome_selectors import episode_outcome
from screening.outcomes.registry_import_rows import RowAction
from screening.outcomes.registry_import_services import (
    registry_import_commit,
    registry_import_preview,
    registry_import_sample,
)
from screening.outcomes.unmatched_services import unmatched_list, unmatched_resolve
from tests.factories import PatientFactory
from tests.outcomes.conftest import screened_episode

HEADER = "identifier,diagnosis_date,laterality,pathology,size_mm,source\n"
UNKNOWN_NHS_NUMBER = "9434765919"


def csv_of(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


def recent(days: int) -> str:
    return str(timezone.localdate() - timedelta(days=days))


def preview_and_import(actor, content: bytes) -> RegistryImport:
    registry_import = registry_import_preview(actor=actor, uploaded=content, filename="registry.csv")
    return registry_import_commit(actor=actor, registry_import=registry_import)


@pytest.fixture
def good_file(routine):
    return csv_of(
        f"{routine.patient.identifier},{recent(10)},L,invasive,18,Northern Cancer Registry",
        f"{UNKNOWN_NHS_NUMBER},{recent(20)},R,dcis,,Northern Cancer Registry",
    )


def test_a_good_file_records_diagnoses_linked_to_episodes_and_queues_the_unmatched(
    coordinator_actor, routine, good_file
):
    registry_import = registry_import_preview(actor=coordinator_actor, uploaded=good_file, filename="r.csv")
    assert (registry_import.new_count, registry_import.unmatched_count, registry_import.invalid_count) == (
        1,
        1,
        0,
    )
    assert not Diagnosis.objects.exists()  # the preview records nothing
    rows = registry_import_sample(actor=coordinator_actor, registry_import=registry_import)
    assert [row.action for row in rows] == [RowAction.NEW, RowAction.UNMATCHED]
    assert "unmatched queue" in rows[1].reasons[0]

    registry_import_commit(actor=coordinator_actor, registry_import=registry_import)
    diagnosis = Diagnosis.objects.get()
    assert (diagnosis.episode, diagnosis.kind, diagnosis.size_mm) == (routine, "invasive", 18.0)
    assert episode_outcome(episode=routine).truth.truth == Truth.INTERVAL_CANCER
    assert UnmatchedDiagnosis.objects.get().identifier == UNKNOWN_NHS_NUMBER
    audited = AuditEvent.objects.filter(
        object_type__in=["diagnosis", "unmatched_diagnosis", "registry_import"]
    )
    assert sorted(audited.values_list("object_type", "action")) == [
        ("diagnosis", "create"),
        ("registry_import", "create"),
        ("registry_import", "import"),
        ("registry_import", "view"),
        ("unmatched_diagnosis", "create"),
    ]


def test_importing_the_same_file_twice_changes_nothing(coordinator_actor, good_file):
    preview_and_import(coordinator_actor, good_file)
    again = registry_import_preview(actor=coordinator_actor, uploaded=good_file, filename="r.csv")
    assert (again.new_count, again.unmatched_count, again.duplicate_count) == (0, 0, 2)
    registry_import_commit(actor=coordinator_actor, registry_import=again)
    assert (Diagnosis.objects.count(), UnmatchedDiagnosis.objects.count()) == (1, 1)


def test_a_row_repeated_in_the_file_is_a_duplicate_of_the_first(coordinator_actor, routine):
    row = f"{routine.patient.identifier},{recent(5)},R,invasive,9,Registry"
    done = preview_and_import(coordinator_actor, csv_of(row, row.replace("Registry", "REGISTRY")))
    assert (done.new_count, done.duplicate_count) == (1, 1)
    assert Diagnosis.objects.count() == 1


def test_a_file_with_an_invalid_row_imports_nothing_and_says_why_per_row(coordinator_actor, routine):
    content = csv_of(
        f"{routine.patient.identifier},{recent(5)},R,invasive,9,Registry",
        f"{routine.patient.identifier},2024-02-30,X,cancer,-3,",
        f"1234567890,{(timezone.localdate() + timedelta(days=2))},L,benign,,Lab",
    )
    registry_import = registry_import_preview(actor=coordinator_actor, uploaded=content, filename="r.csv")
    assert registry_import.invalid_count == 2
    fields = {(problem["row"], problem["field"]) for problem in registry_import.errors}
    assert {
        (3, "diagnosis_date"),
        (3, "laterality"),
        (3, "pathology"),
        (3, "size_mm"),
        (3, "source"),
    } <= fields
    assert {(4, "identifier"), (4, "diagnosis_date")} <= fields
    assert all(routine.patient.identifier not in problem["message"] for problem in registry_import.errors)
    with pytest.raises(ValidationError, match="nothing was imported"):
        registry_import_commit(actor=coordinator_actor, registry_import=registry_import)
    assert not Diagnosis.objects.exists() and not UnmatchedDiagnosis.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04binary", "binary"),
        (b"identifier,diagnosis_date\x00\n", "binary"),
        ("identifier,diagnosis_date\n\xe9".encode("latin-1"), "UTF-8"),
        (b"identifier;diagnosis_date;pathology;source\n1;2;3;4\n", "Unknown columns"),
        (b"identifier,pathology,source\n", "Missing required columns: diagnosis_date"),
        (b"", "empty"),
        (HEADER.encode(), "no rows"),
        (HEADER.encode() + b'"9434765919,2024-01-01,L,invasive,,x\n', "not valid CSV"),
        (HEADER.encode() + b"a,b\x07,c,d,e,f\n", "control characters"),
    ],
)
def test_a_hostile_or_unreadable_file_is_refused_and_nothing_is_stored(coordinator_actor, content, message):
    with pytest.raises(ValidationError, match=message):
        registry_import_preview(actor=coordinator_actor, uploaded=content, filename="r.csv")
    assert not RegistryImport.objects.exists()


def test_too_many_rows_or_a_spreadsheet_is_refused(coordinator_actor, settings):
    settings.REGISTRY_IMPORT_MAX_ROWS = 1
    rows = csv_of(
        f"{UNKNOWN_NHS_NUMBER},2024-01-01,L,invasive,,x", f"{UNKNOWN_NHS_NUMBER},2024-01-02,L,invasive,,x"
    )
    with pytest.raises(ValidationError, match="more than 1 rows"):
        registry_import_preview(actor=coordinator_actor, uploaded=rows, filename="r.csv")
    with pytest.raises(ValidationError, match="spreadsheet"):
        registry_import_preview(actor=coordinator_actor, uploaded=b"x", filename="r.xlsx")
    assert not RegistryImport.objects.exists()


def test_importing_needs_the_right_and_only_the_uploader_decides(
    coordinator_actor, radiologist, admin_user, good_file
):
    with pytest.raises(PermissionDenied):
        registry_import_preview(actor=Actor.for_user(radiologist), uploaded=good_file, filename="r.csv")
    registry_import = registry_import_preview(actor=coordinator_actor, uploaded=good_file, filename="r.csv")
    with pytest.raises(PermissionDenied):
        registry_import_commit(actor=Actor.for_user(admin_user), registry_import=registry_import)


def test_an_unmatched_row_is_resolved_by_choosing_the_participant_audited(coordinator_actor, good_file):
    preview_and_import(coordinator_actor, good_file)
    (queued,) = unmatched_list(actor=coordinator_actor)
    participant = PatientFactory()
    episode = screened_episode(result="routine", days_ago=100, patient=participant)
    diagnosis = unmatched_resolve(actor=coordinator_actor, unmatched=queued, patient=participant)
    assert (diagnosis.patient, diagnosis.episode, diagnosis.kind) == (participant, episode, "dcis")
    queued.refresh_from_db()
    assert queued.status == "resolved" and queued.resolved_diagnosis == diagnosis
    assert list(unmatched_list(actor=coordinator_actor)) == []
    assert AuditEvent.objects.filter(
        object_type="unmatched_diagnosis", action="change", object_id=str(queued.pk)
    ).exists()
    with pytest.raises(ValidationError, match="already resolved"):
        unmatched_resolve(actor=coordinator_actor, unmatched=queued, patient=participant)
    again = registry_import_preview(actor=coordinator_actor, uploaded=good_file, filename="r.csv")
    assert again.duplicate_count == 2  # the resolved row stays recognised
