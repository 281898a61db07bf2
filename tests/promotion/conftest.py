"""Promotion fixtures: the inference tests' registry and captured dispatches, with a shadow version."""

import pytest

from tests.inference_jobs.conftest import model_root, sent  # noqa: F401  (fixtures)
from tests.promotion.shadow_world import shadow_card_write


@pytest.fixture
def registry(model_root, media_in_tmp):  # noqa: F811
    shadow_card_write(model_root)
    return model_root
