"""The lesson engine on a small fixture lesson set: format, checks, progress, reset, hints."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kubesim.lessons import progress
from kubesim.lessons.format import LessonFormatError, find_lesson, load_lesson


def test_list_json_gives_id_title_status(fixture_lessons, cli):
    code, out, _ = cli("lesson", "list", "-o", "json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["id"], r["title"], r["status"]) for r in rows] == [
        (1, "A tiny fixture lesson", "not started"),
        (2, "A second fixture lesson", "not started"),
        (3, "A fixture lesson with a controller to fix and frames to show", "not started"),
    ]


def test_failing_check_names_the_step_and_shows_the_first_hint(fixture_lessons, cli):
    assert cli("lesson", "start", "1")[0] == 0
    code, out, _ = cli("lesson", "check")
    assert code == 1
    assert "NOT YET  step 1 of 2: Create web" in out
    assert "Deployment web does not exist" in out
    assert "Hint 1 of 2: first hint, a nudge" in out


def test_hints_escalate_then_stop_at_the_last(fixture_lessons, cli):
    cli("lesson", "start", "1")
    assert "Hint 1 of 2" in cli("lesson", "hint")[1]
    out = cli("lesson", "hint")[1]
    assert "Hint 2 of 2: Type: kubesim apply -f web.yaml" in out
    assert "last hint" in cli("lesson", "hint")[1]


def test_progress_survives_a_restart_and_checks_read_the_lessons_store(fixture_lessons, cli):
    cli("lesson", "start", "1")
    work = progress.work_dir("01-first")
    os.chdir(work)
    assert cli("lesson", "answer", "b")[0] == 0
    assert cli("apply", "-f", "web.yaml")[0] == 0  # the learner types it, in the work dir
    code, out, _ = cli("lesson", "check")
    assert code == 0, out
    assert "PASSED  step 1 of 2" in out
    assert "You predicted b: not quite. The answer: a) one" in out
    # a new process: everything it knows comes from progress.json and the lesson's store
    state = progress.load()
    assert state.active == "01-first" and 1 in state.of("01-first").passed
    assert cli("lesson", "next")[0] == 0
    assert progress.load().of("01-first").step == 2
    code, out, _ = cli("lesson", "start", "1")  # resumes, does not wipe
    assert "resuming lesson 1 at step 2" in out + _
    assert cli("scale", "deployment/web", "--replicas=2")[0] == 0
    code, out, _ = cli("lesson", "check")
    assert code == 0 and "Lesson 1 done: recap" in out
    assert "Next: kubesim lesson start 2" in out
    rows = json.loads(cli("lesson", "list", "-o", "json")[1])
    assert rows[0]["status"] == "done"


def test_the_lesson_never_touches_the_learners_store(fixture_lessons, cli, tmp_path):
    own = tmp_path / "own.db"
    os.environ["KUBESIM_STORE"] = str(own)
    try:
        assert cli("apply", "-f", str(fixture_lessons / "01-first" / "web.yaml"))[0] == 0
    finally:
        del os.environ["KUBESIM_STORE"]
    before = own.stat().st_size
    cli("lesson", "start", "1")
    cli("lesson", "run", "1", "--auto")
    assert own.stat().st_size == before
    assert progress.store_file("01-first").exists()


def test_reset_restores_the_start_state(fixture_lessons, cli):
    cli("lesson", "start", "1")
    os.chdir(progress.work_dir("01-first"))
    cli("apply", "-f", "web.yaml")
    (Path("web.yaml")).write_text("edited\n")
    assert cli("lesson", "check")[0] == 0
    code, out, _ = cli("lesson", "reset")
    assert code == 0
    assert progress.load().of("01-first").step == 1
    assert "apiVersion: apps/v1" in Path("web.yaml").read_text()
    code, out, _ = cli("lesson", "check")
    assert code == 1 and "Deployment web does not exist" in out


def test_start_at_a_later_step_performs_the_earlier_ones(fixture_lessons, cli):
    code, out, err = cli("lesson", "start", "1", "--step", "2")
    assert code == 0, err
    assert "Step 2 of 2: Scale web" in out
    os.chdir(progress.work_dir("01-first"))
    cli("scale", "deployment/web", "--replicas=2")
    assert cli("lesson", "check")[0] == 0


def test_auto_mode_passes_the_fixture_lessons(fixture_lessons, cli):
    code, out, _ = cli("lesson", "run", "1", "--auto")
    assert code == 0, out
    assert "all 2 steps passed" in out


def test_dev_check_reports_a_check_that_passes_too_early(
    fixture_lessons, cli, tmp_path, monkeypatch
):
    import shutil

    bad = tmp_path / "lessons"
    shutil.copytree(fixture_lessons, bad)
    text = (bad / "02-second" / "lesson.yaml").read_text()
    text = text.replace("metadata.labels.team, equals: a", "metadata.name, equals: default")
    (bad / "02-second" / "lesson.yaml").write_text(text)
    monkeypatch.setenv("KUBESIM_LESSONS_DIR", str(bad))
    code, out, err = cli("lesson", "dev", "check")
    assert code == 1
    assert "02-second: step 1 (Label the default namespace): its check already passes" in err


def test_format_version_is_checked(tmp_path):
    lesson = tmp_path / "01-x"
    lesson.mkdir()
    (lesson / "lesson.yaml").write_text("format: 99\ntitle: x\nsteps: []\n")
    with pytest.raises(LessonFormatError, match="format 99 is not supported"):
        load_lesson(lesson)


def test_find_lesson_by_number_name_or_slug(fixture_lessons):
    assert find_lesson("1").id == "01-first"
    assert find_lesson("01-first").id == "01-first"
    assert find_lesson("second").id == "02-second"
