"""A lesson's screens as plain text lines for an 80-column terminal without colour.

Pure functions of the lesson, the step and the learner's progress: the step screen (text,
prediction, what to do, where to work), the result of a check (pass with the reveal, or which
step failed with the first hint), hints, a step's solution, the recap with the prediction score,
and the lesson list with the learner's progress. Used by the CLI and watch mode.
"""

from __future__ import annotations

from typing import Any

from kubesim.lessons.format import Lesson, Step
from kubesim.lessons.runner import StepReport

WIDTH = 78


def rule(title: str = "") -> str:
    if not title:
        return "-" * WIDTH
    return f"-- {title} " + "-" * max(3, WIDTH - len(title) - 4)


def step_screen(
    lesson: Lesson, step: Step, *, workdir: str, answered: int | None, ask: bool = False
) -> list[str]:
    lines = [
        rule(f"Lesson {lesson.number}: {lesson.title}"),
        f"Step {step.number} of {len(lesson.steps)}: {step.title}",
        f"Work in: {workdir}",
        "",
    ]
    lines += step.text.rstrip().splitlines()
    if step.predict:
        lines += ["", f"Predict: {step.predict.question}"]
        for i, option in enumerate(step.predict.options, 1):
            lines.append(f"  {step.predict.letter(i)}) {option}")
        if answered:
            lines.append(f"  (you chose {step.predict.letter(answered)})")
        elif not ask:
            lines.append("  Answer before you act: kubesim lesson answer a|b|...")
    lines.append("")
    if step.lesson_runs:
        lines.append("The lesson does this for you (no kubectl command can):")
        lines += [f"  $ {c}" for c in step.lesson_runs]
    if step.edit:
        lines.append(f"Edit {step.edit.file} (in the directory above)")
        lines.append("  (kubesim lesson watch re-checks each time you save it)")
    if step.run:
        lines.append("Type:")
        lines += [f"  $ {c}" for c in step.run]
    lines += [
        "",
        "Then: kubesim lesson check      Stuck? kubesim lesson hint",
        "Undo this step: kubesim lesson step reset   Solution: kubesim lesson solution",
    ]
    return lines


def check_lines(report: StepReport, *, total: int) -> list[str]:
    step = report.step
    if report.passed:
        lines = [f"PASSED  step {step.number} of {total}: {step.title}"]
        lines += [f"  ok   {r.message}" for r in report.results]
        return lines
    lines = [f"NOT YET  step {step.number} of {total}: {step.title}"]
    for r in report.results:
        lines.append(f"  {'ok ' if r.passed else 'no '}  {r.message}")
    if step.hints:
        lines += ["", f"Hint 1 of {len(step.hints)}: {step.hints[0]}"]
    return lines


def reveal_lines(step: Step, chosen: int | None) -> list[str]:
    p = step.predict
    if p is None:
        return []
    right = f"{p.letter(p.answer)}) {p.options[p.answer - 1]}"
    if chosen is None:
        head = f"The answer: {right}"
    elif chosen == p.answer:
        head = f"You predicted {p.letter(chosen)}: right. {right}"
    else:
        head = f"You predicted {p.letter(chosen)}: not quite. The answer: {right}"
    lines = ["", head]
    if p.explain:
        lines += p.explain.splitlines()
    return lines


def hint_lines(step: Step, shown: int) -> list[str]:
    """The next hint (1-based `shown` after this one); the last one repeats."""
    n = min(shown, len(step.hints))
    lines = [f"Hint {n} of {len(step.hints)}: {step.hints[n - 1]}"]
    if n == len(step.hints):
        lines.append("(that is the last hint)")
    return lines


def score_line(right: int, answered: int, asked: int) -> str:
    """`Predictions: 2 of 3 right at first try` (with how many were skipped)."""
    line = f"Predictions: {right} of {answered} right at first try"
    if asked > answered:
        line += f" ({asked - answered} not answered)"
    return line


def recap_lines(
    lesson: Lesson, next_lesson: Lesson | None, score: tuple[int, int] = (0, 0)
) -> list[str]:
    """The recap; `score`: the learner's (right at first try, answered) predictions."""
    lines = ["", rule(f"Lesson {lesson.number} done: recap")]
    lines += [f"- {b}" for b in lesson.recap]
    lines += ["", "On a real cluster: " + lesson.real_cluster, ""]
    if lesson.real_tools:
        lines += ["With real tools (optional):", *lesson.real_tools.splitlines(), ""]
    asked = sum(1 for s in lesson.steps if s.predict)
    if asked:
        lines += [score_line(*score, asked), ""]
    if next_lesson:
        lines.append(f"Next: kubesim lesson start {next_lesson.number}   ({next_lesson.title})")
    else:
        lines.append("That was the last lesson. kubesim lesson list shows them all.")
    return lines


def solution_lines(lesson: Lesson, step: Step, *, solution: str, edited: str | None) -> list[str]:
    """A step's solution, marked as one and not run: the commands it types (and those the lesson
    runs), and for an edit the change from the learner's file (`edited`, None if it is
    missing) to the `solution` file's text, or the whole file when there is nothing to compare."""
    import difflib

    lines = [rule(f"Solution: lesson {lesson.number}, step {step.number} (nothing is run)")]
    if step.edit is not None:
        name = step.edit.file
        if edited is None:
            lines.append(f"Create {name} with:")
            lines += ["  " + line for line in solution.rstrip("\n").splitlines()]
        elif edited == solution:
            lines.append(f"{name} already matches the solution.")
        else:
            lines.append(f"Change {name} like this (- your file, + the solution):")
            diff = difflib.unified_diff(
                edited.splitlines(),
                solution.splitlines(),
                f"{name} (yours)",
                f"{name} (solution)",
                lineterm="",
            )
            lines += ["  " + line for line in diff]
    if step.lesson_runs:
        lines.append("The lesson runs (done for you when the step began):")
        lines += [f"  $ {c}" for c in step.lesson_runs]
    if step.run:
        lines.append("Then type:" if step.edit else "Type:")
        lines += [f"  $ {c}" for c in step.run]
    lines += [rule(), "Then: kubesim lesson check"]
    return lines


def list_lines(lessons: list[Lesson], state: Any) -> list[str]:
    """`lesson list`: each lesson with its status, then the learner's progress (N/13 finished)
    and prediction score over every lesson (each lesson's is in its recap and in `-o json`).
    `state`: the saved Progress."""
    from kubesim.view.table_text import align_rows

    rows = [["ID", "STATUS", "TITLE"]]
    finished = 0
    for x in lessons:
        lp = state.lessons.get(x.id)
        status = lp.status if lp else "not started"
        if lp and lp.status == "in progress":
            status = f"step {lp.step}/{len(x.steps)}"
            if lp.completed:
                status = f"review {lp.step}/{len(x.steps)}"
        finished += bool(lp and lp.completed)
        rows.append([str(x.number), status, x.title])
    lines = align_rows(rows).rstrip("\n").splitlines()
    right, answered = state.score()
    lines += ["", f"Progress: {finished}/{len(lessons)} lessons finished"]
    if answered:
        lines[-1] += f"; predictions right at first try: {right} of {answered}"
    return lines


def wrap(lines: list[str], width: int = WIDTH) -> list[str]:
    """Wrap long lines at `width`, keeping each line's indent (commands `$ ...` and the `Work in:`
    path are kept whole: a learner copies them)."""
    import textwrap

    out: list[str] = []
    for line in lines:
        stripped = line.lstrip()
        if len(line) <= width or stripped.startswith(("$ ", "Work in: ")):
            out.append(line)
            continue
        indent = line[: len(line) - len(stripped)]
        bullet = "  " if stripped[:2] in ("- ", "* ") else ""
        if stripped[:5] in ("ok   ", "no   "):
            bullet = "     "
        out += textwrap.wrap(
            stripped,
            width,
            initial_indent=indent,
            subsequent_indent=indent + bullet,
            break_on_hyphens=False,
            break_long_words=False,
        )
    return out
