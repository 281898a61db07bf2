"""Preprocessing: real DICOM files of several transfer syntaxes, MONOCHROME1, and synthetic MG/CT."""

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from inference.ct_preprocessing import (
    ct_slice_prepare,
    ct_volume_prepare,
    lung_window,
    slice_order,
    slice_stack,
)
from inference.dicom_reading import DicomImage, dicom_image_read
from inference.input_errors import InputError
from inference.mammography_preprocessing import chest_wall_on_right, mammography_view_prepare
from inference.synthetic.mammography_phantom import (
    CALCIFICATION_CLUSTER,
    MammoLesion,
    breast_anatomy_sample,
    lesion_centre_px,
    pixel_spacing_mm,
    render_view,
)

MG_SHAPE = (256, 208)


def _testdata(name):
    path = get_testdata_file(name)
    if path is None:
        pytest.skip(f"{name} is not in this pydicom / pydicom-data install")
    return path


def test_ct_small_is_read_in_hounsfield_units_with_rescale_applied():
    path = _testdata("CT_small.dcm")
    dataset = pydicom.dcmread(path)
    image = dicom_image_read(path)
    expected = dataset.pixel_array * float(dataset.RescaleSlope) + float(dataset.RescaleIntercept)
    assert image.modality == "CT" and image.pixels.dtype == np.float32
    np.testing.assert_allclose(image.pixels, expected)
    assert image.position_mm is not None and image.orientation is not None and len(image.orientation) == 6


def test_a_real_ct_slice_is_resized_and_lung_windowed():
    prepared = ct_slice_prepare(dicom_image_read(_testdata("CT_small.dcm")), (64, 64))
    assert prepared.shape == (64, 64) and prepared.dtype == np.float32
    assert prepared.min() >= 0.0 and prepared.max() <= 1.0 and prepared.std() > 0.05


@pytest.mark.parametrize("compressed", ["MR_small_jp2klossless.dcm", "MR_small_RLE.dcm"])
def test_lossless_compressed_files_decode_to_the_same_pixels_as_uncompressed(compressed):
    reference = dicom_image_read(_testdata("MR_small.dcm")).pixels
    np.testing.assert_array_equal(dicom_image_read(_testdata(compressed)).pixels, reference)


def test_monochrome1_is_inverted_so_that_brighter_is_higher():
    path = _testdata("RG1_UNCI.dcm")
    dataset = pydicom.dcmread(path)
    assert dataset.PhotometricInterpretation == "MONOCHROME1"
    raw = pydicom.pixels.apply_modality_lut(dataset.pixel_array, dataset).astype(np.float32)
    read = dicom_image_read(path).pixels
    np.testing.assert_allclose(read, raw.max() + raw.min() - raw)
    compressed = dicom_image_read(_testdata("RG1_J2KR.dcm")).pixels  # the same radiograph, JPEG 2000
    assert compressed.shape == read.shape and np.corrcoef(compressed.ravel(), read.ravel())[0, 1] > 0.99


def test_colour_and_unreadable_files():
    rgb = dicom_image_read(_testdata("SC_rgb.dcm"))
    assert rgb.pixels.ndim == 2
    with pytest.raises(InputError):
        dicom_image_read(__file__)


def test_a_real_non_ct_series_is_refused_as_a_ct_volume():
    images = [dicom_image_read(_testdata("MR_small.dcm"))] * 10
    with pytest.raises(InputError, match="expected CT"):
        ct_volume_prepare(images, (64, 64))


def test_too_few_ct_slices_are_refused():
    with pytest.raises(InputError, match="at least 8 slices"):
        ct_volume_prepare([dicom_image_read(_testdata("CT_small.dcm"))] * 3, (64, 64))


def test_synthetic_mammogram_views_share_one_orientation_with_the_aspect_kept(breast_study_files):
    _, _, files = breast_study_files
    for path in files:
        image = dicom_image_read(path)
        prepared = mammography_view_prepare(image, MG_SHAPE)
        assert prepared.array.shape == (1, *MG_SHAPE) and prepared.array.dtype == np.float32
        array = prepared.array[0]
        assert prepared.side == image.laterality and prepared.view in ("CC", "MLO")
        # right views arrive with the chest wall on the right and are mirrored
        assert prepared.mirrored == (image.laterality == "R")
        assert not chest_wall_on_right(array[: prepared.content_shape[0], : prepared.content_shape[1]])
        rows, cols = prepared.content_shape
        assert abs(rows / cols - 512 / 416) < 0.02
        assert np.all(array[:, cols:] == 0) and np.all(array[rows:] == 0)
        breast = array[array > 0]
        assert 0.3 < np.median(breast) < 0.8 and array.max() <= 1.5


@pytest.mark.parametrize("channels", [1, 2])
def test_mammogram_preparation_is_deterministic(breast_study_files, channels):
    path = breast_study_files[2][0]
    first = mammography_view_prepare(dicom_image_read(path), MG_SHAPE, channels).array
    again = mammography_view_prepare(dicom_image_read(path), MG_SHAPE, channels).array
    assert first.shape == (channels, *MG_SHAPE) and np.array_equal(first, again)


CLUSTER = MammoLesion(CALCIFICATION_CLUSTER, "L", 0.5, 0.1, 0.0, 10.0, 0.8, shape_seed=5)


def _left_cc(anatomy, lesions) -> DicomImage:
    view = render_view(anatomy, "L-CC", np.random.default_rng(1), lesions=lesions)
    spacing = (pixel_spacing_mm(view.pixels.shape),) * 2
    return DicomImage(view.pixels.astype(np.float32), "MG", "L", "CC", spacing, None, None, 1)


def test_the_calcification_channel_keeps_specks_that_averaging_down_loses():
    """The cluster adds far more to the calcification map than to the averaged view, and only near it."""
    anatomy = breast_anatomy_sample(np.random.default_rng(3), "b")
    with_cluster = mammography_view_prepare(_left_cc(anatomy, (CLUSTER,)), MG_SHAPE, channels=2).array
    without = mammography_view_prepare(_left_cc(anatomy, ()), MG_SHAPE, channels=2).array
    row, col = (round(v / 2) for v in lesion_centre_px(anatomy, "L-CC", CLUSTER))  # 512 rows -> 256
    near = np.s_[row - 8 : row + 9, col - 8 : col + 9]
    view_gain = (with_cluster[0][near] - without[0][near]).max()
    map_gain = (with_cluster[1][near] - without[1][near]).max()
    assert map_gain > 0.5 and map_gain > 3 * view_gain
    far = np.ones(MG_SHAPE, dtype=bool)
    far[row - 20 : row + 21, col - 20 : col + 21] = False
    assert np.abs(with_cluster[1][far] - without[1][far]).max() < 0.05


def test_a_mammography_model_asking_for_three_channels_is_refused(breast_study_files):
    with pytest.raises(InputError, match="1 or 2 input channels"):
        mammography_view_prepare(dicom_image_read(breast_study_files[2][0]), MG_SHAPE, channels=3)


def test_a_ct_image_is_refused_as_a_mammogram():
    with pytest.raises(InputError, match="expected a mammogram"):
        mammography_view_prepare(dicom_image_read(_testdata("CT_small.dcm")), MG_SHAPE)


def test_synthetic_ct_volume_is_sorted_by_position_not_by_file_order(lung_study_files):
    _, _, files = lung_study_files
    images = [dicom_image_read(path) for path in files]
    shuffled = [images[i] for i in np.random.default_rng(0).permutation(len(images))]
    volume = ct_volume_prepare(shuffled, (96, 96))
    ordered = ct_volume_prepare(images, (96, 96))
    assert volume.slices.shape == (len(files), 96, 96)
    np.testing.assert_array_equal(volume.slices, ordered.slices)
    assert ordered.order == list(range(len(files)))  # slice 0 is the most superior, as written
    assert slice_order(shuffled) == [shuffled.index(image) for image in images]
    assert volume.original_shape == (256, 256)


def test_lung_window_and_slice_stacks():
    np.testing.assert_allclose(lung_window(np.array([-1350.0, -600.0, 150.0, 3000.0])), [0, 0.5, 1, 1])
    slices = np.arange(5, dtype=np.float32)[:, None, None] * np.ones((5, 2, 2), dtype=np.float32)
    assert slice_stack(slices, 0, 1)[:, 0, 0].tolist() == [0, 0, 1]
    assert slice_stack(slices, 4, 1)[:, 0, 0].tolist() == [3, 4, 4]
