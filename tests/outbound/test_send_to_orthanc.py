"""Results reach a real PACS: the product sends the AI result SR with its heat maps, and the signed
report (a new version after an amendment), by C-STORE to Orthanc, which stores them; checked
through Orthanc's REST API and read back to the same values."""

import highdicom as hd
import pytest

from screening.core.actors import Actor
from screening.outbound.models import OutboundJob, OutboundObject, OutboundStatus
from screening.reading.signoff_services import read_amend
from screening.reading.slot_services import read_slots_open
from tests.factories import PASSWORD
from tests.outbound.conftest import mammogram_study, needs_orthanc, participant, stored_ai_result
from tests.outbound.orthanc_rest import by_sop_class, stored_in_study
from tests.reading.conftest import breast_opinion, reader, sign_read, slot_of

pytestmark = [pytest.mark.django_db, needs_orthanc]
COMPREHENSIVE_3D_SR = "1.2.840.10008.5.1.4.1.1.88.34"
ENHANCED_SR = "1.2.840.10008.5.1.4.1.1.88.22"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


@pytest.fixture
def study(breast_campaign, media_in_tmp):
    return mammogram_study(breast_campaign, participant())


def test_a_stored_ai_result_reaches_the_pacs_as_sr_and_heat_maps(
    destination, study, pacs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = stored_ai_result(study)
    job = OutboundJob.objects.get(study=study)
    assert (job.status, job.payload, job.attempts) == (OutboundStatus.SENT, OutboundObject.AI_RESULT, 1)
    stored = by_sop_class(stored_in_study(pacs, study.study_instance_uid))
    assert {uid: len(items) for uid, items in stored.items()} == {
        COMPREHENSIVE_3D_SR: 1,
        SECONDARY_CAPTURE: 4,
    }
    assert sorted(job.sop_instance_uids) == sorted(
        str(d.SOPInstanceUID) for items in stored.values() for d in items
    )
    (document,) = stored[COMPREHENSIVE_3D_SR]
    assert str(document.PatientID) == study.dicom_patient_id
    report = hd.sr.Comprehensive3DSR.from_dataset(document).content
    (score,) = report.get_image_measurement_groups()[0].get_measurements()
    assert score.value == pytest.approx(result.study_score)
    sources = {str(c.SourceImageSequence[0].ReferencedSOPInstanceUID) for c in stored[SECONDARY_CAPTURE]}
    assert sources == {image.instance.sop_instance_uid for image in result.images.all()}


def test_the_signed_result_and_its_amendment_reach_the_pacs_as_report_versions(
    destination, breast_campaign, study, pacs, django_capture_on_commit_callbacks
):
    destination.on_ai_result_stored = False
    destination.save()
    radiologist = reader("reader1", breast_campaign)
    read_slots_open(actor=Actor.system("test"), study=study)
    with django_capture_on_commit_callbacks(execute=True):
        sign_read(radiologist, slot_of(study), breast_opinion(right="1", left="4"))
    first = OutboundJob.objects.get(study=study)
    assert (first.status, first.payload) == (OutboundStatus.SENT, OutboundObject.EPISODE_REPORT)
    with django_capture_on_commit_callbacks(execute=True):
        read_amend(
            actor=radiologist,
            slot=slot_of(study),
            password=PASSWORD,
            opinion=breast_opinion(right="1", left="5"),
            reason="Spiculated margin seen on review",
        )
    amended = OutboundJob.objects.exclude(pk=first.pk).get(study=study)
    assert amended.status == OutboundStatus.SENT, amended.error
    reports = by_sop_class(stored_in_study(pacs, study.study_instance_uid))[ENHANCED_SR]
    assert len(reports) == 2
    latest = next(r for r in reports if str(r.SOPInstanceUID) == amended.sop_instance_uids[0])
    assert (
        latest.PredecessorDocumentsSequence[0]
        .ReferencedSeriesSequence[0]
        .ReferencedSOPSequence[0]
        .ReferencedSOPInstanceUID
        == first.sop_instance_uids[0]
    )
    assert latest.VerificationFlag == "VERIFIED" and latest.CompletionFlag == "COMPLETE"
    assert str(latest.VerifyingObserverSequence[0].VerifyingObserverName).startswith(
        radiologist.user.last_name or radiologist.user.username
    )
    text = " | ".join(_values(latest.ContentSequence))
    assert "Spiculated margin seen on review" in text
    assert "L: 4" in text and "L: 5" in text  # both versions, the amendment beside the original
    assert "Recall for assessment" in text


def _values(items) -> list[str]:
    """Every text and code meaning of an SR content tree."""
    values = []
    for item in items:
        if "TextValue" in item:
            values.append(str(item.TextValue))
        if "ConceptCodeSequence" in item:
            values.append(str(item.ConceptCodeSequence[0].CodeMeaning))
        values += _values(item.get("ContentSequence", []))
    return values


def test_a_batch_shares_one_association_and_each_job_is_checked_and_recorded_on_its_own(
    destination, breast_campaign, pacs, media_in_tmp, monkeypatch
):
    from pydicom.uid import generate_uid

    from bench.bench_orthanc import free_port
    from screening.core.models import AuditEvent
    from screening.outbound import dicom_sender
    from screening.outbound.job_runner import jobs_send
    from screening.outbound.models import OutboundDestination
    from screening.patients.consent_services import consent_withdraw
    from screening.patients.models import ConsentMethod, ConsentScope
    from tests.outbound.conftest import SYSTEM

    unreachable = OutboundDestination.objects.create(
        name="Old PACS", ae_title="OLDPACS", host="127.0.0.1", port=free_port()
    )
    studies = [mammogram_study(breast_campaign, participant()) for _ in range(3)]
    for study in studies:  # UIDs of their own: the module's PACS holds earlier tests' studies
        study.study_instance_uid = str(generate_uid())
        study.save(update_fields=["study_instance_uid"])
    for study in studies:
        stored_ai_result(study)  # queued for both destinations; sent below, as one batch
    consent_withdraw(
        actor=SYSTEM, patient=studies[1].patient, scope=ConsentScope.AI_READING, method=ConsentMethod.WRITTEN
    )
    associations = []
    opened = dicom_sender._associate
    monkeypatch.setattr(
        dicom_sender, "_associate", lambda peer, classes: associations.append(peer) or opened(peer, classes)
    )
    jobs = list(OutboundJob.objects.order_by("pk"))
    statuses = jobs_send(job_ids=[job.pk for job in jobs])
    expected = {
        (study.pk, dest.pk): OutboundStatus.WITHHELD
        if study == studies[1]
        else (OutboundStatus.SENT if dest == destination else OutboundStatus.RETRY_WAIT)
        for study in studies
        for dest in (destination, unreachable)
    }
    assert statuses == [expected[(job.study_id, job.destination_id)] for job in jobs]
    # One association to the PACS for the whole batch; the unreachable one tried once per job.
    assert [peer.port for peer in associations].count(pacs.dicom_port) == 1
    assert [peer.port for peer in associations].count(unreachable.port) == 2
    sent = [job for job in jobs if expected[(job.study_id, job.destination_id)] == OutboundStatus.SENT]
    assert stored_in_study(pacs, studies[1].study_instance_uid) == []
    for job in sent:
        job.refresh_from_db()
        stored = {str(d.SOPInstanceUID) for d in stored_in_study(pacs, job.study.study_instance_uid)}
        assert len(stored) == 5 and set(job.sop_instance_uids) == stored  # the SR and four heat maps
        assert AuditEvent.objects.filter(
            object_type="outbound_job", object_id=str(job.pk), action="export", outcome="success"
        ).exists()
