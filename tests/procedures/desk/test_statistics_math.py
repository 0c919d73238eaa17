"""The chi-square survival function against published values (SciPy's chi2.sf / tables)."""

import math

import pytest

from procedures.desk.statistics_math import chi2_sf, gamma_q, pearson

KNOWN = [  # (x, df, P(χ² ≥ x)): 5 % and 1 % critical values of the tables; odd df by the closed form erfc(√(x/2)) + √(2x/π)·e^(−x/2)·(1 + x/3 …)
    (3.841458820694124, 1, 0.05), (6.634896601021214, 1, 0.01), (5.991464547107979, 2, 0.05),
    (18.307038053275146, 10, 0.05), (124.34211340400407, 100, 0.05), (2.0, 3, 0.5724067044708797),
    (0.5, 3, 0.9188914116546758), (1.0, 1, 0.31731050786291415), (30.0, 5, 1.4748581038443052e-05),
]


@pytest.mark.parametrize(("x", "df", "p"), KNOWN)
def test_chi2_sf_matches_the_published_values(x, df, p):
    assert chi2_sf(x, df) == pytest.approx(p, rel=1e-9)


def test_two_degrees_of_freedom_is_the_exponential_and_zero_is_certainty():
    for x in (0.1, 1.0, 7.5, 40.0):
        assert chi2_sf(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-12)
    assert chi2_sf(0, 4) == 1.0 and gamma_q(3, 0) == 1.0


def test_the_survival_function_falls_as_the_statistic_grows():
    values = [chi2_sf(x, 7) for x in range(0, 60, 3)]
    assert all(a > b for a, b in zip(values, values[1:], strict=False))
    assert values[-1] < 1e-8


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        chi2_sf(1.0, 0)
    with pytest.raises(ValueError):
        gamma_q(-1, 1)


def test_pearson_counts_only_supervisors_who_could_be_drawn():
    fair = pearson([3, 1, 0, 5], [5 / 3, 5 / 3, 2 / 3, 0])
    assert fair.df == 2 and fair.statistic == pytest.approx(2.0)
    assert fair.p_value == pytest.approx(math.exp(-1))
    assert pearson([1], [1.0]).p_value is None
