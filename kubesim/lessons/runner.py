"""Running a lesson: prepare its work dir and store, begin steps, perform actions, check them.

The engine never imports the CLI: whoever drives it (kubesim/cli/lesson.py) hands in a
`CommandRunner`, a function that runs one `kubesim ...` command line in a directory against
the lesson's store and returns its exit code and output (the CLI runs it in-process through
its own main(argv), so auto mode is deterministic on the virtual clock with the command's seed).

- `Workspace`: the work dir and store a run uses (the learner's under $KUBESIM_HOME, or a
  temporary one for `lesson run --auto` and the linter, so they never touch the learner's).
- `prepare(lesson, ws, run)`: a fresh work dir (the lesson's files, an empty store), then the
  lesson's `setup` commands. This is the start state that `lesson reset` restores.
- `save_step_start(ws)` / `restore_step_start(ws)`: a copy of the work dir's files and of the
  store's files, taken when a step begins, put back by `kubesim lesson step reset`.
- `mark_now(ws)` gives the Mark a step begins at (journal seq and revision at its start): journal
  and event checks count only what happened after it.
- `perform(lesson, step, run)`: what auto mode does for a step (the solution edit, the lesson's
  own commands, the learner's commands).
- `check(lesson, step, marks)`: evaluates every check against the lesson's store.
- `run_auto(lesson, run)`: prepare, then for each step: begin, verify the check does not pass
  yet, perform, verify it passes. `lesson run ID --auto`, the tests and the linter use it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kubesim.lessons import confine, progress
from kubesim.lessons.checks import CheckContext, Mark, Result, current_mark, evaluate_all
from kubesim.lessons.format import Lesson, Step


@dataclass
class CommandOutput:
    code: int
    stdout: str
    stderr: str


#: (command line starting with "kubesim", working directory, store file) -> output
CommandRunner = Callable[[str, Path, Path], CommandOutput]


@dataclass
class StepReport:
    step: Step
    results: list[Result]
    #: where the step began (its check counts what happened since)
    mark: Mark = field(default_factory=Mark)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def failures(self) -> list[Result]:
        return [r for r in self.results if not r.passed]


@dataclass
class AutoReport:
    lesson: Lesson
    problems: list[str] = field(default_factory=list)
    steps: list[StepReport] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Workspace:
    """Where a lesson runs: its work dir (the learner's files) and its store inside it."""

    dir: Path

    @property
    def store(self) -> Path:
        return self.dir / ".kubesim" / "store.db"

    @property
    def step_start(self) -> Path:
        """Where the copy taken when the current step began is kept (beside the store)."""
        return self.dir / ".kubesim" / "step-start"

    @classmethod
    def of(cls, lesson: Lesson) -> Workspace:
        """The learner's workspace for this lesson (under $KUBESIM_HOME)."""
        return cls(progress.work_dir(lesson.id))


class CommandFailed(Exception):
    """A command the lesson runs itself (setup, lesson_runs) exited non-zero."""


def open_lesson_store(ws: Workspace):
    """The lesson's store and an API server over it (the caller closes the store)."""
    from kubesim.api.server import ApiServer
    from kubesim.store import open_store

    ws.store.parent.mkdir(parents=True, exist_ok=True)
    store = open_store(ws.store)  # a Path: always the lesson's own file store
    return store, ApiServer(store)


def mark_now(ws: Workspace) -> Mark:
    store, _ = open_lesson_store(ws)
    try:
        return current_mark(store)
    finally:
        store.close()


def _empty(directory: Path, keep: str | None = None) -> None:
    """Remove what `directory` holds (but `keep`), not the directory itself: the learner's shell
    may be in it."""
    for child in directory.iterdir():
        if child.name == keep:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _copy_into(src: Path, dst: Path, skip: str | None = None) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for child in src.iterdir():
        if child.name == skip:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.copytree(child, dst / child.name, symlinks=True)
        else:
            shutil.copy2(child, dst / child.name, follow_symlinks=False)


def save_step_start(ws: Workspace) -> None:
    """Copy the work dir's files and the store's files, as they are when a step begins.

    Taken by the CLI right after it records the step's Mark, while no lesson command writes.
    The store's files are copied as files (the store has no copy operation): a control plane
    writing to them from another terminal (`kubesim up`) during the copy could leave the copy
    inconsistent, which is why `step reset` tells the learner to restart one."""
    target = ws.step_start
    if target.exists():
        shutil.rmtree(target)
    from kubesim.store import files

    _copy_into(ws.dir, target / "files", skip=".kubesim")
    (target / "store").mkdir(parents=True)
    files.copy_store_files(ws.store, target / "store")


def restore_step_start(ws: Workspace) -> bool:
    """Put back the files and the store saved when the current step began (False: none saved).
    The copy stays, so the step can be reset again."""
    saved = ws.step_start
    if not (saved / "store" / ws.store.name).is_file():
        return False
    from kubesim.store import files

    _empty(ws.dir, keep=".kubesim")
    _copy_into(saved / "files", ws.dir)
    return files.replace_store_files(ws.store, saved / "store")


def prepare(lesson: Lesson, ws: Workspace, run: CommandRunner) -> Mark:
    """A fresh work dir with the lesson's files and a new store, then its setup commands."""
    work = ws.dir
    work.mkdir(parents=True, exist_ok=True)
    _empty(work)
    for name in lesson.files:  # checked when the lesson was loaded, and again here
        src, dst = confine.tree(lesson.path, name), confine.inside(work, name)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    for command in lesson.setup:
        run_checked(command, ws, run)
    return mark_now(ws)


def run_checked(command: str, ws: Workspace, run: CommandRunner) -> CommandOutput:
    result = run(command, ws.dir, ws.store)
    if result.code != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise CommandFailed(
            f"`{command}` exited {result.code}" + (f": {detail[-1]}" if detail else "")
        )
    return result


def apply_edit(lesson: Lesson, step: Step, ws: Workspace) -> None:
    """Auto mode's stand-in for the learner editing a file: copy the solution over it."""
    if step.edit is None:
        return
    shutil.copy2(
        confine.inside(lesson.path, step.edit.solution), confine.inside(ws.dir, step.edit.file)
    )


def perform(
    lesson: Lesson,
    step: Step,
    ws: Workspace,
    run: CommandRunner,
    echo: Callable[[str, CommandOutput], None] | None = None,
) -> None:
    """Everything the step asks for, done by the lesson (auto mode)."""
    apply_edit(lesson, step, ws)
    run_step_commands(step.auto_commands(), ws, run, echo)


def run_step_commands(
    commands: list[str],
    ws: Workspace,
    run: CommandRunner,
    echo: Callable[[str, CommandOutput], None] | None = None,
) -> None:
    """Commands run in the workspace, each echoed if asked (a step's lesson_runs, auto mode)."""
    for command in commands:
        result = run(command, ws.dir, ws.store)
        if echo:
            echo(command, result)


def check(ws: Workspace, step: Step, step_mark: Mark, lesson_mark: Mark) -> StepReport:
    store, api = open_lesson_store(ws)
    try:
        ctx = CheckContext(store, api, step_mark, lesson_mark)
        return StepReport(step, evaluate_all(step.check, ctx), step_mark)
    finally:
        store.close()


def run_auto(
    lesson: Lesson,
    ws: Workspace,
    run: CommandRunner,
    on_step: Callable[[StepReport], None] | None = None,
    echo: Callable[[str, CommandOutput], None] | None = None,
    until: int | None = None,
) -> AutoReport:
    """Perform every step and require every check to pass (and to fail before its action).

    `until`: stop before that step (used to start a lesson at a later step)."""
    report = AutoReport(lesson)
    try:
        lesson_mark = prepare(lesson, ws, run)
    except CommandFailed as e:
        report.problems.append(f"{lesson.id}: setup: {e}")
        return report
    for step in lesson.steps:
        if until is not None and step.number >= until:
            break
        step_mark = mark_now(ws)
        before = check(ws, step, step_mark, lesson_mark)
        if before.passed:
            report.problems.append(
                f"{lesson.id}: step {step.number} ({step.title}): its check already passes "
                "before the step's action"
            )
        perform(lesson, step, ws, run, echo)
        after = check(ws, step, step_mark, lesson_mark)
        report.steps.append(after)
        if on_step:
            on_step(after)
        if not after.passed:
            failed = "; ".join(r.message for r in after.failures())
            report.problems.append(
                f"{lesson.id}: step {step.number} ({step.title}): the check fails after the "
                f"step's action: {failed}"
            )
            break
    return report
