"""One participant's studies and series: UIDs, references and dates stay consistent with each other."""

import datetime

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian

from screening.research.deid.deidentify import deidentify_file
from screening.research.deid.options import DeidOptions
from screening.research.deid.pseudonyms import Pseudonymiser
from tests.research.deid.canary_files import image_dataset, write_file

OPTIONS = DeidOptions(retain_dates_shifted=True)
STUDIES = {"1.2.826.0.1.999.100": "20230315", "1.2.826.0.1.999.200": "20240402"}


def _study_files(folder):
    """Two studies a year apart, two series each; the second series' images reference the first's."""
    paths = []
    for study_number, (study_uid, study_date) in enumerate(STUDIES.items()):
        for series in (1, 2):
            for instance in (1, 2):
                dataset = image_dataset(sop_uid=f"{study_uid}.{series}.{instance}")
                dataset.PatientName, dataset.PatientID = "Doe^Jane", "9434765919"
                dataset.StudyInstanceUID, dataset.SeriesInstanceUID = study_uid, f"{study_uid}.{series}"
                dataset.FrameOfReferenceUID = f"{study_uid}.9"
                dataset.StudyDate, dataset.AcquisitionDateTime = study_date, f"{study_date}101530.25"
                dataset.StudyTime = "101530"
                if series == 2:
                    reference = Dataset()
                    reference.ReferencedSOPClassUID = CTImageStorage
                    reference.ReferencedSOPInstanceUID = f"{study_uid}.1.{instance}"
                    dataset.ReferencedImageSequence = Sequence([reference])
                paths.append(write_file(dataset, folder / f"{study_number}-{series}-{instance}.dcm"))
    return paths


def _export(paths, target, pseudonymiser):
    outputs = {}
    for path in paths:
        outcome = deidentify_file(
            path,
            target / path.name,
            pseudonymiser=pseudonymiser,
            options=OPTIONS,
            participant_id="participant-7",
            participant_pseudonym=pseudonymiser.participant("participant-7"),
        )
        assert outcome.written, outcome.withheld_reason
        outputs[path.name] = pydicom.dcmread(target / path.name)
    return outputs


def test_studies_series_and_references_stay_linked(tmp_path, pseudonymiser):
    out = _export(_study_files(tmp_path / "src"), tmp_path / "out", pseudonymiser)
    for study in ("0", "1"):
        files = [dataset for name, dataset in out.items() if name.startswith(study)]
        assert len({dataset.StudyInstanceUID for dataset in files}) == 1
        assert len({dataset.FrameOfReferenceUID for dataset in files}) == 1
        assert len({dataset.SeriesInstanceUID for dataset in files}) == 2
        for instance in ("1", "2"):
            referenced, referring = out[f"{study}-1-{instance}.dcm"], out[f"{study}-2-{instance}.dcm"]
            item = referring.ReferencedImageSequence[0]
            assert item.ReferencedSOPInstanceUID == referenced.SOPInstanceUID
            assert item.ReferencedSOPClassUID == CTImageStorage  # classes are not remapped
    assert out["0-1-1.dcm"].StudyInstanceUID != out["1-1-1.dcm"].StudyInstanceUID
    assert {dataset.PatientID for dataset in out.values()} == {pseudonymiser.participant("participant-7")}
    assert {dataset.SOPClassUID for dataset in out.values()} == {CTImageStorage}
    assert {dataset.file_meta.TransferSyntaxUID for dataset in out.values()} == {ExplicitVRLittleEndian}
    assert all(not uid.startswith("1.2.826.0.1.999") for uid in _uids(out.values()))


def _uids(datasets):
    return {str(element.value) for dataset in datasets for element in dataset.iterall() if element.VR == "UI"}


def _day(value):
    return datetime.datetime.strptime(value[:8], "%Y%m%d").date()


def test_dates_move_by_one_offset_so_the_interval_between_studies_is_kept(tmp_path, pseudonymiser):
    out = _export(_study_files(tmp_path / "src"), tmp_path / "out", pseudonymiser)
    first, second = out["0-1-1.dcm"], out["1-1-1.dcm"]
    offset = datetime.timedelta(days=pseudonymiser.date_offset_days("participant-7"))
    assert _day(first.StudyDate) == _day("20230315") + offset
    assert _day(second.StudyDate) - _day(first.StudyDate) == _day("20240402") - _day("20230315")
    assert first.AcquisitionDateTime == (_day("20230315") + offset).strftime("%Y%m%d") + "101530.25"
    assert first.StudyTime == "101530"  # whole days move; the time of day stays


def test_the_same_key_gives_the_same_bytes_and_another_key_a_disjoint_export(tmp_path, pseudonymiser):
    paths = _study_files(tmp_path / "src")
    _export(paths, tmp_path / "first", pseudonymiser)
    _export(paths, tmp_path / "second", pseudonymiser)
    other = _export(paths, tmp_path / "other", Pseudonymiser(b"another-installation-key-987654321"))
    for path in paths:
        assert (tmp_path / "first" / path.name).read_bytes() == (tmp_path / "second" / path.name).read_bytes()
    mine = _uids(pydicom.dcmread(tmp_path / "first" / path.name) for path in paths) - {CTImageStorage}
    theirs = _uids(other.values()) - {CTImageStorage}
    assert mine and theirs and not mine & theirs
    assert {dataset.PatientID for dataset in other.values()} != {pseudonymiser.participant("participant-7")}


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary_one(tmp_path, pseudonymiser, monkeypatch):
    from screening.research.deid import deidentify

    def broken_copy(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(deidentify, "copy_span", broken_copy)
    source = _study_files(tmp_path / "src")[0]
    options = DeidOptions(ocr_check=False)  # the path that copies the pixel element
    with pytest.raises(OSError, match="disk full"):
        deidentify_file(
            source,
            tmp_path / "out" / "x.dcm",
            pseudonymiser=pseudonymiser,
            options=options,
            participant_id="p",
            participant_pseudonym="PBCD",
        )
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.filterwarnings("ignore:Invalid value for VR UI")  # the source's padded UN value
def test_uids_and_names_stored_as_unknown_vr_are_still_replaced(tmp_path, pseudonymiser):
    dataset = image_dataset(sop_uid="1.2.826.0.1.999.5.1")
    dataset.add_new(0x0020000D, "UN", b"1.2.826.0.1.999.5\x00")  # Study Instance UID, VR unknown
    dataset.add_new(0x00100010, "UN", b"Doe^Jane")  # Patient's Name
    dataset.add_new(0x00081070, "UN", b"Operator^Olive ")  # Operators' Name (X/Z/D: a dummy)
    source = write_file(dataset, tmp_path / "un.dcm")
    outcome = deidentify_file(
        source,
        tmp_path / "out.dcm",
        pseudonymiser=pseudonymiser,
        options=OPTIONS,
        participant_id="p",
        participant_pseudonym="PBCD",
    )
    written = pydicom.dcmread(tmp_path / "out.dcm")
    assert outcome.written
    assert written.StudyInstanceUID == pseudonymiser.uid("1.2.826.0.1.999.5")
    assert str(written.OperatorsName) == "X^X" and written.PatientName == "PBCD"
    assert b"Olive" not in (tmp_path / "out.dcm").read_bytes()
