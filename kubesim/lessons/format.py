"""The lesson format: `lessons/NN-slug/lesson.yaml`, loaded into plain dataclasses.

Content is data: the engine holds no lesson text. A lesson.yaml (format 1) holds:

    format: 1
    title: Why does `get pods` show nothing right after apply?
    files: [web.yaml]                 # copied into the lesson's work dir (default: all but
                                      # lesson.yaml and solutions/)
    setup: [kubesim apply -f web.yaml -q]   # run by the lesson before step 1, quietly
    steps:
      - title: Send a command
        text: |                       # short markdown, at most ~8 lines
          ...
        predict:                      # optional: asked before the action, revealed after
          question: What does `kubesim get pods` print now?
          options: [three pods, no pods]
          answer: 2                   # 1-based
          explain: ...
        run: [kubesim apply -f web.yaml]    # the learner types these (auto mode runs them)
        lesson_runs: [kubesim reconcile ...] # or: the lesson performs these itself
        edit: {file: mirror.py, solution: solutions/mirror.py}  # or: the learner edits a file
        watch: [kubesim reconcile ...]       # what watch mode runs when a file is saved
        check: [{object: {kind: Deployment, name: web}}]   # see checks.py
        evidence: [kubesim history --since 3]  # read-only commands shown once the check passes
        show: view                    # once the check passes: the four-stage view (see below)
        hints: [a nudge, the concept, the exact command]
    recap: [three to five bullets]
    real_cluster: one pointer to where the same thing shows up on a real cluster
    real_tools: |                     # optional: the same idea with the tools used at work
      ...                             # (kubectl, kopf against `kubesim serve`), not graded

`show` puts the idea on screen at the moment it matters: once the step's check passes (and in
`lesson run --auto --verbose`, after the step's action), the lesson draws one frame of the
four-stage view (Command | Event | Projection | Staleness) from the lesson's store and journal,
as `kubesim replay` would show it at that revision; plain text when stdout is not a terminal.

    show: view                        # the frame now (the store's current revision)
    show: {replay: step}              # the frame when this step began
    show: {replay: command}           # the frame just after the revision of the learner's last
                                      # command in this step (before the controllers caught up)
    show: {replay: 12, caption: ...}  # the frame at revision 12; `caption`: a title line (and
                                      # text) drawn above the panels

`load_lesson(path)` raises LessonFormatError naming the file and the field; `load_all()` reads
every lesson folder of the lessons root (the package's lessons, or $KUBESIM_LESSONS_DIR).
Called by the runner, the CLI (`kubesim lesson ...`) and the linter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubesim.model.errors import KubesimError

FORMAT_VERSION = 1
LESSON_FILE = "lesson.yaml"
SOLUTIONS = "solutions"


class LessonFormatError(KubesimError):
    """A lesson.yaml that the engine cannot use."""


@dataclass
class Prediction:
    question: str
    options: list[str]
    answer: int  # 1-based
    explain: str = ""

    def letter(self, n: int) -> str:
        return "abcd"[n - 1]


@dataclass
class Edit:
    file: str
    solution: str


#: the moments `show: {replay: ...}` names instead of a revision number
SHOW_MOMENTS = ("step", "command")


@dataclass
class Show:
    """A frame of the four-stage view to draw once the step's check passes: at `replay` (a
    revision, or one of SHOW_MOMENTS), or now when `replay` is None."""

    replay: int | str | None = None
    caption: str = ""


@dataclass
class Step:
    number: int  # 1-based
    title: str
    text: str
    check: list[dict[str, Any]]
    hints: list[str]
    predict: Prediction | None = None
    run: list[str] = field(default_factory=list)
    lesson_runs: list[str] = field(default_factory=list)
    edit: Edit | None = None
    watch: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    show: Show | None = None

    def auto_commands(self) -> list[str]:
        """What auto mode performs for this step, in order (an edit comes before `run`)."""
        return [*self.lesson_runs, *self.run]


@dataclass
class Lesson:
    id: str  # the folder name, e.g. "01-a-command"
    number: int
    title: str
    path: Path
    steps: list[Step]
    recap: list[str]
    real_cluster: str
    files: list[str]
    setup: list[str] = field(default_factory=list)
    #: an optional passage after the recap: trying the idea with real tools (not graded)
    real_tools: str = ""

    @property
    def slug(self) -> str:
        return self.id.split("-", 1)[1] if "-" in self.id else self.id


def lessons_root() -> Path:
    """$KUBESIM_LESSONS_DIR (tests, lesson authors), else the lessons shipped with kubesim."""
    override = os.environ.get("KUBESIM_LESSONS_DIR")
    if override:
        return Path(override)
    from kubesim.data import lessons_dir

    return lessons_dir()


def lesson_dirs(root: Path | None = None) -> list[Path]:
    root = root or lessons_root()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / LESSON_FILE).is_file())


def load_all(root: Path | None = None) -> list[Lesson]:
    return [load_lesson(p) for p in lesson_dirs(root)]


def find_lesson(ident: str, root: Path | None = None) -> Lesson:
    """A lesson by number (`1`, `01`), folder name (`01-a-command`) or slug (`a-command`)."""
    dirs = lesson_dirs(root)
    for p in dirs:
        number, _, slug = p.name.partition("-")
        if ident in (p.name, slug) or (
            ident.isdigit() and number.isdigit() and int(ident) == int(number)
        ):
            return load_lesson(p)
    known = ", ".join(p.name for p in dirs) or "none"
    raise KubesimError(f'no lesson "{ident}"', hint=f"lessons: {known} (kubesim lesson list)")


def load_lesson(path: Path) -> Lesson:
    import yaml

    source = path / LESSON_FILE
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except Exception as e:  # noqa: BLE001 - any YAML or I/O error becomes one line
        raise LessonFormatError(f"{source}: cannot read: {e}") from None
    where = str(source)
    if not isinstance(data, dict):
        raise LessonFormatError(f"{where}: expected a mapping at the top level")
    version = data.get("format")
    if version != FORMAT_VERSION:
        raise LessonFormatError(
            f"{where}: format {version!r} is not supported (this kubesim reads format "
            f"{FORMAT_VERSION})",
            hint="upgrade kubesim, or rewrite the lesson for this format",
        )
    number, _, _ = path.name.partition("-")
    if not number.isdigit():
        raise LessonFormatError(f"{where}: the folder name must start with a number (NN-slug)")
    raw_steps = _list(data, "steps", where, dict)
    if not raw_steps:
        raise LessonFormatError(f"{where}: a lesson needs at least one step")
    steps = [_step(s, i + 1, where) for i, s in enumerate(raw_steps)]
    files = _list(data, "files", where, str) if "files" in data else _default_files(path)
    lesson = Lesson(
        id=path.name,
        number=int(number),
        title=_str(data, "title", where),
        path=path,
        steps=steps,
        recap=_list(data, "recap", where, str),
        real_cluster=_str(data, "real_cluster", where),
        files=files,
        setup=_list(data, "setup", where, str),
        real_tools=_str(data, "real_tools", where) if "real_tools" in data else "",
    )
    _confine(lesson, where)
    return lesson


def _confine(lesson: Lesson, where: str) -> None:
    """Every path stays in the lesson's folder (what it copies) or its work dir (what it
    writes); every command is one kubesim may run (commands.py). Checked before anything is
    copied or run, so a lesson that breaks either is refused whole."""
    from kubesim.lessons import confine
    from kubesim.lessons.commands import CommandRefused, parse

    def path(at: str, field_name: str, value: str, tree: bool = False) -> None:
        try:
            reason = None if field_name == "edit.solution" else confine.file_problem(value)
            if reason:
                raise confine.PathEscape(reason)
            (confine.tree if tree else confine.inside)(lesson.path, value)
        except confine.PathEscape as e:
            raise LessonFormatError(
                f"{at}: {field_name}: {e}: lesson paths stay inside the lesson"
            ) from None

    def command(at: str, field_name: str, line: str) -> None:
        try:
            parse(line)
        except CommandRefused as e:
            raise LessonFormatError(f"{at}: {field_name}: `{line}`: {e}") from None

    for name in lesson.files:
        path(where, "files", name, tree=True)
    for line in lesson.setup:
        command(where, "setup", line)
    for step in lesson.steps:
        at = f"{where}: step {step.number}"
        if step.edit is not None:
            path(at, "edit.file", step.edit.file)
            path(at, "edit.solution", step.edit.solution)
        for field_name in ("run", "lesson_runs", "watch", "evidence"):
            for line in getattr(step, field_name):
                command(at, field_name, line)


def _default_files(path: Path) -> list[str]:
    return sorted(
        p.name
        for p in path.iterdir()
        if p.is_file() and p.name != LESSON_FILE and not p.name.startswith(".")
    )


def _step(data: Any, number: int, where: str) -> Step:
    where = f"{where}: step {number}"
    if not isinstance(data, dict):
        raise LessonFormatError(f"{where}: expected a mapping")
    known = {
        "title",
        "text",
        "predict",
        "run",
        "lesson_runs",
        "edit",
        "watch",
        "check",
        "evidence",
        "hints",
        "show",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise LessonFormatError(f"{where}: unknown field {unknown[0]!r}")
    check = data.get("check") or []
    if isinstance(check, dict):
        check = [check]
    if not isinstance(check, list) or not all(isinstance(c, dict) and len(c) == 1 for c in check):
        raise LessonFormatError(f"{where}: check must be a list of one-key mappings")
    predict = None
    if data.get("predict") is not None:
        p = data["predict"]
        if not isinstance(p, dict):
            raise LessonFormatError(f"{where}: predict must be a mapping")
        predict = Prediction(
            question=_str(p, "question", where + ": predict"),
            options=_list(p, "options", where + ": predict", str),
            answer=int(p.get("answer") or 0),
            explain=str(p.get("explain") or "").strip(),
        )
    edit = None
    if data.get("edit") is not None:
        e = data["edit"]
        if not isinstance(e, dict) or not e.get("file") or not e.get("solution"):
            raise LessonFormatError(f"{where}: edit needs file and solution")
        edit = Edit(str(e["file"]), str(e["solution"]))
    return Step(
        number=number,
        title=_str(data, "title", where),
        text=_str(data, "text", where),
        check=check,
        hints=_list(data, "hints", where, str),
        predict=predict,
        run=_list(data, "run", where, str),
        lesson_runs=_list(data, "lesson_runs", where, str),
        edit=edit,
        watch=_list(data, "watch", where, str),
        evidence=_list(data, "evidence", where, str),
        show=_show(data.get("show"), where) if "show" in data else None,
    )


def _show(data: Any, where: str) -> Show:
    """`show: view` or `show: {replay: REV|step|command, caption: TEXT}`."""
    where = f"{where}: show"
    if data == "view":
        return Show()
    if not isinstance(data, dict) or not set(data) <= {"replay", "caption"} or "replay" not in data:
        raise LessonFormatError(
            f"{where}: expected `view` or {{replay: REVISION|step|command, caption: TEXT}}"
        )
    replay = data["replay"]
    if isinstance(replay, bool) or not (
        (isinstance(replay, int) and replay >= 1) or replay in SHOW_MOMENTS
    ):
        raise LessonFormatError(
            f"{where}: replay must be a revision (1 or more), step or command, not {replay!r}"
        )
    caption = data.get("caption", "")
    if not isinstance(caption, str):
        raise LessonFormatError(f"{where}: caption must be a string")
    return Show(replay, caption.strip())


def _str(data: dict, key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LessonFormatError(f"{where}: {key} must be a non-empty string")
    return value.strip()


def _list(data: dict, key: str, where: str, item: type) -> list:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, item):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, item) for v in value):
        raise LessonFormatError(f"{where}: {key} must be a list of {item.__name__}")
    return [v.strip() if isinstance(v, str) else v for v in value]
