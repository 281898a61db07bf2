"""Links into outcomes from earlier apps' pages: outcomes contributes them, so campaigns and patients
need not import outcomes. `templates/campaigns/episode.html` calls `{% episode_outcome_link episode %}`,
`templates/patients/detail.html` `{% participant_diagnosis_link patient %}`."""

from typing import Any

from django import template

from screening.campaigns.models import Episode, EpisodeResult
from screening.patients.models import Patient

register = template.Library()


@register.inclusion_tag("outcomes/_episode_outcome_link.html", takes_context=True)
def episode_outcome_link(context: template.Context, episode: Episode) -> dict[str, Any]:
    """A link to the outcome page for users who may see outcomes, once the episode has a result."""
    user = context["request"].user
    return {
        "episode": episode,
        "shown": user.has_perm("outcomes.view_outcome")
        and episode.result in (EpisodeResult.ROUTINE, EpisodeResult.RECALL),
        "recalled": episode.result == EpisodeResult.RECALL,
        "may_record": user.has_perm("outcomes.record_outcome"),
    }


@register.inclusion_tag("outcomes/_participant_diagnosis_link.html", takes_context=True)
def participant_diagnosis_link(context: template.Context, patient: Patient) -> dict[str, Any]:
    """A link to record a diagnosis reported for the participant, for users who may record outcomes."""
    return {"patient": patient, "shown": context["request"].user.has_perm("outcomes.record_outcome")}
