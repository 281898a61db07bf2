"""Which registered model scores a campaign's studies: the one it names, else its programme's model."""

import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from screening.campaigns.models import Campaign

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelChoice:
    name: str
    version: str
    programme: str


def model_root() -> Path:
    return Path(settings.INFERENCE_MODEL_ROOT)


def campaign_model(campaign: Campaign) -> ModelChoice | None:
    """The model card for the campaign (``name`` or ``name:version``; blank: the programme's model)."""
    from inference.registry import ModelRegistryError, model_card_get, registry_scan

    root = model_root()
    try:
        if campaign.ai_model_name:
            name, _, version = campaign.ai_model_name.partition(":")
            card = model_card_get(root, name.strip(), version.strip() or None)
        else:
            names = sorted({c.name for c in registry_scan(root) if c.programme == campaign.programme.code})
            if not names:
                logger.warning("No model registered for programme %s", campaign.programme.code)
                return None
            card = model_card_get(root, names[0])
    except (ModelRegistryError, OSError) as error:
        logger.warning("No usable model for campaign %s: %s", campaign.pk, error)
        return None
    return ModelChoice(name=card.name, version=card.version, programme=card.programme)


def campaign_shadow_model(campaign: Campaign) -> ModelChoice | None:
    """The version the campaign runs in shadow (``name:version``), if any and registered; never its
    active model (a shadow of itself would compare nothing)."""
    from inference.registry import ModelRegistryError, model_card_get

    if not campaign.ai_shadow_model_name:
        return None
    name, _, version = campaign.ai_shadow_model_name.partition(":")
    try:
        card = model_card_get(model_root(), name.strip(), version.strip() or None)
    except (ModelRegistryError, OSError) as error:
        logger.warning("No usable shadow model for campaign %s: %s", campaign.pk, error)
        return None
    shadow = ModelChoice(name=card.name, version=card.version, programme=card.programme)
    return None if shadow == campaign_model(campaign) else shadow
