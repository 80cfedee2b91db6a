"""audiodl.stats against scipy.stats' own tests and intervals, and its refusals."""

import statistics

import numpy as np
import pytest
from scipy import stats

from audiodl.stats import clopper_pearson, paired_t_interval, sample_std, t_interval, wilson


def test_sample_std_divides_by_n_minus_1():
    x = [0.70, 0.83, 0.88, 0.88, 0.89, 0.85]
    assert sample_std(x) == pytest.approx(statistics.stdev(x), rel=1e-12)
    assert sample_std(x) > np.std(x)  # numpy's default (ddof=0) is the smaller one


def test_paired_t_interval_is_scipys():
    rng = np.random.default_rng(0)
    for n in (2, 6, 30):
        a, b = rng.normal(0.85, 0.05, n), rng.normal(0.83, 0.05, n)
        for confidence in (0.9, 0.95):
            mean, low, high = paired_t_interval(a, b, confidence)
            ci = stats.ttest_rel(a, b).confidence_interval(confidence)
            assert mean == pytest.approx(np.mean(a - b), rel=1e-12)
            assert (low, high) == pytest.approx((ci.low, ci.high), rel=1e-10)


def test_t_interval_is_scipys_one_sample_interval():
    x = np.random.default_rng(1).normal(0.9, 0.05, 6)
    mean, low, high = t_interval(x)
    ci = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
    assert mean == pytest.approx(x.mean(), rel=1e-12)
    assert (low, high) == pytest.approx((ci.low, ci.high), rel=1e-10)
    with pytest.raises(ValueError, match="at least 2"):
        t_interval([0.9])


def test_paired_t_interval_six_speakers_by_hand():
    # six differences, 5 degrees of freedom: t = 2.5706
    d = np.array([12.4, 1.8, -0.4, -2.0, 4.0, 5.4]) / 100
    mean, low, high = paired_t_interval(d, np.zeros(6))
    half = 2.5706 * np.std(d, ddof=1) / np.sqrt(6)
    assert (low, high) == pytest.approx((mean - half, mean + half), abs=1e-5)
    assert low < 0 < high  # this gain is not established


@pytest.mark.parametrize("k, n", [(0, 300), (1, 300), (150, 300), (295, 300), (300, 300),
                                  (7, 10), (1, 1)])
def test_binomial_intervals_are_scipys(k, n):
    result = stats.binomtest(k, n)
    for ours, method in ((wilson, "wilson"), (clopper_pearson, "exact")):
        ci = result.proportion_ci(0.95, method=method)
        assert ours(k, n) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_binomial_intervals_hold_the_estimate_and_widen_with_confidence():
    for ours in (wilson, clopper_pearson):
        low, high = ours(296, 300)
        assert low < 296 / 300 < high <= 1
        low99, high99 = ours(296, 300, confidence=0.99)
        assert low99 < low and high99 >= high


@pytest.mark.parametrize("call, message", [
    (lambda: sample_std([0.9]), "at least 2 values"),
    (lambda: sample_std([0.9, float("nan")]), "finite"),
    (lambda: paired_t_interval([1, 2, 3], [1, 2]), "pairs a"),
    (lambda: paired_t_interval([1, 2], [1, 3], confidence=95), "between 0 and 1"),
    (lambda: wilson(301, 300), "0 <= k <= n"),
    (lambda: clopper_pearson(2.5, 300), "whole numbers"),
    (lambda: clopper_pearson(3, 0), "n >= 1"),
])
def test_bad_input_is_refused_with_a_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
