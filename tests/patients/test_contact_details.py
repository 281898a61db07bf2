"""Dates round-trip through the forms; UK postcodes and phone numbers are checked on every path."""

from datetime import date
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from screening.campaigns.forms import CampaignForm
from screening.patients.contact_details import phone_normalised, postcode_normalised
from screening.patients.forms import PatientEditForm, PatientSearchForm
from screening.patients.models import Patient
from screening.patients.patient_import_services import patient_import_commit, patient_import_preview
from tests.factories import PatientFactory, _nhs_number

pytestmark = pytest.mark.django_db

BAD_POSTCODE = "NOT A POSTCODE"
BAD_PHONE = "call me maybe"
POSTCODE_ERROR = "Not a UK postcode"
PHONE_ERROR = "Not a UK phone number"


class _FormFields(HTMLParser):
    """The values a browser would post back from a page's form, by field name."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.types: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and named.get("name"):
            self.values[named["name"]] = named.get("value") or ""
            self.types[named["name"]] = named.get("type") or "text"
        elif tag == "select":
            self._select = named.get("name")
        elif tag == "option" and self._select and "selected" in named:
            self.values[self._select] = named.get("value") or ""


def _form_fields(html: str) -> _FormFields:
    parser = _FormFields()
    parser.feed(html)
    return parser


def test_the_edit_page_shows_the_date_of_birth_so_saving_unchanged_succeeds(coordinator_client):
    patient = PatientFactory(date_of_birth=date(1955, 12, 1), phone="0113 496 0000")
    url = reverse("patients:edit", args=[patient.pk])

    fields = _form_fields(coordinator_client.get(url).content.decode())
    assert fields.types["date_of_birth"] == "date"
    assert fields.values["date_of_birth"] == "1955-12-01"
    response = coordinator_client.post(url, fields.values)

    assert response.status_code == 302, response.content.decode()
    assert Patient.objects.get(pk=patient.pk).date_of_birth == date(1955, 12, 1)


def test_every_date_input_of_every_form_is_written_iso():
    forms = [
        PatientEditForm(initial={"date_of_birth": date(1955, 12, 1)}),
        PatientSearchForm(initial={"date_of_birth": date(1955, 12, 1)}),
        CampaignForm(initial={"start_date": date(2025, 1, 2), "end_date": date(2025, 12, 1)}),
    ]
    date_fields = [field for form in forms for field in form if field.field.widget.input_type == "date"]

    assert len(date_fields) == 4
    for field in date_fields:
        assert 'value="1955-12-01"' in str(field) or 'value="2025-' in str(field)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("  ls1   4ap ", "LS1 4AP"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("m1 1ae", "M1 1AE"),
        ("b338th", "B33 8TH"),
        ("cr26xh", "CR2 6XH"),
        ("dn551pt", "DN55 1PT"),
        ("W1A0AX", "W1A 0AX"),
        ("gir0aa", "GIR 0AA"),
        ("", ""),
    ],
)
def test_uk_postcodes_are_written_in_capitals_with_one_space(typed, stored):
    assert postcode_normalised(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0113 496 0000", "0113 496 0000"),
        ("01134960000", "0113 496 0000"),
        ("+44 113 496 0000", "0113 496 0000"),
        ("+44 (0)20 7946 0018", "020 7946 0018"),
        ("0044 7700 900123", "07700 900123"),
        ("07700-900-123", "07700 900123"),
        ("(01632) 960123", "01632 960123"),
        ("0800 123456", "0800 123456"),
        ("0300 123 4567", "0300 123 4567"),
        ("", ""),
    ],
)
def test_uk_phone_numbers_are_written_in_the_national_form(typed, stored):
    assert phone_normalised(typed) == stored


def _registration(**overrides: str) -> dict[str, str]:
    return {
        "identifier": "943 476 5919",
        "issuer": "NHS",
        "family_name": "Okafor",
        "given_name": "Ada",
        "date_of_birth": "1965-04-12",
        "sex": "F",
        **overrides,
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", BAD_POSTCODE, POSTCODE_ERROR),
        ("postcode", "SW1A 1A", POSTCODE_ERROR),
        ("postcode", "QQ1 1AA", POSTCODE_ERROR),
        ("phone", BAD_PHONE, PHONE_ERROR),
        ("phone", "0113", PHONE_ERROR),
        ("phone", "+33 1 23 45 67 89", PHONE_ERROR),
        ("phone", "07700 900123 4", PHONE_ERROR),
    ],
)
def test_the_register_form_refuses_a_bad_postcode_or_phone(coordinator_client, field, value, message):
    response = coordinator_client.post(reverse("patients:create"), _registration(**{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Patient.objects.exists()


def test_the_edit_form_refuses_a_bad_postcode_and_changes_nothing(coordinator_client):
    patient = PatientFactory(date_of_birth=date(1955, 12, 1))
    url = reverse("patients:edit", args=[patient.pk])
    fields = _form_fields(coordinator_client.get(url).content.decode()).values

    response = coordinator_client.post(url, {**fields, "postcode": BAD_POSTCODE, "phone": BAD_PHONE})

    page = response.content.decode()
    assert response.status_code == 200
    assert POSTCODE_ERROR in page and PHONE_ERROR in page
    assert Patient.objects.get(pk=patient.pk).postcode == patient.postcode


def test_the_register_form_stores_them_normalised(coordinator_client):
    coordinator_client.post(
        reverse("patients:create"), _registration(postcode="sw1a1aa", phone="+44 7700 900123")
    )

    assert Patient.objects.values_list("postcode", "phone").get() == ("SW1A 1AA", "07700 900123")


def _csv_row(**overrides: str) -> bytes:
    values = {
        "identifier": _nhs_number(10_001),
        "family_name": "Family",
        "given_name": "Given",
        "date_of_birth": "1961-04-23",
        "sex": "F",
        "phone": "0113 496 0000",
        "postcode": "ls1 5ab",
        **overrides,
    }
    return (",".join(values) + "\n" + ",".join(values.values()) + "\n").encode()


def test_the_csv_import_refuses_a_bad_postcode_or_phone(coordinator_actor):
    preview = patient_import_preview(
        actor=coordinator_actor,
        uploaded_file_or_bytes=_csv_row(postcode=BAD_POSTCODE, phone=BAD_PHONE),
        filename="participants.csv",
    )

    assert preview.invalid_count == 1
    problems = {error["field"]: error["message"] for error in preview.errors}
    assert problems["postcode"].startswith(POSTCODE_ERROR)
    assert problems["phone"].startswith(PHONE_ERROR)


def test_the_csv_import_normalises_good_ones(coordinator_actor):
    preview = patient_import_preview(
        actor=coordinator_actor,
        uploaded_file_or_bytes=_csv_row(postcode="ls15ab", phone="+441134960000"),
        filename="participants.csv",
    )
    patient_import_commit(actor=coordinator_actor, patient_import=preview, valid_rows_only=False)

    assert Patient.objects.values_list("postcode", "phone").get() == ("LS1 5AB", "0113 496 0000")


@pytest.fixture
def api(coordinator) -> APIClient:
    client = APIClient()
    client.force_authenticate(coordinator)
    return client


def test_the_api_refuses_a_bad_postcode_or_phone_on_create_and_update(api):
    created = api.post("/api/v1/patients/", _registration(postcode=BAD_POSTCODE, phone=BAD_PHONE))
    assert created.status_code == 400
    assert POSTCODE_ERROR in str(created.json()) and PHONE_ERROR in str(created.json())
    assert not Patient.objects.exists()

    patient = PatientFactory()
    updated = api.patch(f"/api/v1/patients/{patient.pk}/", {"phone": BAD_PHONE}, format="json")
    assert updated.status_code == 400
    assert PHONE_ERROR in str(updated.json())
    assert Patient.objects.get(pk=patient.pk).phone == patient.phone


def test_the_api_stores_them_normalised(api):
    response = api.post("/api/v1/patients/", _registration(postcode="ec1a1bb", phone="020 7946 0018"))

    assert response.status_code == 201
    assert (response.json()["postcode"], response.json()["phone"]) == ("EC1A 1BB", "020 7946 0018")
