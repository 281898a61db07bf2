"""Forms of the reconciliation pages: find a participant, attach to an episode, or reject."""

from django import forms

from screening.imaging.reconciliation_services import REASON_MAX_LENGTH


class ParticipantSearchForm(forms.Form):
    q = forms.CharField(label="Identifier or name", max_length=100, required=False)


class StudyAttachForm(forms.Form):
    patient = forms.IntegerField(min_value=1)
    episode = forms.IntegerField(min_value=1)


class StudyRejectForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=REASON_MAX_LENGTH)
