"""CSV import of participants: preview row by row, import all or only the valid rows, refuse bad input."""

import logging
import os
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from screening.core.actors import Actor
from screening.core.models import AuditAction, AuditEvent
from screening.core.roles import Role
from screening.patients import patient_import_rows, patient_import_services
from screening.patients.models import (
    ConsentAction,
    ConsentEvent,
    ConsentMethod,
    ConsentScope,
    Patient,
    PatientImport,
    PatientImportStatus,
)
from screening.patients.patient_import_services import (
    patient_import_commit,
    patient_import_discard,
    patient_import_preview,
)
from tests.factories import PatientFactory, UserFactory, _nhs_number

HEADER = (
    "identifier,issuer,family_name,given_name,date_of_birth,sex,email,phone,address,postcode,"
    "consent_screening,consent_ai_reading,consent_research"
)


def _row(n: int, **overrides: str) -> str:
    values = {
        "identifier": _nhs_number(10_000 + n),
        "issuer": "NHS",
        "family_name": f"Family{n}",
        "given_name": f"Given{n}",
        "date_of_birth": "1961-04-23",
        "sex": "F",
        "email": f"p{n}@example.org",
        "phone": "0113 496 0000",
        "address": '"1 Park Row, Leeds"',
        "postcode": "ls1 5ab",
        "consent_screening": "yes",
        "consent_ai_reading": "yes",
        "consent_research": "no",
    }
    values.update(overrides)
    return ",".join(values.values())


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _preview(actor, content: bytes, filename: str = "participants.csv") -> PatientImport:
    return patient_import_preview(actor=actor, uploaded_file_or_bytes=content, filename=filename)


def _nothing_stored() -> bool:
    return not PatientImport.objects.exists() and not Patient.objects.exists()


# --- preview -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_valid_file_is_previewed_without_registering_anyone(coordinator_actor):
    patient_import = _preview(coordinator_actor, _csv(_row(1), _row(2)))
    assert patient_import.status == PatientImportStatus.PREVIEWED
    assert (patient_import.row_count, patient_import.valid_count, patient_import.invalid_count) == (2, 2, 0)
    assert patient_import.errors == []
    assert not Patient.objects.exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="patient_import", object_id=str(patient_import.pk)
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (_row(1, date_of_birth="23/04/1961"), "date_of_birth", "YYYY-MM-DD"),
        (_row(1, date_of_birth="1961-02-30"), "date_of_birth", "not a real date"),
        (_row(1, date_of_birth=""), "date_of_birth", "missing"),
        (_row(1, date_of_birth=(date.today() + timedelta(days=3)).isoformat()), "date_of_birth", "future"),
        (_row(1, identifier="9434765918"), "identifier", "NHS number"),
        (_row(1, sex="X"), "sex", "F, M or O"),
        (_row(1, email="not-an-address"), "email", "e-mail"),
        (_row(1, family_name=""), "family_name", "names are required"),
        (_row(1, consent_research="maybe"), "consent_research", "yes, no or blank"),
        (_row(1, family_name="X" * 101), "family_name", "Longer than 100"),
        ("9434765919,NHS,Short,Row", "", "Expected 13 fields, found 4"),
    ],
)
def test_invalid_row_is_reported_with_row_field_and_reason(coordinator_actor, row, field, message):
    patient_import = _preview(coordinator_actor, _csv(_row(0), row))
    assert (patient_import.valid_count, patient_import.invalid_count) == (1, 1)
    [problem] = [p for p in patient_import.errors if p["field"] == field]
    assert problem["row"] == 3  # the header is row 1, as in a spreadsheet
    assert message.lower() in problem["message"].lower()


@pytest.mark.django_db
def test_identifier_twice_in_the_file_makes_both_rows_invalid(coordinator_actor):
    nhs_number = _nhs_number(5)
    spaced = f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"
    patient_import = _preview(
        coordinator_actor, _csv(_row(1, identifier=nhs_number), _row(2), _row(3, identifier=spaced))
    )
    assert (patient_import.valid_count, patient_import.invalid_count) == (1, 2)
    assert {(p["row"], p["field"]) for p in patient_import.errors} == {(2, "identifier"), (4, "identifier")}
    assert "row 4" in patient_import.errors[0]["message"]


@pytest.mark.django_db
def test_identifier_already_registered_is_an_invalid_row(coordinator_actor):
    registered = PatientFactory()
    patient_import = _preview(coordinator_actor, _csv(_row(1, identifier=registered.identifier), _row(2)))
    assert patient_import.invalid_count == 1
    assert patient_import.errors == [
        {
            "row": 2,
            "field": "identifier",
            "message": "A participant with this identifier is already registered.",
        }
    ]


@pytest.mark.django_db
def test_optional_columns_may_be_left_out_and_a_bom_is_accepted(coordinator_actor):
    header = "Identifier,family_name,given_name,date_of_birth,sex"
    row = f"{_nhs_number(1)},Doe,Jane,1960-01-31,f"
    patient_import = _preview(coordinator_actor, b"\xef\xbb\xbf" + _csv(row, header=header))
    assert (patient_import.valid_count, patient_import.invalid_count) == (1, 0)
    patient_import_commit(actor=coordinator_actor, patient_import=patient_import, valid_rows_only=False)
    patient = Patient.objects.get()
    assert (patient.issuer, patient.sex) == ("NHS", "F")
    assert not ConsentEvent.objects.exists()


# --- file-level refusals: a clear error, nothing stored ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("identifier,family_name\n".encode("utf-16"), "binary"),
        (_csv(_row(1, family_name="Müller")).replace(b"M\xc3\xbcller", b"M\xfcller"), "not UTF-8"),
        (os.urandom(2048).replace(b"\x00", b"") + b"\x00\x01\x02", "binary"),
        (b"\x01\x02\x03garbage\x7f", "control characters"),
        (b"PK\x03\x04" + os.urandom(100), "Excel workbook"),
        (_csv('9434765919,NHS,"Unclosed,Jane,1961-04-23,F,,,,,,,'), "not valid CSV"),
        (b"", "empty"),
        (_csv(), "no participant rows"),
        (_csv(_row(1), header="identifier,family_name,given_name,sex"), "Missing required columns: date_of"),
        (_csv(_row(1), header=HEADER + ",nhs_colour"), "Unknown columns: nhs_colour"),
        (_csv(_row(1), header=HEADER.replace("issuer", "sex")), "more than once: sex"),
        (_csv(_row(1), header=HEADER.replace(",", ";")), "semicolons"),
    ],
    ids=[
        "utf16",
        "latin1",
        "random-binary",
        "control-characters",
        "xlsx",
        "unclosed-quote",
        "empty",
        "header-only",
        "missing-column",
        "unknown-column",
        "repeated-column",
        "semicolons",
    ],
)
def test_unreadable_file_is_refused_with_a_clear_error_and_stores_nothing(
    coordinator_actor, content, message
):
    with pytest.raises(ValidationError) as raised:
        _preview(coordinator_actor, content)
    assert message.lower() in " ".join(raised.value.messages).lower()
    assert _nothing_stored()
    assert not AuditEvent.objects.filter(object_type="patient_import").exists()


@pytest.mark.django_db
def test_file_with_too_many_rows_is_refused(coordinator_actor, settings):
    settings.PATIENT_IMPORT_MAX_ROWS = 2
    with pytest.raises(ValidationError, match="more than 2 participant rows"):
        _preview(coordinator_actor, _csv(_row(1), _row(2), _row(3)))
    assert _nothing_stored()


@pytest.mark.django_db
def test_file_over_the_size_limit_is_refused_before_it_is_read(coordinator_actor, settings):
    settings.PATIENT_IMPORT_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.csv", _csv(_row(1), _row(2)), content_type="text/csv")
    with pytest.raises(ValidationError, match="larger than"):
        patient_import_preview(actor=coordinator_actor, uploaded_file_or_bytes=upload, filename=upload.name)
    assert upload.tell() == 0
    assert _nothing_stored()


@pytest.mark.django_db
def test_spreadsheet_file_name_is_refused(coordinator_actor):
    with pytest.raises(ValidationError, match="CSV UTF-8"):
        _preview(coordinator_actor, _csv(_row(1)), filename="participants.xlsx")
    assert _nothing_stored()


@pytest.mark.django_db
def test_user_without_the_import_right_is_refused_by_the_service(radiologist):
    with pytest.raises(PermissionDenied):
        _preview(Actor.for_user(radiologist), _csv(_row(1)))
    assert _nothing_stored()


# --- commit ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_participants_and_consents_with_an_audit_event_per_participant(
    coordinator_actor, coordinator
):
    patient_import = _preview(coordinator_actor, _csv(_row(1), _row(2, consent_research="yes")))
    done = patient_import_commit(
        actor=coordinator_actor, patient_import=patient_import, valid_rows_only=False
    )

    assert (done.status, done.imported_count, bytes(done.content)) == (PatientImportStatus.IMPORTED, 2, b"")
    patient = Patient.objects.get(identifier=_nhs_number(10_001))
    assert (patient.family_name, patient.date_of_birth, patient.postcode) == (
        "Family1",
        date(1961, 4, 23),
        "LS1 5AB",
    )
    assert patient.address == "1 Park Row, Leeds"
    events = ConsentEvent.objects.all()
    assert events.count() == 5
    assert {e.scope for e in events.filter(patient=patient)} == {
        ConsentScope.SCREENING,
        ConsentScope.AI_READING,
    }
    assert all(e.action == ConsentAction.GRANTED and e.method == ConsentMethod.IMPORT for e in events)
    assert all(e.recorded_by == coordinator for e in events)

    audit = AuditEvent.objects.filter(actor_username=coordinator.username)
    created = set(
        audit.filter(action=AuditAction.CREATE, object_type="patient").values_list("object_id", flat=True)
    )
    assert created == {str(pk) for pk in Patient.objects.values_list("pk", flat=True)}
    granted_with_patient = audit.get(
        action=AuditAction.CREATE, object_type="patient", object_id=str(patient.pk)
    ).detail
    assert granted_with_patient["consents_granted"] == [ConsentScope.AI_READING, ConsentScope.SCREENING]
    summary = audit.get(action=AuditAction.IMPORT)
    assert summary.detail == {"participants": 2, "consent_events": 5, "invalid_rows_skipped": 0}


@pytest.mark.django_db
def test_invalid_row_blocks_full_import_and_stores_nothing(coordinator_actor):
    patient_import = _preview(coordinator_actor, _csv(_row(1), _row(2, sex="Q")))
    with pytest.raises(ValidationError, match="1 rows are invalid"):
        patient_import_commit(actor=coordinator_actor, patient_import=patient_import, valid_rows_only=False)
    patient_import.refresh_from_db()
    assert patient_import.status == PatientImportStatus.PREVIEWED
    assert not Patient.objects.exists()
    assert not ConsentEvent.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT).exists()


@pytest.mark.django_db
def test_importing_only_valid_rows_leaves_the_invalid_ones_out(coordinator_actor):
    patient_import = _preview(coordinator_actor, _csv(_row(1), _row(2, date_of_birth="1961-13-01"), _row(3)))
    done = patient_import_commit(actor=coordinator_actor, patient_import=patient_import, valid_rows_only=True)
    assert done.imported_count == 2
    assert set(Patient.objects.values_list("family_name", flat=True)) == {"Family1", "Family3"}
    assert AuditEvent.objects.get(action=AuditAction.IMPORT).detail["invalid_rows_skipped"] == 1


@pytest.mark.django_db
def test_identifier_registered_after_the_preview_is_caught_at_import(coordinator_actor):
    patient_import = _preview(coordinator_actor, _csv(_row(1), _row(2)))
    PatientFactory(identifier=_nhs_number(10_002))  # registered by someone else meanwhile
    with pytest.raises(ValidationError, match="changed since the preview"):
        patient_import_commit(actor=coordinator_actor, patient_import=patient_import, valid_rows_only=False)
    assert Patient.objects.count() == 1
    patient_import.refresh_from_db()
    assert (patient_import.status, patient_import.invalid_count) == (PatientImportStatus.PREVIEWED, 1)

    done = patient_import_commit(actor=coordinator_actor, patient_import=patient_import, valid_rows_only=True)
    assert done.imported_count == 1
    assert Patient.objects.count() == 2


@pytest.mark.django_db
def test_identifier_registered_during_the_import_rolls_all_of_it_back(coordinator_actor, monkeypatch):
    patient_import = _preview(coordinator_actor, _csv(_row(1), _row(2)))
    PatientFactory(identifier=_nhs_number(10_002))
    # The register was checked a moment before the other registration landed.
    monkeypatch.setattr(patient_import_rows, "registered_identifiers", lambda keys: set())
    with pytest.raises(ValidationError, match="registered while it was being imported"):
        patient_import_commit(actor=coordinator_actor, patient_import=patient_import, valid_rows_only=False)
    assert Patient.objects.count() == 1
    assert not ConsentEvent.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT).exists()
    patient_import.refresh_from_db()
    assert patient_import.status == PatientImportStatus.PREVIEWED


@pytest.mark.django_db
def test_import_cannot_run_twice(coordinator_actor):
    patient_import = _preview(coordinator_actor, _csv(_row(1)))
    patient_import_commit(actor=coordinator_actor, patient_import=patient_import, valid_rows_only=False)
    with pytest.raises(ValidationError, match="already imported"):
        patient_import_commit(actor=coordinator_actor, patient_import=patient_import, valid_rows_only=False)
    assert Patient.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT).count() == 1


@pytest.mark.django_db
def test_only_the_uploader_can_import_or_discard(coordinator_actor):
    patient_import = _preview(coordinator_actor, _csv(_row(1)))
    other = Actor.for_user(UserFactory(username="coordinator2", role=Role.COORDINATOR))
    with pytest.raises(PermissionDenied):
        patient_import_commit(actor=other, patient_import=patient_import, valid_rows_only=False)
    with pytest.raises(PermissionDenied):
        patient_import_discard(actor=other, patient_import=patient_import)
    patient_import.refresh_from_db()
    assert patient_import.status == PatientImportStatus.PREVIEWED
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_discarded_import_deletes_the_file_and_cannot_be_imported(coordinator_actor):
    patient_import = _preview(coordinator_actor, _csv(_row(1)))
    patient_import_discard(actor=coordinator_actor, patient_import=patient_import)
    patient_import.refresh_from_db()
    assert (patient_import.status, bytes(patient_import.content)) == (PatientImportStatus.DISCARDED, b"")
    with pytest.raises(ValidationError, match="already discarded"):
        patient_import_commit(actor=coordinator_actor, patient_import=patient_import, valid_rows_only=True)
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_failure_to_audit_fails_the_import(coordinator_actor, monkeypatch):
    patient_import = _preview(coordinator_actor, _csv(_row(1), _row(2)))

    def broken_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(patient_import_services, "audit_record_many", broken_audit)
    with pytest.raises(RuntimeError):
        patient_import_commit(actor=coordinator_actor, patient_import=patient_import, valid_rows_only=False)
    patient_import.refresh_from_db()
    assert patient_import.status == PatientImportStatus.PREVIEWED
    assert not Patient.objects.exists()
    assert not ConsentEvent.objects.exists()


@pytest.mark.django_db
def test_logs_carry_no_identifying_data(coordinator_actor, caplog):
    caplog.set_level(logging.DEBUG)
    content = _csv(_row(1, family_name="Zebedee", email="zebedee@example.org"), _row(2, sex="Q"))
    patient_import = _preview(coordinator_actor, content)
    patient_import_commit(actor=coordinator_actor, patient_import=patient_import, valid_rows_only=True)
    assert "imported" in caplog.text
    for identifying in ("Zebedee", "zebedee@example.org", _nhs_number(10_001), "1961-04-23", "Park Row"):
        assert identifying not in caplog.text


# --- pages ----------------------------------------------------------------------------------------


def _upload(client, content: bytes, name: str = "participants.csv"):
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(reverse("patients:import"), {"csv_file": upload})


def _confirm(client, patient_import, **data):
    return client.post(reverse("patients:import_confirm", args=[patient_import.pk]), data)


@pytest.mark.django_db
def test_upload_page_documents_the_columns_and_offers_a_sample_header(coordinator_client):
    response = coordinator_client.get(reverse("patients:import"))
    assert response.status_code == 200
    assert HEADER in response.content.decode()
    assert b"consent_ai_reading" in response.content
    assert b'enctype="multipart/form-data"' in response.content


@pytest.mark.django_db
def test_coordinator_uploads_previews_and_imports_through_the_pages(coordinator_client):
    response = _upload(coordinator_client, _csv(_row(1), _row(2)))
    patient_import = PatientImport.objects.get()
    assert response.url == reverse("patients:import_preview", args=[patient_import.pk])

    preview = coordinator_client.get(response.url)
    assert b"Import all 2 rows" in preview.content
    assert b"Family2" in preview.content

    response = _confirm(coordinator_client, patient_import, decision="import_all")
    assert Patient.objects.count() == 2
    assert "2 participants imported" in coordinator_client.get(response.url).content.decode()


@pytest.mark.django_db
def test_preview_page_lists_invalid_rows_and_offers_only_the_explicit_valid_rows_import(coordinator_client):
    _upload(coordinator_client, _csv(_row(1), _row(2, sex="Q"), _row(3)))
    patient_import = PatientImport.objects.get()
    page = coordinator_client.get(
        reverse("patients:import_preview", args=[patient_import.pk])
    ).content.decode()
    assert "Import all" not in page
    assert "Import only the 2 valid rows" in page
    assert 'name="confirm_valid_only"' in page
    assert '<tr class="invalid"><td>3</td><td>sex</td><td>Sex must be F, M or O.</td></tr>' in page
    assert page.count('<span class="badge ok">valid</span>') == 2


@pytest.mark.django_db
def test_preview_page_shows_the_first_200_rows_fifty_to_a_page(coordinator_client):
    _upload(coordinator_client, _csv(*(_row(n) for n in range(1, 251))))
    url = reverse("patients:import_preview", args=[PatientImport.objects.get().pk])
    first = coordinator_client.get(url).content.decode()
    assert "First 200 rows of the file" in first
    assert "Family50<" in first and "Family51<" not in first
    last = coordinator_client.get(url, {"page": 4}).content.decode()
    assert "Family200<" in last and "Family201<" not in last
    assert "Import all 250 rows" in last


@pytest.mark.django_db
def test_valid_rows_import_needs_the_confirmation_box(coordinator_client):
    _upload(coordinator_client, _csv(_row(1), _row(2, sex="Q")))
    patient_import = PatientImport.objects.get()
    response = _confirm(coordinator_client, patient_import, decision="import_valid")
    assert "Tick the box" in coordinator_client.get(response.url).content.decode()
    assert not Patient.objects.exists()

    _confirm(coordinator_client, patient_import, decision="import_valid", confirm_valid_only="yes")
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_forged_full_import_of_a_file_with_invalid_rows_imports_nothing(coordinator_client):
    _upload(coordinator_client, _csv(_row(1), _row(2, sex="Q")))
    patient_import = PatientImport.objects.get()
    response = _confirm(coordinator_client, patient_import, decision="import_all")
    assert "1 rows are invalid" in coordinator_client.get(response.url).content.decode()
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_bad_upload_shows_the_error_and_stores_nothing(coordinator_client):
    response = _upload(coordinator_client, b"identifier,family_name\n\xff\xfe\x00garbage")
    assert response.status_code == 200
    assert b"binary file" in response.content
    assert _nothing_stored()


@pytest.mark.django_db
def test_upload_without_a_file_asks_for_one(coordinator_client):
    response = coordinator_client.post(reverse("patients:import"), {})
    assert b"Choose a CSV file" in response.content
    assert _nothing_stored()


@pytest.mark.django_db
def test_forged_confirm_for_another_users_import_is_not_found_and_imports_nothing(coordinator_client, db):
    other = UserFactory(username="coordinator2", role=Role.COORDINATOR)
    theirs = _preview(Actor.for_user(other), _csv(_row(1)))
    assert _confirm(coordinator_client, theirs, decision="import_all").status_code == 404
    assert _confirm(coordinator_client, theirs, decision="discard").status_code == 404
    assert coordinator_client.get(reverse("patients:import_preview", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == PatientImportStatus.PREVIEWED
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_confirm_of_an_already_imported_file_is_refused_and_imports_nothing_twice(coordinator_client):
    _upload(coordinator_client, _csv(_row(1)))
    patient_import = PatientImport.objects.get()
    _confirm(coordinator_client, patient_import, decision="import_all")
    response = _confirm(coordinator_client, patient_import, decision="import_all")
    assert "already imported" in coordinator_client.get(response.url).content.decode()
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_discard_from_the_preview_page_deletes_the_file(coordinator_client):
    _upload(coordinator_client, _csv(_row(1)))
    patient_import = PatientImport.objects.get()
    response = _confirm(coordinator_client, patient_import, decision="discard")
    assert response.url == reverse("patients:import")
    patient_import.refresh_from_db()
    assert (patient_import.status, bytes(patient_import.content)) == (PatientImportStatus.DISCARDED, b"")
    assert not Patient.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("client_fixture", ["radiologist_client", "auditor_client"])
def test_radiologist_and_auditor_are_refused_every_import_page(client_fixture, request, coordinator_actor):
    client = request.getfixturevalue(client_fixture)
    patient_import = _preview(coordinator_actor, _csv(_row(1)))
    assert client.get(reverse("patients:import")).status_code == 403
    assert _upload(client, _csv(_row(2))).status_code == 403
    assert client.get(reverse("patients:import_preview", args=[patient_import.pk])).status_code == 403
    assert _confirm(client, patient_import, decision="import_all").status_code == 403
    assert PatientImport.objects.count() == 1
    assert not Patient.objects.exists()
