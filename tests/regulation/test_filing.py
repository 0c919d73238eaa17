"""Filing status and scope (第二十二条(二)(八), 第二十三条)."""

from regulation.filing import scope_findings, status_finding

SCOPE = dict(occupations=["电工"], levels=["四级", "三级"], regions=["济南市"], sites=["历下考点"])


def test_active_institution_may_be_evaluated():
    assert status_finding("active") is None


def test_suspended_institution_organising_a_session_is_a_finding_under_23_1():
    finding = status_finding("suspended")
    assert (finding.case, finding.reason.article) == ("23.1", "第二十三条（一）")
    assert "整改期间不得组织任何评价活动" in finding.reason.text


def test_revoked_institution_organising_a_session_is_a_finding_under_23():
    assert status_finding("revoked").reason.article == "第二十三条"


def test_session_within_scope_has_no_finding():
    assert scope_findings(**SCOPE, occupation="电工", level="三级", region="济南市", site="历下考点") == []


def test_occupation_level_or_region_outside_scope_is_article_22_2():
    found = scope_findings(**SCOPE, occupation="焊工", level="二级", region="青岛市", site="历下考点")
    assert [f.case for f in found] == ["22.2", "22.2", "22.2"]
    assert "焊工" in found[0].reason.text


def test_site_outside_filed_exam_sites_is_article_22_8():
    found = scope_findings(**SCOPE, occupation="电工", level="四级", region="", site="外地考点")
    assert [(f.case, f.reason.article) for f in found] == [("22.8", "第二十二条（八）")]
