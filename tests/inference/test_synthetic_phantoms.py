"""The synthetic phantoms: deterministic, anatomically plausible, lesions where the ground truth says."""

import numpy as np
import pytest

from inference.synthetic.chest_geometry import CtGrid, chest_anatomy_sample, inside_lung, lung_extent
from inference.synthetic.ct_phantom import (
    GROUND_GLASS_NODULE,
    SOLID_NODULE,
    CtNodule,
    nodule_centre_voxel,
    render_volume,
)
from inference.synthetic.lung_vessels import vessel_tree
from inference.synthetic.mammography_phantom import (
    CALCIFICATION_CLUSTER,
    ROUND_MASS,
    SPICULATED_MASS,
    MammoLesion,
    breast_anatomy_sample,
    lesion_centre_px,
    render_view,
)

CT_SHAPE = (32, 128, 128)


def _anatomy(density="a", seed=3):
    return breast_anatomy_sample(np.random.default_rng(seed), density)


def _mass(kind=ROUND_MASS, contrast=0.4, diameter=18.0, laterality="L"):
    return MammoLesion(kind, laterality, 0.5, 0.1, 0.0, diameter, contrast, shape_seed=11)


def _view(view="L-CC", seed=1, lesions=(), density="a", bits=12):
    return render_view(
        _anatomy(density), view, np.random.default_rng(seed), lesions=lesions, bits_stored=bits
    )


def test_same_seed_gives_the_same_mammogram_and_another_seed_a_different_one():
    assert np.array_equal(_view(seed=1).pixels, _view(seed=1).pixels)
    assert not np.array_equal(_view(seed=1).pixels, _view(seed=2).pixels)


@pytest.mark.parametrize("bits", [12, 14])
def test_mammogram_is_uint16_within_its_bits_stored(bits):
    pixels = _view(bits=bits).pixels
    assert pixels.dtype == np.uint16 and pixels.shape == (512, 416)
    assert pixels.max() < 2**bits and pixels.max() > 2 ** (bits - 2)


@pytest.mark.parametrize("view", ["R-CC", "R-MLO"])
def test_right_views_have_the_chest_wall_on_the_right_and_mirror_the_left_views(view):
    right = _view(view)
    left = _view("L" + view[1:])
    assert right.breast_mask[:, -3:].mean() > 0.5 and right.breast_mask[:, :3].mean() == 0
    assert left.breast_mask[:, :3].mean() > 0.5 and left.breast_mask[:, -3:].mean() == 0
    assert np.array_equal(np.fliplr(right.pixels), left.pixels)


def test_mlo_view_shows_a_bright_pectoral_muscle_in_the_upper_chest_wall_corner():
    mlo, cc = _view("L-MLO"), _view("L-CC")
    corner = (slice(5, 40), slice(0, 25))
    assert mlo.pixels[corner].mean() > 1.3 * mlo.pixels[250:300, 0:25].mean()
    assert mlo.breast_mask[corner].all() and not cc.breast_mask[corner].all()


def test_denser_breasts_are_brighter_on_average():
    means = [_view(density=density).pixels[_view(density=density).breast_mask].mean() for density in "abcd"]
    assert means == sorted(means)


def test_breast_fades_towards_the_skin_line():
    view = _view("L-CC")
    row = 256
    edge = int(np.flatnonzero(view.breast_mask[row])[-1])
    assert view.pixels[row, edge - 3] < view.pixels[row, edge - 60 : edge - 40].mean()


@pytest.mark.parametrize("kind", [ROUND_MASS, SPICULATED_MASS])
def test_mass_appears_at_its_ground_truth_position_with_its_stated_contrast(kind):
    lesion = _mass(kind, contrast=0.3)
    with_lesion, without = _view(lesions=[lesion]).pixels, _view().pixels
    difference = with_lesion.astype(float) - without
    row, col = lesion_centre_px(_anatomy(), "L-CC", lesion)
    peak = np.unravel_index(np.argmax(difference), difference.shape)
    assert abs(peak[0] - row) < 6 and abs(peak[1] - col) < 6
    r, c = round(row), round(col)
    background = 4095 * 0.03
    relative = difference[r - 2 : r + 3, c - 2 : c + 3].mean() / (
        without[r - 2 : r + 3, c - 2 : c + 3].mean() - background
    )
    assert relative == pytest.approx(0.3, rel=0.3)


def test_obvious_mass_stands_out_from_its_surroundings_by_roughly_its_contrast():
    lesion = _mass(contrast=0.5, diameter=20.0)
    pixels = _view(lesions=[lesion]).pixels.astype(float)
    row, col = lesion_centre_px(_anatomy(), "L-CC", lesion)
    rr, cc = np.ogrid[: pixels.shape[0], : pixels.shape[1]]
    distance = np.hypot(rr - row, cc - col) * (229.4 / 512)
    core, ring = pixels[distance < 4].mean(), pixels[(distance > 14) & (distance < 20)].mean()
    assert 0.25 < core / ring - 1 < 0.75


def test_lesions_appear_only_in_the_views_of_their_breast():
    lesion = _mass(laterality="R")
    assert np.array_equal(_view("L-CC", lesions=[lesion]).pixels, _view("L-CC").pixels)
    assert not np.array_equal(_view("R-CC", lesions=[lesion]).pixels, _view("R-CC").pixels)


def test_calcifications_are_small_bright_specks_at_the_cluster_position():
    lesion = MammoLesion(CALCIFICATION_CLUSTER, "L", 0.5, 0.1, 0.0, 10.0, 1.0, shape_seed=5)
    difference = _view(lesions=[lesion]).pixels.astype(float) - _view().pixels
    row, col = lesion_centre_px(_anatomy(), "L-CC", lesion)
    bright = np.argwhere(difference > 150)
    assert 3 <= len(bright) < 400
    assert np.abs(bright - [row, col]).max() < 20


@pytest.fixture(scope="module")
def chest():
    return chest_anatomy_sample(np.random.default_rng(4))


@pytest.fixture(scope="module")
def nodules():
    return [
        CtNodule(SOLID_NODULE, 1, 0.45, 0.3, 0.4, 14.0, 880.0, shape_seed=1),
        CtNodule(GROUND_GLASS_NODULE, -1, 0.5, -0.3, 0.4, 16.0, 300.0, shape_seed=2),
    ]


@pytest.fixture(scope="module")
def volumes(chest, nodules):
    rng = np.random.default_rng
    with_nodules = render_volume(chest, rng(1), nodules=nodules, shape=CT_SHAPE)
    return (
        with_nodules,
        render_volume(chest, rng(1), shape=CT_SHAPE),
        render_volume(chest, rng(2), shape=CT_SHAPE),
    )


def test_same_seed_gives_the_same_ct_volume_and_another_seed_a_different_one(chest, volumes):
    assert np.array_equal(render_volume(chest, np.random.default_rng(1), shape=CT_SHAPE).hu, volumes[1].hu)
    assert not np.array_equal(volumes[1].hu, volumes[2].hu)


def test_lungs_are_about_minus_850_hu_and_bone_is_above_300(chest, volumes):
    hu, grid = volumes[1].hu, CtGrid(CT_SHAPE)
    middle = CT_SHAPE[0] // 2
    ys, xs = grid.y_mm(np.arange(CT_SHAPE[1]))[:, None], grid.x_mm(np.arange(CT_SHAPE[2]))[None, :]
    lungs = inside_lung(chest, xs, ys, lung_extent(chest, grid.level(middle)))
    assert -900 < np.median(hu[middle][lungs]) < -780
    assert hu[middle].max() > 300
    assert np.percentile(hu[middle], 99.5) > 300
    assert hu.dtype == np.int16 and hu.min() >= -1024


def test_stored_values_are_hu_plus_1024(volumes):
    volume = volumes[1]
    assert volume.stored.dtype == np.uint16
    assert np.array_equal(volume.stored.astype(np.int32) - 1024, volume.hu)


def test_vessels_branch_from_thick_trunks_to_thin_distal_vessels(chest):
    radii = [segment.radius for segment in vessel_tree(chest, CtGrid(CT_SHAPE))]
    assert max(radii) >= 4 and min(radii) < 1 and len(radii) > 200


def test_nodules_appear_at_their_ground_truth_voxel_with_their_density(chest, nodules, volumes):
    with_nodules, without = volumes[0].hu.astype(float), volumes[1].hu
    for nodule in nodules:
        k, r, c = (round(value) for value in nodule_centre_voxel(chest, nodule, CT_SHAPE))
        centre = with_nodules[k, r - 1 : r + 2, c - 1 : c + 2].mean()
        lift = centre - without[k, r - 1 : r + 2, c - 1 : c + 2].mean()
        assert lift == pytest.approx(nodule.contrast, rel=0.35)
    solid_k, solid_r, solid_c = (round(v) for v in nodule_centre_voxel(chest, nodules[0], CT_SHAPE))
    assert with_nodules[solid_k, solid_r, solid_c] > -200
