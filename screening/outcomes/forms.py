"""Forms of the outcome pages; the services do the real validation."""

from typing import Any, cast

from django import forms

from screening.core.date_bounds import plausible_date
from screening.outcomes.models import (
    AssessmentOutcome,
    LungFollowUp,
    NodalStatus,
    NoduleOutcome,
    PathologyKind,
    Side,
)

DATE = forms.DateInput(attrs={"type": "date"})
REASON_HELP = "Only for a correction of what is already recorded: why it changes"
BREAST_ONLY = ("grade", "nodal_status")
LUNG_ONLY = ("lung_rads_follow_up", "nodule_outcome", "stage")


def _blank_first(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "-"), *choices]


class AssessmentForm(forms.Form):
    outcome = forms.ChoiceField(choices=AssessmentOutcome.choices, label="Assessment outcome")
    attended_on = forms.DateField(
        required=False, widget=DATE, label="Attended on", validators=[plausible_date]
    )
    site = forms.CharField(required=False, max_length=120, label="Assessment site")
    reason = forms.CharField(
        required=False, max_length=500, label="Reason for a correction", help_text=REASON_HELP
    )


class PathologyForm(forms.Form):
    """Pathology of one lesion: the breast form has a side (the page shows one per side), the lung
    form the Lung-RADS follow-up, the nodule outcome and the stage."""

    side = forms.CharField(required=False, max_length=1, widget=forms.HiddenInput)
    lesion = forms.IntegerField(min_value=1, max_value=20, initial=1, label="Lesion")
    kind = forms.ChoiceField(choices=PathologyKind.choices, label="Pathology")
    diagnosed_on = forms.DateField(
        required=False, widget=DATE, label="Pathology date", validators=[plausible_date]
    )
    invasive_size_mm = forms.FloatField(required=False, min_value=0.1, label="Invasive size (mm)")
    grade = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "-"), ("1", "1"), ("2", "2"), ("3", "3")]
    )
    nodal_status = forms.ChoiceField(
        required=False, choices=_blank_first(NodalStatus.choices), label="Nodal status"
    )
    lung_rads_follow_up = forms.ChoiceField(
        required=False, choices=_blank_first(LungFollowUp.choices), label="Lung-RADS follow-up"
    )
    nodule_outcome = forms.ChoiceField(
        required=False, choices=_blank_first(NoduleOutcome.choices), label="Nodule outcome"
    )
    stage = forms.CharField(required=False, max_length=16, label="Stage")
    reason = forms.CharField(
        required=False, max_length=500, label="Reason for a correction", help_text=REASON_HELP
    )

    def __init__(self, *args: Any, per_side: bool, side: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"pathology-{side or 'nodule'}")
        kwargs.setdefault("initial", {"side": side, "lesion": 1})
        super().__init__(*args, **kwargs)
        self.side_code = side
        self.side_label = {"R": "Right breast", "L": "Left breast"}.get(side, "Nodule")
        for name in LUNG_ONLY if per_side else (*BREAST_ONLY,):
            del self.fields[name]
        if not per_side:
            kind = cast(forms.ChoiceField, self.fields["kind"])
            kind.choices = [c for c in PathologyKind.choices if c[0] != PathologyKind.DCIS]
            self.fields["invasive_size_mm"].label = "Size (mm)"

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned fields as pathology_record takes them (blank choices as blank strings)."""
        data = dict(self.cleaned_data)
        for name in ("nodal_status", "lung_rads_follow_up", "nodule_outcome", "stage"):
            data[name] = data.get(name) or ""
        data.setdefault("grade", None)
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Reason (entered in error)")


class ParticipantSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Identifier or name")


class ResolveForm(forms.Form):
    patient_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class DiagnosisForm(forms.Form):
    """One diagnosis a coordinator is told of (e.g. an interval cancer a GP reports)."""

    diagnosed_on = forms.DateField(widget=DATE, label="Diagnosis date", validators=[plausible_date])
    kind = forms.ChoiceField(choices=PathologyKind.choices, label="Pathology")
    side = forms.ChoiceField(required=False, choices=Side.choices, label="Side (breast)")
    size_mm = forms.FloatField(required=False, min_value=0.1, label="Size (mm)")
    reporting_source = forms.CharField(
        max_length=120, label="Reported by", help_text="Who reported it, e.g. the participant's GP practice"
    )
