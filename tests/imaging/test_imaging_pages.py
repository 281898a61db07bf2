"""The imaging pages: upload, the study view and its PNGs, the intake dashboard and reconciliation."""

import json
import re
import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from screening.campaigns.models import EpisodeStatus
from screening.core.models import AuditEvent, AuditOutcome
from screening.core.roles import Role
from screening.imaging import views
from screening.imaging.ingestion_services import IngestOutcome, IngestStatus
from screening.imaging.models import Instance, IntakeRejection, IntakeSource, Study, StudyMatch
from tests.factories import CampaignFactory, EpisodeFactory, UserFactory
from tests.imaging.fixtures_pages import (
    dataset_bytes,
    sample_dataset,
    store_sample,
    with_fresh_uids,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]


def dicom_upload(name: str = "CT_small.dcm", filename: str | None = None) -> SimpleUploadedFile:
    data = dataset_bytes(with_fresh_uids(sample_dataset(name)))
    return SimpleUploadedFile(filename or name, data, content_type="application/dicom")


def zip_upload(members: dict[str, bytes]) -> SimpleUploadedFile:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return SimpleUploadedFile("exam.zip", buffer.getvalue(), content_type="application/zip")


def result_rows(html: str) -> list[tuple[str, str]]:
    """(file name, status) per row of the upload results table."""
    body = html.split('id="upload-results-body"', 1)[1].split("</tbody>", 1)[0]
    return [
        (name, status) for status, name in re.findall(r'<tr data-status="(\w+)">\s*<td>([^<]*)</td>', body)
    ]


@pytest.fixture
def matched_study(radiologist):
    """A CT study matched to an episode of a campaign the radiologist reads for."""
    campaign = CampaignFactory()
    campaign.assigned_staff.add(radiologist)
    episode = EpisodeFactory(campaign=campaign, status=EpisodeStatus.IMAGED)
    instance = store_sample("CT_small.dcm")
    study = instance.series.study
    study.patient, study.episode, study.match_status = episode.patient, episode, StudyMatch.MATCHED
    study.save()
    return study


# --- Upload -----------------------------------------------------------------------------------


def test_upload_page_offers_files_and_folders(coordinator_client):
    response = coordinator_client.get(reverse("imaging:upload"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_files"' in html and "multiple" in html
    assert "webkitdirectory" in html
    assert "js/upload.js" in html and "<progress" in html


def test_uploading_a_dicom_file_lists_it_as_stored_then_already_present(coordinator_client):
    upload = dicom_upload()
    data = upload.read()

    first = coordinator_client.post(
        reverse("imaging:upload"), {"files": [SimpleUploadedFile("ct.dcm", data)]}
    )
    again = coordinator_client.post(
        reverse("imaging:upload"), {"files": [SimpleUploadedFile("ct.dcm", data)]}
    )

    assert first.status_code == 200
    assert result_rows(first.content.decode()) == [("ct.dcm", "stored")]
    assert result_rows(again.content.decode()) == [("ct.dcm", "already_present")]
    assert Instance.objects.count() == 1
    study = Study.objects.get()
    assert reverse("imaging:study", args=[study.pk]) in first.content.decode()


def test_uploading_a_zip_and_a_stray_file_reports_each_file(coordinator_client):
    archive = zip_upload(
        {
            "exam/one.dcm": dataset_bytes(with_fresh_uids(sample_dataset("CT_small.dcm"))),
            "exam/two.dcm": dataset_bytes(with_fresh_uids(sample_dataset("MR_small.dcm"))),
        }
    )
    stray = SimpleUploadedFile("notes.txt", b"this is not a DICOM file")

    response = coordinator_client.post(reverse("imaging:upload"), {"files": [archive, stray]})

    rows = result_rows(response.content.decode())
    assert sorted(status for _, status in rows) == ["rejected", "stored", "stored"]
    assert Instance.objects.count() == 2
    assert IntakeRejection.objects.filter(source=IntakeSource.UPLOAD).count() == 1
    rejection = IntakeRejection.objects.get()
    assert rejection.reason in response.content.decode()


def test_upload_answers_json_when_the_script_asks(coordinator_client):
    response = coordinator_client.post(
        reverse("imaging:upload"), {"files": [dicom_upload()]}, headers={"Accept": "application/json"}
    )

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["status"] == "stored" and row["filename"] == "CT_small.dcm"
    assert row["study_url"] == reverse("imaging:study", args=[Study.objects.get().pk])


def test_upload_without_files_or_with_too_many_is_refused(coordinator_client, monkeypatch):
    empty = coordinator_client.post(reverse("imaging:upload"), {})
    assert empty.status_code == 400
    assert "Choose at least one" in empty.content.decode()

    monkeypatch.setattr(views, "UPLOAD_MAX_FILES", 2)
    too_many = coordinator_client.post(
        reverse("imaging:upload"),
        {"files": [dicom_upload(), dicom_upload(), dicom_upload()]},
        headers={"Accept": "application/json"},
    )
    assert too_many.status_code == 400
    assert "at most 2 files" in too_many.json()["error"]
    assert not Instance.objects.exists()


def test_radiologist_may_not_upload(radiologist_client):
    response = radiologist_client.post(reverse("imaging:upload"), {"files": [dicom_upload()]})

    assert response.status_code == 403
    assert not Instance.objects.exists()


# --- Study page -------------------------------------------------------------------------------


def test_coordinator_opens_a_study_and_the_view_is_audited(coordinator_client, matched_study):
    response = coordinator_client.get(reverse("imaging:study", args=[matched_study.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    instance = Instance.objects.get(series__study=matched_study)
    assert reverse("imaging:frame_png", args=[instance.pk, 0]) in html
    assert instance.transfer_syntax_uid in html
    assert AuditEvent.objects.filter(
        object_type="study", object_id=str(matched_study.pk), action="view", outcome=AuditOutcome.SUCCESS
    ).exists()


def test_assigned_radiologist_sees_the_study_others_do_not(radiologist_client, auditor_client, matched_study):
    assert radiologist_client.get(reverse("imaging:study", args=[matched_study.pk])).status_code == 200

    other = UserFactory(username="other-reader", role=Role.RADIOLOGIST)
    radiologist_client.force_login(other)
    assert radiologist_client.get(reverse("imaging:study", args=[matched_study.pk])).status_code == 404
    assert AuditEvent.objects.filter(
        object_type="study", object_id=str(matched_study.pk), outcome=AuditOutcome.DENIED
    ).exists()

    assert auditor_client.get(reverse("imaging:study", args=[matched_study.pk])).status_code == 403


def test_mammogram_views_are_hung_rcc_lcc_over_rmlo_lmlo(coordinator_client):
    first = store_sample("MR_small.dcm", modality="MG", laterality="L", view_position="MLO")
    study, series = first.series.study, first.series
    by_view = {"L-MLO": first}
    for laterality, view in [("R", "MLO"), ("L", "CC"), ("R", "CC")]:
        by_view[f"{laterality}-{view}"] = store_sample(
            "MR_small.dcm", study=study, series=series, laterality=laterality, view_position=view
        )

    html = coordinator_client.get(reverse("imaging:study", args=[study.pk])).content.decode()

    grid = html.split('id="mammogram-views"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'data-view="([RL]-\w+)"', grid) == ["R-CC", "L-CC", "R-MLO", "L-MLO"]
    sources = re.findall(r'<img src="/imaging/instances/(\d+)/frames/0\.png', grid)
    assert [int(pk) for pk in sources] == [by_view[v].pk for v in ["R-CC", "L-CC", "R-MLO", "L-MLO"]]


def test_missing_mammogram_view_is_shown_as_not_received(coordinator_client):
    instance = store_sample("MR_small.dcm", modality="MG", laterality="R", view_position="CC")

    html = coordinator_client.get(reverse("imaging:study", args=[instance.series.study.pk])).content.decode()

    assert html.count("Not received") == 3


def test_ct_slices_are_scrolled_by_location_without_script(coordinator_client):
    first = store_sample("CT_small.dcm", slice_location=20.0, instance_number=1)
    study, series = first.series.study, first.series
    lowest = store_sample("CT_small.dcm", study=study, series=series, slice_location=-10.0, instance_number=3)
    middle = store_sample("CT_small.dcm", study=study, series=series, slice_location=5.0, instance_number=2)
    url = reverse("imaging:study", args=[study.pk])

    html = coordinator_client.get(url, {"slice": 2, "window": "lung"}).content.decode()

    assert 'Slice <b id="slice-number">2</b> of 3' in html
    assert f'id="stack-image" src="/imaging/instances/{middle.pk}/frames/0.png?window=lung' in html
    assert "window=lung&amp;slice=3" in html and "window=lung&amp;slice=1" in html
    assert '<option value="lung" selected>' in html
    clamped = coordinator_client.get(url, {"slice": 99}).content.decode()
    assert f'id="stack-image" src="/imaging/instances/{first.pk}/frames/0.png' in clamped
    start = coordinator_client.get(url).content.decode()
    assert f'id="stack-image" src="/imaging/instances/{lowest.pk}/frames/0.png' in start


def test_multiframe_instance_scrolls_through_its_frames(coordinator_client):
    instance = store_sample("emri_small.dcm")

    html = coordinator_client.get(reverse("imaging:study", args=[instance.series.study.pk]), {"slice": 4})

    assert f'src="/imaging/instances/{instance.pk}/frames/3.png' in html.content.decode()
    assert "of 10" in html.content.decode()


# --- PNG endpoint -----------------------------------------------------------------------------


def test_frame_png_is_a_private_png_of_the_requested_size(coordinator_client, matched_study):
    instance = Instance.objects.get(series__study=matched_study)
    url = reverse("imaging:frame_png", args=[instance.pk, 0])

    response = coordinator_client.get(url, {"size": 64, "window": "lung"})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"].startswith("private")
    assert Image.open(BytesIO(response.content)).size == (64, 64)
    bone = coordinator_client.get(url, {"size": 64, "window": "bone"})
    assert bone.content != response.content


def test_images_fetched_without_the_study_page_are_audited_once_as_a_view(coordinator_client, matched_study):
    instance = Instance.objects.get(series__study=matched_study)
    url = reverse("imaging:frame_png", args=[instance.pk, 0])

    for size in (32, 64, 96):
        assert coordinator_client.get(url, {"size": size}).status_code == 200

    views_of_study = AuditEvent.objects.filter(
        object_type="study", object_id=str(matched_study.pk), action="view"
    )
    assert views_of_study.count() == 1
    assert views_of_study.get().detail == {"images": True}


def test_frame_png_refuses_bad_requests_and_foreign_readers(
    coordinator_client, radiologist_client, auditor_client, matched_study
):
    instance = Instance.objects.get(series__study=matched_study)
    url = reverse("imaging:frame_png", args=[instance.pk, 0])

    assert coordinator_client.get(url, {"window": "nonsense"}).status_code == 400
    assert coordinator_client.get(url, {"size": "big"}).status_code == 400
    assert coordinator_client.get(url, {"size": 100_000}).status_code == 400
    assert coordinator_client.get(reverse("imaging:frame_png", args=[instance.pk, 1])).status_code == 404
    assert radiologist_client.get(url).status_code == 200
    assert auditor_client.get(url).status_code == 403
    unassigned = store_sample("CT_small.dcm")
    response = radiologist_client.get(reverse("imaging:frame_png", args=[unassigned.pk, 0]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        object_type="instance", object_id=str(unassigned.pk), outcome=AuditOutcome.DENIED
    ).exists()


# --- Intake -----------------------------------------------------------------------------------


def test_intake_dashboard_shows_arrivals_rejections_and_queue(coordinator_client, radiologist_client):
    store_sample("CT_small.dcm")
    store_sample("MR_small.dcm")
    IntakeRejection.objects.create(
        source=IntakeSource.CSTORE,
        filename="weird.dcm",
        reason="not_dicom",
        message="The file has no DICOM preamble.",
        sender="MODALITY1",
    )

    response = coordinator_client.get(reverse("imaging:intake"))

    html = response.content.decode()
    assert response.status_code == 200
    upload_row = html.split('data-source="upload"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>(\d+)</td>", upload_row)[:2] == ["2", "2"]
    assert "The file has no DICOM preamble." in html and "weird.dcm" in html
    assert "<b>2</b> studies match no participant yet" in html
    assert radiologist_client.get(reverse("imaging:intake")).status_code == 403


# --- Navigation and episode page --------------------------------------------------------------


def test_coordinator_navigation_links_upload_and_intake(coordinator_client, radiologist_client):
    html = coordinator_client.get(reverse("home")).content.decode()
    assert reverse("imaging:upload") in html and reverse("imaging:intake") in html

    other = radiologist_client.get(reverse("home")).content.decode()
    assert reverse("imaging:upload") not in other


def test_episode_page_lists_its_studies(coordinator_client, matched_study):
    html = coordinator_client.get(
        reverse("campaigns:episode", args=[matched_study.episode_id])
    ).content.decode()

    assert reverse("imaging:study", args=[matched_study.pk]) in html


def test_json_rows_are_plain_data():
    # The results script reads these keys; keep them stable.
    outcome = IngestOutcome(IngestStatus.REJECTED, filename="a.dcm", reason="not_dicom", message="No.")

    row = views._outcome_row(outcome, can_view=True)

    assert json.loads(json.dumps(row)) == {
        "filename": "a.dcm",
        "status": "rejected",
        "status_label": "Rejected",
        "reason": "not_dicom",
        "message": "No.",
        "sop_instance_uid": "",
        "study_url": "",
    }
