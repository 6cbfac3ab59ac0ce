"""A lesson's screens as plain text lines for an 80-column terminal without colour.

Pure functions of the lesson, the step and the learner's progress: the step screen (text,
prediction, what to do), the result of a check (pass with the reveal, or which step failed with
the first hint), hints, and the recap. Used by the CLI and watch mode.
"""

from __future__ import annotations

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
        lines.append(f"Edit {step.edit.file} in {workdir}")
        lines.append("  (kubesim lesson watch re-checks each time you save it)")
    if step.run:
        lines.append("Type" + (" (in that directory):" if step.edit else ":"))
        lines += [f"  $ {c}" for c in step.run]
    lines += ["", "Then: kubesim lesson check      Stuck? kubesim lesson hint"]
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


def recap_lines(lesson: Lesson, next_lesson: Lesson | None) -> list[str]:
    lines = ["", rule(f"Lesson {lesson.number} done: recap")]
    lines += [f"- {b}" for b in lesson.recap]
    lines += ["", "On a real cluster: " + lesson.real_cluster, ""]
    if next_lesson:
        lines.append(f"Next: kubesim lesson start {next_lesson.number}   ({next_lesson.title})")
    else:
        lines.append("That was the last lesson. kubesim lesson list shows them all.")
    return lines


def wrap(lines: list[str], width: int = WIDTH) -> list[str]:
    """Wrap long lines at `width`, keeping each line's indent (commands `$ ...` are kept whole:
    a learner copies them)."""
    import textwrap

    out: list[str] = []
    for line in lines:
        stripped = line.lstrip()
        if len(line) <= width or stripped.startswith("$ "):
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
