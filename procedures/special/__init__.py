"""专项督导, the special inspection (第十五条（二）; its matters 第十四条, its team 第十三条): one run per case, flows/special.py.
Steps: opening.py (matters fixed, team drawn) → notices.py (the team's brief, 专项督导通知) → findings.py (自评（自查）报告,
each member's findings) → consolidation.py (the lead's 初步督导意见) → decisions.py (staff approve it; 申辩; weighing;
质量督导意见书) → report.py (整改工作报告 reviewed; 第二十七条（三）); team.py withdraws and replaces a member (第十三条).
Daily: sweep.py closes windows (第二十二条（六）). Shared: casefile.py, windows.py, timeline.py, views.py, registration.py."""
