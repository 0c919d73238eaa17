"""处理程序 (第十八条–第二十五条, 第二十七条, 附件4): a finding → one measure, carried out once. Steps:
proposal (拟处理: the ladder, report-only) → hearing (第二十五条 告知书, 陈述申辩) → decision (changes:
a change re-heard or reported) → service (处理决定书, 送达回执; the 报告 to the filing authority) →
measures (第二十条、二十一条、二十三条、二十四条) | rectification (第二十二条, 附件4) | improvement (第二十七条).
Beside: register (一公开), status, case_file, sweep (+ sweep_thresholds, sweep_common); common: shared."""
