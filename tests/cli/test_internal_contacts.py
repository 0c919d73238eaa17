"""`supervise internal contact` (cli/internal_contacts.set_contact, registered by cli/app.py): the
agency sets an institution's internal-supervision contact; a bad e-mail is refused in Chinese
naming the field (exit 1) and nothing is changed."""

import typer
from sqlmodel import select
from typer.testing import CliRunner

from adapters import settings as settings_module
from adapters.db import reset_engines, session_scope, upgrade
from cli.demo_data import add_agencies, add_institution
from cli.internal_contacts import set_contact
from models import Institution


def test_set_contact_stores_a_valid_contact_and_refuses_a_bad_email_in_chinese(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISION_DATABASE_URL", f"sqlite:///{tmp_path / 'supervision.db'}")
    monkeypatch.setenv("SUPERVISION_VAR_DIR", str(tmp_path / "var"))
    settings_module.get_settings.cache_clear()
    reset_engines()
    upgrade()
    with session_scope() as s:
        add_agencies(s)
        add_institution(s, "济南某社会培训评价组织", "SD-A-2024-000123")
    app = typer.Typer()
    app.command("contact")(set_contact)
    app.command("other")(lambda: None)  # a group, as under `supervise internal`
    runner = CliRunner()
    bad = runner.invoke(app, ["contact", "SD-A-2024-000123", "王内督", "wang-at-example"])
    assert bad.exit_code == 1 and "电子邮箱：“wang-at-example”不是有效的电子邮箱地址" in bad.output
    good = runner.invoke(app, ["contact", "SD-A-2024-000123", "王内督", "wang@inst.example.cn", "--json"])
    assert good.exit_code == 0, good.output
    assert '"email": "wang@inst.example.cn"' in good.output
    with session_scope() as s:
        inst = s.exec(select(Institution)).one()
        assert inst.internal_contact == ("王内督", "wang@inst.example.cn")
    reset_engines()
    settings_module.get_settings.cache_clear()
