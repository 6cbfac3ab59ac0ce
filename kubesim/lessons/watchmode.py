"""Watch mode, as rustlings has it: while a step waits for the learner, saving a file in the
lesson's work dir (a manifest, a controller) re-runs the step's check.

If the step lists `watch` commands (say, `kubesim reconcile --controller mirror.py`), they run
first: they are what the learner would type after each save, shown as they run. The store
directory (.kubesim/) is ignored, so the lesson's own writes never trigger it. Stops when the
step passes, or on Ctrl-C. Called by `kubesim lesson watch`; `on_save` is the testable part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kubesim.lessons import runner
from kubesim.lessons.format import Lesson


def relevant(changes: Iterable[tuple[Any, str]], root: Path) -> list[Path]:
    """The changed files the learner cares about (not the store, not editor droppings)."""
    out = []
    for _, raw in changes:
        p = Path(raw)
        try:
            rel = p.resolve().relative_to(root.resolve())
        except ValueError:
            continue
        if rel.parts and (rel.parts[0].startswith(".") or rel.parts[0] == "__pycache__"):
            continue
        if p.name.endswith(("~", ".swp", ".swx", ".tmp")) or p.name.startswith(".#"):
            continue
        out.append(rel)
    return sorted(set(out))


def on_save(
    lesson: Lesson,
    step_number: int,
    ws: runner.Workspace,
    run: runner.CommandRunner,
    out: Callable[[str], None],
    check: Callable[[], bool],
) -> bool:
    """One round: run the step's watch commands, then its check. True when it passes."""
    step = lesson.steps[step_number - 1]
    for command in step.watch:
        result = run(command, ws.dir, ws.store)
        out(f"$ {command}" + (f"   (exit {result.code})" if result.code else ""))
        if result.code and result.stderr.strip():
            out(result.stderr.strip().splitlines()[-1])
    return check()


def watch(
    state: Any,
    lesson: Lesson,
    *,
    run: runner.CommandRunner,
    out: Callable[[str], None],
    check: Callable[[], bool],
    stop_event: Any = None,
) -> bool:
    from watchfiles import watch as watch_files

    ws = runner.Workspace.of(lesson)
    step_number = state.of(lesson.id).step
    out(f"watching {ws.dir} for step {step_number}: save a file to re-check (Ctrl-C stops)")
    if check():
        return True
    try:
        for changes in watch_files(ws.dir, stop_event=stop_event, debounce=300):
            saved = relevant(changes, ws.dir)
            if not saved:
                continue
            out("")
            out("saved: " + ", ".join(str(p) for p in saved))
            if on_save(lesson, step_number, ws, run, out, check):
                return True
    except KeyboardInterrupt:
        pass
    return False
