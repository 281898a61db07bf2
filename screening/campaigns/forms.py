"""Forms of the campaign pages."""

from django import forms
from django.contrib.auth import get_user_model

from screening.campaigns.models import EpisodeResult, EpisodeStatus, Programme, ReadingPolicy
from screening.core.form_widgets import DatePickerInput


class CampaignForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=Programme.objects.all())
    name = forms.CharField(max_length=120)
    site = forms.CharField(max_length=120)
    start_date = forms.DateField(widget=DatePickerInput())
    end_date = forms.DateField(widget=DatePickerInput())
    reading_policy = forms.ChoiceField(choices=ReadingPolicy.choices)
    ai_enabled = forms.BooleanField(required=False, initial=True, label="AI-assisted triage")
    ai_shown_to_readers = forms.BooleanField(
        required=False,
        initial=True,
        label="Show the AI result while reading",
        help_text="Untick for units that read unaided; each read records which way it was done.",
    )


class StaffForm(forms.Form):
    staff = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


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
