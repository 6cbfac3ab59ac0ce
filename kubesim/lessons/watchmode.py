"""Watch mode, as rustlings has it: while a step waits for the learner, saving a file in the
lesson's work dir (a manifest, a controller) or a command that writes to the lesson's store (a
`kubesim apply` typed in another terminal) re-runs the step's check.

On a save, the step's `watch` commands (say, `kubesim reconcile --controller mirror.py`) run
first: they are what the learner would type after each save, shown as they run. If a user
controller raised while they ran, its error is shown with the line of the learner's file it came
from (`mirror.py:12: KeyError: 'name'`, then that line), read from the reconcile entries of the
journal. A commit to the lesson's store (its change notifier, `Store.changes`) re-runs only the
check, and only when the store's revision or journal moved: the check's own reads, and the
writes of the watch commands just run, do not trigger another round. Editor droppings and the
rest of .kubesim/ are ignored. Stops when the step passes, or on Ctrl-C. Called by `kubesim
lesson watch`; `relevant`, `on_save`, `on_store_change` and `controller_errors` are the testable
parts, and `watch` runs on its own with a `stop_event`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kubesim.lessons import confine, runner
from kubesim.lessons.checks import Mark
from kubesim.lessons.format import Lesson

#: how a user controller's error names its file (kubesim/controllers/user.py)
_WHERE = re.compile(r"^error: (?P<file>[^:\s]+\.py):(?P<line>\d+): (?P<error>.*)$")


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


def controller_errors(ws: runner.Workspace, since: Mark) -> list[str]:
    """The distinct errors user controllers raised since `since`, each with the line of the
    learner's file it came from: `mirror.py:12: KeyError: 'name'` and `    12 | the line`."""
    store, _ = runner.open_lesson_store(ws)
    try:
        entries = store.journal(types=["reconcile"], since_seq=since.seq)
    finally:
        store.close()
    out: list[str] = []
    for e in entries:
        m = _WHERE.match(e.outcome)
        if m is None:
            continue
        head = f"{e.actor}: {m['file']}:{m['line']}: {m['error']}"
        if head in out:
            continue
        out.append(head)
        try:
            source = confine.inside(ws.dir, m["file"])
            line = source.read_text(encoding="utf-8").splitlines()[int(m["line"]) - 1]
        except (confine.PathEscape, OSError, IndexError, UnicodeDecodeError):
            continue
        out.append(f"  {m['line']:>4} | {line.rstrip()}")
    return out


def on_save(
    lesson: Lesson,
    step_number: int,
    ws: runner.Workspace,
    run: runner.CommandRunner,
    out: Callable[[str], None],
    check: Callable[[], bool],
) -> bool:
    """One round after a save: run the step's watch commands (showing a user controller's
    errors), then its check. True when it passes."""
    step = lesson.steps[step_number - 1]
    before = runner.mark_now(ws)
    for command in step.watch:
        result = run(command, ws.dir, ws.store)
        out(f"$ {command}" + (f"   (exit {result.code})" if result.code else ""))
        if result.code and result.stderr.strip():
            out(result.stderr.strip().splitlines()[-1])
    if step.watch:
        errors = controller_errors(ws, before)
        if errors:
            out("your controller raised an exception (it is retried with back-off):")
            for line in errors:
                out(line)
    return check()


def on_store_change(
    ws: runner.Workspace, seen: Mark, out: Callable[[str], None], check: Callable[[], bool]
) -> tuple[Mark, bool | None]:
    """One round after the store changed: (the store's mark now, the check's result), or
    (seen, None) when nothing was written since `seen` (a read, a checkpoint)."""
    now = runner.mark_now(ws)
    if now == seen:
        return seen, None
    out("")
    out(f"the store changed (revision {now.revision}): checking again")
    return now, check()


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
    out(f"watching {ws.dir} for step {step_number}")
    out("save a file there or run a command to re-check (Ctrl-C stops)")
    if check():
        return True
    seen = runner.mark_now(ws)
    store, _ = runner.open_lesson_store(ws)
    notifier = store.changes()
    notifier.start()
    try:
        # the timeout yields let a commit seen by the notifier alone start a round too
        for changes in watch_files(
            ws.dir, stop_event=stop_event, debounce=300, rust_timeout=200, yield_on_timeout=True
        ):
            saved = relevant(changes, ws.dir)
            if saved:
                out("")
                out("saved: " + ", ".join(str(p) for p in saved))
                passed = on_save(lesson, step_number, ws, run, out, check)
                notifier.changed.clear()  # the watch commands' own writes
                seen = runner.mark_now(ws)
            elif notifier.changed.is_set():
                notifier.changed.clear()
                seen, result = on_store_change(ws, seen, out, check)
                passed = bool(result)
            else:
                continue
            if passed:
                return True
    except KeyboardInterrupt:
        pass
    finally:
        notifier.stop()
        store.close()
    return False
