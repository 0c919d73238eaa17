"""日常督导: one daily inspection per evaluation session (第十五条(一), 第十七条, 附件3).
Steps: opening (check the session, record due date, a finding → staff's go-ahead) → dispatch
(draw, notices, assignment codes) → record (附件3 through its portal link: check, store, 20%
rule) → confirmation (the other supervisors; overdue) → decision (proposal, agency decision,
letter or pending case). Beside them: links, views, portal_forms + registration, sweep."""
