"""What the supervisors' procedures register with the shared layers: the misconduct case's portal
form (第二十六条: the supervisor's 陈述申辩). Loaded by name (procedures.load)."""

from procedures.supervisors import portal_forms  # noqa: F401  (registers the statement form)
