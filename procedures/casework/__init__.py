"""办案共用: what every procedure uses and no procedure owns; it imports none (第五条, 第八条, 第十一条, 第十三条).
The case: cases (today, timeline, answer-once) → case_numbers, case_reads, views (what a flow reads).
Who and when: staff (the code that signs a decision), dispatching (rows → the dispatch rules' facts),
work_calendar, calendar_declarations, unknown_dues (the working calendar; 期限待定 when a year is missing).
Out and waiting: letters (numbered), register (一公开), pending (a finding for 专项督导 or 处理); run_health."""
