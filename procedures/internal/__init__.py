"""Internal supervision (内督, 第四条, 第十二条, 第十六条): the institutions' (and industry departments')
own supervisors at every session — 全覆盖 — on the 附件3 record, and what the agency sees of it.

Steps in order: assignment.py (each session asks the institution's internal-supervision contact
for an internal supervisor; 第十二条 card scope, 第十三条 recusal; the recorder's link) → record.py
(the internal supervisor's 附件3 record: the daily inspection's answer check, 第十七条's 2 working
days) → followup.py (a 不合格 record: what the institution did, with evidence) → sweep.py (ask,
remind, and report to the agency every session left uncovered). coverage.py + coverage_report.py:
the agency's view (coverage per institution and period, internal against external results).
special.py: the institution's internal special inspections. The institution's own internal
supervisors and cards are the supervisors procedure's (procedures/supervisors/internal_people.py,
internal_access.py). Everything here is one transaction per step, driven by portal links and the
daily sweep: no Prefect run waits for an institution's own supervision.
"""
