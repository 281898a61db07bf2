"""The promotion page's forms: the shadow version, a promotion's override and a roll-back's reason."""

from django import forms

REASON_ROWS = 3


class ShadowModelForm(forms.Form):
    model = forms.ChoiceField(label="Version to run in shadow", required=False)

    def __init__(self, *args: object, registered: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["model"].choices = [("", "None (stop the shadow)"), *[(key, key) for key in registered]]  # type: ignore[attr-defined]


class PromoteForm(forms.Form):
    override_reason = forms.CharField(
        label="Override reason (needed only while a criterion is unmet)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": REASON_ROWS}),
    )


class RollBackForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the roll-back", max_length=2000, widget=forms.Textarea(attrs={"rows": REASON_ROWS})
    )
