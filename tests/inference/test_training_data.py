"""Training data for the lung model: labelled slices and disks sit on the nodule; hard negatives."""

import json
import shutil

import numpy as np
import pytest
import torch

from inference.synthetic.cohort import GROUND_TRUTH_FILE
from inference.synthetic.ct_phantom import render_volume
from inference.training.training_data import TrainingStudy, cohort_read
from inference.training.training_loop import (
    NEGATIVES_PER_POSITIVE,
    TrainingConfig,
    _batch,
    _epoch_samples,
    _hard_negatives,
)

CT_SPEC = {"rows": 128, "cols": 128, "channels": 3, "half_depth": 1, "min_slices": 8}


@pytest.fixture(scope="module")
def nodule_excess(lung_study_files):
    """HU the nodule adds to each voxel: the study rendered with and without it."""
    study, _, _ = lung_study_files
    nodules = [lesion.phantom for lesion in study.lesions]
    with_nodule = render_volume(study.anatomy, np.random.default_rng([study.seed, 0]), nodules=nodules)
    without = render_volume(study.anatomy, np.random.default_rng([study.seed, 0]))
    return with_nodule.hu.astype(np.float32) - without.hu.astype(np.float32)


@pytest.fixture(scope="module")
def shuffled_lung_folder(lung_study_files, tmp_path_factory):
    """The study's slices under names that do not follow slice order, with its ground truth."""
    _, record, files = lung_study_files
    folder = tmp_path_factory.mktemp("shuffled-lung")
    (folder / record["accession_number"]).mkdir()
    names = np.random.default_rng(3).permutation(len(files))
    for path, name in zip(files, names, strict=True):
        shutil.copy(path, folder / record["accession_number"] / f"slice-{name:03d}.dcm")
    (folder / GROUND_TRUTH_FILE).write_text(json.dumps({"studies": [record]}))
    return folder


def test_labelled_slices_hold_the_nodules_brightest_excess(nodule_excess, shuffled_lung_folder):
    (study,) = cohort_read(shuffled_lung_folder, CT_SPEC)
    brightest_slice = int(np.argmax(nodule_excess.reshape(len(nodule_excess), -1).max(axis=1)))
    labelled = np.flatnonzero(study.image_labels)
    assert brightest_slice in labelled and labelled.max() - labelled.min() == len(labelled) - 1
    assert all(nodule_excess[index].max() > 50 for index in labelled)  # every labelled slice cuts it


def test_lesion_disks_are_centred_on_the_nodule_in_model_input_pixels(nodule_excess, shuffled_lung_folder):
    (study,) = cohort_read(shuffled_lung_folder, CT_SPEC)
    scale = CT_SPEC["rows"] / nodule_excess.shape[1]
    for index in np.flatnonzero(study.image_labels):
        row, col = np.unravel_index(np.argmax(nodule_excess[index]), nodule_excess.shape[1:])
        disk_row, disk_col, radius = study.lesion_disks[index]
        assert abs(disk_row - row * scale) <= 1.5 and abs(disk_col - col * scale) <= 1.5 and radius >= 1
    unlabelled = study.lesion_disks[study.image_labels == 0]
    assert (unlabelled == -1).all()


class _BrightnessNet(torch.nn.Module):
    """Scores a CT slice stack by the mean of its middle slice: the brighter, the more suspicious."""

    def forward(self, images):
        return images[:, 1].mean(dim=(1, 2)), images[:, 1]


def test_half_the_negative_ct_slices_of_an_epoch_are_those_the_network_scores_highest():
    brightness = np.array([0.9, 0.1, 0.2, 0.8, 0.1, 0.3, 0.2, 0.7, 0.1, 0.2, 0.1, 0.3, 0.5], dtype=np.float16)
    labels = np.zeros(13, dtype=np.int64)
    labels[12] = 1
    study = TrainingStudy(
        "A1",
        "P1",
        1,
        1,
        labels,
        np.ones((13, 4, 4), dtype=np.float16) * brightness[:, None, None],
        np.full((13, 3), -1.0, dtype=np.float32),
        ("",) * 13,
        "medium",
        "obvious",
        "solid_nodule",
        "",
    )
    config = TrainingConfig(programme="lung", batch_size=1)
    samples = _epoch_samples([study], config, np.random.default_rng(2), _BrightnessNet())
    negatives = [index for _, index, _, _ in samples if index != 12]
    assert len(samples) == 1 + NEGATIVES_PER_POSITIVE and (0, 12, 0, 0) in samples
    assert len(set(negatives)) == len(negatives) and {0, 3, 7} <= set(negatives)


def _bright_spot_study(spot: tuple[int, int], lesion: tuple[int, int] | None) -> TrainingStudy:
    """A 6-slice 64 x 64 volume with a bright spot on every slice and, if given, a lesion (0.5) on slice 5."""
    volume = np.zeros((6, 64, 64), dtype=np.float16)
    volume[:, spot[0], spot[1]] = 1
    labels = np.zeros(6, dtype=np.int64)
    disks = np.full((6, 3), -1.0, dtype=np.float32)
    if lesion:
        labels[5], disks[5] = 1, (*lesion, 2.0)
        volume[5, lesion[0], lesion[1]] = 0.5
    return TrainingStudy("A1", "P1", int(bool(lesion)), 0, labels, volume, disks, ("",) * 6, "", "", "", "")


class _SpotNet(torch.nn.Module):
    """Its map is the middle slice max-pooled 4 x 4 (stride 4); the logit the map's best cell."""

    def forward(self, images):
        cams = torch.nn.functional.max_pool2d(images[:, 1:2], 4)[:, 0]
        return cams.flatten(1).max(dim=1).values, cams


SPOTS = ((50, 10), (9, 57))


def test_a_crop_window_holds_the_lesion_away_from_its_edges_and_is_labelled_by_it():
    studies = [_bright_spot_study(SPOTS[0], (20, 40)), _bright_spot_study(SPOTS[1], None)]
    config = TrainingConfig(programme="lung", batch_size=1, crop=32, negatives_per_positive=4)
    samples = _epoch_samples(studies, config, np.random.default_rng(3))
    assert len(samples) == 1 + 4 and sum(1 for s in samples if s[:2] == (0, 5)) == 1
    images, labels, disks = _batch(studies, samples, config)
    assert images.shape == (5, 3, 32, 32)
    positive = next(k for k, s in enumerate(samples) if s[:2] == (0, 5))
    row, col, radius = disks[positive].tolist()
    assert labels.tolist() == [float(k == positive) for k in range(5)]
    assert 32 // 6 <= row < 32 - 32 // 6 and 32 // 6 <= col < 32 - 32 // 6 and radius == 2
    assert images[positive, 1, round(row), round(col)] == 0.5  # the window is cut where the disk says
    assert (np.delete(disks, positive, axis=0)[:, 2] < 0).all()


@pytest.mark.parametrize("seed", range(4))
def test_a_hard_negative_window_holds_the_place_the_network_scores_highest(seed):
    studies = [_bright_spot_study(SPOTS[0], (20, 40)), _bright_spot_study(SPOTS[1], None)]
    config = TrainingConfig(programme="lung", batch_size=1, crop=32)
    negatives = [(s, i) for s in range(2) for i in range(6) if (s, i) != (0, 5)]
    hard = _hard_negatives(_SpotNet(), studies, negatives, 6, config, np.random.default_rng(seed))
    assert len(hard) == 3
    for s, _, top, left in hard:
        assert top <= SPOTS[s][0] < top + 32 and left <= SPOTS[s][1] < left + 32
