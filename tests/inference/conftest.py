"""Shared fixtures for the inference tests: small synthetic studies written as real DICOM files."""

from pathlib import Path

import pytest

from inference.predictor import Predictor
from inference.registry import model_card_get, model_load
from inference.synthetic.cohort import cohort_plan, ground_truth_records, write_study

REPOSITORY = Path(__file__).resolve().parents[2]
SHIPPED_MODELS = REPOSITORY / "models"


@pytest.fixture(scope="module")
def breast_predictor():
    """The shipped breast demo model on the CPU, one per test module."""
    predictor = Predictor(model_load(model_card_get(SHIPPED_MODELS, "breast-demo"), device="cpu"))
    yield predictor
    predictor.close()


def obvious_breast_study(seed: int = 11):
    """A planned breast study whose lesion is an obvious, medium or large mass, with its ground truth."""
    plan = cohort_plan("breast", 80, seed, 0.5)
    for study, record in zip(plan, ground_truth_records(plan), strict=True):
        lesions = record["lesions"]
        if (
            lesions
            and lesions[0]["contrast_band"] == "obvious"
            and lesions[0]["size_band"] != "small"
            and lesions[0]["kind"] != "calcification_cluster"
        ):
            return study, record
    raise AssertionError("no obvious mass in the plan")


@pytest.fixture(scope="session")
def breast_study_files(tmp_path_factory):
    """(study, ground truth record, files) of a breast study with an obvious mass."""
    study, record = obvious_breast_study()
    files = write_study(study, tmp_path_factory.mktemp("breast"))
    return study, record, files


@pytest.fixture(scope="session")
def lung_study_files(tmp_path_factory):
    """(study, ground truth record, files) of a CT study with a nodule, at a reduced size for speed."""
    plan = cohort_plan("lung", 10, 4, 0.5)
    records = ground_truth_records(plan)
    study, record = next((s, r) for s, r in zip(plan, records, strict=True) if r["lesion_present"])
    files = write_study(study, tmp_path_factory.mktemp("lung"))
    return study, record, files
