"""Each SR content item belongs to one document: the code items and a model's algorithm and device
items were built once and shared (lru_cache), so that a caller that changed one item changed it in
every later document."""

from collections.abc import Iterator

import pytest
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from screening.outbound.ai_result_sr import ai_result_sr
from screening.outbound.report_selectors import ai_result_with_images
from screening.outbound.sr_content import coded
from tests.outbound.conftest import mammogram_study, participant, stored_ai_result

ALGORITHM_NAME = "111001"


def datasets(dataset: Dataset) -> Iterator[Dataset]:
    """The dataset and every item of its sequences, at any depth."""
    yield dataset
    for element in dataset:
        if element.VR == "SQ":
            for item in element.value:
                yield from datasets(item)


def test_a_changed_code_item_leaves_the_next_one_as_coded():
    first = coded(codes.DCM.Finding)
    first.CodeMeaning = "changed by one document"
    first.CodingSchemeVersion = "1"
    second = coded(codes.DCM.Finding)
    assert second is not first
    assert second.CodeMeaning == "Finding"
    assert "CodingSchemeVersion" not in second


@pytest.mark.django_db
def test_two_documents_of_one_model_share_no_item(breast_campaign, media_in_tmp):
    results = [
        ai_result_with_images(result_id=stored_ai_result(mammogram_study(breast_campaign, participant())).pk)
        for _ in range(2)
    ]
    first, second = (ai_result_sr(result, images) for result, images in results)
    assert not {id(item) for item in datasets(first)} & {id(item) for item in datasets(second)}
    for item in datasets(first):  # a caller rewrites the algorithm's name in its document
        if item.get("ValueType") == "TEXT" and item.ConceptNameCodeSequence[0].CodeValue == ALGORITHM_NAME:
            item.TextValue = "renamed"
            item.ConceptNameCodeSequence[0].CodeMeaning = "renamed"
    third = ai_result_sr(*results[1])
    names = [
        (item.TextValue, item.ConceptNameCodeSequence[0].CodeMeaning)
        for item in datasets(third)
        if item.get("ValueType") == "TEXT" and item.ConceptNameCodeSequence[0].CodeValue == ALGORITHM_NAME
    ]
    assert names and set(names) == {("breast-demo", "Algorithm Name")}
