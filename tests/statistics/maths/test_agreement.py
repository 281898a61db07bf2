"""Cohen's kappa and its interval: by hand (Fleiss, Cohen and Everitt), against scikit-learn's
cohen_kappa_score and against the spread of kappa over resampled tables; discordance."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from screening.statistics.maths.agreement import cohen_kappa, cohen_kappa_from_table, discordance
from screening.statistics.maths.proportions import wilson_interval

# Fifty episodes: rows the reader (recall, routine), columns the AI.
TABLE = [[20, 5], [10, 15]]


def test_kappa_and_its_standard_error_by_hand():
    # Shares [[.4, .1], [.2, .3]]; reader .5/.5, AI .6/.4; observed .7, expected .5, kappa .4.
    # On the diagonal: .4 (1 - 1.1 * .6)^2 + .3 (1 - .9 * .6)^2 = .10972;
    # off it: .36 (.1 * 1.1^2 + .2 * .9^2) = .10188; less (.4 - .5 * .6)^2 = .01; over 50 * .25.
    estimate = cohen_kappa_from_table(TABLE)
    assert (estimate.observed_agreement, estimate.expected_agreement) == pytest.approx((0.7, 0.5))
    assert estimate.kappa == pytest.approx(0.4)
    assert estimate.standard_error == pytest.approx(np.sqrt((0.10972 + 0.10188 - 0.01) / 12.5))
    assert (estimate.low, estimate.high) == pytest.approx(
        (0.4 - 1.959964 * 0.1269961, 0.4 + 1.959964 * 0.1269961), abs=1e-6
    )
    assert estimate.pairs == 50


@given(st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from("ABC")), min_size=1, max_size=300))
def test_kappa_agrees_with_scikit_learn_and_is_symmetric(pairs):
    first, second = (list(column) for column in zip(*pairs, strict=True))
    estimate = cohen_kappa(first, second)
    if estimate.kappa is None:  # both raters chose one and the same category throughout
        assert len(set(first) | set(second)) == 1
        return
    assert estimate.kappa == pytest.approx(cohen_kappa_score(first, second), abs=1e-9)
    assert cohen_kappa(second, first).standard_error == pytest.approx(estimate.standard_error)
    assert estimate.low <= estimate.kappa <= estimate.high


def test_the_standard_error_matches_the_spread_of_kappa_over_resampled_tables():
    rng = np.random.default_rng(5)
    shares = np.array(TABLE, dtype=float).ravel() / 50
    kappas = [cohen_kappa_from_table(rng.multinomial(400, shares).reshape(2, 2)).kappa for _ in range(4000)]
    expected = cohen_kappa_from_table(np.array(TABLE) * 8).standard_error
    assert np.std(kappas, ddof=1) == pytest.approx(expected, rel=0.06)


def test_perfect_agreement_has_kappa_one_and_no_spread():
    estimate = cohen_kappa(["recall", "routine", "routine"], ["recall", "routine", "routine"])
    assert (estimate.kappa, estimate.standard_error) == pytest.approx((1.0, 0.0))


def test_kappa_is_undefined_without_pairs_or_when_chance_explains_everything():
    assert cohen_kappa([], []).kappa is None
    assert cohen_kappa(["routine"] * 4, ["routine"] * 4).kappa is None


def test_categories_may_be_given_and_others_are_refused():
    estimate = cohen_kappa([0, 1, 1], [0, 1, 0], categories=[0, 1, 2])
    assert estimate.kappa == pytest.approx(cohen_kappa_score([0, 1, 1], [0, 1, 0]))
    with pytest.raises(ValueError, match="outside"):
        cohen_kappa([0, 3], [0, 1], categories=[0, 1])


@pytest.mark.parametrize(
    ("table", "message"),
    [([[1, 2, 3]], "square"), ([[1, -1], [0, 0]], "counts"), ([[1.5, 0], [0, 1]], "counts")],
)
def test_a_table_that_is_not_square_counts_is_refused(table, message):
    with pytest.raises(ValueError, match=message):
        cohen_kappa_from_table(table)


def test_discordance_is_the_share_of_episodes_the_raters_differ_on():
    share = discordance([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])
    assert (share.numerator, share.denominator, share.value) == (2, 5, pytest.approx(0.4))
    assert (share.low, share.high) == pytest.approx(wilson_interval(2, 5))
    with pytest.raises(ValueError, match="one category from each rater"):
        discordance([1, 0], [1])
