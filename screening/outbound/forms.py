"""The destination form (an administrator's page)."""

from django import forms

from screening.outbound.destination_services import DESTINATION_FIELDS
from screening.outbound.models import OutboundDestination


class DestinationForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = OutboundDestination
        fields = DESTINATION_FIELDS
        labels = {
            "ae_title": "AE title",
            "send_ai_results": "Send AI results (SR)",
            "send_heatmaps": "With the heat maps (Secondary Capture)",
            "send_reports": "Send signed episode reports (SR)",
            "on_ai_result_stored": "When an AI result is stored",
            "on_result_signed": "When a result is signed",
            "on_result_amended": "When a signed read is amended",
        }
