"""The fine activation map: a top-down path that trains and pools the map at a finer stride."""

import numpy as np
import pytest
import torch

from inference.architectures import ChestCtSliceNet, MammographyViewNet
from inference.evaluation.cohort_scoring import cam_rows
from inference.evaluation.localisation import breast_localisation
from inference.predictor import Predictor
from inference.registry import model_card_get, model_load
from inference.synthetic.cohort import cohort_plan, ground_truth_records, write_study
from inference.training.training_data import TrainingStudy
from inference.training.training_loop import map_loss, peaks_inside
from tests.inference.conftest import SHIPPED_MODELS


@pytest.mark.parametrize("levels", [1, 2, 3])
def test_the_fine_map_is_two_to_the_levels_finer_and_the_logit_pools_it(levels):
    torch.manual_seed(0)
    network = MammographyViewNet(in_channels=2, top_fraction=0.001, fine_levels=levels).eval()
    ordinary = MammographyViewNet(in_channels=2).eval()
    images = torch.rand(3, 2, 256, 208)  # 208 columns: the pools drop an odd remainder
    with torch.inference_mode():
        logits, cam = network(images)
        _, coarse = ordinary(images)
    stride = 32 >> levels  # the map covers every column (the ordinary one drops 208's remainder)
    assert cam.shape[-2:] == (256 // stride, 208 // stride) and coarse.shape[-1] == 208 // 32
    k = max(1, int(cam[0].numel() * 0.001 + 0.5))
    torch.testing.assert_close(logits, cam.flatten(1).topk(k, dim=1).values.mean(dim=1))


def test_the_fine_map_is_the_one_trained():
    network = ChestCtSliceNet(in_channels=5, widths=(8, 16, 24), fine_levels=1).train()
    _, cam = network(torch.rand(2, 5, 64, 64))
    assert cam.shape[-2:] == (16, 16)
    masks = torch.zeros(2, 1, 64, 64)
    masks[0, 0, 20:28, 36:44] = 1.0
    map_loss(cam, masks).backward()
    assert all(parameter.grad is not None for parameter in network.decoder.parameters())


def test_a_network_has_a_dense_map_or_a_fine_one_not_both():
    with pytest.raises(ValueError, match="not both"):
        MammographyViewNet(dense_levels=2, fine_levels=2)


def training_study(label: int, disks=((-1, -1, -1),) * 4) -> TrainingStudy:
    """A 4-view MG study of blank 256 x 208 inputs with the given lesion disks (input pixels)."""
    inputs = np.zeros((4, 2, 256, 208), dtype=np.float16)
    labels = np.array([int(d[2] > 0) for d in disks])
    disks_array = np.array(disks, dtype=np.float32)
    return TrainingStudy(
        "A1", "P1", label, 0, labels, inputs, disks_array, ("R", "R", "L", "L"), "", "", "", ""
    )


def test_peaks_inside_counts_lesion_views_whose_map_peaks_on_the_lesion():
    class Pointer(torch.nn.Module):
        """A stand-in network whose stride-4 map peaks at a fixed cell."""

        def forward(self, images):
            cams = torch.zeros(len(images), 64, 52)
            cams[:, 10, 20] = 5.0  # centre at input pixel (41.5, 81.5)
            return cams.amax(dim=(1, 2)), cams

    on = training_study(label=1, disks=[(40, 80, 6), (-1, -1, -1), (40, 80, 3), (-1, -1, -1)])
    off = training_study(label=1, disks=[(100, 80, 6), (-1, -1, -1), (-1, -1, -1), (-1, -1, -1)])
    assert peaks_inside(Pointer(), [on, off]) == pytest.approx(2 / 3)
    assert peaks_inside(Pointer(), [training_study(0)]) == 0.0


# Fixed studies: the first eight lesion studies of this plan (masses and calcification clusters of
# every size and contrast band), sixteen lesion views.
FIXED_PLAN_SEED, FIXED_LESION_STUDIES = 2118, 8


@pytest.fixture(scope="module")
def fixed_lesion_views(tmp_path_factory):
    plan = cohort_plan("breast", 40, FIXED_PLAN_SEED, 0.5)
    chosen = [(s, r) for s, r in zip(plan, ground_truth_records(plan), strict=True) if r["lesions"]]
    model = model_load(model_card_get(SHIPPED_MODELS, "breast-demo"), device="cpu")
    predictor = Predictor(model, heatmap_long_side=512)  # the original views' size, as evaluate
    folder = tmp_path_factory.mktemp("fixed-breast")
    views = []
    try:
        for study, record in chosen[:FIXED_LESION_STUDIES]:
            files = write_study(study, folder)
            result = predictor.predict_study([(path.stem, path) for path in files])
            views += breast_localisation(record, result.images, cam_rows(model))
    finally:
        predictor.close()
    return model, views


def test_the_shipped_breast_maps_peak_inside_the_lesion_on_fixed_studies(fixed_lesion_views):
    model, views = fixed_lesion_views
    assert model.card.architecture_config["fine_levels"] == 3
    inside = [view for view in views if view.inside]
    assert len(views) == 2 * FIXED_LESION_STUDIES
    assert len(inside) >= 0.8 * len(views), [(v.view, v.distance_px, v.radius_px) for v in views]
