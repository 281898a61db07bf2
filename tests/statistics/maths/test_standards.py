"""Standards as data and red/amber/green against them."""

import pytest

from screening.statistics.maths.standard_values import BREAST_STANDARDS
from screening.statistics.maths.standards import (
    ProgrammeStandard,
    Rag,
    Threshold,
    standard_rag,
    standards_for,
)


def by_code(code):
    return next(standard for standard in BREAST_STANDARDS if standard.code == code)


@pytest.mark.parametrize(
    ("recall_rate", "rag"),
    [(0.04, Rag.GREEN), (0.0699, Rag.GREEN), (0.07, Rag.AMBER), (0.099, Rag.AMBER), (0.10, Rag.RED)],
)
def test_the_nhs_first_round_recall_standard_under_7_green_under_10_amber(recall_rate, rag):
    assert standard_rag(by_code("nhs_bsp.recall_rate.first"), recall_rate) == rag


@pytest.mark.parametrize(("ratio", "rag"), [(3.2, Rag.GREEN), (3.0, Rag.AMBER), (2.9, Rag.RED)])
def test_a_higher_is_better_standard_with_a_strict_achievable_level(ratio, rag):
    assert standard_rag(by_code("european.detection_ratio.first"), ratio) == rag


def test_no_figure_no_colour():
    assert standard_rag(by_code("nhs_bsp.technical_recall_rate"), None) is None


def test_the_shipped_standards_name_their_source_and_edition_once_each():
    codes = [standard.code for standard in BREAST_STANDARDS]
    assert len(codes) == len(set(codes))
    assert all(standard.source and standard.edition for standard in BREAST_STANDARDS)
    assert {(s.code, s.acceptable.value, s.achievable.value) for s in BREAST_STANDARDS} >= {
        ("nhs_bsp.recall_rate.first", 0.10, 0.07),
        ("nhs_bsp.recall_rate.subsequent", 0.07, 0.05),
        ("nhs_bsp.technical_recall_rate", 0.03, 0.02),
    }


def test_the_standards_for_a_round_include_those_for_any_round():
    first = standards_for(
        BREAST_STANDARDS, programme="breast", measure="recall_rate", screening_round="first"
    )
    assert {s.code for s in first} == {"nhs_bsp.recall_rate.first", "european.recall_rate.first"}
    technical = standards_for(
        BREAST_STANDARDS, programme="breast", measure="technical_recall_rate", screening_round="subsequent"
    )
    assert {s.code for s in technical} == {"nhs_bsp.technical_recall_rate", "european.technical_recall_rate"}
    assert (
        standards_for(BREAST_STANDARDS, programme="lung", measure="recall_rate", screening_round="first")
        == []
    )


def standard(acceptable, achievable):
    return ProgrammeStandard(
        code="local.x",
        programme="breast",
        measure="recall_rate",
        name="x",
        screening_round="any",
        unit="share",
        acceptable=acceptable,
        achievable=achievable,
        source="local",
        edition="1",
    )


@pytest.mark.parametrize(
    ("acceptable", "achievable", "message"),
    [
        (Threshold("<", 0.05), Threshold("<", 0.07), "at least as strict"),
        (Threshold("<", 0.05), Threshold("<=", 0.05), "at least as strict"),
        (Threshold(">=", 1.0), Threshold(">=", 0.9), "at least as strict"),
        (Threshold("<", 0.05), Threshold(">", 0.9), "same way"),
    ],
)
def test_a_standard_whose_levels_contradict_each_other_is_refused(acceptable, achievable, message):
    with pytest.raises(ValueError, match=message):
        standard(acceptable, achievable)


def test_equal_levels_are_allowed_and_an_unknown_comparison_is_refused():
    assert standard(Threshold("<=", 0.3), Threshold("<", 0.3)).achievable.value == 0.3
    with pytest.raises(ValueError, match="compares"):
        Threshold("=<", 0.3)
