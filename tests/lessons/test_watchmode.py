"""Watch mode: which saved files count, and one round of re-running and re-checking."""

from __future__ import annotations

import os
from pathlib import Path

from kubesim.lessons.watchmode import relevant


def test_store_and_editor_files_are_ignored(tmp_path):
    root = tmp_path
    changes = [
        (1, str(root / "mirror.py")),
        (1, str(root / ".kubesim" / "store.db-wal")),
        (1, str(root / ".mirror.py.swp")),
        (1, str(root / "mirror.py~")),
    ]
    assert relevant(changes, root) == [Path("mirror.py")]


def test_on_save_runs_the_steps_watch_commands_then_checks(fixture_lessons, cli):
    from kubesim.cli.lesson import run_kubesim
    from kubesim.lessons import progress, runner
    from kubesim.lessons.format import find_lesson
    from kubesim.lessons.watchmode import on_save

    cli("lesson", "start", "1")
    lesson = find_lesson("1")
    lesson.steps[0].watch = ["kubesim apply -f web.yaml -q"]
    lines: list[str] = []
    state = progress.load()
    ws = runner.Workspace.of(lesson)

    def check() -> bool:
        lp = state.of(lesson.id)
        from kubesim.lessons.checks import Mark

        return runner.check(ws, lesson.steps[0], Mark.from_json(lp.marks["1"]), Mark()).passed

    assert on_save(lesson, 1, ws, run_kubesim, lines.append, check)
    assert lines == ["$ kubesim apply -f web.yaml -q"]


def test_watch_rechecks_when_another_process_writes_the_lesson_store(fixture_lessons, cli):
    """The whole loop: a `kubesim apply` in another process (typed in another terminal)
    reaches the lesson store; its change notifier starts a round, and the step passes."""
    import subprocess
    import sys
    import threading
    import time

    from kubesim.cli.lesson import run_kubesim
    from kubesim.lessons import progress, runner
    from kubesim.lessons.checks import Mark
    from kubesim.lessons.format import find_lesson
    from kubesim.lessons.watchmode import watch

    cli("lesson", "start", "1")
    lesson = find_lesson("1")
    ws = runner.Workspace.of(lesson)
    state = progress.load()
    mark = Mark.from_json(state.of(lesson.id).marks["1"])
    lines: list[str] = []
    result: list[bool] = []
    stop = threading.Event()

    def check() -> bool:
        return runner.check(ws, lesson.steps[0], mark, Mark()).passed

    def loop() -> None:
        result.append(
            watch(state, lesson, run=run_kubesim, out=lines.append, check=check, stop_event=stop)
        )

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        end = time.monotonic() + 20
        while not any(line.startswith("save a file there") for line in lines):
            assert time.monotonic() < end and thread.is_alive(), lines
            time.sleep(0.02)
        time.sleep(0.3)  # the watchers start in their own threads: let them begin
        env = {k: v for k, v in os.environ.items() if k != "KUBESIM_STORE"}
        applied = subprocess.run(
            [sys.executable, "-m", "kubesim", "apply", "-f", "web.yaml", "-q"],
            cwd=ws.dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert applied.returncode == 0, applied.stderr
        thread.join(20)
        assert result == [True], lines
        assert any(line.startswith("the store changed (revision ") for line in lines), lines
    finally:
        stop.set()
        thread.join(5)


def test_a_command_typed_elsewhere_re_runs_the_check(fixture_lessons, cli):
    from kubesim.lessons import progress, runner
    from kubesim.lessons.format import find_lesson
    from kubesim.lessons.watchmode import on_store_change

    cli("lesson", "start", "1")
    ws = runner.Workspace.of(find_lesson("1"))
    seen = runner.mark_now(ws)
    checks: list[bool] = []

    def check() -> bool:
        lp = progress.load().of("01-first")
        from kubesim.lessons.checks import Mark

        checks.append(
            runner.check(
                ws, find_lesson("1").steps[0], Mark.from_json(lp.marks["1"]), Mark()
            ).passed
        )
        return checks[-1]

    lines: list[str] = []
    # a wake-up with nothing written (a read, a checkpoint): no check
    assert on_store_change(ws, seen, lines.append, check) == (seen, None)
    assert checks == [] and lines == []
    os.chdir(ws.dir)
    assert cli("apply", "-f", "web.yaml")[0] == 0  # "in another terminal"
    now, passed = on_store_change(ws, seen, lines.append, check)
    assert passed is True and checks == [True]
    assert now.revision > seen.revision
    assert lines == ["", f"the store changed (revision {now.revision}): checking again"]


def test_a_failing_user_controller_shows_the_line_of_the_learners_file(fixture_lessons, cli):
    from kubesim.cli.lesson import run_kubesim
    from kubesim.lessons import runner
    from kubesim.lessons.format import find_lesson
    from kubesim.lessons.watchmode import on_save

    assert cli("lesson", "start", "3", "--step", "2")[0] == 0
    lesson = find_lesson("3")
    ws = runner.Workspace.of(lesson)
    lines: list[str] = []
    assert not on_save(lesson, 2, ws, run_kubesim, lines.append, lambda: False)
    assert lines == [
        "$ kubesim reconcile --controller labeler.py -q",
        "your controller raised an exception (it is retried with back-off):",
        "labeler: labeler.py:7: KeyError: 'missing'",
        '     7 |     return obj["metadata"]["labels"]["missing"]',
    ]
    # the same error in the journal, as `kubesim reconcile` prints it
    store, _ = runner.open_lesson_store(ws)
    try:
        outcomes = {e.outcome for e in store.journal(types=["reconcile"], actor="labeler")}
    finally:
        store.close()
    assert "error: labeler.py:7: KeyError: 'missing'" in outcomes
