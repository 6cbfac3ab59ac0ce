"""`kubesim lesson dev check`: is every lesson well formed, and does it still teach what it says?

Static checks per lesson: the format loads; ids (folder numbers) are unique; every step has a
check, at least one hint, and an action (a command to type, a command the lesson runs, or a file
to edit); each check names a known check type; predictions have 2-4 options and a valid answer;
evidence commands only read (format.py has already refused any command but kubesim's and any
path out of the lesson); edit solutions exist; a recap and a real-cluster pointer exist;
manifests parse as kubectl would read them; a `show`'s caption fits 78 columns (format.py checks
the rest of its form). Then the dynamic check: auto mode in a temporary work dir, where the state
before each step must not already pass its check, every check must pass after its action, and
every `show` must draw a frame there (at a revision the store has reached). Returns the problems
(empty: all fine).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from kubesim.lessons import runner
from kubesim.lessons.checks import CHECKS
from kubesim.lessons.commands import parse
from kubesim.lessons.format import Lesson, LessonFormatError, lesson_dirs, load_lesson

READ_ONLY = {"get", "describe", "history", "lag", "watch", "version", "manifests"}


def lint_static(lesson: Lesson) -> list[str]:
    problems: list[str] = []
    where = lesson.id
    if not lesson.recap:
        problems.append(f"{where}: no recap")
    if any(len(line) > 78 for line in lesson.real_tools.splitlines()):
        problems.append(f"{where}: real_tools lines over 78 columns")
    for name in lesson.files:
        if not (lesson.path / name).exists():
            problems.append(f"{where}: files: {name} does not exist")
    problems += _manifests(lesson)
    for step in lesson.steps:
        at = f"{where}: step {step.number} ({step.title})"
        if not step.check:
            problems.append(f"{at}: no check")
        for c in step.check:
            ((name, _),) = c.items()
            if name not in CHECKS:
                problems.append(f"{at}: unknown check {name!r}")
        if not step.hints:
            problems.append(f"{at}: no hint")
        if not (step.run or step.lesson_runs or step.edit):
            problems.append(f"{at}: no action (run, lesson_runs or edit)")
        for command in step.evidence:
            verb = command.split()[1] if len(command.split()) > 1 else ""
            if verb not in READ_ONLY:
                problems.append(f"{at}: evidence must only read, not {verb!r}")
        if step.edit and not (lesson.path / step.edit.solution).is_file():
            problems.append(f"{at}: edit solution {step.edit.solution} does not exist")
        made = any(
            parse(c).stdout_to == step.edit.file
            for s in lesson.steps
            for c in s.run
            if step.edit and s.number < step.number
        )
        if step.edit and step.edit.file not in lesson.files and not made:
            problems.append(f"{at}: edit file {step.edit.file} is not among the lesson's files")
        p = step.predict
        if p and not 2 <= len(p.options) <= 4:
            problems.append(f"{at}: a prediction needs 2-4 options")
        if p and not 1 <= p.answer <= len(p.options):
            problems.append(f"{at}: prediction answer must be 1..{len(p.options)}")
        too_long = [line for line in step.text.splitlines() if len(line) > 78]
        if too_long:
            problems.append(f"{at}: text lines over 78 columns: {too_long[0][:40]}...")
        if step.show and any(len(line) > 78 for line in step.show.caption.splitlines()):
            problems.append(f"{at}: show: caption lines over 78 columns")
    return problems


def lint_show(lesson: Lesson, report: runner.StepReport, ws: runner.Workspace) -> list[str]:
    """A passed step's `show`, drawn in auto mode: it must render, at a revision that exists."""
    from kubesim.lessons.show import frame_text

    show = report.step.show
    if show is None or not report.passed:
        return []
    at = f"{lesson.id}: step {report.step.number} ({report.step.title}): show"
    store, _ = runner.open_lesson_store(ws)
    try:
        current = store.current_revision()
        if isinstance(show.replay, int) and show.replay > current:
            return [f"{at}: revision {show.replay} is past the store's last ({current})"]
        frame_text(show, store, report.mark, lesson.id)
    except Exception as e:  # noqa: BLE001 - a frame that cannot be drawn is a lesson problem
        return [f"{at}: cannot draw the frame: {type(e).__name__}: {e}"]
    finally:
        store.close()
    return []


def _manifests(lesson: Lesson) -> list[str]:
    from kubesim.api.manifest import read_manifests
    from kubesim.model.errors import InputError

    problems = []
    for name in lesson.files:
        path = lesson.path / name
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        for doc in read_manifests([str(path)]):
            if isinstance(doc, InputError):
                problems.append(f"{lesson.id}: {name}: {doc}")
            elif not doc.obj.get("metadata", {}).get("name") and not doc.obj.get(
                "metadata", {}
            ).get("generateName"):
                problems.append(f"{lesson.id}: {name} (document {doc.index}): no name")
    return problems


def lint_all(
    run: runner.CommandRunner,
    out: Callable[[str], None] = lambda _: None,
) -> list[str]:
    problems: list[str] = []
    seen: dict[int, str] = {}
    lessons: list[Lesson] = []
    for path in lesson_dirs():
        try:
            lesson = load_lesson(path)
        except LessonFormatError as e:
            problems.append(str(e))
            continue
        if lesson.number in seen:
            problems.append(
                f"{lesson.id}: id {lesson.number} is also used by {seen[lesson.number]}"
            )
        seen[lesson.number] = lesson.id
        lessons.append(lesson)
    if not lessons and not problems:
        problems.append("no lessons found")
    for lesson in lessons:
        found = lint_static(lesson)
        if not found:
            with tempfile.TemporaryDirectory(prefix="kubesim-lint-") as tmp:
                ws = runner.Workspace(Path(tmp) / lesson.id)
                shows: list[str] = []

                def on_step(r: runner.StepReport, x=lesson, ws=ws, shows=shows) -> None:
                    shows.extend(lint_show(x, r, ws))

                report = runner.run_auto(lesson, ws, run, on_step=on_step)
            found += report.problems + shows
        out(f"{lesson.id}: {'ok' if not found else f'{len(found)} problem(s)'}")
        problems += found
    return problems
