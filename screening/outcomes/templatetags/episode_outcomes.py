"""The episode page's link to the episode's outcome: outcomes contributes it, so campaigns need not
import outcomes. `templates/campaigns/episode.html` calls `{% episode_outcome_link episode %}`."""

from typing import Any

from django import template

from screening.campaigns.models import Episode, EpisodeResult

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
