"""The learner's progress, saved between commands: which lesson is active, which step, what
they predicted (and whether their first answer was right: the prediction score), which hint they
have seen, where each step began (its Mark), and whether they have finished the lesson once (a
finished lesson stays finished when it is opened again for review or reset).

It lives in the learner's state dir, `$KUBESIM_HOME` (default `~/.kubesim`):

    ~/.kubesim/progress.json              this file
    ~/.kubesim/lessons/01-a-command/      a lesson's work dir: its files (the learner edits them)
    ~/.kubesim/lessons/01-a-command/.kubesim/store.db    the lesson's own store

The store sits where kubesim looks by default (./.kubesim/store.db), so every `kubesim ...`
typed inside the work dir uses the lesson's store and nothing else: the learner's own store
elsewhere is never touched. Written atomically (a temporary file, then rename). Called by the
runner and the CLI.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VERSION = 1


def home() -> Path:
    return Path(os.environ.get("KUBESIM_HOME") or Path.home() / ".kubesim")


def work_dir(lesson_id: str) -> Path:
    return home() / "lessons" / lesson_id


def store_file(lesson_id: str) -> Path:
    return work_dir(lesson_id) / ".kubesim" / "store.db"


@dataclass
class LessonProgress:
    status: str = "not started"  # not started | in progress | done
    step: int = 1  # 1-based current step
    passed: list[int] = field(default_factory=list)
    hints: dict[str, int] = field(default_factory=dict)  # step -> hints shown
    predictions: dict[str, int] = field(default_factory=dict)  # step -> chosen option (1-based)
    marks: dict[str, dict[str, int]] = field(default_factory=dict)  # step -> Mark json
    lesson_mark: dict[str, int] = field(default_factory=dict)
    #: finished once: kept when the lesson is opened again for review, or reset
    completed: bool = False
    #: step -> whether the learner's first answer to its prediction was right (never rewritten)
    first_try: dict[str, bool] = field(default_factory=dict)
    #: the fingerprint of a lesson from elsewhere that the learner agreed to run (trust.py)
    trusted: str = ""

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LessonProgress:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        progress = cls(**known)
        if progress.status == "done":  # written before `completed` existed
            progress.completed = True
        return progress

    def kept(self) -> LessonProgress:
        """A fresh start of this lesson (review, reset) that keeps the record: finished or
        not, the first-try prediction answers, and the learner's trust in it."""
        return LessonProgress(
            completed=self.completed, first_try=dict(self.first_try), trusted=self.trusted
        )

    def answer(self, step: int, choice: int, right: int) -> None:
        """Record a prediction answer (1-based `choice`; `right`: the correct option); only
        the first answer of a step counts for the score."""
        self.predictions[str(step)] = choice
        self.first_try.setdefault(str(step), choice == right)

    def score(self) -> tuple[int, int]:
        """(predictions right at first try, predictions answered)."""
        return sum(self.first_try.values()), len(self.first_try)


@dataclass
class Progress:
    active: str | None = None
    lessons: dict[str, LessonProgress] = field(default_factory=dict)

    def of(self, lesson_id: str) -> LessonProgress:
        return self.lessons.setdefault(lesson_id, LessonProgress())

    def score(self) -> tuple[int, int]:
        """(predictions right at first try, predictions answered), over every lesson."""
        scores = [p.score() for p in self.lessons.values()]
        return sum(r for r, _ in scores), sum(n for _, n in scores)


def path() -> Path:
    return home() / "progress.json"


def load() -> Progress:
    try:
        data = json.loads(path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Progress()
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return Progress()
    lessons = {
        k: LessonProgress.from_json(v)
        for k, v in (data.get("lessons") or {}).items()
        if isinstance(v, dict)
    }
    return Progress(active=data.get("active"), lessons=lessons)


def save(progress: Progress) -> None:
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "version": VERSION,
        "active": progress.active,
        "lessons": {k: v.to_json() for k, v in sorted(progress.lessons.items())},
    }
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
