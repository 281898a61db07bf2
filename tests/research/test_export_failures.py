"""What goes wrong ends with no package: cancel, a crash and its retry, a file that does not parse
back, and an identifier found by the canary scan."""

import shutil

import pytest

from screening.research import package_builder
from screening.research.export_runner import export_run
from screening.research.export_services import export_cancel, export_retry
from screening.research.models import ExportStatus, ReidentificationEntry
from tests.research.conftest import GRANTED, requested, requested_and_run

pytestmark = pytest.mark.django_db


def _no_package_and_no_staging(root) -> bool:
    return not root.exists() or list(root.iterdir()) == []


def test_a_queued_export_cancelled_never_runs(export_world, coordinator_actor, research_root):
    job = requested(coordinator_actor, export_world.campaign)
    export_cancel(actor=coordinator_actor, job=job)
    assert export_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == ExportStatus.CANCELLED
    assert _no_package_and_no_staging(research_root)


def test_a_running_export_stops_between_files_when_cancelled(
    export_world, coordinator_actor, research_root, monkeypatch
):
    job = requested(coordinator_actor, export_world.campaign)
    real = package_builder.deidentify_file
    calls = []

    def deidentify_then_cancel(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            export_cancel(actor=coordinator_actor, job=job)
        return real(*args, **kwargs)

    monkeypatch.setattr(package_builder, "deidentify_file", deidentify_then_cancel)
    assert export_run(job_id=job.pk) == ExportStatus.CANCELLED
    assert len(calls) == 1  # the second file was never started
    assert _no_package_and_no_staging(research_root)
    assert not ReidentificationEntry.objects.filter(job=job).exists()


def test_a_crash_leaves_no_half_package_and_the_retry_builds_a_whole_one(
    export_world, coordinator_actor, research_root, monkeypatch
):
    real = package_builder.deidentify_file
    calls = []

    def crash_on_the_third_file(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(package_builder, "deidentify_file", crash_on_the_third_file)
    job = requested_and_run(coordinator_actor, export_world.campaign)
    assert job.status == ExportStatus.FAILED
    assert "OSError" in job.error and not job.package_name
    assert _no_package_and_no_staging(research_root)
    monkeypatch.setattr(package_builder, "deidentify_file", real)
    export_retry(actor=coordinator_actor, job=job)
    export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.SUCCEEDED, job.error
    assert [path.name for path in research_root.iterdir()] == [job.package_name]
    assert job.files_included == 4


def test_a_staging_folder_left_by_a_killed_worker_is_removed_by_the_next_attempt(
    export_world, coordinator_actor, research_root
):
    job = requested(coordinator_actor, export_world.campaign)
    leftover = research_root / f".staging-{job.pk}-0" / "package"
    leftover.mkdir(parents=True)
    (leftover / "half.dcm").write_bytes(b"half")
    export_run(job_id=job.pk)
    assert not leftover.parent.exists()


def test_an_identifier_left_in_a_file_fails_the_export_with_a_report(
    export_world, coordinator_actor, research_root, monkeypatch
):
    def copy_unchanged(source, destination, **kwargs):
        shutil.copyfile(source, destination)
        return _file_outcome_class()(written=True, withheld_reason=None, sop_instance_uid=None)

    monkeypatch.setattr(package_builder, "deidentify_file", copy_unchanged)
    job = requested_and_run(coordinator_actor, export_world.campaign)
    assert job.status == ExportStatus.FAILED
    assert "canary scan found" in job.error and "No package is offered" in job.error
    assert export_world.patients[GRANTED].family_name not in job.error  # the report names places only
    assert _no_package_and_no_staging(research_root)
    assert not job.members.exists()


def test_an_identifier_typed_into_the_approval_reference_fails_the_export(
    export_world, coordinator_actor, research_root
):
    patient = export_world.patients[GRANTED]
    job = requested_and_run(
        coordinator_actor, export_world.campaign, approval_reference=f"REC {patient.identifier}"
    )
    assert job.status == ExportStatus.FAILED
    assert "README.md" in job.error
    assert _no_package_and_no_staging(research_root)


def test_a_file_that_does_not_parse_back_fails_the_export(
    export_world, coordinator_actor, research_root, monkeypatch
):
    def write_garbage(source, destination, **kwargs):
        destination.write_bytes(b"not a DICOM file")
        return _file_outcome_class()(written=True, withheld_reason=None, sop_instance_uid=None)

    monkeypatch.setattr(package_builder, "deidentify_file", write_garbage)
    job = requested_and_run(coordinator_actor, export_world.campaign)
    assert job.status == ExportStatus.FAILED
    assert "did not parse back" in job.error
    assert _no_package_and_no_staging(research_root)


def _file_outcome_class():
    from screening.research.deid.deidentify import FileOutcome

    return FileOutcome


def test_a_crash_is_logged_without_its_message(
    export_world, coordinator_actor, research_root, monkeypatch, caplog
):
    def fail_with_a_path(source, destination, **kwargs):
        raise OSError(f"cannot read {source}")

    monkeypatch.setattr(package_builder, "deidentify_file", fail_with_a_path)
    job = requested_and_run(coordinator_actor, export_world.campaign)
    assert job.status == ExportStatus.FAILED
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "OSError" in logged and "fail_with_a_path" in logged
    assert export_world.studies[GRANTED].study_instance_uid not in caplog.text
