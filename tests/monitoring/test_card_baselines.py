"""The model cards' baselines are read once per model root and shared by every caller: read-only."""

import pytest

from screening.monitoring.card_baselines import CardBaseline, card_baselines


def test_the_baselines_read_once_cannot_be_changed_by_a_caller(settings, tmp_path):
    pytest.importorskip("inference.registry")
    settings.INFERENCE_MODEL_ROOT = tmp_path / "models"
    (tmp_path / "models").mkdir()
    baselines = card_baselines()
    with pytest.raises(TypeError):
        baselines["added:1"] = CardBaseline("added:1", 0.5, (), None, None, None)  # type: ignore[index]
    assert "added:1" not in card_baselines()
