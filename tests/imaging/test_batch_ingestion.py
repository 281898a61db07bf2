"""Batch intake: a batch is stored whole in one transaction, idempotent within and across batches."""

import threading

import pytest
from django.db import connection
from pydicom.uid import generate_uid

from screening.core.models import AuditEvent, AuditOutcome
from screening.imaging import batch_ingestion
from screening.imaging.batch_ingestion import intake_file_read
from screening.imaging.cstore_group_commit import StoreGroupCommit
from screening.imaging.ingestion_services import IngestStatus, IntakeFile, instances_ingest
from screening.imaging.models import Instance, IntakeRejection, IntakeSource, Series, Study
from tests.imaging.conftest import dicom_sample, stored_dicom_files


def _files(*datas: bytes) -> list[IntakeFile]:
    return [IntakeFile(data=data, filename=f"{index}.dcm") for index, data in enumerate(datas)]


@pytest.mark.django_db
def test_an_instance_repeated_within_a_batch_is_stored_once_then_reported_already_present(
    intake_actor, media_root
):
    data = dicom_sample()

    outcomes = instances_ingest(actor=intake_actor, source=IntakeSource.UPLOAD, files=_files(data, data))

    assert [outcome.status for outcome in outcomes] == [IngestStatus.STORED, IngestStatus.ALREADY_PRESENT]
    assert outcomes[0].instance.pk == outcomes[1].instance.pk
    assert Instance.objects.count() == 1 and len(stored_dicom_files(media_root)) == 1
    events = AuditEvent.objects.filter(object_type="dicom_instance").order_by("sequence")
    assert [event.detail.get("already_present", False) for event in events] == [False, True]


@pytest.mark.django_db
def test_a_batch_of_one_study_takes_one_study_and_series_and_one_audit_append(intake_actor):
    study_uid, series_uid = generate_uid(), generate_uid()
    datas = [dicom_sample(study_uid=study_uid, series_uid=series_uid) for _ in range(5)]

    outcomes = instances_ingest(actor=intake_actor, source=IntakeSource.CSTORE, files=_files(*datas))

    assert {outcome.status for outcome in outcomes} == {IngestStatus.STORED}
    assert Study.objects.count() == Series.objects.count() == 1
    assert Instance.objects.filter(series__series_instance_uid=series_uid).count() == 5
    events = list(AuditEvent.objects.filter(object_type="dicom_instance"))
    assert len(events) == 5 and len({event.occurred_at for event in events}) == 1  # one append


@pytest.mark.django_db
def test_a_batch_with_refused_files_stores_the_good_ones_and_audits_every_file(intake_actor, media_root):
    good = [dicom_sample(), dicom_sample()]
    files = _files(good[0], b"not dicom at all", good[1], dicom_sample(sop_uid="1.02.3"))

    outcomes = instances_ingest(actor=intake_actor, source=IntakeSource.STOW, files=files)

    assert [(outcome.status, outcome.reason) for outcome in outcomes] == [
        (IngestStatus.STORED, ""),
        (IngestStatus.REJECTED, "not_dicom"),
        (IngestStatus.STORED, ""),
        (IngestStatus.REJECTED, "invalid_uid"),
    ]
    assert Instance.objects.count() == 2 and len(stored_dicom_files(media_root)) == 2
    assert sorted(IntakeRejection.objects.values_list("filename", flat=True)) == ["1.dcm", "3.dcm"]
    failed = AuditEvent.objects.filter(outcome=AuditOutcome.FAILED)
    stored = AuditEvent.objects.filter(outcome=AuditOutcome.SUCCESS, object_type="dicom_instance")
    assert failed.count() == 2 and stored.count() == 2


@pytest.mark.django_db
def test_a_series_already_under_another_study_is_refused_while_the_rest_is_stored(intake_actor):
    series_uid = generate_uid()
    instances_ingest(
        actor=intake_actor, source=IntakeSource.UPLOAD, files=_files(dicom_sample(series_uid=series_uid))
    )

    outcomes = instances_ingest(
        actor=intake_actor,
        source=IntakeSource.UPLOAD,
        files=_files(dicom_sample(series_uid=series_uid), dicom_sample()),
    )

    assert [outcome.status for outcome in outcomes] == [IngestStatus.REJECTED, IngestStatus.STORED]
    assert outcomes[0].reason == "uid_conflict"
    assert IntakeRejection.objects.get().reason == "uid_conflict"
    assert Instance.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_database_failure_mid_batch_leaves_nothing_half_stored(intake_actor, media_root, monkeypatch):
    def failing_append(**kwargs):
        # By now the batch's rows are inserted and its files written.
        assert Instance.objects.count() == 3 and len(stored_dicom_files(media_root)) == 3
        raise RuntimeError("the database went away")

    monkeypatch.setattr(batch_ingestion, "audit_record_many", failing_append)
    files = _files(*(dicom_sample() for _ in range(3)))

    with pytest.raises(RuntimeError):
        instances_ingest(actor=intake_actor, source=IntakeSource.UPLOAD, files=files)

    assert Study.objects.count() == Series.objects.count() == Instance.objects.count() == 0
    assert stored_dicom_files(media_root) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_of_overlapping_instances_store_each_once(intake_actor, media_root):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises whole transactions)")
    study_uid, series_uids = generate_uid(), [generate_uid(), generate_uid()]
    datas = [dicom_sample(study_uid=study_uid, series_uid=series_uids[i % 2]) for i in range(8)]
    statuses: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def sender(order: list[bytes]) -> None:
        try:
            barrier.wait()
            outcomes = instances_ingest(actor=intake_actor, source=IntakeSource.CSTORE, files=_files(*order))
            statuses.extend(outcome.status for outcome in outcomes)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    orders = [datas, list(reversed(datas)), datas[3:] + datas[:3], datas[::2] + datas[1::2]]
    threads = [threading.Thread(target=sender, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    assert statuses.count(IngestStatus.STORED) == 8
    assert statuses.count(IngestStatus.ALREADY_PRESENT) == 24
    assert Study.objects.count() == 1 and Series.objects.count() == 2
    assert Instance.objects.count() == 8 and len(stored_dicom_files(media_root)) == 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_cstores_share_commits_and_each_is_answered_with_its_own_outcome(
    intake_actor, media_root, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises whole transactions)")
    group = StoreGroupCommit()
    datas = [dicom_sample() for _ in range(12)] + [b"garbage"]
    paths = [tmp_path / f"received-{index}.dcm" for index in range(len(datas))]
    for path, data in zip(paths, datas, strict=True):
        path.write_bytes(data)  # as the listener receives a dataset: to a file
    answers: dict[int, str] = {}
    errors: list[BaseException] = []

    def association(indexes: range) -> None:
        try:
            for index in indexes:
                outcome = group.ingest_file(actor=intake_actor, sender="MODALITY", path=paths[index])
                answers[index] = outcome.status
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=association, args=(range(i, len(datas), 4),)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    assert [answers[i] for i in range(12)] == [IngestStatus.STORED] * 12
    assert answers[12] == IngestStatus.REJECTED
    assert Instance.objects.count() == 12 and IntakeRejection.objects.count() == 1


@pytest.mark.django_db
def test_a_failed_shared_commit_is_retried_store_by_store(intake_actor, monkeypatch):
    from screening.imaging import cstore_group_commit

    calls: list[int] = []
    real = cstore_group_commit._group_store

    def flaky(stores):
        calls.append(len(stores))
        if len(stores) > 1:
            raise RuntimeError("one bad batch")
        real(stores)

    monkeypatch.setattr(cstore_group_commit, "_group_store", flaky)
    stores = [
        cstore_group_commit._Store(
            actor=intake_actor, sender="M", read=intake_file_read(IntakeFile(data=dicom_sample()))
        )
        for _ in range(3)
    ]

    cstore_group_commit._batch_store(stores)

    assert calls == [3, 1, 1, 1]
    assert [store.error for store in stores] == [None] * 3
    assert all(store.done and store.outcome.status == IngestStatus.STORED for store in stores)
