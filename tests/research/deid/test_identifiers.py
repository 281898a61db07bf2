"""identifiers_of lists what identifies a participant in an original file, for the canary scan."""

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from screening.research.deid.deidentify import identifiers_of
from screening.research.deid.options import DeidOptions
from tests.research.deid.canary_files import image_dataset, write_file


def _original(tmp_path):
    dataset = image_dataset(sop_uid="1.2.826.0.1.999.1.2.3")
    dataset.PatientName, dataset.PatientID, dataset.PatientBirthDate = (
        "Kowalska^Anna^Maria",
        "9434765919",
        "19600307",
    )
    dataset.AccessionNumber, dataset.InstitutionName = "ACC-778812", "Northfield Breast Unit"
    dataset.StudyInstanceUID, dataset.StationName, dataset.Manufacturer = (
        generate_uid(),
        "MAMMO-ROOM-2",
        "Acme",
    )
    dataset.ImageType = ["ORIGINAL", "PRIMARY"]
    operator = Dataset()
    operator.PersonName = "Radiographer^Rita"
    dataset.OperatorIdentificationSequence = Sequence([operator])
    return write_file(dataset, tmp_path / "original.dcm"), dataset


def test_names_ids_dates_uids_and_places_are_listed(tmp_path):
    path, dataset = _original(tmp_path)
    found = identifiers_of(path)
    expected = {"Kowalska^Anna^Maria", "Kowalska", "Anna", "Maria", "9434765919", "19600307", "ACC-778812"}
    expected |= {"Northfield Breast Unit", dataset.StudyInstanceUID, "1.2.826.0.1.999.1.2.3", "MAMMO-ROOM-2"}
    expected |= {"Radiographer", "Rita"}
    assert expected <= found
    assert not {CTImageStorage, ExplicitVRLittleEndian, "Acme", "ORIGINAL"} & found


def test_device_identity_is_not_an_identifier_when_the_option_keeps_it(tmp_path):
    path, _ = _original(tmp_path)
    assert "MAMMO-ROOM-2" not in identifiers_of(path, DeidOptions(retain_device_identity=True))


def test_a_value_the_profile_keeps_elsewhere_in_the_file_is_left_out(tmp_path):
    dataset = image_dataset(sop_uid=generate_uid())
    dataset.StationName, dataset.Manufacturer = "TOSHIBA", "TOSHIBA_MEC"
    path = write_file(dataset, tmp_path / "station.dcm")
    assert "TOSHIBA" not in identifiers_of(path)


def _deidentified(path, pseudonymiser, options, monkeypatch):
    """deidentify_file, with identifiers_of's own read of the file made to fail."""
    from screening.research.deid import deidentify, identifiers

    def no_second_read(*args, **kwargs):
        raise AssertionError("the original was parsed a second time for its identifiers")

    monkeypatch.setattr(identifiers, "dcmread", no_second_read)
    return deidentify.deidentify_file(
        path,
        path.parent / "out" / "file.dcm",
        pseudonymiser=pseudonymiser,
        options=options,
        participant_id="7",
        participant_pseudonym=pseudonymiser.participant("7"),
    )


@pytest.mark.parametrize(
    "options", [DeidOptions(), DeidOptions(retain_device_identity=True, retain_dates_shifted=True)]
)
def test_deidentify_file_lists_the_originals_identifiers_from_its_own_read(
    tmp_path, pseudonymiser, monkeypatch, options
):
    path, _ = _original(tmp_path)
    expected = identifiers_of(path, options)
    outcome = _deidentified(path, pseudonymiser, options, monkeypatch)
    assert outcome.written
    assert outcome.identifiers == expected
    assert ("MAMMO-ROOM-2" in outcome.identifiers) is not options.retain_device_identity


def test_a_withheld_file_still_lists_its_identifiers(tmp_path, pseudonymiser, monkeypatch):
    path, dataset = _original(tmp_path)
    dataset.BurnedInAnnotation = "YES"
    write_file(dataset, path)
    outcome = _deidentified(path, pseudonymiser, DeidOptions(), monkeypatch)
    assert not outcome.written
    assert {"Kowalska", "9434765919", "ACC-778812"} <= outcome.identifiers
