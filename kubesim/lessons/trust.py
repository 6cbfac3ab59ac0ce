"""Whether kubesim may run a lesson's commands and controllers without asking.

The lessons shipped with kubesim are trusted. A lesson from elsewhere ($KUBESIM_LESSONS_DIR) is
not: before it runs any command or loads any controller (Python code, run with the learner's
rights), the CLI shows `plan(lesson)` (every command line and controller file it may run) and
asks; without a terminal, in auto mode or under CI it refuses unless `--trust` or
KUBESIM_TRUST_LESSONS=1 says yes. A yes is remembered in the learner's progress as the lesson's
`fingerprint` (a digest of every file in its folder), so the next command of the same lesson
does not ask again, and a lesson changed since then asks again. Called by kubesim/cli/lesson.py.
"""

from __future__ import annotations

import hashlib
import os

from kubesim.lessons.commands import parse
from kubesim.lessons.format import Lesson

#: set to 1 to trust every lesson, as `--trust` does (CI running its own lessons)
ENV = "KUBESIM_TRUST_LESSONS"


def bundled(lesson: Lesson) -> bool:
    """Shipped with kubesim (not from $KUBESIM_LESSONS_DIR elsewhere)."""
    from kubesim.data import lessons_dir

    shipped = lessons_dir().resolve()
    return lesson.path.resolve().parent == shipped


def trusted_by_env() -> bool:
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes")


def commands(lesson: Lesson) -> list[str]:
    """Every command line the lesson may run, in order, each once (auto mode runs `run` too)."""
    lines = list(lesson.setup)
    for step in lesson.steps:
        lines += [*step.lesson_runs, *step.run, *step.watch, *step.evidence]
    return list(dict.fromkeys(lines))


def controllers(lesson: Lesson) -> list[str]:
    """The controller files (Python) its commands load, each once."""
    found = [c for line in commands(lesson) for c in parse(line).controllers]
    return list(dict.fromkeys(found))


def plan(lesson: Lesson) -> list[str]:
    """What the lesson will run, as lines to show before asking."""
    lines = [
        f"lesson {lesson.id} is not one of kubesim's own: it comes from {lesson.path.parent}",
        "it runs these commands (in its work dir, against its own store):",
    ]
    lines += [f"  {c}" for c in commands(lesson)]
    found = controllers(lesson)
    if found:
        lines.append("and loads these controllers (Python code, run with your rights):")
        solutions = [s.edit.solution for s in lesson.steps if s.edit and s.edit.file in found]
        lines += [f"  {lesson.path / c}" for c in [*found, *dict.fromkeys(solutions)]]
    return lines


def fingerprint(lesson: Lesson) -> str:
    """A digest of every file in the lesson's folder (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in lesson.path.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(lesson.path).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
