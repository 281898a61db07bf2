"""The research export request form: every choice checked against what exists."""

from typing import Any

from django import forms

from screening.campaigns.models import Campaign, EpisodeResult, Programme
from screening.core.date_bounds import plausible_date
from screening.core.form_widgets import DatePickerInput
from screening.inference_jobs.models import TriageBand
from screening.outcomes.episode_truth import TRUTH_LABELS
from screening.research.export_services import ExportRequest

ANY = [("", "Any")]


class ExportRequestForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=Programme.objects.order_by("name"), empty_label=None)
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("-start_date", "name"),
        required=False,
        empty_label="Every campaign of the programme",
    )
    period_start = forms.DateField(
        required=False, widget=DatePickerInput(), label="Imaged from", validators=[plausible_date]
    )
    period_end = forms.DateField(
        required=False, widget=DatePickerInput(), label="Imaged until", validators=[plausible_date]
    )
    truth = forms.ChoiceField(
        choices=ANY + [(truth.value, label) for truth, label in TRUTH_LABELS.items()],
        required=False,
        label="Outcome (truth)",
    )
    ai_band = forms.ChoiceField(
        choices=ANY + [(band.value, band.label) for band in TriageBand], required=False, label="AI band"
    )
    reader_result = forms.ChoiceField(
        choices=ANY + list(EpisodeResult.choices), required=False, label="Final reader decision"
    )
    modality = forms.CharField(max_length=16, required=False, help_text="e.g. MG or CT; empty: any")
    retain_dates_shifted = forms.BooleanField(
        required=False, label="Retain dates, shifted per participant (intervals kept)"
    )
    retain_patient_characteristics = forms.BooleanField(
        required=False, label="Retain patient characteristics (age, sex, size, weight)"
    )
    retain_device_identity = forms.BooleanField(required=False, label="Retain device identity")
    ocr_check = forms.BooleanField(required=False, initial=True, label="OCR check for burned-in text")
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Research purpose")
    approval_reference = forms.CharField(max_length=120, label="Approval reference")

    def clean_modality(self) -> str:
        value: str = self.cleaned_data.get("modality", "").strip().upper()
        if value and not value.isalnum():
            raise forms.ValidationError("A DICOM modality is letters only, e.g. MG.")
        return value

    def export_request(self) -> ExportRequest:
        data: dict[str, Any] = self.cleaned_data
        return ExportRequest(**{name: data[name] for name in ExportRequest.__dataclass_fields__})
