"""The test hook that holds a process at a named point until killed (adapters/holds.py): the
kill tests rely on it holding there, holding once when asked to, and doing nothing when unset."""

import os
import signal
import subprocess
import sys
import time

from adapters.holds import hold
from adapters.settings import PROJECT_ROOT

VARIABLE = "SUPERVISION_TEST_SOME_HOLD"


def _held(point: str, spec: str, once: bool) -> subprocess.Popen:
    code = f"from adapters.holds import hold; hold({VARIABLE!r}, {point!r}, once={once}); print('passed')"
    return subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
                            env=os.environ | {VARIABLE: spec})


def _wait_for(path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "never held"
        time.sleep(0.02)


def test_unset_or_another_point_passes(monkeypatch, tmp_path):
    monkeypatch.delenv(VARIABLE, raising=False)
    hold(VARIABLE, "claimed")
    monkeypatch.setenv(VARIABLE, f"accepted:{tmp_path / 'held'}")
    hold(VARIABLE, "claimed", once=True)
    hold(VARIABLE, "claimed")
    assert not (tmp_path / "held").exists()


def test_holds_at_its_point_until_killed_writing_its_pid(tmp_path):
    held = tmp_path / "held"
    proc = _held("record-1 answered", f"record-1 answered:{held}", once=False)
    try:
        _wait_for(held, proc)
        time.sleep(0.2)
        assert proc.poll() is None and held.read_text() == str(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    again = _held("record-1 answered", f"record-1 answered:{held}", once=False)  # not once: holds again
    try:
        deadline = time.monotonic() + 30
        while held.read_text() != str(again.pid):
            assert again.poll() is None and time.monotonic() < deadline, "never held again"
            time.sleep(0.02)
    finally:
        again.kill()
        again.wait()


def test_once_holds_the_first_process_only_and_the_next_passes(tmp_path):
    held = tmp_path / "held"
    first = _held("record-1 asked", f"record-1 asked:{held}", once=True)
    try:
        _wait_for(held, first)
        assert held.read_text() == str(first.pid)  # the file appears with the pid already in it
        second = _held("record-1 asked", f"record-1 asked:{held}", once=True)
        assert second.communicate(timeout=30)[0].strip() == "passed" and second.returncode == 0
        assert first.poll() is None and held.read_text() == str(first.pid)
        assert [p.name for p in tmp_path.iterdir()] == ["held"]  # no temporary file left
    finally:
        first.kill()
        first.wait()
