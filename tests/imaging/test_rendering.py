"""Rendering stored instances: every transfer syntax decodes, windows apply, PNGs are cached."""

from io import BytesIO

import numpy as np
import pytest
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from screening.imaging import rendering
from tests.imaging.fixtures_pages import (
    sample_dataset,
    store_instance,
    store_sample,
    with_fresh_uids,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]

EVERY_TRANSFER_SYNTAX = [
    "CT_small.dcm",  # explicit VR little endian, signed 16-bit with rescale
    "MR_small_bigendian.dcm",  # explicit VR big endian
    "image_dfl.dcm",  # deflated explicit VR little endian
    "MR_small_RLE.dcm",  # RLE lossless
    "JPGExtended.dcm",  # JPEG extended, 12-bit (JPEG-lossy.dcm's image, well-formed)
    "JPEG-LL.dcm",  # JPEG lossless, 16-bit
    "JPEGLSNearLossless_16.dcm",  # JPEG-LS near-lossless, 16-bit
    "JPEG2000.dcm",  # JPEG 2000
    "SC_rgb.dcm",  # RGB, native
    "SC_rgb_rle.dcm",  # RGB, RLE
    "SC_rgb_jpeg_dcmtk.dcm",  # YBR_FULL, JPEG baseline
    "SC_ybr_full_uncompressed.dcm",  # YBR_FULL, native
]


def png_image(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(BytesIO(data))


@pytest.mark.parametrize("name", EVERY_TRANSFER_SYNTAX)
def test_every_transfer_syntax_renders_a_png_of_the_image_size(name):
    instance = store_sample(name)

    image = png_image(rendering.frame_png(instance))

    assert image.size == (instance.columns, instance.rows)
    assert image.mode == ("RGB" if instance.photometric_interpretation.startswith(("RGB", "YBR")) else "L")
    assert np.asarray(image).std() > 0, "a blank image means nothing was decoded"


@pytest.mark.parametrize("name", ["CT_small.dcm", "JPEG2000.dcm", "SC_rgb.dcm"])
def test_thumbnail_is_downscaled_to_its_longest_side(name):
    instance = store_sample(name)

    image = png_image(rendering.frame_png(instance, size=32))

    assert max(image.size) == 32
    assert image.size[0] / image.size[1] == pytest.approx(instance.columns / instance.rows, rel=0.1)


def test_lossless_pixels_match_the_stored_values_through_the_rescale():
    source = sample_dataset("CT_small.dcm")
    instance = store_instance(with_fresh_uids(source))

    hounsfield = rendering.pixel_frame(instance, 0)

    expected = source.pixel_array * float(source.RescaleSlope) + float(source.RescaleIntercept)
    np.testing.assert_array_equal(hounsfield, expected)


def test_sixteen_bit_jpeg_lossless_keeps_its_full_range():
    source = sample_dataset("JPEG-LL.dcm")
    instance = store_instance(with_fresh_uids(source))

    pixels = rendering.pixel_frame(instance, 0)

    assert pixels.max() > 255
    np.testing.assert_array_equal(pixels, source.pixel_array.astype(np.float64))


def test_ybr_is_shown_as_rgb_colours():
    rgb = np.asarray(png_image(rendering.frame_png(store_sample("SC_rgb.dcm")))).astype(int)
    ybr = np.asarray(png_image(rendering.frame_png(store_sample("SC_ybr_full_uncompressed.dcm")))).astype(int)

    assert rgb[5, 50].tolist() == [255, 0, 0]  # the top band of pydicom's test image is red
    assert np.abs(rgb - ybr).max() <= 8  # rounding of the colour conversion


def test_monochrome1_is_shown_inverted():
    monochrome2 = sample_dataset("MR_small.dcm")
    monochrome1 = with_fresh_uids(sample_dataset("MR_small.dcm"))
    monochrome1.PhotometricInterpretation = "MONOCHROME1"

    normal = np.asarray(png_image(rendering.frame_png(store_instance(with_fresh_uids(monochrome2)))))
    inverted = np.asarray(png_image(rendering.frame_png(store_instance(monochrome1))))

    np.testing.assert_array_equal(normal.astype(int) + inverted.astype(int), np.full(normal.shape, 255))


def test_a_real_monochrome1_radiograph_renders_with_bone_white():
    instance = store_sample("RG3_UNCR.dcm")  # a CR chest from pydicom-data, MONOCHROME1
    assert instance.photometric_interpretation == "MONOCHROME1"

    shown = np.asarray(png_image(rendering.frame_png(instance, size=256)))

    assert shown.shape == (256, 256)
    # MONOCHROME1 stores dense tissue as low values: low stored values must come out bright.
    stored = rendering.pixel_frame(instance, 0)
    small = np.asarray(Image.fromarray(stored.astype(np.float32)).resize((256, 256)))
    assert np.corrcoef(small.ravel(), shown.ravel().astype(float))[0, 1] < -0.5


def test_a_file_no_decoder_can_read_raises_a_rendering_error():
    # pydicom's JPEG-lossy.dcm has a malformed scan header that only GDCM tolerates.
    instance = store_sample("JPEG-lossy.dcm")

    with pytest.raises(rendering.RenderingError):
        rendering.frame_png(instance)


def test_each_frame_of_a_multiframe_instance_renders_and_differs():
    instance = store_sample("emri_small.dcm")
    assert instance.frames == 10

    first = np.asarray(png_image(rendering.frame_png(instance, frame=0)))
    last = np.asarray(png_image(rendering.frame_png(instance, frame=9)))

    assert first.shape == last.shape == (64, 64)
    assert not np.array_equal(first, last)
    with pytest.raises(IndexError):
        rendering.frame_png(instance, frame=10)


def test_ct_presets_window_hounsfield_units_differently():
    instance = store_sample("CT_small.dcm")

    lung = np.asarray(png_image(rendering.frame_png(instance, window="lung")))
    bone = np.asarray(png_image(rendering.frame_png(instance, window="bone")))
    soft = np.asarray(png_image(rendering.frame_png(instance, window="mediastinum")))

    assert not np.array_equal(lung, bone) and not np.array_equal(bone, soft)
    # Soft tissue (about 40 HU) is mid-grey under the mediastinal window and nearly white under lung.
    hounsfield = rendering.pixel_frame(instance, 0)
    tissue = (hounsfield > 20) & (hounsfield < 60)
    assert tissue.any()
    assert lung[tissue].mean() > soft[tissue].mean() > bone[tissue].mean()


def test_unknown_window_preset_is_refused():
    instance = store_sample("CT_small.dcm")

    with pytest.raises(ValueError):
        rendering.frame_png(instance, window="brain-of-a-fish")


def mammogram(**attributes) -> Dataset:
    dataset = with_fresh_uids(sample_dataset("MR_small.dcm"))
    dataset.Modality = "MG"
    for name in ("WindowCenter", "WindowWidth"):
        if name in dataset:
            delattr(dataset, name)
    for name, value in attributes.items():
        setattr(dataset, name, value)
    return dataset


def test_mammogram_default_uses_the_window_of_the_file():
    instance = store_instance(mammogram(WindowCenter=800, WindowWidth=400), modality="MG")

    shown = np.asarray(png_image(rendering.frame_png(instance))).astype(float)

    values = rendering.pixel_frame(instance, 0)
    expected = np.clip((values - 799.5) / 399 + 0.5, 0, 1) * 255
    assert np.abs(shown - expected).max() <= 1


def test_mammogram_default_prefers_the_voi_lut_of_the_file():
    lut = Dataset()
    lut.LUTDescriptor = [4096, 0, 8]
    lut.add_new(0x00283006, "US", [0] * 1000 + [255] * 3096)  # LUT Data: a threshold at 1000
    instance = store_instance(mammogram(VOILUTSequence=Sequence([lut])), modality="MG")

    shown = np.asarray(png_image(rendering.frame_png(instance)))

    values = rendering.pixel_frame(instance, 0)
    np.testing.assert_array_equal(shown, np.where(values >= 1000, 255, 0))


def test_mammogram_without_window_gets_a_percentile_window():
    instance = store_instance(mammogram(), modality="MG")

    shown = np.asarray(png_image(rendering.frame_png(instance)))

    assert shown.min() == 0 and shown.max() == 255


def test_a_second_request_is_served_from_the_cache_without_decoding(monkeypatch):
    instance = store_sample("JPEG2000.dcm")
    decodes = []
    real_decode = rendering.frame_decode

    def counting_decode(*args, **kwargs):
        decodes.append(args)
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(rendering, "frame_decode", counting_decode)

    first = rendering.frame_png(instance, size=64)
    second = rendering.frame_png(instance, size=64)
    assert first == second
    assert len(decodes) == 1

    rendering.frame_png(instance, size=128)
    assert len(decodes) == 2, "another size is another rendering"
