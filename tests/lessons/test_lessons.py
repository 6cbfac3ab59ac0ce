"""Every shipped lesson passes in auto mode, the linter is happy, and the demo runs to its end."""

from __future__ import annotations

import pytest

from kubesim.lessons.format import lesson_dirs

LESSONS = [p.name for p in lesson_dirs()]


def test_there_are_thirteen_lessons():
    assert len(LESSONS) == 13


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_passes_in_auto_mode(lesson, cli):
    code, out, err = cli("lesson", "run", lesson, "--auto")
    assert code == 0, out + err
    assert "steps passed" in out


def test_dev_check_passes(cli):
    code, out, err = cli("lesson", "dev", "check")
    assert code == 0, out + err
    assert "all lessons are fine" in out


def test_demo_fast_runs_to_the_end(cli):
    code, out, _ = cli("demo", "--fast")
    assert code == 0
    assert "# 5. A restart" in out
    assert "relist    kube-scheduler: LIST" in out
    assert "kubesim lesson start 1" in out
    assert all(len(line) <= 79 for line in out.splitlines())
