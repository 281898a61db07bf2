"""The synthetic cohort: a deterministic plan, valid DICOM files and a ground truth that round-trips."""

import ast
from collections import Counter
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.uid import (
    CTImageStorage,
    DigitalMammographyXRayImageStorageForPresentation,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    RLELossless,
)

import inference
from inference.synthetic.__main__ import main
from inference.synthetic.cohort import (
    cohort_plan,
    ground_truth_records,
    load_ground_truth,
    write_ground_truth,
    write_study,
)
from inference.synthetic.lesion_sampling import CONTRAST_BANDS, SIZE_BANDS
from inference.synthetic.mammography_phantom import render_view
from inference.synthetic.nhs_numbers import nhs_number_is_valid
from screening.patients.identifiers import nhs_number_is_valid as screening_nhs_number_is_valid

SYNTHETIC_SYNTAXES = {
    "explicit": ExplicitVRLittleEndian,
    "implicit": ImplicitVRLittleEndian,
    "rle": RLELossless,
}


def _first_positive(programme, seed=7):
    return next(study for study in cohort_plan(programme, 20, seed, 0.5) if study.lesion_present)


def test_the_same_seed_plans_the_same_cohort_and_another_seed_a_different_one():
    assert cohort_plan("breast", 30, 1, 0.3) == cohort_plan("breast", 30, 1, 0.3)
    first, other = cohort_plan("breast", 30, 1, 0.3), cohort_plan("breast", 30, 2, 0.3)
    assert [s.study_uid for s in first] != [s.study_uid for s in other]
    assert [s.participant for s in first] != [s.participant for s in other]


@pytest.mark.parametrize("programme", ["breast", "lung"])
def test_participants_have_valid_nhs_numbers_by_the_screening_rule(programme):
    for study in cohort_plan(programme, 50, 3, 0.2):
        identifier = study.participant.identifier
        assert nhs_number_is_valid(identifier) and screening_nhs_number_is_valid(identifier)
        assert study.participant.issuer == "NHS"
    assert not nhs_number_is_valid("9990000011")


def test_breast_participants_are_women_of_screening_age():
    for study in cohort_plan("breast", 40, 3, 0.2):
        age = (study.study_date - study.participant.birth_date).days / 365.25
        assert study.participant.sex == "F" and 49.9 < age < 71.1
        assert study.density in "abcd"


@pytest.mark.parametrize("prevalence", [0.0, 0.1, 0.35, 1.0])
def test_prevalence_sets_the_share_of_studies_with_a_lesion(prevalence):
    cohort = cohort_plan("lung", 200, 5, prevalence)
    assert sum(study.lesion_present for study in cohort) == round(200 * prevalence)


def test_outcomes_mix_confirmed_cancers_benign_lesions_and_a_few_interval_cancers():
    cohort = cohort_plan("breast", 600, 9, 0.3)
    positives = Counter(study.outcome for study in cohort if study.lesion_present)
    negatives = Counter(study.outcome for study in cohort if not study.lesion_present)
    assert positives["cancer_confirmed"] > positives["benign"] > 0
    assert set(positives) <= {"cancer_confirmed", "benign", "interval_cancer"}
    assert set(negatives) <= {"none", "interval_cancer"}
    assert 0 < negatives["interval_cancer"] < 0.06 * sum(negatives.values())
    missed = [s for s in cohort if s.lesion_present and s.outcome == "interval_cancer"]
    assert missed and all(s.lesions[0].contrast_band == "subtle" for s in missed)


@pytest.mark.parametrize("programme", ["breast", "lung"])
def test_lesions_span_every_size_and_contrast_band_from_obvious_to_subtle(programme):
    lesions = [lesion for study in cohort_plan(programme, 300, 2, 1.0) for lesion in study.lesions]
    assert {lesion.size_band for lesion in lesions} == set(SIZE_BANDS)
    assert {lesion.contrast_band for lesion in lesions} == set(CONTRAST_BANDS)
    sizes = [lesion.phantom.diameter_mm for lesion in lesions]
    assert min(sizes) < 6 and max(sizes) > 25


@pytest.fixture(scope="module")
def breast_files(tmp_path_factory):
    study = _first_positive("breast")
    return study, write_study(study, tmp_path_factory.mktemp("mg"))


def test_mammography_files_are_for_presentation_mg_with_the_right_views(breast_files):
    study, paths = breast_files
    assert [path.name for path in paths] == ["1_R-CC.dcm", "2_L-CC.dcm", "3_R-MLO.dcm", "4_L-MLO.dcm"]
    for path in paths:
        ds = pydicom.dcmread(path)
        view = path.stem.split("_")[1]
        assert ds.SOPClassUID == DigitalMammographyXRayImageStorageForPresentation
        assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
        assert (ds.ImageLaterality, ds.ViewPosition) == (view[0], view[2:])
        assert ds.PatientOrientation[0] == ("P" if view[0] == "R" else "A")
        assert ds.Modality == "MG" and ds.BodyPartExamined == "BREAST"
        assert (
            ds.PresentationIntentType == "FOR PRESENTATION" and ds.PhotometricInterpretation == "MONOCHROME2"
        )
        assert ds.PatientID == study.participant.identifier and ds.IssuerOfPatientID == "NHS"
        assert str(ds.PatientName) == f"{study.participant.family_name}^{study.participant.given_name}"
        assert ds.StudyInstanceUID == study.study_uid and ds.Manufacturer == study.vendor.manufacturer
        assert ds.pixel_array.shape == (512, 416) and ds.pixel_array.dtype == np.uint16
        assert ds.pixel_array.max() < 2**ds.BitsStored and ds.HighBit == ds.BitsStored - 1
        assert path.read_bytes()[:132] == b"\x00" * 128 + b"DICM"


def test_right_images_have_breast_tissue_against_the_right_edge(breast_files):
    _, paths = breast_files
    for path in paths:
        pixels = pydicom.dcmread(path).pixel_array.astype(float)
        right_edge, left_edge = pixels[200:300, -5:].mean(), pixels[200:300, :5].mean()
        assert (right_edge > 3 * left_edge) == ("_R-" in path.name)


def test_writing_a_study_twice_gives_identical_files(breast_files, tmp_path):
    study, paths = breast_files
    again = write_study(study, tmp_path)
    assert [path.read_bytes() for path in paths] == [path.read_bytes() for path in again]


@pytest.mark.parametrize("syntax", ["implicit", "rle"])
def test_other_transfer_syntaxes_decode_to_the_same_pixels(breast_files, tmp_path, syntax):
    study, explicit = breast_files
    for original, path in zip(explicit, write_study(study, tmp_path, transfer_syntax=syntax), strict=True):
        ds, reference = pydicom.dcmread(path), pydicom.dcmread(original)
        assert ds.file_meta.TransferSyntaxUID == SYNTHETIC_SYNTAXES[syntax]
        assert ds.SOPInstanceUID == reference.SOPInstanceUID
        assert np.array_equal(ds.pixel_array, reference.pixel_array)


def test_ground_truth_round_trips_and_places_lesions_inside_the_breast(tmp_path):
    cohort = cohort_plan("breast", 12, 4, 0.5)
    path = write_ground_truth(cohort, tmp_path)
    manifest = load_ground_truth(tmp_path)
    assert path.name == "ground_truth.json" and manifest["studies"] == ground_truth_records(cohort)
    for study, record in zip(cohort, manifest["studies"], strict=True):
        assert record["study_instance_uid"] == study.study_uid
        assert record["lesion_present"] == bool(record["lesions"])
        for lesion in record["lesions"]:
            assert {p["view"] for p in lesion["positions"]} == {
                f"{lesion['laterality']}-CC",
                f"{lesion['laterality']}-MLO",
            }
            for position in lesion["positions"]:
                mask = render_view(study.anatomy, position["view"], np.random.default_rng(0)).breast_mask
                assert mask[round(position["row"]), round(position["col"])]


@pytest.fixture(scope="module")
def lung_files(tmp_path_factory):
    study = _first_positive("lung")
    return study, write_study(study, tmp_path_factory.mktemp("ct"), transfer_syntax="rle")


def test_ct_study_is_one_file_per_slice_in_hounsfield_units(lung_files):
    _, paths = lung_files
    assert len(paths) == 64
    slices = [pydicom.dcmread(path) for path in paths[:3]]
    for number, ds in enumerate(slices, start=1):
        assert ds.SOPClassUID == CTImageStorage and ds.file_meta.TransferSyntaxUID == RLELossless
        assert ds.InstanceNumber == number and ds.pixel_array.shape == (256, 256)
        assert (ds.RescaleSlope, ds.RescaleIntercept) == (1, -1024)
        assert list(ds.ImageOrientationPatient) == [1, 0, 0, 0, 1, 0]
    assert slices[0].ImagePositionPatient[2] - slices[1].ImagePositionPatient[2] == pytest.approx(
        slices[0].SliceThickness
    )


def test_ct_ground_truth_points_at_the_nodule_in_the_written_slices(lung_files):
    study, paths = lung_files
    (position,) = ground_truth_records([study])[0]["lesions"][0]["positions"]
    ds = next(
        pydicom.dcmread(p) for p in paths if pydicom.dcmread(p).SOPInstanceUID == position["sop_instance_uid"]
    )
    hu = ds.pixel_array.astype(float) + ds.RescaleIntercept
    row, col = round(position["row"]), round(position["col"])
    assert hu[row - 1 : row + 2, col - 1 : col + 2].mean() > -850 + 0.3 * study.lesions[0].phantom.contrast


def test_command_line_writes_files_and_ground_truth_without_a_database(tmp_path, capsys):
    assert main(["--programme", "breast", "--patients", "2", "--seed", "1", "--out", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("*/*.dcm"))) == 8
    assert len(load_ground_truth(tmp_path / "ground_truth.json")["studies"]) == 2
    assert "2 studies, 8 files" in capsys.readouterr().out


def test_inference_never_imports_django_or_screening():
    root = Path(inference.__file__).parent
    for module in root.rglob("*.py"):
        tree = ast.parse(module.read_text(), filename=str(module))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"django", "screening"}, f"{module} imports {name}"
