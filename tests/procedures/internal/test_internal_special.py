"""An internal special inspection reported by the institution (第十六条 参照 第十五条（二）, 第十四条):
the internal_special form through the portal's own submit path on a real database (SQLite and
PostgreSQL): accepted → the report and the agency's mail; each refusal beside its field."""

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from adapters import clock
from adapters import settings as settings_module
from adapters.db import get_engine, reset_engines, session_scope, upgrade
from cli.demo_data import add_agencies, add_institution
from models import Institution, OutboxMessage, PortalLink, PortalSubmission, Supervisor
from models.internal import InternalSpecialReport
from procedures.internal import special_forms  # noqa: F401  (registers internal_special; the lead wires it)
from procedures.portal import links as pl
from procedures.portal import submissions as portal_submissions
from procedures.portal.forms import forms
from tests.postgres_server import free_port

SOCIAL, EMPLOYER = "SD-A-2024-000123", "SD-A-2024-000456"


def _internal_card(s, inst: Institution, n: int, status: str = "valid") -> Supervisor:
    """An internal card this institution issued (as cards.issue_internal_card records it)."""
    letter = "S" if inst.category == "social_org" else "Y"
    code = f"{letter}{inst.filing_number[-6:]}26{n:04d}"
    sup = Supervisor(name=f"{inst.name[:4]}内督{n}", person_key=f"P{inst.id}-{n}", kind="internal", card_code=code,
                     issuer=code[:7], email=f"n{n}@x.cn", card_status=status, issuer_institution_id=inst.id)
    s.add(sup)
    s.flush()
    return sup


@pytest.fixture
def db(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISION_DATABASE_URL", db_url)
    monkeypatch.setenv("SUPERVISION_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SUPERVISION_SMTP_PORT", str(free_port()))
    settings_module.get_settings.cache_clear()
    reset_engines()
    upgrade()
    ids = {}
    with session_scope() as s:
        add_agencies(s)
        social = add_institution(s, "济南某社会培训评价组织", SOCIAL, category="social_org")
        employer = add_institution(s, "济南某制造有限公司", EMPLOYER, category="employer")
        ids["own"] = [_internal_card(s, social, n).id for n in (1, 2, 3)]
        ids["suspended"] = _internal_card(s, social, 4, "suspended").id
        ids["other"] = _internal_card(s, employer, 5).id
        ids["institution"] = social.id
    yield ids
    get_engine().dispose()
    reset_engines()
    settings_module.get_settings.cache_clear()


def _token(institution_id: int) -> str:
    """A link as /internal mails it (procedures/supervisors/internal_access.py)."""
    step = pl.CaseStep("internal_special", institution_id, f"special-{institution_id}", "")
    created = pl.invite(step, pl.Recipient("institution", "王内督", "neidu@inst.example.cn"),
                        pl.Contact("济南市技能人才评价管理部门", "city-a@example.gov.cn"), "报告内部专项督导（第十六条）",
                        clock.now() + timedelta(days=4), kind="internal_special", key=f"special:{institution_id}")
    return created.token


def _fields(team: list[int], **over) -> dict:
    today = clock.today()
    fields = {"started_on": str(today - timedelta(days=3)), "ended_on": str(today - timedelta(days=1)),
              "matters": ["3", "6"], "subject": "考务管理<b>专项</b>检查", "team": [str(i) for i in team],
              "findings": "抽查考务档案20份，2份签到表缺考评员签字", "measures": "补签并培训考务人员", "outcome": "发现问题已整改"}
    fields |= over
    return {k: (v if isinstance(v, list) else [v]) for k, v in fields.items() if v is not None}


def _submit(token: str, fields: dict):
    return portal_submissions.submit_form(token, forms()["internal_special"], fields, [])


def _written() -> tuple[int, int, int]:
    with session_scope() as s:
        return (s.exec(select(func.count()).select_from(InternalSpecialReport)).one(),
                s.exec(select(func.count()).select_from(PortalSubmission)).one(),
                s.exec(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.idempotency_key.startswith("internal-special:"))).one())


def test_a_reported_internal_special_inspection_is_stored_and_its_outcome_mailed_to_the_agency(db):
    result = _submit(_token(db["institution"]), _fields(db["own"]))
    assert result.status == "stored", result.errors
    with session_scope() as s:
        report = s.exec(select(InternalSpecialReport)).one()
        assert (report.matters, report.supervisor_ids, report.outcome, report.agency_id) == (
            [3, 6], db["own"], "发现问题已整改", "CITY-A")
        assert report.submission_id == s.exec(select(PortalSubmission.id)).one()
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("internal-special:"))).one()
    assert mail.recipient == "city-a@example.gov.cn" and "发现问题已整改" in mail.subject
    assert "济南某社会培训评价组织" in mail.text_body and "（三）制度建设" in mail.text_body
    assert "济南某社内督1" in mail.text_body  # the team, by name: the institution reports to its agency
    assert "<b>" not in mail.html_body and "&lt;b&gt;" in mail.html_body  # outside text escaped


@pytest.mark.parametrize("change, field, text", [
    ({"started_on": "2099-01-01"}, "started_on", "晚于今天"),
    ({"ended_on": None}, "ended_on", "请填写日期"),
    ({"started_on": str(date.today() - timedelta(days=1)), "ended_on": str(date.today() - timedelta(days=5))},
     "ended_on", "早于开始日期"),
    ({"matters": None}, "matters", "第十四条"),
    ({"matters": ["10"]}, "matters", "第十四条"),
    ({"subject": " "}, "subject", "督导主题：未填写"),
    ({"findings": ""}, "findings", "发现的问题：未填写"),
    ({"measures": ""}, "measures", "采取的措施：未填写"),
    ({"outcome": "合格"}, "outcome", "督导结果"),
])
def test_each_refused_report_names_its_field_and_writes_nothing(db, change, field, text):
    before = _written()
    result = _submit(_token(db["institution"]), _fields(db["own"], **change))
    assert result.status == "invalid" and text in result.field_errors[field], result.field_errors
    assert _written() == before


def test_no_problem_found_needs_no_measures(db):
    result = _submit(_token(db["institution"]), _fields(db["own"], measures="", outcome="未发现问题"))
    assert result.status == "stored", result.errors


def test_the_team_is_at_least_three_of_the_institutions_own_valid_internal_supervisors(db):
    token = _token(db["institution"])
    before = _written()
    two = _submit(token, _fields(db["own"][:2]))
    assert two.status == "invalid" and "应至少 3 名本机构内督员" in two.field_errors["team"]
    for stranger in (db["other"], db["suspended"]):  # another institution's card; a suspended card
        got = _submit(token, _fields(db["own"] + [stranger]))
        assert got.status == "invalid" and "第十二条" in got.field_errors["team"]
    assert _written() == before
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(PortalLink.kind == "internal_special")).one()
        shown = [p["id"] for p in forms()["internal_special"].context(link)["team"]]
    assert shown == db["own"]  # the page offers only these


def test_a_revoked_institution_cannot_report(db):
    token = _token(db["institution"])
    with session_scope() as s:
        inst = s.get(Institution, db["institution"])
        inst.status = "revoked"
        s.add(inst)
    before = _written()
    result = _submit(token, _fields(db["own"]))
    assert result.status == "invalid" and any("备案回执已撤销" in e for e in result.errors)
    assert _written() == before


def test_the_report_page_renders_in_chinese_with_only_the_own_team_offered(db):
    """The page as the portal renders it (portal.pages, autoescaped), before the lead wires the form
    into the running portal (procedures/internal/registration.py)."""
    from portal.pages import environment

    _token(db["institution"])
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(PortalLink.kind == "internal_special")).one()
        s.expunge(link)
    form = forms()["internal_special"]
    html = environment().get_template(form.template).render(
        link=link, errors=["x"], field_errors={"team": "督导小组：<b>"}, answers={"matters": ["3"], "team": []},
        csrf="0" * 64, limits={}, deadline=clock.now(), expires_at=clock.now(), staff=False, **form.context(link))
    assert "报告内部专项督导（第十六条）" in html and "（三）制度建设" in html and "督导小组：&lt;b&gt;" in html
    assert html.count('name="team"') == 3 and 'value="3" checked' in html
