"""bench/flow_bench reads each inspection's assignment code from the real dispatch notice:
a batch number must match exactly, never as a prefix of another (BENCH-x-1 vs BENCH-x-10)."""

from datetime import date
from email.message import EmailMessage

import pytest

from adapters.templates import render_email
from bench.flow_bench import code_for, names_batch


def notice(folder, name: str, batch: str, code: str) -> None:
    brief = {"institution": f"基准机构{batch}", "batch_number": batch, "site": "考点", "occupation": "电工",
             "level": "四级", "form_name": "理论考核", "candidate_count": 40, "starts_at": "2026-11-23 09:00",
             "ends_at": "2026-11-23 12:00", "examiners": ["甲"], "supervisor_count": 1, "internal_supervisors": []}
    subject, text, _ = render_email("dispatch_notice", supervisor_name="督导", agency_name="济南", brief=brief,
                                    assignment_code=code, record_due=date(2026, 11, 25), form_url="http://x", drawn=True,
                                    several=False)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg.set_content(text)
    (folder / name).write_bytes(msg.as_bytes())


def test_batch_number_matches_the_subject_exactly():
    assert names_batch("【督导派遣通知】BENCH-L-1 基准机构L1", "BENCH-L-1")
    assert not names_batch("【督导派遣通知】BENCH-L-10 基准机构L10", "BENCH-L-1")
    assert not names_batch("【督导派遣通知】BENCH-L-1 基准机构L1", "BENCH-L-")


def test_code_for_takes_the_notice_of_its_own_batch_not_one_it_prefixes(tmp_path):
    notice(tmp_path, "0001.eml", "BENCH-S-10", "AAAA-1010")  # sorts first and contains "BENCH-S-1"
    notice(tmp_path, "0002.eml", "BENCH-S-1", "BBBB-0001")
    assert code_for(tmp_path, "BENCH-S-1") == "BBBB-0001"
    assert code_for(tmp_path, "BENCH-S-10") == "AAAA-1010"


def test_code_for_without_its_notice_fails_instead_of_borrowing_another(tmp_path):
    notice(tmp_path, "0001.eml", "BENCH-S-10", "AAAA-1010")
    with pytest.raises(RuntimeError, match="BENCH-S-1"):
        code_for(tmp_path, "BENCH-S-1", timeout=0.3)
