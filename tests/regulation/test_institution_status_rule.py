"""第二十二条、第二十三条、附件4: an institution's status from the measures in force on it."""

import pytest

from regulation.sanctions import institution_status, revocation_level


@pytest.mark.parametrize("current,measures,expected", [
    ("active", [], "active"),
    ("suspended", [], "active"),  # the last suspension lifted: 恢复评价活动
    ("active", ["rectification"], "suspended"),
    ("suspended", ["rectification", "rectification"], "suspended"),  # one lifted, another still open
    ("active", ["rectification", "revocation"], "revoked"),
    ("revoked", [], "revoked"),  # 不再受理其备案或遴选申请: nothing here restores a filing
    ("revoked", ["rectification"], "revoked"),  # a 第二十二条 decision on a revoked institution
])
def test_institution_status_revoked_stays_revoked_suspended_while_a_rectification_is_open(current, measures,
                                                                                          expected):
    assert institution_status(current, measures) == expected


@pytest.mark.parametrize("case,expected", [("23.1", True), ("23.10", True), ("fail", True), ("22.6", False),
                                           ("21.3", False), ("24.1", False)])
def test_revocation_level_findings_are_article_23_and_the_third_failure(case, expected):
    assert revocation_level(case) is expected
