"""Person Names arrive in several character sets and groups; they are stored, shown and searched as sent."""

import importlib
from io import BytesIO

import pydicom
import pytest
from django.apps import apps
from pydicom.data import get_charset_files
from pydicom.uid import generate_uid

from screening.imaging.ingestion_services import IngestStatus, instance_ingest
from screening.imaging.models import IntakeSource, Study
from tests.imaging.conftest import dataset_bytes, dicom_sample

repair = importlib.import_module("screening.imaging.migrations.0002_person_names_repaired")

# pydicom's character set test files: (file, SpecificCharacterSet, the name as sent).
CHARSET_NAMES = [
    ("chrFren.dcm", "ISO_IR 100", "Buc^Jérôme"),
    ("chrH31.dcm", "ISO 2022 IR 87", "Yamada^Tarou=山田^太郎=やまだ^たろう"),
    ("chrX1.dcm", "ISO_IR 192", "Wang^XiaoDong=王^小東"),
]


def _charset_file(name: str) -> bytes:
    """A charset test file with fresh UIDs, so each test stores a study of its own."""
    [path] = get_charset_files(name)
    dataset = pydicom.dcmread(path)
    dataset.StudyInstanceUID = generate_uid()
    dataset.SeriesInstanceUID = generate_uid()
    dataset.SOPInstanceUID = generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    return dataset_bytes(dataset)


def _ingest(data: bytes, intake_actor) -> Study:
    outcome = instance_ingest(actor=intake_actor, source=IntakeSource.CSTORE, data=data)
    assert outcome.status == IngestStatus.STORED, outcome.message
    return Study.objects.get(study_instance_uid=pydicom.dcmread(BytesIO(data)).StudyInstanceUID)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "charset", "expected"), CHARSET_NAMES)
def test_a_person_name_is_stored_as_sent_in_every_character_set(name, charset, expected, intake_actor):
    data = _charset_file(name)
    assert charset in pydicom.dcmread(BytesIO(data)).SpecificCharacterSet

    study = _ingest(data, intake_actor)

    assert study.dicom_patient_name == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sent", ["^John", "Smith^^^^", "Smith^John^^Dr", "=山田^太郎", "Smith^John\\Smyth^Jon"]
)
def test_empty_components_groups_and_several_names_are_kept(sent, intake_actor):
    study = _ingest(dicom_sample(PatientName=sent, SpecificCharacterSet="ISO_IR 192"), intake_actor)

    assert study.dicom_patient_name == sent


def _studies(client, **params):
    response = client.get("/dicomweb/studies", params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_qido_answers_person_names_as_dicom_json_objects(coordinator_client, intake_actor):
    for name, _, _ in CHARSET_NAMES:
        _ingest(_charset_file(name), intake_actor)
    _ingest(dicom_sample(PatientName="Smith^John\\Smyth^Jon"), intake_actor)

    names = [answer["00100010"] for answer in _studies(coordinator_client)]

    assert all(name["vr"] == "PN" for name in names)
    values = [name["Value"] for name in names]
    assert [{"Alphabetic": "Buc^Jérôme"}] in values
    assert [{"Alphabetic": "Yamada^Tarou", "Ideographic": "山田^太郎", "Phonetic": "やまだ^たろう"}] in values
    assert [{"Alphabetic": "Wang^XiaoDong", "Ideographic": "王^小東"}] in values
    assert [{"Alphabetic": "Smith^John"}, {"Alphabetic": "Smyth^Jon"}] in values


@pytest.mark.django_db
def test_qido_survives_a_name_stored_in_the_old_broken_form(coordinator_client, intake_actor):
    study = _ingest(dicom_sample(PatientName="Taylor^Ann"), intake_actor)
    Study.objects.filter(pk=study.pk).update(dicom_patient_name="\\".join("Yamada^Tarou=山田^太郎"))
    _ingest(dicom_sample(PatientName="=山田^太郎", SpecificCharacterSet="ISO_IR 192"), intake_actor)

    names = [answer["00100010"] for answer in _studies(coordinator_client)]

    assert {"Ideographic": "山田^太郎"} in [value for name in names for value in name["Value"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "found"),
    [
        ("Yamada^Tarou", {"Yamada^Tarou=山田^太郎=やまだ^たろう"}),
        ("yamada*", {"Yamada^Tarou=山田^太郎=やまだ^たろう"}),
        ("山田*", {"Yamada^Tarou=山田^太郎=やまだ^たろう"}),
        ("*^J?hn", {"^John", "Smith^John\\Smyth^Jon"}),
        ("Smyth*", {"Smith^John\\Smyth^Jon"}),
        ("Smith*", {"Smith^^^^", "Smith^John\\Smyth^Jon"}),
        ("Smith", {"Smith^^^^"}),  # trailing empty components mean nothing
        ("BUC^JÉRÔME", {"Buc^Jérôme"}),
        (
            "*",
            {
                "Yamada^Tarou=山田^太郎=やまだ^たろう",
                "Buc^Jérôme",
                "^John",
                "Smith^^^^",
                "Smith^John\\Smyth^Jon",
            },
        ),
    ],
)
def test_qido_matches_patient_names_with_wildcards_case_insensitively(
    key, found, coordinator_client, intake_actor
):
    _ingest(_charset_file("chrH31.dcm"), intake_actor)
    _ingest(_charset_file("chrFren.dcm"), intake_actor)
    for sent in ["^John", "Smith^^^^", "Smith^John\\Smyth^Jon"]:
        _ingest(dicom_sample(PatientName=sent), intake_actor)
    by_uid = dict(Study.objects.values_list("study_instance_uid", "dicom_patient_name"))

    for param in ("PatientName", "00100010"):
        answers = _studies(coordinator_client, **{param: key})
        assert {by_uid[answer["0020000D"]["Value"][0]] for answer in answers} == found


@pytest.mark.parametrize(
    ("stored", "repaired"),
    [
        ("T\\a\\y\\l\\o\\r\\^\\A\\n\\n", "Taylor^Ann"),
        ("\\".join("Yamada^Tarou=山田^太郎=やまだ^たろう"), "Yamada^Tarou=山田^太郎=やまだ^たろう"),
        ("^\\J\\o\\h\\n", "^John"),
        ("S\\m\\i\\t\\h\\^\\^\\^\\^", "Smith^^^^"),
        ("v\\a\\n\\ \\D\\y\\k", "van Dyk"),
        # A leading or trailing space was stripped after the join, leaving its backslash.
        ("\\D\\o\\e", "Doe"),
        ("D\\o\\e\\", "Doe"),
        # A non-printable character was dropped after the join, leaving two backslashes.
        ("D\\o\\\\e", "Doe"),
        # Cut at 200 characters: the first 100 characters of the name survive.
        ("\\".join("A" * 150)[:200], "A" * 100),
    ],
)
def test_the_migration_repairs_names_stored_one_character_per_value(stored, repaired):
    assert repair.person_name_repaired(stored) == repaired


@pytest.mark.parametrize(
    "stored",
    ["", "A", "Taylor^Ann", "Smith^John\\Smyth^Jon", "Smith^John\\J", "Yamada^Tarou=山田^太郎", "Smith^^^^"],
)
def test_the_migration_leaves_real_names_alone(stored):
    assert repair.person_name_repaired(stored) == stored


@pytest.mark.django_db
def test_the_migration_repairs_stored_studies_and_only_the_broken_ones(intake_actor):
    broken = _ingest(dicom_sample(PatientName="Taylor^Ann"), intake_actor)
    several = _ingest(dicom_sample(PatientName="Smith^John\\Smyth^Jon"), intake_actor)
    Study.objects.filter(pk=broken.pk).update(dicom_patient_name="T\\a\\y\\l\\o\\r\\^\\A\\n\\n")

    repair._names_repair(apps, None)

    assert Study.objects.get(pk=broken.pk).dicom_patient_name == "Taylor^Ann"
    assert Study.objects.get(pk=several.pk).dicom_patient_name == "Smith^John\\Smyth^Jon"


@pytest.mark.django_db
def test_wado_metadata_answers_the_name_of_the_file_as_a_pn_object(coordinator_client, intake_actor):
    study = _ingest(_charset_file("chrH31.dcm"), intake_actor)

    response = coordinator_client.get(f"/dicomweb/studies/{study.study_instance_uid}/metadata")

    assert response.status_code == 200
    [instance] = response.json()
    assert instance["00100010"]["Value"] == [
        {"Alphabetic": "Yamada^Tarou", "Ideographic": "山田^太郎", "Phonetic": "やまだ^たろう"}
    ]
