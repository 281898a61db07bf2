"""The research exports that held a participant, on the participant's page: research contributes
it, so patients need not import research. `templates/patients/detail.html` calls
`{% participant_research_exports patient %}`."""

from typing import Any

from django import template

from screening.patients.models import Patient
from screening.research.export_selectors import participant_exports

register = template.Library()


@register.inclusion_tag("research/_participant_exports.html", takes_context=True)
def participant_research_exports(context: template.Context, patient: Patient) -> dict[str, Any]:
    """The delivered exports that held the participant, for users who may request exports; a
    warning when the participant has since withdrawn research consent."""
    if not context["request"].user.has_perm("research.request_export"):
        return {"shown": False}
    held = participant_exports(patient=patient)
    return {"shown": bool(held.exports), "held": held}
