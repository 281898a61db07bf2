"""Forms of the reconciliation pages: find a participant, attach to an episode, detach, or reject."""

from django import forms

from screening.imaging.reconciliation_services import REASON_MAX_LENGTH


class ParticipantSearchForm(forms.Form):
    q = forms.CharField(label="Identifier or name", max_length=100, required=False)


class StudyAttachForm(forms.Form):
    """An episode to attach to; where details differ, the confirmation box and the reason."""

    patient = forms.IntegerField(min_value=1)
    episode = forms.IntegerField(min_value=1)
    confirm = forms.BooleanField(required=False)
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, required=False)

    def confirmed_reason(self) -> str:
        """The reason, counted only when the confirmation is ticked (the service asks for it where
        details differ)."""
        return self.cleaned_data["reason"] if self.cleaned_data["confirm"] else ""


class StudyDetachForm(forms.Form):
    reason = forms.CharField(label="Reason for detaching", max_length=REASON_MAX_LENGTH)


class StudyRejectForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=REASON_MAX_LENGTH)
