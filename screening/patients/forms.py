"""Forms of the participant pages; the services do the real validation."""

from django import forms

from screening.core.date_bounds import plausible_date
from screening.core.form_widgets import DatePickerInput
from screening.patients.models import ConsentMethod, ConsentScope, Sex


class PatientSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Identifier or name")
    date_of_birth = forms.DateField(
        required=False, widget=DatePickerInput(), label="Date of birth", validators=[plausible_date]
    )


class PatientForm(forms.Form):
    identifier = forms.CharField(max_length=64)
    issuer = forms.CharField(max_length=64, initial="NHS")
    family_name = forms.CharField(max_length=100)
    given_name = forms.CharField(max_length=100)
    date_of_birth = forms.DateField(widget=DatePickerInput())  # patient_services checks its range
    sex = forms.ChoiceField(choices=Sex.choices)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=32, required=False)
    address = forms.CharField(max_length=255, required=False)
    postcode = forms.CharField(max_length=16, required=False)


class PatientEditForm(PatientForm):
    """The same fields less the identifier and issuer, which never change."""

    identifier = None  # type: ignore[assignment]
    issuer = None  # type: ignore[assignment]


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(choices=ConsentScope.choices)
    method = forms.ChoiceField(choices=ConsentMethod.choices, initial=ConsentMethod.WRITTEN)
    note = forms.CharField(max_length=500, required=False)


class OptOutForm(forms.Form):
    reason = forms.CharField(max_length=255)
