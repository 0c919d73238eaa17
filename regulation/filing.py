"""An institution's filing (备案): its status and its scope.

A session that should not take place is a finding, not a refusal (RULES.md, 第十五条(一)):
the agency records it as a pending case with its article and may still dispatch
supervisors to see it.
- A suspended institution may organise no evaluation while rectifying (附件4 "整改期间不得
  组织任何评价活动"); organising one after the written notice is 第二十三条(一) (已被出具书面
  通知后再次违反第二十二条规定). A revoked one has no filing at all (第二十三条).
- Evaluating outside the filed occupations, levels or regions is 第二十二条(二); outside the
  filed exam sites is 第二十二条(八) (and veto item 1 of 附件3).
"""

from collections.abc import Collection
from dataclasses import dataclass

from regulation.reasons import Reason


@dataclass(frozen=True)
class ScopeFinding:
    case: str  # sanction case key, e.g. "22.2"
    reason: Reason


def status_finding(status: str) -> ScopeFinding | None:
    """What it means that an institution with this filing status organises a session (None: nothing)."""
    if status == "suspended":
        return ScopeFinding("23.1", Reason(
            "第二十三条（一）", "评价机构正处于整改期间，整改期间不得组织任何评价活动（附件4），仍组织了本次评价活动"))
    if status == "revoked":
        return ScopeFinding("23", Reason("第二十三条", "评价机构备案回执已撤销，仍组织了本次评价活动"))
    return None


def scope_findings(
    occupations: Collection[str], levels: Collection[str], regions: Collection[str], sites: Collection[str],
    occupation: str, level: str, region: str, site: str,
) -> list[ScopeFinding]:
    """Each way the session lies outside the filing scope (empty: within scope)."""
    found = []
    if occupation not in occupations:
        found.append(ScopeFinding("22.2", Reason("第二十二条（二）", f"职业（工种）“{occupation}”不在备案范围内")))
    if level not in levels:
        found.append(ScopeFinding("22.2", Reason("第二十二条（二）", f"等级“{level}”不在备案范围内")))
    if region and regions and region not in regions:
        found.append(ScopeFinding("22.2", Reason("第二十二条（二）", f"地域“{region}”不在备案范围内")))
    if site not in sites:
        found.append(ScopeFinding("22.8", Reason("第二十二条（八）", f"评价地点“{site}”不是备案考点")))
    return found
