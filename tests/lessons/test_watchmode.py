"""Watch mode: which saved files count, and one round of re-running and re-checking."""

from __future__ import annotations

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
