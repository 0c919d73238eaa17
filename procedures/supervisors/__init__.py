"""督导员: a supervisor's life — registered, trained, carded, appointed, sanctioned (第六条–第十三条, 第十六条, 第二十六条, 附件1, 附件2).
Steps: people (registration, training, assessment; the supervisor's file) → cards (external and internal cards,
the printable card) → terms (appointment draw, 聘书, renewal, term end) → coverage (internal supervisors, 第十六条).
Misconduct: misconduct (open; who handles and signs) → misconduct_hearing (告知书, 陈述申辩 by portal) → misconduct
(decide); an internal supervisor's case → misconduct_internal. sweep: the daily part; registration, portal_forms: the form."""
