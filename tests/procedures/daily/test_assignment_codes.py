"""One-time assignment codes (ARCHITECTURE: who may do what)."""

import pytest

from adapters import assignment_codes, settings


@pytest.fixture(autouse=True)
def secret_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISION_VAR_DIR", str(tmp_path))
    settings.get_settings.cache_clear()
    yield tmp_path
    settings.get_settings.cache_clear()


def test_code_is_stable_per_dispatch_and_differs_between_dispatches(secret_dir):
    assert assignment_codes.code_for(7) == assignment_codes.code_for(7)
    assert assignment_codes.code_for(7) != assignment_codes.code_for(8)
    assert (secret_dir / "assignment-secret").stat().st_mode & 0o777 == 0o600


def test_code_is_checked_by_hash_whatever_the_case_or_dashes():
    code = assignment_codes.code_for(1)
    typed = code.lower().replace("-", " ")
    assert assignment_codes.code_hash(typed) == assignment_codes.code_hash(code)
    assert assignment_codes.code_hash("ABCD-EFGH") != assignment_codes.code_hash(code)


def test_another_secret_gives_other_codes(monkeypatch):
    before = assignment_codes.code_for(1)
    monkeypatch.setenv("SUPERVISION_ASSIGNMENT_SECRET", "another-secret")
    settings.get_settings.cache_clear()
    assert assignment_codes.code_for(1) != before
