"""What the supervisors' procedures register with the shared layers: their portal forms (第二十六条:
the supervisor's 陈述申辩; 第十二条: the institution's own internal supervisors and cards). Loaded by
name (procedures.load)."""

from procedures.supervisors import portal_forms  # noqa: F401  (registers the statement and internal_people forms)
