"""Forms of the campaign pages."""

from typing import Any

from django import forms

from screening.campaigns.campaign_selectors import campaign_staff_candidates
from screening.campaigns.campaign_settings_services import staff_errors, thresholds_error
from screening.campaigns.models import (
    DEFAULT_HIGH_THRESHOLD,
    DEFAULT_LOW_THRESHOLD,
    EpisodeResult,
    EpisodeStatus,
    Programme,
    ReadingPolicy,
)
from screening.core.date_bounds import plausible_date
from screening.core.form_widgets import DatePickerInput

THRESHOLD_ATTRS = {"step": "0.01", "min": "0", "max": "1"}


def _threshold_field(label: str, initial: float, *, required: bool = True) -> forms.FloatField:
    return forms.FloatField(
        required=required,
        min_value=0.0,
        max_value=1.0,
        initial=initial,
        label=label,
        widget=forms.NumberInput(attrs=THRESHOLD_ATTRS),
    )


def _staff_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=campaign_staff_candidates(), required=False, widget=forms.CheckboxSelectMultiple
    )


class _ThresholdsChecked(forms.Form):
    """Checks the AI thresholds together: each within 0..1, the low one below the high one."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("ai_high_suspicion_threshold", "ai_low_suspicion_threshold"):
            if name in data and data[name] is None:  # left empty: the default
                data[name] = self.fields[name].initial
        high, low = data.get("ai_high_suspicion_threshold"), data.get("ai_low_suspicion_threshold")
        if high is not None and low is not None:
            for field, messages in thresholds_error(high=high, low=low).items():
                self.add_error(field, messages)
        return data


class CampaignForm(_ThresholdsChecked):
    programme = forms.ModelChoiceField(queryset=Programme.objects.all())
    name = forms.CharField(max_length=120)
    site = forms.CharField(max_length=120)
    start_date = forms.DateField(widget=DatePickerInput(), validators=[plausible_date])
    end_date = forms.DateField(widget=DatePickerInput(), validators=[plausible_date])
    reading_policy = forms.ChoiceField(choices=ReadingPolicy.choices)
    ai_enabled = forms.BooleanField(required=False, initial=True, label="AI-assisted triage")
    ai_shown_to_readers = forms.BooleanField(
        required=False,
        initial=True,
        label="Show the AI result while reading",
        help_text="Untick for units that read unaided; each read records which way it was done.",
    )
    ai_high_suspicion_threshold = _threshold_field(
        "AI high-suspicion threshold", DEFAULT_HIGH_THRESHOLD, required=False
    )
    ai_low_suspicion_threshold = _threshold_field(
        "AI low-suspicion threshold", DEFAULT_LOW_THRESHOLD, required=False
    )


class CampaignSettingsForm(_ThresholdsChecked):
    """A campaign's reading settings and staff; episodes already imaged keep what they recorded."""

    reading_policy = forms.ChoiceField(choices=ReadingPolicy.choices)
    ai_high_suspicion_threshold = _threshold_field("AI high-suspicion threshold", DEFAULT_HIGH_THRESHOLD)
    ai_low_suspicion_threshold = _threshold_field("AI low-suspicion threshold", DEFAULT_LOW_THRESHOLD)
    ai_shown_to_readers = forms.BooleanField(
        required=False,
        label="Show the AI result while reading",
        help_text="Untick for units that read unaided.",
    )
    ai_expected_prevalence = forms.FloatField(
        required=False,
        min_value=0.0001,
        max_value=0.9999,
        label="AI expected prevalence",
        help_text=(
            "Share of studies expected to hold a finding (e.g. 0.02). AI scores are then shown as "
            "probabilities at it; left empty, readers are told the score is not a probability."
        ),
    )
    staff = _staff_field()

    def clean_staff(self) -> list[Any]:
        staff = list(self.cleaned_data["staff"])
        if problems := staff_errors(staff=staff):
            raise forms.ValidationError(problems)
        return staff


class StaffForm(forms.Form):
    staff = _staff_field()


class InviteForm(forms.Form):
    """Invite everyone eligible, or the participants ticked on the page."""

    patient_ids = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    invite_all = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # Eligibility is checked by the service; any integer may be posted here.
        self.fields["patient_ids"].valid_value = lambda value: True  # type: ignore[attr-defined]


class EpisodeTransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=EpisodeStatus.choices)
    # Routine and recall results come only from signed reads; a person records a technical recall.
    result = forms.ChoiceField(
        choices=[("", "-"), (EpisodeResult.TECHNICAL_RECALL, EpisodeResult.TECHNICAL_RECALL.label)],
        required=False,
    )
    note = forms.CharField(max_length=500, required=False)
