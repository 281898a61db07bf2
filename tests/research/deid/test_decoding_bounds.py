"""De-identification decodes pixels (OCR guard, device cleaning rules) only within the decoding bounds."""

from io import BytesIO

import pydicom
import pytest

from screening.research.deid.cleaning_rules import CleaningRule, Rectangle
from screening.research.deid.deidentify import deidentify_file
from screening.research.deid.options import DeidOptions
from screening.research.package_builder import export_pixels_check
from tests.imaging.bomb_corpus import rle_bomb


@pytest.mark.parametrize("ocr_check", [False, True])
def test_a_stored_decompression_bomb_is_withheld_without_being_decoded(tmp_path, pseudonymiser, ocr_check):
    dataset = pydicom.dcmread(BytesIO(rle_bomb(8)))
    dataset.Manufacturer, dataset.ManufacturerModelName = "Acme", "Bomb 1"
    source = tmp_path / "bomb.dcm"
    dataset.save_as(source, enforce_file_format=True)
    rule = CleaningRule("Acme", "Bomb 1", (Rectangle(0, 0, 64, 64),))

    outcome = deidentify_file(
        source,
        tmp_path / "package" / "out.dcm",
        pseudonymiser=pseudonymiser,
        options=DeidOptions(ocr_check=ocr_check),
        participant_id="p",
        participant_pseudonym=pseudonymiser.participant("p"),
        cleaning_rules=(rule,),
        pixels_check=export_pixels_check,  # as the research export passes it
    )

    assert not outcome.written
    assert "not decoded" in (outcome.withheld_reason or "")
