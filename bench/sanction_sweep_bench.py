"""The sanctions' daily sweep over a province with history: 10,000 items due today (2,000
defence periods ending, 2,000 rectification reminders, 1,000 decisions whose 送达回执 is unsigned
(reminder with its portal link, agency told), 2,000 rectifications overdue, 1,500
institutions at their third 不合格 session of the year, 1,500 at one year without evaluation)
beside 10,000 and then 1,000,000 historical cases and records (closed sanction cases, 监管档案
entries, sessions, inspection cases and their records, all older than the sweep's window).

Goals: the sweep (database part: Prefect resumes are per waiting run and network-bound, left
out) under 1 s with 1,000,000 historical rows, and flat: time(1M) ÷ time(10k) ≤ 1.5.
The rows are built with INSERT … SELECT over a recursive CTE (SQLite), a few seconds for 1M.
`python -m bench.sanction_sweep_bench [HISTORY]` runs one size.
"""

import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 27)
DUE = {"hearing": 2000, "remind": 2000, "receipt": 1000, "overdue": 2000, "fails": 1500, "inactive": 1500}
SHARE = {"sanction_case": 0.30, "institution_history": 0.25, "evaluation_session": 0.15,
         "inspection_case": 0.15, "inspection_record": 0.15}
DEFAULTS = {"INTEGER": "0", "BOOLEAN": "0", "JSON": "'{}'", "DATE": f"'{TODAY}'", "DATETIME": f"'{TODAY} 00:00:00'",
            "FLOAT": "0"}


def _fill(conn: sqlite3.Connection, table: str, n: int, start: int, exprs: dict[str, str]) -> None:
    """n rows with ids start…start+n-1 (`i` in the expressions); other NOT NULL columns by type."""
    if n <= 0:
        return
    columns = {}
    for _cid, name, kind, notnull, default, pk in conn.execute(f"PRAGMA table_info({table})"):
        if name in exprs:
            columns[name] = exprs[name]
        elif pk:
            columns[name] = "i"
        elif notnull and default is None:
            columns[name] = DEFAULTS.get(kind.split("(")[0].upper(), "''")
    names = ", ".join(f'"{c}"' for c in columns)
    conn.execute(f"WITH RECURSIVE seq(i) AS (SELECT {start} UNION ALL SELECT i + 1 FROM seq WHERE i < {start + n - 1}) "
                 f"INSERT INTO {table} ({names}) SELECT {', '.join(columns.values())} FROM seq")


def _day(expr: str) -> str:
    return f"date('{TODAY}', {expr})"


def build(path: Path, history: int) -> None:
    from adapters.db import session_scope, upgrade
    from cli.demo_data import add_agencies

    url = f"sqlite:///{path}"
    upgrade(url)
    with session_scope(url) as s:
        add_agencies(s)
    n = {t: int(history * share) for t, share in SHARE.items()}
    n_hist_inst = max(1000, history // 50)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        # Institutions: historical ones evaluated last month (no threshold), then the due ones.
        letters = "'ABCDEFGHJKLQNPMR'"
        inst = {"name": "'机构' || i", "filing_authority": "'city'",
                "city_letter": f"substr({letters}, i % 16 + 1, 1)", "filing_number": "'F' || i",
                "category": "'social_org'", "filed_on": "'2020-01-10'", "status": "'active'",
                "contact_email": "'i' || i || '@example.cn'", "scope_occupations": "'[]'", "scope_levels": "'[]'",
                "scope_regions": "'[]'", "exam_sites": "'[]'", "industry_code": "''",
                "last_evaluation_on": _day("'-' || (i % 28 + 1) || ' days'")}
        _fill(conn, "institution", n_hist_inst, 1, inst)
        due_inst = 1_000_000
        cutoff = "'-12 months'"
        _fill(conn, "institution", DUE["inactive"], due_inst, inst | {"last_evaluation_on": _day(cutoff)})
        fail_inst = due_inst + DUE["inactive"]
        _fill(conn, "institution", DUE["fails"], fail_inst, inst)

        # History: closed sanction cases, 监管档案, sessions, inspection cases and records — older
        # than the sweep's catch-up window.
        old = "'-' || (60 + i % 1800) || ' days'"
        case = {"key": "'hist:' || i", "institution_id": f"1 + i % {n_hist_inst}", "agency_id": "'CITY-A'",
                "finding_case": "'22.2'", "facts": "'历史案件'", "source": "'registered'",
                "opened_on": _day(old), "status": "'closed'", "proposal": "'{}'", "defence": "'{}'",
                "point_replies": "'[]'", "details": "'{}'", "decision": "'adopt'", "decided_case": "'22.2'",
                "measure": "'rectification'", "decision_reason": "''", "decided_by": "''",
                "rectification_due": _day(old), "hearing_due": _day(old), "rectification_round": "1"}
        _fill(conn, "sanction_case", n["sanction_case"], 1, case)
        _fill(conn, "institution_history", n["institution_history"], 1, {
            "key": "'hist:' || i", "institution_id": f"1 + i % {n_hist_inst}", "kind": "'written_notice'",
            "on": _day(old), "number": "'济人社督〔2025〕' || i || '号'", "article": "'第二十二条（二）'", "text": "'历史'"})
        session = {"batch_number": "'B' || i", "institution_id": f"1 + i % {n_hist_inst}", "occupation": "'电工'",
                   "level": "'四级'", "form_kind": "'theory'", "region": "''", "site": "'考点'",
                   "starts_at": f"datetime({_day(old)})", "ends_at": f"datetime({_day(old)})",
                   "examiners": "'[]'", "internal_supervisors": "'[]'"}
        _fill(conn, "evaluation_session", n["evaluation_session"], 1, session)
        conn.execute("INSERT INTO supervisor (id, name, person_key, kind, card_code, issuer, employer, status, "
                     "card_status, email, eligibility, phone, city_letter) VALUES (1, '督导', 'P1', 'external', "
                     "'R3724A001', 'CITY-A', '', 'active', 'valid', 's@example.cn', '{}', '', 'A')")
        icase = {"flow_run_id": "'run-' || i", "session_id": f"1 + i % {max(1, n['evaluation_session'])}",
                 "batch_number": "'B' || i", "agency_id": "'CITY-A'", "institution_id": f"1 + i % {n_hist_inst}",
                 "opened_on": _day(old), "status": "'closed'", "proposal": "'{}'", "verifications": "'[]'"}
        _fill(conn, "inspection_case", n["inspection_case"], 1, icase)
        record = {"case_id": "i", "form_kind": "'theory'", "form_version": "'2022'", "submitted_by": "1",
                  "submitted_on": _day(old), "inspection_ended_on": _day(old), "late": "0",
                  "overall_evaluation": "''", "verdict": "CASE WHEN i % 5 = 0 THEN '不合格' ELSE '合格' END",
                  "confirmed_on": _day(old), "negative_count": "0", "item_count": "23", "methods": "'[]'",
                  "veto_answers": "'{}'", "item_answers": "'{}'", "remarks": "'{}'", "veto_hits": "'[]'",
                  "failed_items": "'[]'"}
        _fill(conn, "inspection_record", min(n["inspection_record"], n["inspection_case"]), 1, record)

        # Due today.
        base = 10_000_000
        open_case = case | {"institution_id": f"1 + i % {n_hist_inst}", "decision": "''", "measure": "''",
                            "opened_on": _day("'-100 days'"), "key": "'due:' || i"}
        _fill(conn, "sanction_case", DUE["hearing"], base, open_case | {
            "status": "'hearing'", "hearing_due": _day("'-1 days'"), "rectification_due": "NULL"})
        _fill(conn, "sanction_case", DUE["remind"], base + 100_000, open_case | {
            "status": "'rectifying'", "rectification_due": _day("'+' || (CASE i % 3 WHEN 0 THEN 1 WHEN 1 THEN 7 "
                                                              "ELSE 30 END) || ' days'"),
            "details": "'{\"notice_number\": \"济人社督〔2026〕1号\"}'"})
        _fill(conn, "sanction_case", DUE["overdue"], base + 200_000, open_case | {
            "status": "'rectifying'", "rectification_due": _day("'-1 days'")})
        receipts = base + 400_000  # decisions served 8 days ago, their receipt due yesterday, unsigned
        _fill(conn, "sanction_case", DUE["receipt"], receipts, open_case | {
            "status": "'rectifying'", "rectification_due": _day("'+60 days'"), "flow_run_id": "'run-r-' || i",
            "decision_served_on": _day("'-8 days'"), "receipt_due": _day("'-1 days'"),
            "details": "'{\"decision_number\": \"济人社督〔2026〕' || i || '号\"}'"})
        _fill(conn, "portal_link", DUE["receipt"], receipts, {
            "link_key": "'sanction:' || i || ':decision-receipt'", "token_hash": "'h' || i", "kind": "'decision_receipt'",
            "case_kind": "'sanction'", "case_id": "i", "step_key": "'decision-receipt'", "flow_run_id": "'run-r-' || i",
            "recipient_kind": "'institution'", "recipient_name": "'机构'", "recipient_email": "'i@example.cn'",
            "agency_name": "'济南市人社局'", "agency_email": "'a@example.cn'", "title": "'处理决定书送达回执'",
            "deadline": "'2099-01-01 00:00:00'", "expires_at": "'2099-01-04 00:00:00'"})
        for k in range(3):  # three failed sessions this year per institution, the third confirmed today
            start = base + 300_000 + k * 10_000
            on = _day("'-0 days'") if k == 2 else _day(f"'-{40 + 30 * k} days'")
            _fill(conn, "evaluation_session", DUE["fails"], start, session | {
                "batch_number": "'BF' || i", "institution_id": f"{fail_inst} + i - {start}"})
            _fill(conn, "inspection_case", DUE["fails"], start, icase | {
                "flow_run_id": "'run-f-' || i", "session_id": "i", "batch_number": "'BF' || i",
                "institution_id": f"{fail_inst} + i - {start}", "opened_on": on})
            _fill(conn, "inspection_record", DUE["fails"], start, record | {
                "verdict": "'不合格'", "confirmed_on": on, "submitted_on": on})
    conn.execute("ANALYZE")
    conn.close()


def measure(history: int) -> tuple[float, float, dict]:
    from adapters.templates import render_email
    from procedures.sanctions import sweep as sanction_sweep
    from tests.app_env import app_env

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        build(path, history)
        t_build = time.perf_counter() - t0
        with app_env({"SUPERVISION_DATABASE_URL": f"sqlite:///{path}", "SUPERVISION_VAR_DIR": tmp}):
            render_email("supervisor_notice", subject_text="", greeting="", paragraphs=[], sender="")  # warm
            t0 = time.perf_counter()
            result = sanction_sweep.sweep(TODAY, resume=False)
            t_sweep = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = sanction_sweep.sweep(TODAY, resume=False)
            t_again = time.perf_counter() - t0
        counts = {"hearings": len(result.hearings_closed), "reminders": len(result.reminded),
                  "receipts": len(result.receipts_reminded),
                  "escalations": len(result.escalated), "opened": len(result.opened),
                  "second_run_new": len(again.reminded) + len(again.receipts_reminded) + len(again.escalated)
                  + len(again.opened)}
        print(f"  history {history:>9,}: build {t_build:5.1f} s; sweep {t_sweep:.3f} s "
              f"(second run {t_again:.3f} s); {counts}")
        return t_sweep, t_build, counts


def main(sizes=(10_000, 1_000_000)) -> None:
    print("Sanctions daily sweep (10,000 due today; Prefect resumes not included):")
    times = {size: measure(size)[0] for size in sizes}
    if len(sizes) == 2:
        small, large = times[sizes[0]], times[sizes[1]]
        ratio = large / small
        print(f"  goal < 1 s with {sizes[1]:,} history: {'OK' if large < 1 else 'MISSED'} ({large:.3f} s); "
              f"flat ratio {ratio:.2f} (goal ≤ 1.5: {'OK' if ratio <= 1.5 else 'MISSED'})")


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (10_000, 1_000_000))
