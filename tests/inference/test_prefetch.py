"""Studies decoded ahead of the one being scored: same results, failures their own, memory bounded."""

import threading

import numpy as np
import pytest

from inference.predictor import InputError
from inference.synthetic.cohort import cohort_plan, write_study


@pytest.fixture(scope="module")
def breast_studies(tmp_path_factory):
    """Three fixed breast studies (one with a lesion at least) as (reference, path) lists."""
    folder = tmp_path_factory.mktemp("prefetch")
    plan = cohort_plan("breast", 3, 21, 0.5)
    return [[(path.stem, path) for path in write_study(study, folder)] for study in plan]


@pytest.mark.parametrize("depth", [1, 2])
def test_prefetched_studies_get_the_scores_and_heat_maps_of_studies_scored_one_at_a_time(
    breast_predictor, breast_studies, depth
):
    alone = [breast_predictor.predict_study(files) for files in breast_studies]
    ahead = list(breast_predictor.predict_studies(breast_studies, depth=depth))
    for one, other in zip(alone, ahead, strict=True):
        assert other.study_score == one.study_score and other.side_scores == one.side_scores
        assert [image.reference for image in other.images] == [image.reference for image in one.images]
        assert [image.score for image in other.images] == [image.score for image in one.images]
        assert all(
            np.array_equal(mine.heatmap, theirs.heatmap)
            for mine, theirs in zip(other.images, one.images, strict=True)
        )


def test_an_unexpected_error_preparing_one_study_is_raised_for_that_study_only(
    breast_predictor, breast_studies, monkeypatch
):
    prepare = breast_predictor._prepare

    def failing_prepare(files):
        if files is breast_studies[1]:
            raise RuntimeError("disk hiccup")
        return prepare(files)

    monkeypatch.setattr(breast_predictor, "_prepare", failing_prepare)
    preparations = list(breast_predictor.prepared_ahead(breast_studies, depth=1))
    with pytest.raises(RuntimeError, match="disk hiccup"):
        breast_predictor.score_prepared(preparations[1])
    scored = [breast_predictor.score_prepared(preparations[index]) for index in (0, 2)]
    assert [result.study_score for result in scored] == [
        breast_predictor.predict_study(breast_studies[index]).study_score for index in (0, 2)
    ]


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_no_more_than_depth_studies_are_prepared_ahead_of_the_one_taken(breast_predictor, monkeypatch, depth):
    monkeypatch.setattr(breast_predictor, "_prepare", lambda files: files)
    pulled = []

    def studies():
        for index in range(8):
            pulled.append(index)
            yield index

    taken = []
    for preparation in breast_predictor.prepared_ahead(studies(), depth=depth):
        taken.append(preparation.result())
        assert len(pulled) <= len(taken) + depth
    assert taken == list(range(8))


def test_closing_the_prefetch_cancels_the_preparations_not_begun(breast_predictor, monkeypatch):
    release, begun = threading.Event(), []

    def slow_prepare(files):
        begun.append(files)
        release.wait(30)
        return files

    monkeypatch.setattr(breast_predictor, "_prepare", slow_prepare)
    preparations = breast_predictor.prepared_ahead(range(6), depth=3)
    first = next(preparations)
    preparations.close()  # as a time limit leaving the worker's loop does
    release.set()
    assert first.result() == 0
    breast_predictor._prefetch.submit(lambda: None).result()  # all earlier work has run or was cancelled
    assert begun == [0]


def test_a_study_that_cannot_be_scored_is_yielded_as_its_input_error(breast_predictor, breast_studies):
    results = list(breast_predictor.predict_studies([breast_studies[0][:2], breast_studies[1]]))
    assert isinstance(results[0], InputError)
    assert results[1].study_score == breast_predictor.predict_study(breast_studies[1]).study_score
