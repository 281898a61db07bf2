"""The worker scores a message's studies with the next ones decoded ahead: one bad study fails alone."""

import pytest

from inference.synthetic.cohort import cohort_plan, write_study
from screening.inference_jobs.worker_inference import PermanentInputError, predict_study, studies_predict
from tests.inference.conftest import SHIPPED_MODELS


@pytest.fixture(scope="module")
def breast_studies(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prefetched-message")
    plan = cohort_plan("breast", 3, 21, 0.5)
    return [[(path.stem, str(path)) for path in write_study(study, folder)] for study in plan]


def _payload(files):
    return predict_study(
        root=SHIPPED_MODELS,
        model_name="breast-demo",
        model_version="2.0.0",
        images=files,
    )


def test_a_study_that_fails_in_the_middle_of_a_prefetched_message_fails_alone(breast_studies, tmp_path):
    first, second, third = breast_studies
    missing = [(reference, str(tmp_path / "gone.dcm")) for reference, _ in second]
    three_views = first[:3]
    studies = [first, missing, three_views, third]
    scores = studies_predict(
        root=SHIPPED_MODELS,
        model_name="breast-demo",
        model_version="2.0.0",
        studies=studies,
        prefetch=2,
    )
    outcomes = []
    for score in scores:
        try:
            outcomes.append(score())
        except PermanentInputError as error:
            outcomes.append(error)
    assert len(outcomes) == 4
    assert isinstance(outcomes[1], PermanentInputError) and "not a readable DICOM image" in str(outcomes[1])
    assert isinstance(outcomes[2], PermanentInputError) and "lacks the views" in str(outcomes[2])
    for payload, files in ((outcomes[0], first), (outcomes[3], third)):
        expected = _payload(files)
        assert payload["study_score"] == expected["study_score"]
        assert [image["heatmap"] for image in payload["images"]] == [
            image["heatmap"] for image in expected["images"]
        ]
