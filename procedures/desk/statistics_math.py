"""The arithmetic behind the desk's fairness check of the random draw (第十条 随机抽取): the
chi-square survival function through the regularized upper incomplete gamma function, and the
Pearson goodness-of-fit test of dispatch counts against their expectation. Pure stdlib (no SciPy
here); statistics, not rules — so it cites no article of its own and lives beside the desk's
statistics, not in regulation/.

Q(a, x) = Γ(a, x)/Γ(a): the series of P(a, x) for x < a + 1, else the continued fraction of Q
(modified Lentz), both to double precision (Numerical Recipes, 3rd ed., §6.2).
"""

import math
from dataclasses import dataclass

_EPS = 1e-15
_TINY = 1e-300
_MAX_ITER = 10_000


def _lower_series(a: float, x: float) -> float:
    """P(a, x) by its series, for x < a + 1."""
    term = total = 1.0 / a
    ap = a
    for _ in range(_MAX_ITER):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Q(a, x) by its continued fraction, for x ≥ a + 1."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gamma_q(a: float, x: float) -> float:
    """The regularized upper incomplete gamma function Q(a, x), a > 0, x ≥ 0."""
    if a <= 0 or x < 0:
        raise ValueError(f"gamma_q: a must be > 0 and x ≥ 0 (a={a}, x={x})")
    if x == 0:
        return 1.0
    if x < a + 1.0:
        return max(0.0, 1.0 - _lower_series(a, x))
    return min(1.0, _upper_fraction(a, x))


def chi2_sf(x: float, df: int) -> float:
    """P(χ²_df ≥ x): the p-value of a chi-square statistic x with df degrees of freedom."""
    if df < 1:
        raise ValueError(f"chi2_sf: df must be ≥ 1 (df={df})")
    return 1.0 if x <= 0 else gamma_q(df / 2.0, x / 2.0)


@dataclass(frozen=True)
class Fairness:
    statistic: float  # Pearson's X² = Σ (O − E)² / E
    df: int  # supervisors with a positive expectation, less one
    p_value: float | None  # None: fewer than two supervisors could have been drawn


def pearson(observed: list[float], expected: list[float]) -> Fairness:
    """Goodness of fit of dispatch counts to their expectation. Only cells with E > 0 count (a
    supervisor who was never a candidate has nothing to be compared with)."""
    cells = [(o, e) for o, e in zip(observed, expected, strict=True) if e > 0]
    if len(cells) < 2:
        return Fairness(0.0, 0, None)
    statistic = sum((o - e) ** 2 / e for o, e in cells)
    df = len(cells) - 1
    return Fairness(statistic, df, chi2_sf(statistic, df))
