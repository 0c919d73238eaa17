"""名册: an agency's rosters in Excel — institutions, supervisors, sessions, staff (附件1; checked under
第六条–第十三条, 第十六条, 第二十二条, 第二十三条, 第二十六条, 附件4). Layouts: schema (sheets, columns, cells).
Export: exporting (the template; what the database holds, in the layout an import reads back).
Import, one transaction for the whole file: reading (sheets, headers, cells; the report) → validation
(rows against each other, the database and the rules) → importing (the writes, one import at a time)."""
