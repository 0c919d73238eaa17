"""门户: what a person outside the agency sends through a one-time link (第八条: kept for agency staff).
Steps: links (one person, one step of one case, until accepted or expired) → forms (the registry of
forms: each procedure registers its own; limits: how much text) → submissions (checked, stored once,
with its receipt; evidence: its files) → resumes (handed to the waiting run, exactly once; writers:
turns at the write). Imports casework only, never a procedure."""
