"""Internal supervision (内督, 第四条, 第十二条, 第十六条): the institutions' (and industry departments')
own supervisors at every session — 全覆盖 — on the 附件3 record, and what the agency sees of it.

Steps in order: contact.py (who answers for it at the institution) → assignment.py (each session
asks the contact for an internal supervisor; 第十二条 card scope, 第十三条 recusal) → record.py (the
internal supervisor's 附件3 record, the daily inspection's answer check, 第十七条's 2 working days)
→ followup.py (a 不合格 record: what the institution did, with evidence) → sweep.py (remind, and
report to the agency each session left uncovered) → coverage.py (the agency's view: coverage per
institution and period, internal against external results). Self-service: people.py (the
institution's own internal supervisors and cards), special.py (its internal special inspections).
Everything here is one transaction per step, driven by portal links and the daily sweep: no
Prefect run waits for an institution's own supervision.
"""
