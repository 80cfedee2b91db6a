"""Small statistics for reporting a comparison honestly (docs/ch5/evaluation.md): the
sample standard deviation, a t-interval for the mean of paired differences, and binomial
intervals for an accuracy measured on ``n`` test items.

Each is the textbook formula in a few lines; only the distributions' quantiles come from
``scipy.stats``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

__all__ = ["clopper_pearson", "paired_t_interval", "sample_std", "t_interval", "wilson"]


def _values(x: Sequence[float], what: str, at_least: int) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64).reshape(-1)
    if len(a) < at_least:
        raise ValueError(f"{what} needs at least {at_least} values, got {len(a)}")
    if not np.isfinite(a).all():
        raise ValueError(f"{what}: the values must be finite numbers, got {a.tolist()}")
    return a


def sample_std(x: Sequence[float]) -> float:
    """The sample standard deviation: the squared deviations from the mean summed and
    divided by ``n - 1`` (numpy's ``ddof=1``), which estimates the spread of what the values
    were drawn from (``np.std``'s default divides by ``n`` and comes out smaller)."""
    return float(np.std(_values(x, "sample_std", 2), ddof=1))


def paired_t_interval(a: Sequence[float], b: Sequence[float],
                      confidence: float = 0.95) -> tuple[float, float, float]:
    """The mean of the paired differences ``a[i] - b[i]`` and its t-interval,
    ``(mean, low, high)``: ``mean ± t * sample_std / sqrt(n)`` with ``t`` the
    ``(1 + confidence) / 2`` quantile of Student's t with ``n - 1`` degrees of freedom.
    One pair per independent unit: for chapter 5, one per speaker, each value already the
    mean over that speaker's seeds (six speakers, five degrees of freedom)."""
    a, b = _values(a, "paired_t_interval", 2), _values(b, "paired_t_interval", 2)
    if a.shape != b.shape:
        raise ValueError(f"paired_t_interval pairs a[i] with b[i]: got {len(a)} and "
                         f"{len(b)} values")
    return t_interval(a - b, confidence)


def t_interval(x: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """The mean of ``x`` and its t-interval, ``(mean, low, high)``: ``mean ± t *
    sample_std / sqrt(n)``, ``t`` as in :func:`paired_t_interval` (which applies it to the
    differences)."""
    d = _values(x, "t_interval", 2)
    _check_confidence(confidence)
    mean = float(d.mean())
    half = stats.t.ppf((1 + confidence) / 2, len(d) - 1) * sample_std(d) / math.sqrt(len(d))
    return mean, float(mean - half), float(mean + half)


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie between 0 and 1, got {confidence}")


def _check_counts(k: int, n: int, confidence: float) -> None:
    if not (isinstance(k, int | np.integer) and isinstance(n, int | np.integer)
            and 0 <= k <= n and n >= 1):
        raise ValueError(f"a binomial interval needs whole numbers 0 <= k <= n and n >= 1, "
                         f"got k={k}, n={n}")
    _check_confidence(confidence)


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a proportion: ``k`` successes in ``n`` trials (an
    accuracy: ``k`` clips right out of ``n``). Unlike ``p ± z sqrt(p(1 - p) / n)`` it stays
    inside [0, 1] and does not shrink to nothing at ``k = n``."""
    _check_counts(k, n, confidence)
    z = stats.norm.ppf((1 + confidence) / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Clopper-Pearson ("exact") interval for ``k`` successes in ``n`` trials: every
    proportion under which a count as extreme as ``k`` has probability at least
    ``(1 - confidence) / 2`` on its side. Its coverage is never below ``confidence``, so it
    is a little wider than :func:`wilson`; at ``k = n`` it reaches 1."""
    _check_counts(k, n, confidence)
    tail = (1 - confidence) / 2
    low = 0.0 if k == 0 else stats.beta.ppf(tail, k, n - k + 1)
    high = 1.0 if k == n else stats.beta.ppf(1 - tail, k + 1, n - k)
    return float(low), float(high)
