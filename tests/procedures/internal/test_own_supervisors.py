"""第十二条 (内督证卡仅限本评价机构内部使用, 附件1 二): the internal supervisors an institution may
assign are its own cards' holders, read without the rest of the province's internal roster."""

from datetime import date

from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies, add_institution
from models import Institution, Supervisor
from procedures.internal.assignment import own_supervisors
from regulation.cards import format_internal, internal_issuer_code
from tests.app_env import app_env


def _card(s, inst: Institution, serial: int, category: str = "S", status: str = "valid") -> str:
    code = format_internal(category, internal_issuer_code(inst.filing_authority, inst.filing_number), 2025, serial)
    s.add(Supervisor(name=f"内督{inst.id}-{serial}", person_key=f"P{inst.id}{serial}", kind="internal", card_code=code,
                     issuer=category, email=f"{code.lower()}@x.example.cn", card_status=status,
                     issuer_institution_id=inst.id))
    return code


def test_own_supervisors_are_the_institutions_valid_cards_and_never_another_institutions(db_url, tmp_path):
    with app_env({"SUPERVISION_DATABASE_URL": db_url, "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            insts = [add_institution(s, f"机构{n}", f"3701002024{n:04d}") for n in range(1, 41)]
            mine = [_card(s, insts[0], 1), _card(s, insts[0], 2)]
            _card(s, insts[0], 3, status="revoked")
            for other in insts[1:]:
                _card(s, other, 1)
            s.flush()
            got = [sup.card_code for sup in own_supervisors(s, insts[0])]
            assert sorted(got) == sorted(mine)
            assert [sup.card_code for sup in own_supervisors(s, insts[7])] == [
                format_internal("S", internal_issuer_code("city", "37010020240008"), 2025, 1)]
            nowhere = add_institution(s, "无备案号数字的机构", "备案", filed_on=date(2024, 1, 10))
            assert own_supervisors(s, nowhere) == []


def test_own_supervisors_read_for_many_institutions_at_once_are_each_ones_own(db_url, tmp_path):
    """The sweep's bulk read (Lookups.preload: the roster once, grouped by issuer code) gives every
    institution the same cards as reading it alone, revoked cards left out."""
    from procedures.internal.lookups import Lookups

    with app_env({"SUPERVISION_DATABASE_URL": db_url, "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            insts = [add_institution(s, f"机构{n}", f"3701002024{n:04d}") for n in range(1, 8)]
            for n, inst in enumerate(insts):
                for serial in range(1, n + 2):
                    _card(s, inst, serial, status="revoked" if serial == 3 else "valid")
            nowhere = add_institution(s, "无备案号数字的机构", "备案", filed_on=date(2024, 1, 10))
            s.flush()
            alone = {inst.id: [sup.card_code for sup in own_supervisors(s, inst)] for inst in [*insts, nowhere]}
            bulk = Lookups(s).preload([], [*insts, nowhere])
            assert {inst.id: [sup.card_code for sup in bulk.own_supervisors(inst)] for inst in [*insts, nowhere]} == alone
            assert len(alone[insts[4].id]) == 4  # 5 cards, one revoked
            assert alone[nowhere.id] == []
