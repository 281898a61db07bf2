"""The AI heat map as a Secondary Capture: in the exported image's pseudonymous study and frame of
reference, naming it as its source, on its pixel grid, valid for dciodvfy, and holding no identifier."""

import subprocess
from pathlib import Path

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import SecondaryCaptureImageStorage

from screening.research.deid.canary_scan import scan_for_canaries
from screening.research.deid.deidentify import deidentify_file, identifiers_of
from screening.research.deid.heatmap_capture import heatmap_secondary_capture
from screening.research.deid.options import DeidOptions

OPTIONS = DeidOptions(retain_dates_shifted=True, ocr_check=False)


def _export(tmp_path, pseudonymiser):
    source = Path(get_testdata_file("CT_small.dcm"))
    person = {"participant_id": "p-1", "participant_pseudonym": pseudonymiser.participant("p-1")}
    image = deidentify_file(
        source, tmp_path / "image.dcm", pseudonymiser=pseudonymiser, options=OPTIONS, **person
    )
    heat = np.zeros((32, 32), dtype=np.float32)
    heat[8:16, 20:28] = 0.9
    heatmap = heatmap_secondary_capture(
        heat,
        source=source,
        dst=tmp_path / "heatmap.dcm",
        model_version="demo-ct-1.0",
        pseudonymiser=pseudonymiser,
        options=OPTIONS,
        **person,
    )
    assert image.written and heatmap.written
    return source, pydicom.dcmread(tmp_path / "image.dcm"), pydicom.dcmread(tmp_path / "heatmap.dcm")


def test_the_heat_map_lies_in_the_exported_images_study_and_frame(tmp_path, pseudonymiser):
    _, image, heatmap = _export(tmp_path, pseudonymiser)
    assert heatmap.SOPClassUID == SecondaryCaptureImageStorage
    assert heatmap.StudyInstanceUID == image.StudyInstanceUID
    assert heatmap.FrameOfReferenceUID == image.FrameOfReferenceUID
    assert heatmap.StudyDate == image.StudyDate and heatmap.PatientID == image.PatientID
    assert heatmap.SeriesInstanceUID != image.SeriesInstanceUID
    assert heatmap.SourceImageSequence[0].ReferencedSOPInstanceUID == image.SOPInstanceUID
    assert heatmap.SourceImageSequence[0].ReferencedSOPClassUID == image.SOPClassUID
    assert heatmap.PatientIdentityRemoved == "YES"


def test_the_heat_map_is_on_the_images_pixel_grid(tmp_path, pseudonymiser):
    _, image, heatmap = _export(tmp_path, pseudonymiser)
    pixels = heatmap.pixel_array
    assert pixels.shape == (image.Rows, image.Columns) == (128, 128)
    assert (pixels[32:64, 80:112] == 230).all()  # 0.9 x 255, the 32x32 map's block scaled by 4
    assert pixels[:32].max() == 0 and pixels[64:].max() == 0


def test_the_heat_map_is_valid_and_holds_no_identifier(tmp_path, pseudonymiser, dciodvfy):
    source, _, _ = _export(tmp_path, pseudonymiser)
    run = subprocess.run([dciodvfy, str(tmp_path / "heatmap.dcm")], capture_output=True, text=True)
    assert [line for line in (run.stdout + run.stderr).splitlines() if line.startswith("Error")] == []
    assert scan_for_canaries(tmp_path, identifiers_of(source)) == []


def test_the_same_key_gives_the_same_heat_map_file(tmp_path, pseudonymiser):
    _export(tmp_path / "first", pseudonymiser)
    _export(tmp_path / "second", pseudonymiser)
    assert (tmp_path / "first" / "heatmap.dcm").read_bytes() == (
        tmp_path / "second" / "heatmap.dcm"
    ).read_bytes()
