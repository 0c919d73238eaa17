"""督导员: a supervisor's life, from registration to dismissal (第六条–第十三条, 第十六条, 第二十六条, 附件1–2).
Steps: people (registration, training, assessment; the file) → cards (external, internal; the card
to print) → terms (appointment draw, 聘书, renewal, term end). Internal coverage (第十六条) is procedures/internal's.
Misconduct (第二十六条): misconduct (open; who handles, who signs) → misconduct_hearing (告知书, 陈述申辩)
→ misconduct (decide); an internal supervisor's → misconduct_internal. sweep: the daily sweep's part."""
