"""Files that may show burned-in text are withheld with a reason, unless a device rule cleans them;
the OCR check withholds a file whose pixels read as text and passes a clean one."""

import numpy as np
import pydicom
import pytest
from PIL import Image, ImageDraw, ImageFont
from pydicom.data import get_testdata_file
from pydicom.uid import SecondaryCaptureImageStorage, generate_uid

from screening.research.deid import ocr_guard
from screening.research.deid.cleaning_rules import CleaningRule, Rectangle
from screening.research.deid.deidentify import deidentify_file
from screening.research.deid.ocr_guard import OcrUnavailable
from screening.research.deid.options import DeidOptions
from tests.research.deid.canary_files import image_dataset, write_file


def _run(tmp_path, pseudonymiser, dataset, *, options=DeidOptions(ocr_check=False), rules=()):
    source = write_file(dataset, tmp_path / "source.dcm")
    target = tmp_path / "package" / "out.dcm"
    outcome = deidentify_file(
        source,
        target,
        pseudonymiser=pseudonymiser,
        options=options,
        participant_id="p",
        participant_pseudonym=pseudonymiser.participant("p"),
        cleaning_rules=rules,
    )
    return outcome, target


def _flag(dataset):
    dataset.BurnedInAnnotation = "YES"


def _secondary_capture(dataset):
    dataset.SOPClassUID = SecondaryCaptureImageStorage


def _screenshot(dataset):
    dataset.ImageType = ["DERIVED", "SECONDARY", "SCREEN SAVE"]


def _ultrasound(dataset):
    dataset.Modality = "US"


def _no_pixels(dataset):
    del dataset.PixelData


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_flag, "burned-in annotation"),
        (_secondary_capture, "secondary capture without a cleaning rule"),
        (_screenshot, "screenshot without a cleaning rule"),
        (_ultrasound, "modality at risk of burned-in text (US) without a cleaning rule"),
        (_no_pixels, "non-image object (report, document or RT): its free text is not cleaned"),
    ],
)
def test_files_at_risk_are_withheld_with_a_reason(tmp_path, pseudonymiser, change, reason):
    dataset = image_dataset(sop_uid=generate_uid())
    change(dataset)
    outcome, target = _run(tmp_path, pseudonymiser, dataset)
    assert (outcome.written, outcome.withheld_reason, outcome.sop_instance_uid) == (False, reason, None)
    assert not target.exists() and not list(target.parent.glob("*"))


def test_a_device_rule_blanks_its_text_areas_and_lets_the_file_through(tmp_path, pseudonymiser):
    pixels = np.full((32, 48), 500, dtype=np.uint16)
    pixels[2:8, 2:30] = 4000  # the device's patient banner
    dataset = image_dataset(sop_uid=generate_uid(), pixels=pixels)
    dataset.Modality, dataset.Manufacturer, dataset.ManufacturerModelName = "US", "Acme", "Sono 5"
    rule = CleaningRule("ACME", "sono 5", (Rectangle(left=0, top=0, right=48, bottom=10),))
    outcome, target = _run(tmp_path, pseudonymiser, dataset, rules=(rule,))
    assert outcome.written
    written = pydicom.dcmread(target).pixel_array
    assert (written[:10] == 500).all() and (written[10:] == 500).all()
    other = CleaningRule("Acme", "Sono 6", rule.rectangles)
    assert _run(tmp_path / "other", pseudonymiser, dataset, rules=(other,))[0].withheld_reason.startswith(
        "modality"
    )


def _with_text(pixels, text, size):
    image = Image.new("L", (pixels.shape[1], pixels.shape[0]), 0)
    ImageDraw.Draw(image).text((6, 6), text, fill=255, font=ImageFont.load_default(size=size))
    marked = pixels.copy()
    marked[np.asarray(image) > 128] = pixels.max()
    return marked


def _ct_small_pixels():
    return pydicom.dcmread(get_testdata_file("CT_small.dcm")).pixel_array.astype(np.uint16)


@pytest.mark.parametrize("size", [11, 14])
def test_ocr_withholds_text_drawn_over_the_anatomy(tmp_path, pseudonymiser, tesseract, size):
    pixels = _with_text(_ct_small_pixels(), "SMITH", size)
    outcome, target = _run(
        tmp_path, pseudonymiser, image_dataset(sop_uid=generate_uid(), pixels=pixels), options=DeidOptions()
    )
    assert (outcome.written, outcome.withheld_reason) == (False, "OCR found text")
    assert not target.exists()


def test_ocr_withholds_a_name_in_the_corner_of_a_large_image(tmp_path, pseudonymiser, tesseract):
    rng = np.random.default_rng(5)
    pixels = (1000 + rng.normal(0, 30, (1024, 800))).astype(np.uint16)
    pixels[700:, 300:] += 500  # a smooth "breast"
    pixels = _with_text(pixels, "DOE JANE 1960", 20)
    outcome, _ = _run(
        tmp_path, pseudonymiser, image_dataset(sop_uid=generate_uid(), pixels=pixels), options=DeidOptions()
    )
    assert outcome.withheld_reason == "OCR found text"


def test_ocr_passes_a_clean_image(tmp_path, pseudonymiser, tesseract):
    dataset = image_dataset(sop_uid=generate_uid(), pixels=_ct_small_pixels())
    outcome, target = _run(tmp_path, pseudonymiser, dataset, options=DeidOptions())
    assert outcome.written and target.exists()


def test_the_pre_screen_skips_smooth_tiles_and_keeps_the_text(tesseract):
    rng = np.random.default_rng(3)
    body = np.linspace(1500, 2500, 256)[np.newaxis, :] + rng.normal(0, 20, (512, 256))
    pixels = np.hstack([np.zeros((512, 256)), body]).astype(np.uint16)  # air, then smooth tissue
    tiles = ocr_guard.candidate_tiles(ocr_guard._scaled(pixels))
    assert not tiles.any()
    marked = ocr_guard.candidate_tiles(ocr_guard._scaled(_with_text(pixels, "SMITH", 14)))
    assert marked[0, 0] and marked.sum() <= 2


def test_without_tesseract_nothing_is_exported_unchecked(tmp_path, pseudonymiser, monkeypatch):
    monkeypatch.setattr(ocr_guard, "tesseract_path", lambda: None)
    with pytest.raises(OcrUnavailable):
        _run(tmp_path, pseudonymiser, image_dataset(sop_uid=generate_uid()), options=DeidOptions())
    assert not (tmp_path / "package" / "out.dcm").exists()
