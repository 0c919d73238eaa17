"""名册: the rosters an agency keeps in Excel — institutions, supervisors, evaluation sessions, staff (附件1;
checked under 第六条–第十三条, 第十六条, 第二十二条, 第二十三条, 第二十六条, 附件4).
Layouts: schema (sheets, columns, cell parsing). Export: exporting (template, what the database holds).
Import, one transaction for the whole file: reading (sheets, headers, cells, the report) → validation
(rows against each other, the database and the rules) → importing (the writes; one import at a time)."""
