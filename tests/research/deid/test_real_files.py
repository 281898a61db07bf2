"""pydicom's and pydicom-data's real files through de-identification: dciodvfy finds no new error,
the output parses, and none of the original's identifiers is left in it."""

import subprocess
import warnings
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file, get_testdata_files

from screening.research.deid.canary_scan import scan_for_canaries
from screening.research.deid.deidentify import deidentify_file, identifiers_of
from screening.research.deid.options import DeidOptions

OPTIONS = DeidOptions(retain_dates_shifted=True, ocr_check=False)  # the OCR check has its own tests


def _real_files() -> list[Path]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom-data offers downloads that cannot happen offline
        return sorted({Path(path) for path in get_testdata_files("*") if Path(path).is_file()})


def _errors(dciodvfy: str, path: Path) -> set[str]:
    run = subprocess.run([dciodvfy, str(path)], capture_output=True, text=True, timeout=60)
    return {line for line in (run.stdout + run.stderr).splitlines() if line.startswith("Error")}


def test_the_real_file_set_is_large_enough_to_mean_something():
    files = _real_files()
    assert len(files) > 100
    assert any("data_store" in str(path) for path in files), "pydicom-data's files are missing"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_real_files_gain_no_dciodvfy_error_and_keep_no_identifier(tmp_path, pseudonymiser, dciodvfy):
    written, new_errors, leaks = 0, {}, {}
    for number, source in enumerate(_real_files()):
        target = tmp_path / f"{number}" / "out.dcm"
        outcome = deidentify_file(
            source,
            target,
            pseudonymiser=pseudonymiser,
            options=OPTIONS,
            participant_id=source.name,
            participant_pseudonym=pseudonymiser.participant(source.name),
        )
        if not outcome.written:
            assert outcome.withheld_reason and not target.exists()
            continue
        written += 1
        assert pydicom.dcmread(target).SOPInstanceUID == outcome.sop_instance_uid
        if added := _errors(dciodvfy, target) - _errors(dciodvfy, source):
            new_errors[source.name] = sorted(added)
        if hits := scan_for_canaries(target.parent, identifiers_of(source)):
            leaks[source.name] = sorted({hit.canary for hit in hits})
    assert written >= 40
    assert new_errors == {}
    assert leaks == {}


@pytest.mark.parametrize(
    "name",
    [
        "CT_small.dcm",
        "MR_small_implicit.dcm",
        "MR_small_bigendian.dcm",
        "MR_small_RLE.dcm",
        "MR_small_jp2klossless.dcm",
    ],
)
def test_copying_the_pixel_element_writes_what_decoding_writes(tmp_path, pseudonymiser, tesseract, name):
    """Without OCR the Pixel Data element is copied from the source; with it the file is decoded."""
    source = Path(get_testdata_file(name))
    outputs = []
    for ocr_check in (False, True):
        target = tmp_path / f"ocr-{ocr_check}.dcm"
        options = DeidOptions(retain_dates_shifted=True, ocr_check=ocr_check)
        outcome = deidentify_file(
            source,
            target,
            pseudonymiser=pseudonymiser,
            options=options,
            participant_id="p",
            participant_pseudonym="PBCD",
        )
        assert outcome.written, outcome.withheld_reason
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
