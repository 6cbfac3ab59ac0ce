"""The learner's tools around a step: undo to its start, its solution, where to work, which store
a command used, a finished lesson opened again, and the prediction score."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kubesim.lessons import progress
from kubesim.store import open_store


def replicas(lesson_id: str) -> int:
    store = open_store(str(progress.store_file(lesson_id)))
    try:
        value = store.get("/registry/deployments/default/web").value
    finally:
        store.close()
    return json.loads(value)["spec"]["replicas"]


def test_step_reset_restores_the_store_and_files_of_the_step_start(fixture_lessons, cli):
    cli("lesson", "start", "1")
    os.chdir(progress.work_dir("01-first"))
    assert cli("apply", "-f", "web.yaml")[0] == 0
    assert cli("lesson", "next")[0] == 0  # step 1 passes, step 2 begins: its start is kept
    # the learner wanders off: edits the manifest, adds a file, writes to the store
    Path("web.yaml").write_text(Path("web.yaml").read_text().replace("replicas: 3", "replicas: 7"))
    Path("notes.txt").write_text("scratch\n")
    assert cli("apply", "-f", "web.yaml")[0] == 0
    assert replicas("01-first") == 7

    code, out, err = cli("lesson", "step", "reset")
    assert code == 0, err
    assert "step 2 of lesson 1 is back at its start" in out
    assert "Step 2 of 2: Scale web" in out
    assert replicas("01-first") == 3  # the store as it was when step 2 began
    assert "replicas: 3" in Path("web.yaml").read_text()
    assert not Path("notes.txt").exists()
    lp = progress.load().of("01-first")
    assert lp.step == 2 and lp.passed == [1]  # the earlier step stays done
    assert cli("lesson", "check")[0] == 1
    assert cli("scale", "deployment/web", "--replicas=2")[0] == 0
    assert cli("lesson", "check")[0] == 0


def test_step_reset_of_a_passed_step_makes_it_pass_again(fixture_lessons, cli):
    cli("lesson", "start", "1")
    os.chdir(progress.work_dir("01-first"))
    cli("apply", "-f", "web.yaml")
    assert cli("lesson", "check")[0] == 0
    assert cli("lesson", "step", "reset")[0] == 0
    assert progress.load().of("01-first").passed == []
    code, out, _ = cli("lesson", "check")
    assert code == 1 and "Deployment web does not exist" in out
    code, _, err = cli("lesson", "next")
    assert code == 1  # `next` re-checks a step that is no longer passed


def test_solution_prints_the_commands_and_runs_nothing(fixture_lessons, cli):
    cli("lesson", "start", "1")
    code, out, _ = cli("lesson", "solution")
    assert code == 0
    assert "Solution: lesson 1, step 1 (nothing is run)" in out
    assert "  $ kubesim apply -f web.yaml" in out
    code, out, _ = cli("lesson", "check")
    assert code == 1 and "Deployment web does not exist" in out


def test_solution_of_an_edit_step_is_the_change_to_the_learners_file(fixture_lessons, cli):
    assert cli("lesson", "start", "3", "--step", "2")[0] == 0
    mine = progress.work_dir("03-third") / "labeler.py"
    before = mine.read_text()
    code, out, _ = cli("lesson", "solution")
    assert code == 0
    assert "Change labeler.py like this (- your file, + the solution):" in out
    assert '  -    return obj["metadata"]["labels"]["missing"]' in out
    assert '  +    ctx.client.patch(ctx.kind("ConfigMap"), namespace, name, mutate)' in out
    assert "Then type:\n  $ kubesim reconcile --controller labeler.py -q" in out
    assert mine.read_text() == before
    mine.unlink()
    out = cli("lesson", "solution")[1]
    assert "Create labeler.py with:" in out and "    def mutate(live):" in out


def test_the_step_screen_names_the_directory_to_work_in(fixture_lessons, cli):
    code, out, _ = cli("lesson", "start", "1")
    assert code == 0
    assert f"Work in: {progress.work_dir('01-first')}" in out
    assert f"Work in: {progress.work_dir('01-first')}" in cli("lesson", "show")[1]


def test_a_command_elsewhere_says_which_store_it_used(fixture_lessons, cli, tmp_path):
    cli("lesson", "start", "1")
    work = progress.work_dir("01-first")
    code, out, err = cli("get", "deployments")
    assert code == 0
    assert err.count("note:") == 1
    assert f"note: using store .kubesim/store.db; lesson 1 works in {work} (cd there)" in err
    assert "note:" not in out
    code, out, err = cli("get", "namespaces", "-o", "json")
    assert code == 0 and "note:" not in err
    json.loads(out)
    assert "note:" not in cli("apply", "-f", str(work / "web.yaml"), "-q")[2]
    os.chdir(work)
    code, _, err = cli("get", "deployments")
    assert code == 0 and "note:" not in err  # the lesson's own store
    os.chdir(tmp_path)
    code, out, err = cli("lesson", "run", "2", "--auto", "--verbose")
    assert code == 0 and "note:" not in out + err  # auto mode's own store, in its own dir
    progress.save(progress.Progress())  # no lesson in progress: no note
    assert "note:" not in cli("get", "deployments")[2]


def finish_lesson_1(cli, answers: list[str]) -> str:
    """Do lesson 1, answering its prediction with each of `answers` in turn; the last output."""
    cli("lesson", "start", "1")
    os.chdir(progress.work_dir("01-first"))
    for a in answers:
        assert cli("lesson", "answer", a)[0] == 0
    cli("apply", "-f", "web.yaml")
    assert cli("lesson", "next")[0] == 0
    cli("scale", "deployment/web", "--replicas=2")
    code, out, _ = cli("lesson", "check")
    assert code == 0
    return out


def test_the_first_answer_is_the_one_that_counts(fixture_lessons, cli):
    out = finish_lesson_1(cli, ["b", "a"])  # wrong, then changed to right
    assert "Lesson 1 done: recap" in out
    assert "Predictions: 0 of 1 right at first try" in out
    rows = json.loads(cli("lesson", "list", "-o", "json")[1])
    assert rows[0]["predictions"] == {"right": 0, "answered": 1}


def test_list_shows_progress_and_the_overall_score(fixture_lessons, cli):
    finish_lesson_1(cli, ["a"])
    cli("lesson", "start", "3")
    assert cli("lesson", "answer", "b")[0] == 0  # wrong
    code, out, _ = cli("lesson", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "TITLE"]
    assert lines[1].split()[:3] == ["1", "done", "A"]
    assert lines[2].split()[:3] == ["2", "not", "started"]
    assert lines[3].split()[:3] == ["3", "step", "1/2"]
    assert "Progress: 1/3 lessons finished; predictions right at first try: 1 of 2" in out


def test_a_finished_lesson_stays_finished_when_opened_again(fixture_lessons, cli):
    finish_lesson_1(cli, ["a"])
    code, out, err = cli("lesson", "start", "1")
    assert code == 0
    assert "you finished lesson 1 before: it stays finished; reviewing it from step 1" in err
    assert "Step 1 of 2: Create web" in out
    lp = progress.load().of("01-first")
    assert lp.completed and lp.status == "in progress" and lp.step == 1 and lp.passed == []
    assert lp.first_try == {"1": True}  # the score is kept too
    rows = json.loads(cli("lesson", "list", "-o", "json")[1])
    assert rows[0]["completed"] is True and rows[0]["step"] == 1
    out = cli("lesson", "list")[1]
    assert "review 1/2" in out and "Progress: 1/3 lessons finished" in out
    assert cli("lesson", "reset")[0] == 0  # a reset keeps the record as well
    assert progress.load().of("01-first").completed
    assert cli("lesson", "answer", "b")[0] == 0  # a second try does not change the score
    assert progress.load().of("01-first").first_try == {"1": True}


def test_progress_written_before_completion_was_recorded_still_counts(lesson_home):
    lesson_home.mkdir(parents=True)
    (lesson_home / "progress.json").write_text(
        json.dumps({"version": 1, "active": None, "lessons": {"01-first": {"status": "done"}}})
    )
    assert progress.load().of("01-first").completed


def test_lesson_help_names_the_new_commands(cli):
    code, out, _ = cli("lesson", "--help")
    assert code == 0
    for word in ("solution", "step", "kubesim lesson step reset"):
        assert word in out
    code, out, _ = cli("lesson", "step", "--help")
    assert code == 0 and "reset" in out


def test_a_command_on_an_etcd_store_says_the_lesson_works_elsewhere(
    fixture_lessons, cli, tmp_path, monkeypatch
):
    from tests.cli.test_cli_store_location import ETCD, use_stand_in_etcd

    cli("lesson", "start", "1")
    use_stand_in_etcd(tmp_path / "etcd", monkeypatch)
    code, _, err = cli("get", "deployments")
    assert code == 0
    work = progress.work_dir("01-first")
    assert err.splitlines() == [
        f"note: using store {ETCD}; lesson 1 works in {work} (cd there)",
        "No resources found in default namespace.",
    ]
