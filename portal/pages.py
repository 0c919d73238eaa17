"""The portal's pages: Jinja2 templates under templates/portal/, every value escaped."""

from functools import cache

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from adapters.templates import TEMPLATES, chinese_date, chinese_datetime
from procedures.portal import limits as portal_limits

PROBLEMS = {
    "unknown": ("链接无效", "此链接无效：它不存在，或不完整。请从邮件中完整复制链接后再打开。"),
    "expired": ("链接已过期", "此链接已过期，不能再提交。"),
    "used": ("链接已使用", "此链接已经提交过一次，不能再次提交。您的回执如下。"),
    "csrf": ("页面已失效", "表单缺少安全校验信息，或已失效，本次提交未被保存。请重新打开邮件中的链接，再填写提交。"),
    "too_large": ("提交内容过大", "本次提交的内容合计超过上限，未被保存。"),
    "rate": ("尝试次数过多", "此网络地址打开无效链接的次数过多，暂时不能访问。"),
    "not_found": ("页面不存在", "没有这个页面。请使用邮件中的专用链接访问。"),
    "method": ("不支持的操作", "此页面不支持这种访问方式。请使用邮件中的专用链接访问。"),
    "bad_form": ("提交格式有误", "提交的表单格式有误，未被保存。请重新打开邮件中的链接，再填写提交。"),
    "error": ("系统暂时出错", "系统暂时出错，本次操作未完成。请稍后再试。"),
}


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES / "portal"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["cap"] = portal_limits.for_field  # every page's field limits from the one table
    env.filters["cndate"], env.filters["cntime"] = chinese_date, chinese_datetime  # as letters write dates
    return env


def warm() -> None:
    """Compile every page and every mail the portal sends before the first request (a burst of
    submits right after a start would otherwise each pay Jinja's compile)."""
    from adapters.templates import warm as warm_mail

    env = environment()
    for name in env.list_templates(extensions=["j2"]):
        env.get_template(name)
    warm_mail("email/portal_")


def page(name: str, status: int = 200, **context) -> HTMLResponse:
    return HTMLResponse(environment().get_template(name).render(**context), status_code=status)


def problem(kind: str, status: int, link=None, detail: str = "", receipt=None) -> HTMLResponse:
    title, text = PROBLEMS[kind]
    return page("problem.html.j2", status, title=title, text=text, detail=detail, link=link, receipt=receipt,
                hide_contact=True)
