"""Reading page forms: worklist filters, the structured opinion with its findings, skip and amend.

The forms only shape input; what an opinion must say for its programme is checked by the
service (`opinion_rules.opinion_errors`), and its refusals are shown on these forms.
"""

from typing import Any

from django import forms
from django.forms import formset_factory

from screening.campaigns.models import EpisodeResult, Programme
from screening.reading.models import AiAgreement, FindingSide, TriageBand
from screening.reading.opinion_rules import (
    BREAST_DEPTHS,
    BREAST_QUADRANTS,
    LUNG_LOBES,
    NODULE_TYPES,
    STUDY,
    FindingInput,
    OpinionInput,
    category_sides,
)
from screening.reading.worklist_selectors import MAX_WAITING_DAYS

SIDE_LABELS = {"R": "Right breast", "L": "Left breast", STUDY: "Study"}
MAX_FINDINGS = 10


def _choices(values: list[str]) -> list[tuple[str, str]]:
    return [("", "-")] + [(value, value.replace("_", " ")) for value in values]


class WorklistFilterForm(forms.Form):
    campaign = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Campaign")
    band = forms.ChoiceField(
        required=False, choices=[("", "Any band"), *list(TriageBand.choices)], label="AI band"
    )
    waiting_days = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_WAITING_DAYS, label="Waiting more than (days)"
    )
    priors = forms.BooleanField(required=False, label="Priors available")
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, campaigns: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign_field = self.fields["campaign"]
        assert isinstance(campaign_field, forms.ChoiceField)
        campaign_field.choices = [("", "All my campaigns"), *campaigns]


def programme_categories(programme: Programme) -> list[tuple[str, str]]:
    return [(str(c["code"]), str(c["label"])) for c in programme.result_categories]


def normal_category(programme: Programme) -> str:
    """The category a normal read gives (the first that needs no recall), for "sign as normal"."""
    return next((str(c["code"]) for c in programme.result_categories if not c.get("recall")), "")


class OpinionForm(forms.Form):
    """Result, category per side (or per study), AI agreement, comment, and the reader's password."""

    result = forms.ChoiceField(choices=EpisodeResult.choices, widget=forms.RadioSelect, label="Result")
    ai_agreement = forms.ChoiceField(
        required=False,
        choices=[(AiAgreement.AGREE, "Agree"), (AiAgreement.DISAGREE, "Disagree")],
        widget=forms.RadioSelect,
        label="The AI's suggestion",
    )
    ai_disagreement_reason = forms.CharField(
        required=False, max_length=500, label="Why you disagree with the AI"
    )
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Comment")
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        label="Your password, to sign",
    )

    def __init__(self, *args: Any, programme: Programme, ai_shown: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sides = category_sides(programme)
        categories = [("", "-"), *programme_categories(programme)]
        for side in self.sides:
            self.fields[f"category_{side}"] = forms.ChoiceField(
                required=False, choices=categories, label=f"Category: {SIDE_LABELS.get(side, side)}"
            )
        if not ai_shown:
            del self.fields["ai_agreement"], self.fields["ai_disagreement_reason"]

    def category_fields(self) -> list[forms.BoundField]:
        return [self[f"category_{side}"] for side in self.sides]

    def opinion(self, findings: list[FindingInput]) -> OpinionInput:
        data = self.cleaned_data
        return OpinionInput(
            result=data["result"],
            categories={side: data.get(f"category_{side}") or "" for side in self.sides},
            findings=findings,
            ai_agreement=data.get("ai_agreement") or "",
            ai_disagreement_reason=data.get("ai_disagreement_reason") or "",
            comment=data.get("comment") or "",
        )


class AmendmentForm(OpinionForm):
    reason = forms.CharField(max_length=500, label="Reason for the amendment")


class FindingForm(forms.Form):
    """One finding; the location fields shown depend on the programme's modality."""

    category = forms.ChoiceField(required=False, label="Category")
    side = forms.ChoiceField(required=False, choices=[("", "-"), *list(FindingSide.choices)], label="Side")
    quadrant = forms.ChoiceField(required=False, choices=_choices(BREAST_QUADRANTS), label="Quadrant")
    clock_face = forms.IntegerField(required=False, min_value=1, max_value=12, label="Clock face")
    depth = forms.ChoiceField(required=False, choices=_choices(BREAST_DEPTHS), label="Depth")
    lobe = forms.ChoiceField(required=False, choices=_choices(LUNG_LOBES), label="Lobe")
    size_mm = forms.FloatField(required=False, min_value=0.1, max_value=499, label="Size (mm)")
    nodule_type = forms.ChoiceField(required=False, choices=_choices(NODULE_TYPES), label="Type")
    description = forms.CharField(required=False, max_length=500, label="Description")

    BREAST_FIELDS = ("category", "side", "quadrant", "clock_face", "depth", "description")
    LUNG_FIELDS = ("category", "lobe", "size_mm", "nodule_type", "description")

    def __init__(self, *args: Any, programme: Programme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ChoiceField)
        category_field.choices = [
            ("", "-"),
            *((code, code) for code, _label in programme_categories(programme)),
        ]
        shown = {"MG": self.BREAST_FIELDS, "CT": self.LUNG_FIELDS}.get(
            programme.modality.upper(), ("category", "description")
        )
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]

    def finding(self) -> FindingInput | None:
        """The finding as the service takes it; None for a row left empty."""
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        if not data:
            return None
        return FindingInput(**data)


FindingFormSet = formset_factory(FindingForm, extra=1, max_num=MAX_FINDINGS, validate_max=True)


def findings_formset(data: Any, programme: Programme, initial: list[dict[str, Any]] | None = None) -> Any:
    return FindingFormSet(data, initial=initial, prefix="finding", form_kwargs={"programme": programme})


def findings_from(formset: Any) -> list[FindingInput]:
    return [finding for form in formset.forms if (finding := form.finding()) is not None]


class SkipForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Reason for skipping")


def opinion_initial(opinion: Any) -> dict[str, Any]:
    """A signed opinion as the initial values of the amendment form."""
    initial: dict[str, Any] = {
        "result": opinion.result,
        "ai_agreement": opinion.ai_agreement,
        "ai_disagreement_reason": opinion.ai_disagreement_reason,
        "comment": opinion.comment,
    }
    for side, code in (opinion.categories or {}).items():
        initial[f"category_{side}"] = code
    return initial


def findings_initial(opinion: Any) -> list[dict[str, Any]]:
    names = [f.name for f in FindingInput.__dataclass_fields__.values()]
    return [{name: getattr(finding, name) for name in names} for finding in opinion.findings.all()]
