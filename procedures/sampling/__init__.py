"""The random inspection plan (双随机、一公开, 第十五条; 第十一条 frame; 第八条（四） what is published).

Steps in order: frame.py (the sessions in the agency's jurisdiction and period, exclusions with their
reasons, the risk facts behind each weight) → plan.py (validate the request, publish the frame's
hash, fix the seed from it, draw; staff approve with their staff code, striking a session only with
a reason — the draw is never redone) → starts.py (the daily sweep starts each chosen session's
daily inspection N working days before it, once per plan and session by its key) → changes.py
(a chosen session moved or cancelled after the draw is recorded on the plan and reported to the
agency) → publication.py (the public summary and, after each closed inspection, its overall
result) → verify.py (re-run the draw from the published data). The rules are
regulation.sampling's. One transaction per step; a daily inspection is started through Prefect's
API with the plan+session key, never by importing the daily procedure.
"""
