"""An export run end to end: the package holds the consented participants' de-identified files,
a clinical table that matches the database, a README and a manifest whose hashes verify; the
re-identification table and the members are kept apart in the database, and the run is audited."""

import hashlib
import io
import json

import pydicom
import pytest
from django.core.files import File
from django.core.files.storage import FileSystemStorage

from screening.core.models import AuditAction, AuditEvent
from screening.research.models import ExportStatus, ReidentificationEntry
from tests.research.conftest import (
    GRANTED,
    REGRANTED,
    clinical_rows,
    package_members,
    requested_and_run,
)

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def succeeded(export_world, coordinator_actor, research_root):
    job = requested_and_run(coordinator_actor, export_world.campaign)
    assert job.status == ExportStatus.SUCCEEDED, job.error
    return job


def test_the_package_holds_every_file_of_the_consented_participants(succeeded, research_root):
    members = package_members(research_root / succeeded.package_name)
    dicoms = [name for name in members if name.endswith(".dcm")]
    assert len(dicoms) == succeeded.files_included == 4  # two participants, two images each
    assert (succeeded.participants_included, succeeded.studies_included) == (2, 2)
    for name in dicoms:
        dataset = pydicom.dcmread(io.BytesIO(members[name]))
        prefix, participant, study_uid, series_uid, file_name = name.split("/")
        assert prefix == f"research-export-{succeeded.pk}"
        assert (study_uid, series_uid, file_name) == (
            dataset.StudyInstanceUID,
            dataset.SeriesInstanceUID,
            f"{dataset.SOPInstanceUID}.dcm",
        )
        assert str(dataset.StudyInstanceUID).startswith("2.25.")
        assert str(dataset.PatientID) != "" and str(dataset.PatientID) == participant


def test_the_manifest_hashes_verify_every_file(succeeded, research_root):
    members = package_members(research_root / succeeded.package_name)
    (manifest_name,) = [name for name in members if name.endswith("manifest-sha256.txt")]
    prefix = manifest_name.rsplit("/", 1)[0]
    listed = {}
    for line in members[manifest_name].decode().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    others = {name.removeprefix(prefix + "/") for name in members if name != manifest_name}
    assert set(listed) == others
    for name, digest in listed.items():
        assert hashlib.sha256(members[f"{prefix}/{name}"]).hexdigest() == digest
    package = (research_root / succeeded.package_name).read_bytes()
    assert hashlib.sha256(package).hexdigest() == succeeded.package_sha256
    assert len(package) == succeeded.package_bytes


def test_the_clinical_table_matches_the_database(succeeded, export_world, research_root):
    members = package_members(research_root / succeeded.package_name)
    rows = {row["study_uid"]: row for row in clinical_rows(members)}
    entries = {e.patient_id: e for e in ReidentificationEntry.objects.filter(job=succeeded)}
    granted = entries[export_world.patients[GRANTED].pk]
    row = rows[granted.pseudonymous_study_uid]
    assert row["participant"] == granted.participant_pseudonym
    assert (row["ai_model"], row["ai_model_version"], row["ai_score"], row["ai_band"]) == (
        "lung-demo",
        "1.4",
        "0.73",
        "high",
    )
    assert (row["read_first_result"], row["read_first_categories"]) == ("recall", "L=1 R=4")
    assert row["final_decision"] == "recall"
    assert row["age_band"] == "55-59" or row["age_band"] == "60-64"
    assert row["age"] == "" and row["sex"] == "" and row["study_date"] == ""  # options off
    regranted = rows[entries[export_world.patients[REGRANTED].pk].pseudonymous_study_uid]
    assert regranted["ai_score"] == "" and regranted["final_decision"] == ""
    (json_name,) = [name for name in members if name.endswith("/clinical.json")]
    assert len(json.loads(members[json_name])) == 2


def test_the_readme_names_the_export_the_options_the_edition_and_the_counts(succeeded, research_root):
    members = package_members(research_root / succeeded.package_name)
    (readme_name,) = [name for name in members if name.endswith("/README.md")]
    readme = members[readme_name].decode()
    assert f"# Research export {succeeded.pk}" in readme
    assert succeeded.profile_edition and succeeded.profile_edition in readme
    assert "- Participants: 2" in readme and "- DICOM files: 4" in readme
    assert "- Research consent withdrawn: 1 participant(s)" in readme
    assert "Retain Device Identity: no" in readme
    assert any(name.endswith("/data_dictionary.md") for name in members)


def test_no_participant_identifier_or_original_uid_is_in_the_package(succeeded, export_world, research_root):
    package = (research_root / succeeded.package_name).read_bytes()
    for state in (GRANTED, REGRANTED):
        patient, study = export_world.patients[state], export_world.studies[state]
        for value in (
            patient.identifier,
            patient.family_name,
            study.study_instance_uid,
            study.accession_number,
        ):
            assert value.encode() not in package
    assert b"Leeds Teaching Hospitals" not in package


def test_the_reidentification_table_and_members_are_kept_in_the_database(succeeded, export_world):
    entries = ReidentificationEntry.objects.filter(job=succeeded)
    assert {e.original_study_uid for e in entries} == {
        export_world.studies[GRANTED].study_instance_uid,
        export_world.studies[REGRANTED].study_instance_uid,
    }
    assert set(succeeded.members.values_list("patient_id", flat=True)) == {
        export_world.patients[GRANTED].pk,
        export_world.patients[REGRANTED].pk,
    }


def test_the_same_key_gives_the_same_pseudonyms_in_a_second_export(
    succeeded, export_world, coordinator_actor
):
    again = requested_and_run(coordinator_actor, export_world.campaign)
    first = set(
        ReidentificationEntry.objects.filter(job=succeeded).values_list(
            "participant_pseudonym", "pseudonymous_study_uid"
        )
    )
    second = set(
        ReidentificationEntry.objects.filter(job=again).values_list(
            "participant_pseudonym", "pseudonymous_study_uid"
        )
    )
    assert first == second


def test_the_export_of_each_participant_is_audited(succeeded, export_world):
    exported = AuditEvent.objects.filter(action=AuditAction.EXPORT, object_type="patient")
    assert set(exported.values_list("object_id", flat=True)) == {
        str(export_world.patients[GRANTED].pk),
        str(export_world.patients[REGRANTED].pk),
    }


def test_no_staging_folder_is_left_behind(succeeded, research_root):
    assert [path.name for path in research_root.iterdir()] == [succeeded.package_name]


def test_retained_characteristics_and_shifted_dates_reach_the_table(
    export_world, coordinator_actor, research_root
):
    job = requested_and_run(
        coordinator_actor,
        export_world.campaign,
        retain_patient_characteristics=True,
        retain_dates_shifted=True,
    )
    assert job.status == ExportStatus.SUCCEEDED, job.error
    rows = clinical_rows(package_members(research_root / job.package_name))
    assert all(row["age"].isdigit() and row["sex"] == "F" and row["study_date"] for row in rows)
    imaged = {export_world.studies[s].study_date.isoformat() for s in (GRANTED, REGRANTED)}
    assert not imaged & {row["study_date"] for row in rows}


def test_a_requested_export_runs_in_process_once_the_request_commits(
    export_world, coordinator_actor, research_root, django_capture_on_commit_callbacks
):
    from tests.research.conftest import requested

    with django_capture_on_commit_callbacks(execute=True):
        job = requested(coordinator_actor, export_world.campaign)
    job.refresh_from_db()
    assert job.status == ExportStatus.SUCCEEDED, job.error
    assert job.events.filter(to_status=ExportStatus.RUNNING).count() == 1


class ObjectStore(FileSystemStorage):
    """The media folder seen as an object store sees it: files to open, no local paths."""

    def path(self, name: str) -> str:
        raise NotImplementedError("no local paths")

    def _open(self, name, mode="rb"):
        return File(open(super().path(name), mode))


def test_an_export_runs_from_a_storage_without_local_paths(
    export_world, coordinator_actor, research_root, settings
):
    """An object store keeps no file on this machine: the export copies each original to its staging."""
    media_root = settings.MEDIA_ROOT
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.ObjectStore", "OPTIONS": {"location": media_root}},
    }

    job = requested_and_run(coordinator_actor, export_world.campaign)

    assert job.status == ExportStatus.SUCCEEDED, job.error
    members = package_members(research_root / job.package_name)
    dicoms = [name for name in members if name.endswith(".dcm")]
    assert len(dicoms) == job.files_included == 4
    for name in dicoms:
        assert str(pydicom.dcmread(io.BytesIO(members[name])).StudyInstanceUID).startswith("2.25.")
    assert not list((research_root).glob("**/source-*"))  # the copies went with the staging folder
