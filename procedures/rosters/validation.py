"""Checking a roster's rows against each other, the database and the rules (第六条–第十三条,
第十六条, 第二十二条, 第二十三条, 第二十六条, 附件1, 附件4): the second step of an import, after the
file is read (reading.py) and before anything is written (importing.py). Each problem is an
error that rejects the whole file, or a warning the agency reads in the report.

Interpretations (ours, also in README):
- a session outside its institution's filing scope, or with no internal supervisor, is
  *imported* and reported as a warning: these are findings for the agency (第二十二条（二）（八）,
  第十六条), and refusing the row would hide them;
- a *new* session at a suspended or revoked institution is refused (附件4: no evaluation while
  rectifying; 第二十三条): the suspension bites. One already in the plans stays, with a warning;
  held anyway, the daily inspection opens its case (第二十三条（一）);
- a roster never deletes: a record missing from the file stays; an appointment term in the
  database that the file leaves out is an error (terms are history, 第十条);
- the staff roster carries no personal codes: a column the layout does not know is refused.
"""

from collections import defaultdict
from datetime import date

from sqlmodel import Session, col, select

from adapters.settings import get_settings
from models import Agency, AppointmentTerm, EvaluationSession, Institution, Supervisor
from models.lifecycle import SupervisionBan
from procedures.rosters.exporting import institution_fields
from procedures.rosters.reading import Checker, Row
from regulation.cards import ExternalCard, parse_card
from regulation.filing import scope_findings, status_finding
from regulation.internal_supervision import InstitutionIssuer, coverage_gap, internal_card_refusal
from regulation.reasons import RuleViolation
from regulation.sanctions import refiling_refusal
from regulation.terms import (
    MAX_CONSECUTIVE_TERMS,
    Term,
    appointments,
    check_appointment,
    consecutive_run,
    term_end,
)


def _revoked_filings(s: Session) -> dict[str, tuple[Institution, str]]:
    """Revoked institutions by credit code, each with its revocation's document number (the
    latest 撤销备案回执 in its 监管档案; "" when the roster alone says revoked)."""
    from models import InstitutionHistory

    found = {}
    for inst in s.exec(select(Institution).where(Institution.status == "revoked")):
        number = s.exec(select(InstitutionHistory.number).where(
            InstitutionHistory.institution_id == inst.id, InstitutionHistory.kind == "revocation")
            .order_by(InstitutionHistory.on.desc())).first() or ""
        found[inst.credit_code or f"id:{inst.id}"] = (inst, number)
    return found


_REFUSED_STATUS = {
    "suspended": "评价机构“{name}”正暂停评价活动、限期整改（第二十二条、附件4：整改期间不得组织任何职业技能等级认定），"
                 "不受理新的评价场次",
    "revoked": "评价机构“{name}”的备案回执已撤销（第二十三条），不受理新的评价场次",
}


class Checks:
    """Cross-row and database checks for one file (the writes follow in importing._Plan)."""

    def __init__(self, s: Session, rows: dict[str, list[Row]], check: Checker, as_of: date):
        self.s, self.rows, self.check, self.as_of = s, rows, check, as_of
        self.institutions = {i.filing_number: i for i in s.exec(select(Institution))} \
            if rows.get("institutions") or rows.get("sessions") else {}

    def check_all(self) -> None:
        for row in self.rows.get("institutions", []):
            self._check_institution(row)
        if self.rows.get("supervisors"):
            self._check_supervisors(self.rows["supervisors"])
        if self.rows.get("staff"):
            agencies = set(self.s.exec(select(Agency.id)))
            for row in self.rows["staff"]:
                if "agency_id" in row.values and row.values["agency_id"] not in agencies:
                    self.check.error(row, "agency_id", f"系统中没有委派机构“{row.values['agency_id']}”，"
                                                       f"已有：{'、'.join(sorted(agencies)) or '（无）'}")
        if self.rows.get("sessions"):
            self._check_sessions(self.rows["sessions"])

    def _check_institution(self, row: Row) -> None:
        v = row.values
        authority, city = v.get("filing_authority"), v.get("city_letter")
        if authority == "city" and not city:
            self.check.error(row, "city_letter", "市级备案的机构必须填写备案地市代码（附件1 表3）")
        if authority in ("mohrss", "province") and city:
            self.check.error(row, "city_letter", "人社部、省级备案的机构不填备案地市代码")
        if city and city not in "ABCDEFGHJKLQNPMR":
            self.check.error(row, "city_letter", f"设区市代码“{city}”无效，应为附件1 表3 所列字母")
        if v.get("filed_on") and v["filed_on"] > self.as_of:
            self.check.error(row, "filed_on", f"备案日期 {v['filed_on']} 晚于今天（{self.as_of}）")
        last = v.get("last_evaluation_on")
        if last and (last > self.as_of or (v.get("filed_on") and last < v["filed_on"])):
            self.check.error(row, "last_evaluation_on", f"最近评价日期 {last} 应在备案日期与今天之间")
        self._check_not_revoked(row)
        if v.get("category") == "industry" and not v.get("industry_code"):
            self.check.warn(row, "industry_code", "行业部门机构未填写行业代码，其行业内督证卡（H）将无法核验（第十二条）")

    def _check_not_revoked(self, row: Row) -> None:
        """第二十三条 撤销备案回执: 「不再受理其备案或遴选申请」 — a new filing of a revoked organisation
        (same credit code, another filing number) is refused naming the revocation's number; the
        revoked filing itself may be re-imported, but not made active or suspended again."""
        v = row.values
        if not hasattr(self, "_revoked"):
            self._revoked = _revoked_filings(self.s)
        same_code = self._revoked.get(v.get("credit_code") or "")
        if same_code and same_code[0].filing_number != v.get("filing_number"):
            self.check.error(row, "credit_code", refiling_refusal(same_code[0].name, same_code[1]))
        existing = self.institutions.get(v.get("filing_number"))
        if existing is not None and existing.status == "revoked" and v.get("status", "revoked") != "revoked":
            number = next((n for inst, n in self._revoked.values() if inst.id == existing.id), "")
            self.check.error(row, "status", f"该机构已被撤销备案回执{f'（{number}）' if number else ''}，"
                                            "不能改为其他状态；如需重新备案，依第二十三条不予受理")

    def _check_supervisors(self, rows: list[Row]) -> None:
        codes = [r.values["card_code"] for r in rows if "card_code" in r.values]
        existing = {sup.card_code: sup for sup in self.s.exec(select(Supervisor).where(
            col(Supervisor.card_code).in_(codes)))} if len(codes) < 900 else \
            {sup.card_code: sup for sup in self.s.exec(select(Supervisor))}
        people = {r.values["person_key"] for r in rows if "person_key" in r.values}
        banned = set(self.s.exec(select(SupervisionBan.person_key)))
        other_cards = defaultdict(list)  # person → valid cards in the database
        for sup in self.s.exec(select(Supervisor).where(Supervisor.card_status == "valid")) if people else ():
            if sup.person_key in people:
                other_cards[(sup.person_key, sup.kind)].append(sup.card_code)
        db_terms = defaultdict(set)
        ids = {sup.id: code for code, sup in existing.items()}
        for t in self.s.exec(select(AppointmentTerm)) if ids else ():
            if t.supervisor_id in ids:
                db_terms[ids[t.supervisor_id]].add((t.start, t.end))
        person_terms = defaultdict(list)  # 第十条 counts per person: terms under the person's other cards
        for t, key, card_code in self.s.exec(select(AppointmentTerm, Supervisor.person_key, Supervisor.card_code)
                                             .join(Supervisor, Supervisor.id == AppointmentTerm.supervisor_id)
                                             ) if people else ():
            if key in people:
                person_terms[key].append((card_code, Term(t.start, t.end)))
        in_file: dict[tuple, int] = {}
        for row in rows:
            v = row.values
            code, person = v.get("card_code"), v.get("person_key")
            if not code:
                continue
            card = parse_card(code)
            kind = "external" if isinstance(card, ExternalCard) else "internal"
            if person:
                if person in banned:
                    self.check.error(row, "person_key", "该人员已被解聘并不得再从事我省质量督导工作（第二十六条）")
                if (person, kind) in in_file:
                    self.check.error(row, "person_key",
                                     f"同一人员在本表第{in_file[(person, kind)]}行已有{'外督' if kind == 'external' else '内督'}证卡")
                in_file.setdefault((person, kind), row.number)
                if code in existing and existing[code].person_key != person:
                    self.check.error(row, "person_key", f"证卡 {code} 在系统中属于另一人员，身份证号不能更改")
                # one card per kind — for internal cards, one per issuer (issue_internal_card): an
                # internal supervisor may hold cards of two institutions
                others = [c for c in other_cards.get((person, kind), [])
                          if c != code and (kind == "external" or c[:7] == code[:7])]
                if others:
                    self.check.error(row, "card_code", f"该人员在系统中已持有有效证卡 {'、'.join(others)}，一人只能持一张同类证卡")
            issued = v.get("card_issued_on")
            if issued and (issued.year != card.year or issued > self.as_of):
                self.check.error(row, "card_issued_on", f"发证日期 {issued} 应在证卡编码的年份 {card.year} 内且不晚于今天（附件1）")
            terms = v.get("terms") or []
            if terms and kind == "internal":
                self.check.error(row, "terms", "内督员由评价机构、行业部门管理，不登记外督聘期（第十二条）")
                continue
            self._check_terms(row, terms, [term for c, term in person_terms.get(person, []) if c != code])
            missing = db_terms.get(code, set()) - set(terms)
            if missing:
                self.check.error(row, "terms", "名册不能删除系统中已有的聘期："
                                 + "；".join(f"{a}至{b}" for a, b in sorted(missing)) + "（第十条）")

    def _check_terms(self, row: Row, terms: list[tuple[date, date]], elsewhere: list[Term] = ()) -> None:
        """第十条 on the card's terms, and the consecutive count over the person's terms under every
        card (`elsewhere`: a re-issued card's terms continue the chain of the old one's)."""
        previous: list[Term] = []
        for start, end in terms:
            if end > term_end(start):
                self.check.error(row, "terms", f"聘期 {start}至{end} 超过三年，应不晚于 {term_end(start)}（第十条）")
                return
            try:
                check_appointment(previous, start, True, gap_months=get_settings().term_gap_months)
            except RuleViolation as exc:
                self.check.error(row, "terms", f"聘期 {start}至{end}：{exc}")
                return
            previous.append(Term(start, end))
            every = [*elsewhere, *previous]
            its_start = next(a.start for a in appointments(every) if a.start <= start <= a.end)  # its 届
            run = consecutive_run(every, its_start, get_settings().term_gap_months)
            if run >= MAX_CONSECUTIVE_TERMS:
                self.check.error(row, "terms", f"聘期 {start}至{end}：连同该人员其他证卡的聘期，为连续第{run + 1}届聘任，"
                                 f"连续聘任不得超过{MAX_CONSECUTIVE_TERMS}届（第十条）")
                return

    def _check_sessions(self, rows: list[Row]) -> None:
        file_insts = {r.values["filing_number"]: r.values for r in self.rows.get("institutions", [])
                      if "filing_number" in r.values}
        banned = set(self.s.exec(select(SupervisionBan.person_key)))  # 第二十六条: no internal work either
        for row in rows:
            v = row.values
            number = v.get("institution_filing_number")
            inst = file_insts.get(number) or (institution_fields(self.institutions[number])
                                              if number in self.institutions else None)
            if number and inst is None:
                self.check.error(row, "institution_filing_number",
                                 f"备案号“{number}”的评价机构既不在本文件“评价机构”表中，也不在系统中")
            starts, ends = v.get("starts_at"), v.get("ends_at")
            if starts and ends and ends <= starts:
                self.check.error(row, "ends_at", f"结束时间 {ends:%Y-%m-%d %H:%M} 应晚于开始时间 {starts:%Y-%m-%d %H:%M}")
            exam_keys = {e["person_key"] for e in v.get("examiners", [])}
            for person in v.get("internal_supervisors", []):
                if person["person_key"] in exam_keys:
                    self.check.error(row, "internal_supervisors",
                                     f"{person['name']} 同时是本场次考评人员，督导员不得兼任同场次考评工作（第十三条）")
                if inst is not None:
                    refused = internal_card_refusal(person["card_code"], InstitutionIssuer(
                        inst["filing_authority"], inst["filing_number"], inst.get("industry_code") or ""),
                        person.get("person_key") in banned)
                    if refused:
                        self.check.error(row, "internal_supervisors", f"{person['name']}（{person['card_code']}）：{refused}")
            if "internal_supervisors" in v:
                gap = coverage_gap(v["internal_supervisors"])
                if gap:
                    self.check.warn(row, "internal_supervisors", str(gap))
            if inst is not None and all(k in v for k in ("occupation", "level", "site")):
                finding = status_finding(inst["status"])
                if finding and self._new_session(v.get("batch_number")):
                    # 附件4 / 第二十三条: no new session is accepted into a suspended or revoked
                    # institution's plans; one already planned stays and is a finding.
                    self.check.error(row, "institution_filing_number", _REFUSED_STATUS[inst["status"]].format(
                        name=inst.get("name", number)))
                elif finding:
                    self.check.warn(row, None, f"{finding.reason}；导入后由日常督导作为问题处理")
                for finding in scope_findings(inst["scope_occupations"], inst["scope_levels"], inst["scope_regions"],
                                              inst["exam_sites"], v["occupation"], v["level"], v.get("region", ""),
                                              v["site"]):
                    self.check.warn(row, None, f"{finding.reason}；导入后由日常督导作为问题处理")

    def _new_session(self, batch_number: str | None) -> bool:
        return bool(batch_number) and self.s.exec(
            select(EvaluationSession.id).where(EvaluationSession.batch_number == batch_number)).first() is None
