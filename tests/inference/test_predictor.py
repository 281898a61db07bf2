"""The predictor with the shipped demo models: shapes, heat maps on the lesion, determinism, refusals."""

import numpy as np
import pytest

from inference.heatmaps import heatmap_levels
from inference.predictor import InputError, Predictor, StudyPrediction
from inference.registry import model_card_get, model_load
from inference.synthetic.cohort import cohort_plan, ground_truth_records, write_study
from tests.inference.conftest import SHIPPED_MODELS

TIMING_KEYS = {"load", "preprocess", "inference", "total"}


@pytest.fixture(scope="module")
def lung_predictor():
    predictor = Predictor(model_load(model_card_get(SHIPPED_MODELS, "lung-demo"), device="cpu"))
    yield predictor
    predictor.close()


def _references(files):
    return [(f"instance-{i}", path) for i, path in enumerate(files)]


def test_a_breast_study_gets_calibrated_scores_per_view_breast_and_study(
    breast_predictor, breast_study_files
):
    _, _, files = breast_study_files
    result = breast_predictor.predict_study(_references(files))
    assert isinstance(result, StudyPrediction) and result.programme == "breast" and result.device == "cpu"
    assert (result.model_name, result.model_version) == ("breast-demo", "2.1.0")
    assert 0 <= result.study_score <= 1 and set(result.side_scores) == {"R", "L"}
    assert result.study_score == pytest.approx(max(result.side_scores.values()))
    assert [image.reference for image in result.images] == [f"instance-{i}" for i in range(4)]
    assert {(image.side, image.view) for image in result.images} == {
        ("R", "CC"),
        ("L", "CC"),
        ("R", "MLO"),
        ("L", "MLO"),
    }
    for image in result.images:
        assert image.slice_index is None and 0 <= image.score <= 1
        assert image.heatmap.shape == (256, 208) and image.heatmap.dtype == np.float32  # 512x416 halved
        assert image.heatmap.min() >= 0 and image.heatmap.max() <= 1
    assert set(result.timings_ms) >= TIMING_KEYS


def test_the_heat_map_peaks_on_an_obvious_mass(breast_predictor, breast_study_files):
    _, record, files = breast_study_files
    result = breast_predictor.predict_study(_references(files))
    lesion = record["lesions"][0]
    by_view = {f"{image.side}-{image.view}": image for image in result.images}
    assert (
        result.side_scores[lesion["laterality"]]
        > result.side_scores["L" if lesion["laterality"] == "R" else "R"]
    )
    for position in lesion["positions"]:
        heatmap = by_view[position["view"]].heatmap
        scale = heatmap.shape[0] / record["image_shape"][0]
        peak_row, peak_col = np.unravel_index(np.argmax(heatmap), heatmap.shape)
        distance = np.hypot(peak_row - position["row"] * scale, peak_col - position["col"] * scale)
        assert distance <= position["radius_px"] * scale + 16, (position["view"], distance)


def test_predictions_are_deterministic(breast_predictor, breast_study_files):
    files = _references(breast_study_files[2])
    first, second = breast_predictor.predict_study(files), breast_predictor.predict_study(files)
    assert first.study_score == second.study_score
    for a, b in zip(first.images, second.images, strict=True):
        assert a.score == b.score and np.array_equal(a.heatmap, b.heatmap)


def test_heat_maps_travel_as_8_bit_levels(breast_predictor, breast_study_files):
    heatmap = breast_predictor.predict_study(_references(breast_study_files[2])).images[0].heatmap
    levels = heatmap_levels(heatmap)
    assert levels.dtype == np.uint8 and levels.shape == heatmap.shape
    restored = levels.astype(np.float32) / 255.0
    assert np.abs(restored - heatmap).max() <= 0.5 / 255 + 1e-6


def test_a_mammogram_without_all_four_views_is_refused(breast_predictor, breast_study_files):
    with pytest.raises(InputError, match="lacks the views"):
        breast_predictor.predict_study(_references(breast_study_files[2][:3]))


def test_ct_files_are_refused_by_the_breast_model(breast_predictor, lung_study_files):
    with pytest.raises(InputError):
        breast_predictor.predict_study(_references(lung_study_files[2][:4]))


def test_a_ct_study_gets_a_score_and_a_heat_map_per_slice(lung_predictor, lung_study_files):
    _, _, files = lung_study_files
    result = lung_predictor.predict_study(_references(files[::-1]))
    assert result.programme == "lung" and result.side_scores == {} and len(result.images) == len(files)
    assert [image.slice_index for image in result.images] == list(range(len(files)))
    assert result.images[0].reference == f"instance-{len(files) - 1}"  # the most superior slice comes first
    assert all(image.heatmap.shape == (256, 256) for image in result.images)
    assert all(image.side == "" and image.view == "" for image in result.images)
    assert set(result.timings_ms) >= TIMING_KEYS


@pytest.fixture(scope="module")
def large_nodule_files(tmp_path_factory):
    """(record, files) of a CT study with a solid nodule of at least 15 mm."""
    plan = cohort_plan("lung", 40, 5, 0.5)
    study, record = next(
        (study, record)
        for study, record in zip(plan, ground_truth_records(plan), strict=True)
        if record["lesions"]
        and record["lesions"][0]["kind"] == "solid_nodule"
        and record["lesions"][0]["diameter_mm"] >= 15
    )
    return record, write_study(study, tmp_path_factory.mktemp("large-nodule"))


def test_the_lung_models_most_suspicious_slice_and_its_heat_map_peak_are_on_a_large_nodule(
    lung_predictor, large_nodule_files
):
    record, files = large_nodule_files
    result = lung_predictor.predict_study(_references(files))
    position = record["lesions"][0]["positions"][0]
    top = max(result.images, key=lambda image: image.score)
    assert abs(top.slice_index - position["slice"]) <= 2
    peak_row, peak_col = np.unravel_index(np.argmax(top.heatmap), top.heatmap.shape)
    distance = np.hypot(peak_row - position["row"], peak_col - position["col"])
    assert distance <= position["radius_px"] + 8, distance


def test_too_few_ct_slices_are_refused(lung_predictor, lung_study_files):
    with pytest.raises(InputError, match="at least"):
        lung_predictor.predict_study(_references(lung_study_files[2][:3]))


def test_many_studies_are_scored_in_order_and_a_bad_one_does_not_stop_the_rest(
    breast_predictor, breast_study_files
):
    files = _references(breast_study_files[2])
    results = list(breast_predictor.predict_studies([files, files[:2], files]))
    assert isinstance(results[1], InputError)
    assert (
        results[0].study_score == results[2].study_score == breast_predictor.predict_study(files).study_score
    )
