"""第十二条 internal cards valid only at their own institution/industry; 第十六条 full coverage."""

from regulation.internal_supervision import InstitutionIssuer, coverage_gap, internal_card_refusal

CITY_FILED = InstitutionIssuer("city", "37010020240001")
MOHRSS_FILED = InstitutionIssuer("mohrss", "Y0123")
INDUSTRY = InstitutionIssuer("province", "370000123456", industry_code="880001")


def test_internal_card_of_own_institution_is_accepted():
    assert internal_card_refusal("S240001260001", CITY_FILED) is None
    assert internal_card_refusal("Y000123260001", MOHRSS_FILED) is None


def test_internal_card_of_another_institution_is_refused_under_article_12():
    reason = internal_card_refusal("S240002260001", CITY_FILED)
    assert reason.article == "第十二条" and "240001" in reason.text


def test_industry_card_valid_only_in_its_industry():
    assert internal_card_refusal("H880001260001", INDUSTRY) is None
    assert internal_card_refusal("H880002260001", INDUSTRY).article == "第十二条"
    assert internal_card_refusal("H880001260001", CITY_FILED).article == "第十二条"


def test_external_card_as_internal_supervisor_is_refused_under_article_13():
    assert internal_card_refusal("R3726A001", CITY_FILED).article == "第十三条"


def test_malformed_internal_card_is_refused_under_annex_1():
    assert internal_card_refusal("S24000126000", CITY_FILED).article == "附件1"


def test_session_without_internal_supervisor_breaks_full_coverage():
    assert coverage_gap([]).article == "第十六条"
    assert coverage_gap([{"name": "甲"}]) is None


def test_internal_card_of_a_person_dismissed_under_article_26_is_refused_everywhere():
    reason = internal_card_refusal("S240001260001", CITY_FILED, banned=True)
    assert reason.article == "第二十六条" and "不得再从事我省" in reason.text
    assert internal_card_refusal("S240001260001", CITY_FILED, banned=False) is None
