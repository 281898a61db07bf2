"""DICOMweb as a PACS or script uses it: dicomweb-client against the live server, with credentials."""

from io import BytesIO
from urllib.parse import urlparse

import pydicom
import pytest
import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from requests.auth import HTTPBasicAuth

from screening.core.actors import Actor
from screening.core.api_token_services import api_token_issue
from screening.core.models import AuditEvent
from screening.imaging.dicomweb.multipart import MultipartError, multipart_parse
from screening.imaging.models import Instance, IntakeSource, Study
from tests.factories import PASSWORD, CampaignFactory, EpisodeFactory

pytestmark = pytest.mark.django_db(transaction=True)

PIXEL_DATA = "7FE00010"


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


_OPEN_SESSIONS: list[requests.Session] = []


@pytest.fixture(autouse=True)
def _close_sessions():
    """Kept-alive connections hold a live-server thread, and its database connection, open."""
    yield
    while _OPEN_SESSIONS:
        _OPEN_SESSIONS.pop().close()


def _session(user=None) -> requests.Session:
    session = requests.Session()
    _OPEN_SESSIONS.append(session)
    if user is not None:
        session.auth = HTTPBasicAuth(user.username, PASSWORD)
    return session


def _dicomweb(live_server, user=None, session=None) -> DICOMwebClient:
    return DICOMwebClient(url=f"{live_server.url}/dicomweb", session=session or _session(user))


def _sample(name: str = "CT_small.dcm", *, study_uid: str | None = None, **attributes) -> Dataset:
    path = get_testdata_file(name)
    assert path is not None, f"pydicom test file {name} is missing"
    dataset = pydicom.dcmread(path)
    dataset.StudyInstanceUID = study_uid or generate_uid()
    dataset.SeriesInstanceUID = generate_uid()
    dataset.SOPInstanceUID = generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    for keyword, value in attributes.items():
        setattr(dataset, keyword, value)
    return dataset


@pytest.fixture
def stored(live_server, media_in_tmp, coordinator):
    """Two studies sent by STOW-RS: a CT of patient CT-1 in 2024 and an MR of patient MR-2 in 2023."""
    ct = _sample("CT_small.dcm", PatientID="CT-1", StudyDate="20240315", AccessionNumber="ACC1")
    mr = _sample("MR_small.dcm", PatientID="MR-2", StudyDate="20230101", AccessionNumber="ACC2")
    _dicomweb(live_server, coordinator).store_instances([ct, mr])
    return ct, mr


def _in_campaign_of(radiologist, study_uid: str) -> None:
    campaign = CampaignFactory()
    campaign.assigned_staff.add(radiologist)
    Study.objects.filter(study_instance_uid=study_uid).update(episode=EpisodeFactory(campaign=campaign))


def test_stow_stores_every_instance_and_lists_them(live_server, media_in_tmp, coordinator):
    ct, mr = _sample("CT_small.dcm"), _sample("MR_small.dcm")

    response = _dicomweb(live_server, coordinator).store_instances([ct, mr])

    referenced = {item.ReferencedSOPInstanceUID for item in response.ReferencedSOPSequence}
    assert referenced == {ct.SOPInstanceUID, mr.SOPInstanceUID}
    assert "FailedSOPSequence" not in response
    stored = Instance.objects.get(sop_instance_uid=ct.SOPInstanceUID)
    assert stored.source == IntakeSource.STOW
    # dicomweb-client sends its own Host header (without the port): check the path only.
    retrieve_path = urlparse(response.ReferencedSOPSequence[0].RetrieveURL).path
    assert retrieve_path.startswith(f"/dicomweb/studies/{ct.StudyInstanceUID}/series/{ct.SeriesInstanceUID}/")


def _post_stow(live_server, user, datasets_or_bytes, *, study_uid: str | None = None):
    boundary = "test-boundary-42"
    body = b""
    for item in datasets_or_bytes:
        if isinstance(item, Dataset):
            buffer = BytesIO()
            item.save_as(buffer, enforce_file_format=True)
            item = buffer.getvalue()
        body += f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + item + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    url = f"{live_server.url}/dicomweb/studies" + (f"/{study_uid}" if study_uid else "")
    content_type = f'multipart/related; type="application/dicom"; boundary={boundary}'
    return _session(user).post(url, data=body, headers={"Content-Type": content_type})


def test_stow_with_some_parts_refused_answers_202_with_the_failures(live_server, media_in_tmp, coordinator):
    good = _sample()

    response = _post_stow(live_server, coordinator, [good, b"not a DICOM file at all"])

    assert response.status_code == 202
    assert response.headers["Content-Type"] == "application/dicom+json"
    answer = Dataset.from_json(response.json())
    assert [item.ReferencedSOPInstanceUID for item in answer.ReferencedSOPSequence] == [good.SOPInstanceUID]
    assert [item.FailureReason for item in answer.FailedSOPSequence] == [0xC000]


def test_stow_with_every_part_refused_answers_409(live_server, media_in_tmp, coordinator):
    response = _post_stow(live_server, coordinator, [b"garbage", b"more garbage"])

    assert response.status_code == 409
    assert len(Dataset.from_json(response.json()).FailedSOPSequence) == 2


def test_stow_into_a_study_refuses_instances_of_another_study(live_server, media_in_tmp, coordinator):
    named_study = generate_uid()
    other = _sample()

    response = _post_stow(live_server, coordinator, [other], study_uid=named_study)

    assert response.status_code == 409
    assert not Instance.objects.filter(sop_instance_uid=other.SOPInstanceUID).exists()


def test_stow_refuses_a_malformed_body_and_other_media_types(live_server, media_in_tmp, coordinator):
    session = _session(coordinator)
    url = f"{live_server.url}/dicomweb/studies"

    no_boundary = session.post(url, data=b"abc", headers={"Content-Type": "multipart/related"})
    json_parts = session.post(
        url,
        data=b"--b\r\n\r\n{}\r\n--b--",
        headers={"Content-Type": 'multipart/related; type="application/dicom+json"; boundary=b'},
    )

    assert no_boundary.status_code == 400
    assert json_parts.status_code == 415


def test_stow_refuses_a_body_over_the_size_limit(live_server, media_in_tmp, coordinator, settings):
    settings.DICOMWEB_MAX_REQUEST_BYTES = 1000

    response = _post_stow(live_server, coordinator, [_sample()])

    assert response.status_code == 413
    assert not Instance.objects.exists()


def test_qido_searches_studies_by_the_usual_matching_keys(live_server, stored, coordinator):
    ct, mr = stored
    client = _dicomweb(live_server, coordinator)

    def found(**filters):
        return sorted(Dataset.from_json(s).StudyInstanceUID for s in client.search_for_studies(**filters))

    assert found() == sorted([ct.StudyInstanceUID, mr.StudyInstanceUID])
    assert found(search_filters={"PatientID": "CT-1"}) == [ct.StudyInstanceUID]
    assert found(search_filters={"PatientID": "MR*"}) == [mr.StudyInstanceUID]
    assert found(search_filters={"StudyDate": "20240101-20241231"}) == [ct.StudyInstanceUID]
    assert found(search_filters={"StudyDate": "-20231231"}) == [mr.StudyInstanceUID]
    assert found(search_filters={"ModalitiesInStudy": "MR"}) == [mr.StudyInstanceUID]
    assert found(search_filters={"AccessionNumber": "ACC1"}) == [ct.StudyInstanceUID]
    assert found(search_filters={"StudyInstanceUID": mr.StudyInstanceUID}) == [mr.StudyInstanceUID]
    assert len(client.search_for_studies(limit=1)) == 1
    assert len(client.search_for_studies(limit=1, offset=1)) == 1
    assert client.search_for_studies(offset=2) == []


def test_qido_study_answers_carry_counts_and_patient_attributes(live_server, stored, coordinator):
    [answer] = _dicomweb(live_server, coordinator).search_for_studies(search_filters={"PatientID": "CT-1"})

    study = Dataset.from_json(answer)
    assert study.NumberOfStudyRelatedInstances == 1
    assert study.NumberOfStudyRelatedSeries == 1
    assert study.StudyDate == "20240315"
    assert list(study.ModalitiesInStudy) == ["CT"] or study.ModalitiesInStudy == "CT"


def test_qido_searches_series_and_instances(live_server, stored, coordinator):
    ct, mr = stored
    client = _dicomweb(live_server, coordinator)

    mr_series = client.search_for_series(search_filters={"Modality": "MR"})
    in_ct_study = client.search_for_series(study_instance_uid=ct.StudyInstanceUID)
    instances = client.search_for_instances(
        study_instance_uid=ct.StudyInstanceUID, series_instance_uid=ct.SeriesInstanceUID
    )
    by_sop = client.search_for_instances(search_filters={"SOPInstanceUID": mr.SOPInstanceUID})

    assert [Dataset.from_json(s).SeriesInstanceUID for s in mr_series] == [mr.SeriesInstanceUID]
    assert [Dataset.from_json(s).SeriesInstanceUID for s in in_ct_study] == [ct.SeriesInstanceUID]
    assert [Dataset.from_json(i).SOPInstanceUID for i in instances] == [ct.SOPInstanceUID]
    assert [Dataset.from_json(i).SOPInstanceUID for i in by_sop] == [mr.SOPInstanceUID]


def test_qido_refuses_a_date_it_cannot_read(live_server, stored, coordinator):
    response = _session(coordinator).get(f"{live_server.url}/dicomweb/studies", params={"StudyDate": "March"})

    assert response.status_code == 400


def test_wado_retrieves_the_stored_instance_and_its_study(live_server, stored, coordinator):
    ct, _ = stored
    client = _dicomweb(live_server, coordinator)

    instance = client.retrieve_instance(ct.StudyInstanceUID, ct.SeriesInstanceUID, ct.SOPInstanceUID)
    study = client.retrieve_study(ct.StudyInstanceUID)
    series = client.retrieve_series(ct.StudyInstanceUID, ct.SeriesInstanceUID)

    assert instance.SOPInstanceUID == ct.SOPInstanceUID
    assert instance.PixelData == ct.PixelData
    assert [d.SOPInstanceUID for d in study] == [ct.SOPInstanceUID]
    assert [d.SOPInstanceUID for d in series] == [ct.SOPInstanceUID]


def test_wado_metadata_has_the_attributes_without_pixel_data(live_server, stored, coordinator):
    ct, _ = stored
    client = _dicomweb(live_server, coordinator)

    [metadata] = client.retrieve_study_metadata(ct.StudyInstanceUID)
    instance_metadata = client.retrieve_instance_metadata(
        ct.StudyInstanceUID, ct.SeriesInstanceUID, ct.SOPInstanceUID
    )

    assert PIXEL_DATA not in metadata
    assert Dataset.from_json(metadata).SOPInstanceUID == ct.SOPInstanceUID
    assert Dataset.from_json(metadata).Rows == ct.Rows
    assert instance_metadata == metadata


def test_wado_renders_a_frame_as_png(live_server, stored, coordinator):
    ct, _ = stored
    client = _dicomweb(live_server, coordinator)

    instance_png = client.retrieve_instance_rendered(
        ct.StudyInstanceUID, ct.SeriesInstanceUID, ct.SOPInstanceUID, media_types=("image/png",)
    )
    frame_png = client.retrieve_instance_frames_rendered(
        ct.StudyInstanceUID,
        ct.SeriesInstanceUID,
        ct.SOPInstanceUID,
        frame_numbers=[1],
        media_types=("image/png",),
    )
    missing_frame = _session(coordinator).get(
        f"{live_server.url}/dicomweb/studies/{ct.StudyInstanceUID}/series/{ct.SeriesInstanceUID}"
        f"/instances/{ct.SOPInstanceUID}/frames/2/rendered"
    )

    assert instance_png.startswith(b"\x89PNG")
    assert frame_png.startswith(b"\x89PNG")
    assert missing_frame.status_code == 404


def test_unknown_uids_are_404(live_server, stored, coordinator):
    ct, _ = stored
    session = _session(coordinator)

    study = session.get(f"{live_server.url}/dicomweb/studies/1.2.3.4/metadata")
    instance = session.get(
        f"{live_server.url}/dicomweb/studies/{ct.StudyInstanceUID}/series/{ct.SeriesInstanceUID}/instances/1.2.3"
    )

    assert study.status_code == 404
    assert instance.status_code == 404


def test_without_credentials_every_endpoint_answers_401(live_server, media_in_tmp):
    session = _session()

    search = session.get(f"{live_server.url}/dicomweb/studies")
    store = session.post(
        f"{live_server.url}/dicomweb/studies", data=b"", headers={"Content-Type": "multipart/related"}
    )
    wrong_password = requests.get(
        f"{live_server.url}/dicomweb/studies", auth=HTTPBasicAuth("nobody", "wrong")
    )

    assert search.status_code == 401
    assert search.headers["WWW-Authenticate"].startswith("Basic")
    assert store.status_code == 401
    assert wrong_password.status_code == 401


def test_an_api_token_authenticates_too(live_server, stored, coordinator):
    session = _session()
    issued = api_token_issue(actor=Actor.system("test"), user=coordinator)
    session.headers["Authorization"] = f"Token {issued.key}"

    assert len(_dicomweb(live_server, session=session).search_for_studies()) == 2


def test_auditors_are_refused_dicomweb(live_server, stored, auditor):
    ct, _ = stored
    session = _session(auditor)

    assert session.get(f"{live_server.url}/dicomweb/studies").status_code == 403
    assert session.get(f"{live_server.url}/dicomweb/studies/{ct.StudyInstanceUID}").status_code == 403
    assert _post_stow(live_server, auditor, [_sample()]).status_code == 403


def test_radiologists_find_and_retrieve_only_their_campaigns_studies(live_server, stored, radiologist):
    ct, mr = stored
    _in_campaign_of(radiologist, ct.StudyInstanceUID)
    client = _dicomweb(live_server, radiologist)

    found = [Dataset.from_json(s).StudyInstanceUID for s in client.search_for_studies()]
    out_of_scope_search = client.search_for_instances(search_filters={"SOPInstanceUID": mr.SOPInstanceUID})
    out_of_scope = _session(radiologist).get(
        f"{live_server.url}/dicomweb/studies/{mr.StudyInstanceUID}/metadata"
    )

    assert found == [ct.StudyInstanceUID]
    assert out_of_scope_search == []
    assert out_of_scope.status_code == 404
    assert client.retrieve_instance(ct.StudyInstanceUID, ct.SeriesInstanceUID, ct.SOPInstanceUID).PixelData
    assert AuditEvent.objects.filter(actor_username=radiologist.username, outcome="denied").exists()


def test_radiologists_cannot_store(live_server, media_in_tmp, radiologist):
    assert _post_stow(live_server, radiologist, [_sample()]).status_code == 403


def test_searches_and_retrievals_are_audited_without_search_terms(live_server, stored, coordinator):
    ct, _ = stored
    client = _dicomweb(live_server, coordinator)

    client.search_for_studies(search_filters={"PatientID": "CT-1"})
    client.retrieve_study_metadata(ct.StudyInstanceUID)

    search = AuditEvent.objects.filter(action="search", actor_username=coordinator.username).latest(
        "sequence"
    )
    view = AuditEvent.objects.filter(action="view", actor_username=coordinator.username).latest("sequence")
    assert "CT-1" not in str(search.detail)
    assert search.detail["keys"] == ["PatientID"]
    assert view.object_id == str(Study.objects.get(study_instance_uid=ct.StudyInstanceUID).pk)


def test_multipart_parser_reads_quoted_boundaries_and_preambles():
    body = (
        b"preamble\r\n--abc\r\nContent-Type: application/dicom\r\n\r\nONE\r\n"
        b"--abc\r\n\r\nTWO\r\n--abc--\r\nepilogue"
    )

    parts = multipart_parse(body, 'multipart/related; type="application/dicom"; boundary="abc"')

    assert [bytes(p.body) for p in parts] == [b"ONE", b"TWO"]
    assert parts[0].content_type.media_type == "application/dicom"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"--abc\r\n\r\nONE", "multipart/related; boundary=abc"),  # no closing boundary
        (b"nothing here", "multipart/related; boundary=abc"),
        (b"--abc\r\n\r\nONE\r\n--abc--", "multipart/form-data; boundary=abc"),
        (b"--abc\r\nno colon\r\n\r\nONE\r\n--abc--", "multipart/related; boundary=abc"),
    ],
)
def test_multipart_parser_refuses_malformed_bodies(body, content_type):
    with pytest.raises(MultipartError):
        multipart_parse(body, content_type)


def test_multipart_parser_limits_the_number_of_parts():
    body = b"".join(b"--b\r\n\r\nX\r\n" for _ in range(5)) + b"--b--"

    with pytest.raises(MultipartError):
        multipart_parse(body, "multipart/related; boundary=b", max_parts=4)
    assert len(multipart_parse(body, "multipart/related; boundary=b", max_parts=5)) == 5
