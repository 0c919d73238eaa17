"""The decision form carries every measure's fields (issue 17 point 8): a Prefect pause form has
one schema, so staff who change the measure find its fields there, titled for when they apply."""

from flows.sanction_forms import MEASURE_FIELDS, decision_form


def _schema(measure: str, report_only=False, referral_too=False, field_errors=None) -> dict:
    model = decision_form("头", "拟处理", measure, ["申辩一"], report_only, list((field_errors or {}).values()), {},
                          field_errors or {}, "山东省人力资源和社会保障厅", referral_too)
    return model.model_json_schema()


def test_a_rectification_form_also_carries_the_interview_and_referral_fields_titled_for_a_change():
    props = _schema("rectification")["properties"]
    assert set(MEASURE_FIELDS) <= set(props)
    assert props["requirements"]["title"] == "整改要求或改进要求"  # the proposed measure's own: plain
    assert props["interview_time"]["title"] == "约谈时间（变更为第二十一条约谈时填写）"
    assert props["authority"]["title"].endswith("（变更为第二十四条移交、第二十七条撤销备案时填写）")
    order = list(props)
    assert order.index("problems") < order.index("interview_time")  # its own fields first


def test_a_field_refused_shows_its_chinese_error_beside_it():
    props = _schema("rectification", field_errors={"interview_time": "约谈时间：约谈须写明时间（第二十一条）"})["properties"]
    assert props["interview_time"]["title"].startswith("【请修改】约谈时间")
    assert "约谈须写明时间" in props["interview_time"]["description"]


def test_a_report_to_the_filing_authority_says_so_and_a_referral_alongside_asks_its_authority_first():
    schema = _schema("revocation", report_only=True)
    assert "决定后报告山东省人力资源和社会保障厅" in schema["properties"]["decision"]["description"]
    props = _schema("rectification", referral_too=True)["properties"]
    assert props["authority"]["title"] == "移交部门或处分建议的接收部门"


def test_the_discipline_fields_are_plain_only_for_a_revocation_that_brings_a_discipline_proposal():
    """第二十七条: 处分建议的接收部门 and 责任人员 belong to a 第二十七条 revocation (or one cited beside a
    第二十三条 revocation); a 第二十三条 revocation alone shows them titled for when they apply."""
    alone = _schema("revocation")["properties"]
    assert alone["persons"]["title"] == "直接负责的主管人员和其他责任人员（变更为第二十七条撤销备案时填写）"
    assert alone["authority"]["title"].endswith("时填写）")
    model = decision_form("头", "拟处理", "revocation", [], False, [], {}, {}, "", False, True)
    props = model.model_json_schema()["properties"]
    assert props["persons"]["title"] == "直接负责的主管人员和其他责任人员"
    assert props["authority"]["title"] == "移交部门或处分建议的接收部门"


def test_the_decision_form_asks_for_the_changed_facts():
    assert _schema("interview")["properties"]["changed_facts"]["title"] == "变更后的事实（变更须重新告知时必填）"
