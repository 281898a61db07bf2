"""What each episode's AI result and signed reads contribute to the accuracy figures, as SQL
expressions beside `episode_facts` (stored in `EpisodeKpiFacts`), so that the Accuracy and Readers
pages count grouped facts instead of loading reads and scores per episode.

- the AI: the score and "name:version" of the latest AI result of the episode's studies, and the
  high-suspicion threshold and visibility its reads followed (recorded at imaging, else the
  campaign's: `Episode.reading_settings`);
- each reading role (first, second, arbitration): the signer, the signed result (routine, recall or
  technical recall), whether the AI was shown, and the study's category (BI-RADS or Lung-RADS) of
  the current opinion of its latest signed slot.

Refreshed with the other facts: when the episode changes (its result follows its reads) and when
an AI result is stored (``ai_result_stored``).
"""

from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Concat

from screening.inference_jobs.models import InferenceResult
from screening.reading.models import ReadRole, ReadSlot, ReadSlotStatus

STUDY_CATEGORY = KeyTextTransform("study", "current_opinion__categories")
READ_ROLES = (ReadRole.FIRST.value, ReadRole.SECOND.value, ReadRole.ARBITRATION.value)


def _latest_result() -> Any:
    return InferenceResult.objects.filter(study__episode_id=OuterRef("pk")).order_by("-created_at", "-id")


def _recorded_or_campaign(setting: str, field: Any) -> Case:
    return Case(
        When(~Q(reading_policy=""), then=F(setting)), default=F(f"campaign__{setting}"), output_field=field
    )


def _latest_read(role: str) -> Any:
    return ReadSlot.objects.filter(
        episode_id=OuterRef("pk"), role=role, status=ReadSlotStatus.SIGNED, current_opinion__isnull=False
    ).order_by("-id")


def _text(query: Any) -> Coalesce:
    """A text subquery's value, "" when it finds nothing."""
    return Coalesce(Subquery(query, output_field=CharField()), Value(""), output_field=CharField())


def read_fact_columns() -> dict[str, Any]:
    """The AI and read columns of `EpisodeKpiFacts`, over episodes (correlated subqueries)."""
    model = _latest_result().annotate(
        key=Concat("model_name", Value(":"), "model_version", output_field=CharField())
    )
    columns: dict[str, Any] = {
        "ai_score": Subquery(_latest_result().values("study_score")[:1], output_field=FloatField()),
        "ai_model": _text(model.values("key")[:1]),
        "ai_threshold": _recorded_or_campaign("ai_high_suspicion_threshold", FloatField()),
        "ai_shown": _recorded_or_campaign("ai_shown_to_readers", BooleanField()),
    }
    for role in READ_ROLES:
        slot = _latest_read(role)
        columns |= {
            f"{role}_reader": Subquery(slot.values("signed_by_id")[:1], output_field=IntegerField()),
            f"{role}_call": _text(slot.values("current_opinion__result")[:1]),
            f"{role}_ai_shown": Subquery(
                slot.values("current_opinion__ai_shown")[:1], output_field=BooleanField()
            ),
            f"{role}_category": _text(slot.annotate(category=STUDY_CATEGORY).values("category")[:1]),
        }
    return columns
