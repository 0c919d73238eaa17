"""An institution's filing (备案): its status and its scope.

- A suspended institution may organise no evaluation while rectifying (第二十二条, 附件4
  "整改期间不得组织任何职业技能等级认定"); a revoked one has no filing (第二十三条).
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


def status_refusal(status: str) -> Reason | None:
    """Why no evaluation of an institution with this filing status may go ahead (None: it may)."""
    if status == "suspended":
        return Reason("第二十二条", "评价机构正处于整改期间，已暂停评价活动，不得组织评价")
    if status == "revoked":
        return Reason("第二十三条", "评价机构备案回执已撤销")
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
