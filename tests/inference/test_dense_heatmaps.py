"""Finer heat maps without retraining: the dense activation map, and cells placed where they lie."""

import numpy as np
import pytest
import torch

from inference.architectures import ChestCtSliceNet, MammographyViewNet
from inference.evaluation.cohort_scoring import cam_rows
from inference.evaluation.localisation import breast_localisation
from inference.heatmaps import cams_over_input
from inference.predictor import Predictor
from inference.registry import model_card_get, model_load
from tests.inference.conftest import SHIPPED_MODELS


@pytest.mark.parametrize("levels", [1, 2, 3])
def test_the_dense_map_is_the_ordinary_map_at_every_coarse_location_and_the_logit_is_unchanged(levels):
    torch.manual_seed(0)
    network = MammographyViewNet(in_channels=2).eval()
    for module in network.modules():  # BatchNorm statistics as after training, not the identity
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 2.0)
    images = torch.rand(2, 2, 256, 208)  # 208 columns: the pools drop an odd remainder
    with torch.inference_mode():
        logits, cam = network(images)
        network.dense_levels = levels
        dense_logits, dense = network(images)
    step = 2**levels
    assert dense.shape[-2:] == (cam.shape[-2] * step, cam.shape[-1] * step)
    torch.testing.assert_close(dense[:, ::step, ::step], cam, atol=1e-5, rtol=0)
    torch.testing.assert_close(dense_logits, logits, atol=1e-5, rtol=0)


def test_training_mode_keeps_the_ordinary_map():
    network = ChestCtSliceNet(in_channels=5, widths=(8, 16, 24), dense_levels=1).train()
    _, cam = network(torch.rand(2, 5, 64, 64))
    assert cam.shape[-2:] == (8, 8)


def test_cells_lie_over_the_pixels_they_cover_not_stretched_over_the_input():
    cams = np.zeros((1, 8, 6), dtype=np.float32)
    cams[0, 3, 5] = 1.0  # the last column of cells covers input columns 160-191 of 208
    placed = cams_over_input(cams, (256, 208))
    assert placed.shape == (1, 256, 208)
    row, col = np.unravel_index(np.argmax(placed[0]), placed[0].shape)
    assert 96 <= row < 128 and 160 <= col < 192


def test_a_dense_maps_values_are_placed_at_the_centre_of_the_window_they_score():
    network = MammographyViewNet(in_channels=1, widths=(4, 8, 8, 8, 8), dense_levels=2).eval()
    assert network.dense_shift_cells == 1.5  # a window of 4 fine cells starting at its own
    cams = np.zeros((1, 32, 24), dtype=np.float32)
    cams[0, 20, 4] = 1.0  # = coarse cell (5, 1), centred at input (176, 48)
    placed = cams_over_input(cams, (256, 208), network.dense_shift_cells)
    row, col = np.unravel_index(np.argmax(placed[0]), placed[0].shape)
    assert 168 <= row < 184 and 40 <= col < 56


def test_the_shipped_breast_maps_peak_inside_an_obvious_mass_in_both_views(breast_study_files):
    _, record, files = breast_study_files
    model = model_load(model_card_get(SHIPPED_MODELS, "breast-demo", "2.0.0"), device="cpu")
    assert model.card.architecture_config["dense_levels"] == 2
    predictor = Predictor(model, heatmap_long_side=512)
    try:
        result = predictor.predict_study([(path.stem, path) for path in files])
    finally:
        predictor.close()
    views = breast_localisation(record, result.images, cam_rows(model))
    assert len(views) == 2
    assert all(view.inside for view in views), [(v.view, v.distance_px, v.radius_px) for v in views]
