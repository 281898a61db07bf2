"""The AI panel of the study page: inference_jobs contributes it, so imaging need not import AI jobs.

`templates/imaging/study.html` calls `{% study_ai_panel study %}`; the read is audited by
`result_selectors.study_ai_get`, as when a view fetched it.
"""

from typing import Any

from django import template

from screening.core.actors import Actor
from screening.imaging.models import Study
from screening.inference_jobs.result_selectors import study_ai_get

register = template.Library()


@register.inclusion_tag("inference_jobs/_study_ai_panel.html", takes_context=True)
def study_ai_panel(context: template.Context, study: Study) -> dict[str, Any]:
    """The study's AI result (score, band, heat maps) or its latest job, for the requesting user."""
    return {"ai": study_ai_get(actor=Actor.from_request(context["request"]), study=study)}
