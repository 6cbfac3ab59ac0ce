"""`kubesim lesson ...`: guided lessons in the terminal (list, start, show, answer, check, hint,
solution, next, step reset, reset, run --auto, watch, dev check).

The engine is kubesim/lessons; this module turns its results into text and runs the commands a
lesson performs: `run_kubesim` runs a `kubesim ...` line in-process through app.main(argv), in
the lesson's work dir, against the lesson's store (so auto mode is deterministic and fast).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from kubesim.cli import context
from kubesim.cli.options import int_option
from kubesim.model.errors import KubesimError, UsageError

lesson_app = typer.Typer(
    help="Guided lessons: learn CQRS by doing it.\n\nExamples: kubesim lesson start 1; "
    "kubesim lesson step reset",
    no_args_is_help=True,
)
step_app = typer.Typer(
    help="The current step: reset undoes it to its start.\n\nExample: kubesim lesson step reset",
    no_args_is_help=True,
)
dev_app = typer.Typer(
    help="Tools for lesson authors.\n\nExample: kubesim lesson dev check", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    commands = (  # name, function, what it does, an example for --help
        ("list", list_command, "The lessons, with your progress.", "kubesim lesson list -o json"),
        ("start", start_command, "Start (or resume) a lesson.", "kubesim lesson start 1"),
        ("show", show_command, "Show the current step again.", "kubesim lesson show"),
        (
            "answer",
            answer_command,
            "Answer the current step's prediction.",
            "kubesim lesson answer b",
        ),
        (
            "check",
            check_command,
            "Check the current step (from the store and the journal).",
            "kubesim lesson check",
        ),
        ("hint", hint_command, "The next hint for the current step.", "kubesim lesson hint"),
        (
            "solution",
            solution_command,
            "Print the current step's solution (it runs nothing).",
            "kubesim lesson solution",
        ),
        ("next", next_command, "Go to the next step once this one passes.", "kubesim lesson next"),
        (
            "reset",
            reset_command,
            "Restore a lesson's start state (its own store and files).",
            "kubesim lesson reset 3",
        ),
        (
            "run",
            run_command,
            "Run a lesson; --auto performs every step itself and checks it.",
            "kubesim lesson run 5 --auto",
        ),
        (
            "watch",
            watch_command,
            "Re-check the step whenever you save a file or run a command.",
            "kubesim lesson watch",
        ),
    )
    for name, function, text, example in commands:
        lesson_app.command(name, help=f"{text}\n\nExample: {example}")(function)
    dev_app.command(
        "check",
        help="Lint every lesson and run each in auto mode.\n\nExample: kubesim lesson dev check",
    )(dev_check)
    step_app.command(
        "reset",
        help="Undo to the start of the current step (its store and files as they were then; "
        "earlier steps stay done).\n\nExample: kubesim lesson step reset",
    )(step_reset_command)
    lesson_app.add_typer(step_app, name="step")
    lesson_app.add_typer(dev_app, name="dev")
    app.add_typer(lesson_app, name="lesson")


# ------------------------------------------------------------------------------- running commands
def run_kubesim(command: str, cwd: Path, store: Path):
    """Run one `kubesim ...` line in-process, in `cwd`, against `store`; capture its output.
    No shell: the line is checked as a lesson's commands are (kubesim/lessons/commands.py), and
    a last `> FILE` writes stdout to FILE in cwd (never outside it), as a shell would."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from kubesim.cli.app import main
    from kubesim.lessons import confine
    from kubesim.lessons.commands import parse
    from kubesim.lessons.runner import CommandOutput

    parsed = parse(command)
    argv = parsed.argv
    target = None if parsed.stdout_to is None else confine.inside(cwd, parsed.stdout_to)
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = os.environ.get("KUBESIM_STORE"), os.getcwd()
    os.environ["KUBESIM_STORE"] = str(store)
    os.chdir(cwd)
    context.note_other_store = False  # it is the lesson's store (or auto mode's own)
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(argv)
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        context.note_other_store = True
        os.chdir(saved_cwd)
        if saved_env is None:
            os.environ.pop("KUBESIM_STORE", None)
        else:
            os.environ["KUBESIM_STORE"] = saved_env
    stdout = out.getvalue()
    if target is not None:
        target.write_text(stdout, encoding="utf-8")
        stdout = ""
    return CommandOutput(code, stdout, err.getvalue())


def echo_output(command: str, result) -> None:
    context.out(f"$ {command}")
    text = (result.stdout + result.stderr).rstrip("\n")
    if text:
        context.out(text)


def echo_command(command: str, result) -> None:
    context.out(f"  $ {command}" + (f"   (exit {result.code})" if result.code else ""))


def draw_show(lesson, step, ws, step_mark) -> None:
    """A step's `show`: the four-stage view from the lesson's store (plain without a TTY)."""
    from kubesim.lessons import show
    from kubesim.lessons.runner import open_lesson_store

    title = f"lesson {lesson.number}, step {step.number}"
    store, _ = open_lesson_store(ws)
    try:
        if sys.stdout.isatty():
            from rich.console import Console

            console = Console()
            size = console.size
            console.print(
                show.frame_renderable(
                    step.show, store, step_mark, title, size.width, size.height - 2
                )
            )
        else:
            context.out(show.frame_text(step.show, store, step_mark, title).rstrip("\n"))
    finally:
        store.close()


def say(lines: list[str]) -> None:
    from kubesim.lessons.render import wrap

    for line in wrap(lines):
        context.out(line)


# ------------------------------------------------------------------------------- trust
TRUST = typer.Option(
    False,
    "--trust",
    help="Run a lesson that is not kubesim's own (KUBESIM_LESSONS_DIR) without asking: "
    "review its commands first. Also KUBESIM_TRUST_LESSONS=1.",
)


def _interactive() -> bool:
    return sys.stdin.isatty() and not os.environ.get("CI")


def _allow(lesson, *, trust: bool = False, state=None, again: str = "") -> None:
    """Before a lesson runs any command or loads any controller: kubesim's own lessons run;
    another one runs with --trust (or KUBESIM_TRUST_LESSONS=1), or after the learner, shown
    everything it will run, says yes on a terminal; that yes (or --trust) is remembered in
    `state` for this lesson as it is now. Auto mode (no `state`) never asks."""
    from kubesim.lessons import progress
    from kubesim.lessons import trust as trusting

    if trusting.bundled(lesson):
        return
    digest = trusting.fingerprint(lesson)
    lp = state.of(lesson.id) if state is not None else None
    if trust or trusting.trusted_by_env() or (lp is not None and lp.trusted == digest):
        if lp is not None and lp.trusted != digest:
            lp.trusted = digest
            progress.save(state)
        return
    for line in trusting.plan(lesson):
        context.err(line)
    if lp is not None and _interactive():
        try:
            answer = input("Run this lesson's commands and controllers? [y/N] ").strip().lower()
        except EOFError:
            answer = ""
        if answer in ("y", "yes"):
            lp.trusted = digest
            progress.save(state)
            return
    changed = " (it changed since you trusted it)" if lp is not None and lp.trusted else ""
    raise KubesimError(
        f"lesson {lesson.id} is not one of kubesim's own{changed}: nothing run",
        hint=f"review what it runs (above, and {lesson.path}), then: "
        f"{again or f'kubesim lesson start {lesson.number}'} --trust "
        f"(or {trusting.ENV}=1)",
    )


# ------------------------------------------------------------------------------- state
def _active():
    from kubesim.lessons import progress
    from kubesim.lessons.format import find_lesson

    state = progress.load()
    if not state.active:
        raise KubesimError(
            "no lesson is active", hint="kubesim lesson list; kubesim lesson start 1"
        )
    return state, find_lesson(state.active)


def _marks(lp, step_number: int):
    from kubesim.lessons.checks import Mark

    return Mark.from_json(lp.marks.get(str(step_number))), Mark.from_json(lp.lesson_mark)


def _begin_step(state, lesson, number: int) -> None:
    """Make `number` the current step: record its mark, ask the prediction, run what the lesson
    runs itself, and show it."""
    from kubesim.lessons import progress, runner

    lp = state.of(lesson.id)
    lp.step = number
    lp.status = "in progress"
    ws = runner.Workspace.of(lesson)
    lp.marks[str(number)] = runner.mark_now(ws).to_json()
    runner.save_step_start(ws)
    progress.save(state)
    step = lesson.steps[number - 1]
    ask = bool(step.predict) and str(number) not in lp.predictions and sys.stdin.isatty()
    _show(state, lesson, ask=ask)
    if ask:
        _ask(state, lesson, step)
    if step.lesson_runs:
        context.out("")
        runner.run_step_commands(step.lesson_runs, ws, run_kubesim, echo_output)
        context.out("")
        _check(state, lesson)


def _ask(state, lesson, step) -> None:
    from kubesim.lessons import progress

    letters = "abcd"[: len(step.predict.options)]
    try:
        answer = input(f"Your prediction ({'/'.join(letters)}, Enter to skip): ").strip().lower()
    except EOFError:
        return
    if answer and answer[0] in letters:
        state.of(lesson.id).answer(step.number, letters.index(answer[0]) + 1, step.predict.answer)
        progress.save(state)


def _show(state, lesson, *, ask: bool = False) -> None:
    from kubesim.lessons import progress
    from kubesim.lessons.render import step_screen

    lp = state.of(lesson.id)
    step = lesson.steps[lp.step - 1]
    workdir = str(progress.work_dir(lesson.id))
    answered = lp.predictions.get(str(step.number))
    say(step_screen(lesson, step, workdir=workdir, answered=answered, ask=ask))
    if Path.cwd().resolve() != progress.work_dir(lesson.id).resolve():
        context.note(f"run the commands in the lesson's directory: cd {workdir}")
    if os.environ.get("KUBESIM_STORE"):
        context.note("KUBESIM_STORE is set: unset it so your commands use the lesson's store")


def _check(state, lesson) -> bool:
    from kubesim.lessons import progress, runner
    from kubesim.lessons.format import load_all
    from kubesim.lessons.render import check_lines, recap_lines, reveal_lines

    lp = state.of(lesson.id)
    step = lesson.steps[lp.step - 1]
    ws = runner.Workspace.of(lesson)
    report = runner.check(ws, step, *_marks(lp, step.number))
    if not report.passed:
        say(check_lines(report, total=len(lesson.steps)))
        lp.hints[str(step.number)] = max(lp.hints.get(str(step.number), 0), 1)
        progress.save(state)
        return False
    say(check_lines(report, total=len(lesson.steps)))
    say(reveal_lines(step, lp.predictions.get(str(step.number))))
    if step.show is not None:
        context.out("")
        draw_show(lesson, step, ws, _marks(lp, step.number)[0])
    for command in step.evidence:
        context.out("")
        echo_output(command, run_kubesim(command, ws.dir, ws.store))
    if step.number not in lp.passed:
        lp.passed.append(step.number)
    if step.number == len(lesson.steps):
        lp.status = "done"
        lp.completed = True
        state.active = None
        lessons = load_all()
        later = [x for x in lessons if x.number > lesson.number]
        say(recap_lines(lesson, later[0] if later else None, score=lp.score()))
    else:
        context.out("")
        context.out("Next: kubesim lesson next")
    progress.save(state)
    return True


# ------------------------------------------------------------------------------- commands
def list_command(output: str = typer.Option("", "--output", "-o", help="json")) -> None:
    from kubesim.lessons import progress
    from kubesim.lessons.format import load_all

    state = progress.load()
    lessons = load_all()
    if output == "json":
        import json

        rows = []
        for x in lessons:
            lp = state.lessons.get(x.id) or progress.LessonProgress()
            right, answered = lp.score()
            rows.append(
                {
                    "id": x.number,
                    "name": x.id,
                    "title": x.title,
                    "status": lp.status,
                    "completed": lp.completed,
                    "step": lp.step if lp.status == "in progress" else None,
                    "steps": len(x.steps),
                    "predictions": {"right": right, "answered": answered},
                }
            )
        context.out(json.dumps(rows, indent=2))
        return
    if output:
        raise UsageError(f'unknown output format "{output}": use json')
    from kubesim.lessons.render import list_lines

    for line in list_lines(lessons, state):
        context.out(line)
    context.note("start one: kubesim lesson start ID")


def start_command(
    lesson_id: str = typer.Argument(..., metavar="ID", help="Number or name, e.g. 1"),
    step: int = int_option(
        None, "--step", help="Start at this step (the lesson performs the steps before it)."
    ),
    trust: bool = TRUST,
) -> None:
    from kubesim.lessons import progress, runner
    from kubesim.lessons.format import find_lesson

    lesson = find_lesson(lesson_id)
    state = progress.load()
    _allow(lesson, trust=trust, state=state)
    lp = state.of(lesson.id)
    if step is not None and not 1 <= step <= len(lesson.steps):
        raise UsageError(f"--step must be between 1 and {len(lesson.steps)}")
    state.active = lesson.id
    if step is None and lp.status == "in progress" and progress.store_file(lesson.id).exists():
        progress.save(state)
        context.note(
            f"resuming lesson {lesson.number} at step {lp.step} "
            "(kubesim lesson reset starts it over)"
        )
        _show(state, lesson)
        return
    if lp.completed:
        context.note(
            f"you finished lesson {lesson.number} before: it stays finished; reviewing it from "
            f"step {step or 1}"
        )
    state.lessons[lesson.id] = lp = lp.kept()
    ws = runner.Workspace.of(lesson)
    if step and step > 1:
        context.note(f"performing steps 1-{step - 1} for you ...")
        report = runner.run_auto(lesson, ws, run_kubesim, until=step)
        if not report.passed:
            raise KubesimError("could not reach that step: " + report.problems[0])
        lp.passed = list(range(1, step))
    else:
        runner.prepare(lesson, ws, run_kubesim)
    lp.lesson_mark = runner.mark_now(ws).to_json()
    context.note(
        f"lesson {lesson.number} uses its own store in {progress.work_dir(lesson.id)}; "
        "your own store is untouched"
    )
    _begin_step(state, lesson, step or 1)


def show_command() -> None:
    state, lesson = _active()
    _show(state, lesson)


def answer_command(letter: str = typer.Argument(..., help="a, b, c or d")) -> None:
    from kubesim.lessons import progress

    state, lesson = _active()
    lp = state.of(lesson.id)
    step = lesson.steps[lp.step - 1]
    if step.predict is None:
        raise KubesimError("this step asks for no prediction")
    letters = "abcd"[: len(step.predict.options)]
    if letter.lower() not in letters or len(letter) != 1:
        raise UsageError(f"answer with one of: {', '.join(letters)}")
    lp.answer(step.number, letters.index(letter.lower()) + 1, step.predict.answer)
    progress.save(state)
    context.out(f"Noted: {letter.lower()}. Now do the step and see: kubesim lesson check")


def check_command() -> None:
    state, lesson = _active()
    _allow(lesson, state=state)
    if not _check(state, lesson):
        raise typer.Exit(1)


def hint_command() -> None:
    from kubesim.lessons import progress
    from kubesim.lessons.render import hint_lines

    state, lesson = _active()
    lp = state.of(lesson.id)
    step = lesson.steps[lp.step - 1]
    shown = lp.hints.get(str(step.number), 0) + 1
    lp.hints[str(step.number)] = min(shown, len(step.hints))
    progress.save(state)
    say(hint_lines(step, shown))


def solution_command() -> None:
    from kubesim.lessons import runner
    from kubesim.lessons.render import solution_lines

    state, lesson = _active()
    step = lesson.steps[state.of(lesson.id).step - 1]
    edited = None
    if step.edit is not None:
        current = runner.Workspace.of(lesson).dir / step.edit.file
        edited = current.read_text(encoding="utf-8") if current.is_file() else None
    solution = (lesson.path / step.edit.solution).read_text(encoding="utf-8") if step.edit else ""
    for line in solution_lines(lesson, step, solution=solution, edited=edited):
        context.out(line)


def step_reset_command() -> None:
    from kubesim.lessons import progress, runner

    state, lesson = _active()
    _allow(lesson, state=state)
    lp = state.of(lesson.id)
    ws = runner.Workspace.of(lesson)
    if not runner.restore_step_start(ws):
        raise KubesimError(
            f"no copy of step {lp.step}'s start state was kept",
            hint=f"kubesim lesson reset starts lesson {lesson.number} over",
        )
    if lp.step in lp.passed:
        lp.passed.remove(lp.step)
    progress.save(state)
    context.out(
        f"step {lp.step} of lesson {lesson.number} is back at its start: the store and the files "
        f"in {ws.dir} are as they were when it began (steps before it stay done)"
    )
    context.note("a control plane running in another terminal (kubesim up): restart it")
    _begin_step(state, lesson, lp.step)


def next_command() -> None:
    from kubesim.lessons import progress

    state, lesson = _active()
    _allow(lesson, state=state)
    lp = state.of(lesson.id)
    if lp.step not in lp.passed and not _check(state, lesson):
        raise typer.Exit(1)
    state = progress.load()
    if state.active != lesson.id:
        return  # that was the last step: the recap was shown
    _begin_step(state, lesson, lp.step + 1)


def reset_command(
    lesson_id: str = typer.Argument(None, metavar="[ID]", help="Default: the active lesson."),
    trust: bool = TRUST,
) -> None:
    from kubesim.lessons import progress, runner
    from kubesim.lessons.format import find_lesson

    state = progress.load()
    ident = lesson_id or state.active
    if not ident:
        raise KubesimError(
            "no lesson is active: name the lesson to reset, e.g. kubesim lesson reset 1"
        )
    lesson = find_lesson(ident)
    _allow(lesson, trust=trust, state=state, again=f"kubesim lesson reset {lesson.number}")
    ws = runner.Workspace.of(lesson)
    runner.prepare(lesson, ws, run_kubesim)
    state.lessons[lesson.id] = lp = state.of(lesson.id).kept()
    lp.status = "in progress"
    lp.lesson_mark = runner.mark_now(ws).to_json()
    state.active = lesson.id
    progress.save(state)
    context.out(
        f"lesson {lesson.number} is back at its start state (fresh store and files in "
        f"{progress.work_dir(lesson.id)})"
    )
    _begin_step(state, lesson, 1)


def run_command(
    lesson_id: str = typer.Argument(..., metavar="ID"),
    auto: bool = typer.Option(False, "--auto", help="Perform every step and check it."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show every command's output."),
    trust: bool = TRUST,
) -> None:
    from kubesim.lessons import runner
    from kubesim.lessons.format import find_lesson

    if not auto:
        raise UsageError(
            "only --auto is supported: kubesim lesson run ID --auto (to do a "
            "lesson yourself: kubesim lesson start ID)"
        )
    lesson = find_lesson(lesson_id)
    _allow(lesson, trust=trust, again=f"kubesim lesson run {lesson.number} --auto")
    context.out(f"Lesson {lesson.number}: {lesson.title} (auto mode)")

    def on_step(report) -> None:
        mark = "ok" if report.passed else "FAILED"
        context.out(f"step {report.step.number}: {report.step.title}: {mark}")
        if not report.passed:
            for r in report.failures():
                context.out(f"    {r.message}")
        elif verbose and report.step.show is not None:
            draw_show(lesson, report.step, ws, report.mark)

    import tempfile

    with tempfile.TemporaryDirectory(prefix="kubesim-lesson-") as tmp:
        ws = runner.Workspace(Path(tmp) / lesson.id)
        report = runner.run_auto(
            lesson, ws, run_kubesim, on_step=on_step, echo=echo_output if verbose else echo_command
        )
    if not report.passed:
        for p in report.problems:
            context.err(f"error: {p}")
        raise typer.Exit(1)
    context.out(f"all {len(lesson.steps)} steps passed")


def watch_command() -> None:
    from kubesim.lessons.watchmode import watch

    state, lesson = _active()
    _allow(lesson, state=state)
    watch(state, lesson, run=run_kubesim, out=context.out, check=lambda: _check(state, lesson))


def dev_check(trust: bool = TRUST) -> None:
    from kubesim.lessons.format import LessonFormatError, lesson_dirs, load_lesson
    from kubesim.lessons.lint import lint_all

    for path in lesson_dirs():
        try:
            lesson = load_lesson(path)
        except LessonFormatError:
            continue  # lint_all reports it, and runs nothing of it
        _allow(lesson, trust=trust, again="kubesim lesson dev check")
    problems = lint_all(run_kubesim, out=context.out)
    if problems:
        for p in problems:
            context.err(f"error: {p}")
        raise typer.Exit(1)
    context.out("all lessons are fine")
