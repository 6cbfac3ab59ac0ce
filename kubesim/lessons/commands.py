"""The command lines a lesson may run (`setup`, `run`, `lesson_runs`, `watch`, `evidence`).

They never reach a shell: the CLI runs each through kubesim's own main(argv), in the lesson's
work dir, against the lesson's store. So a line must be `kubesim VERB ...` split by shlex, with
VERB one of COMMANDS (not `lesson`, `up` or `demo`: a lesson does not drive lessons, nor start
what runs until it is stopped), no `--store` (the lesson's store is the only one it uses), no
shell operator (`;`, `&&`, `|`, `<`, `$(`, backquotes ...), no `-` (standard input: the
learner's terminal), and paths kept in the work dir (confine.py: every argument is checked as a
path could be, so no option can lead out). The one redirection the engine does itself is a last
`> FILE`: stdout written to FILE in the work dir (not in its .kubesim/).

`parse(line)` returns a Command or raises CommandRefused with the reason; format.py calls it when
a lesson is loaded (LessonFormatError naming the field), the CLI again before it runs a line.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from kubesim.lessons import confine
from kubesim.model.errors import KubesimError

#: the kubesim commands a lesson may run
COMMANDS = frozenset(
    {
        "apply",
        "replace",
        "get",
        "describe",
        "delete",
        "scale",
        "label",
        "set",
        "rollout",
        "reconcile",
        "watch",
        "lag",
        "history",
        "replay",
        "why",
        "diff",
        "reset",
        "version",
        "manifests",
    }
)
#: what a shell would act on (longest first, to name it); kubesim runs no shell, so a lesson may
#: not use them
SHELL = ("&&", "||", ">>", "$(", ";", "&", "|", "<", ">", "`", "\n")


class CommandRefused(KubesimError):
    """A lesson command line that kubesim will not run."""


@dataclass(frozen=True)
class Command:
    argv: list[str]  # after "kubesim"
    #: `> FILE`: where stdout goes (a path in the work dir), or None
    stdout_to: str | None = None
    #: the user controllers it loads (`--controller FILE.py`)
    controllers: list[str] = field(default_factory=list)


def parse(line: str) -> Command:
    try:
        words = shlex.split(line)
    except ValueError as e:
        raise CommandRefused(f"cannot split it as a shell would: {e}") from None
    if not words or words[0] != "kubesim":
        raise CommandRefused("a lesson runs only kubesim commands: start the line with kubesim")
    words = words[1:]
    stdout_to = None
    if len(words) >= 2 and words[-2] == ">":
        stdout_to, words = words[-1], words[:-2]
        reason = confine.file_problem(stdout_to)
        if reason:
            raise CommandRefused(f"> {reason}: lesson paths stay in the lesson's work dir")
    for word in words:
        used = next((s for s in SHELL if s in word), None)
        if used is not None:
            raise CommandRefused(
                f"{used.strip() or 'a newline'!r} is a shell operator, and lesson commands run "
                "without a shell (only a last `> FILE` is supported)"
            )
    if not words or words[0].startswith("-"):
        if any(w == "--store" or w.startswith("--store=") for w in words):
            raise CommandRefused("--store is not allowed: a lesson uses its own store")
        raise CommandRefused("name a kubesim command after kubesim")
    if words[0] not in COMMANDS:
        raise CommandRefused(f"kubesim {words[0]} is not a command a lesson may run")
    controllers = []
    for i, word in enumerate(words[1:], start=1):
        if word == "-":
            raise CommandRefused("- (standard input) is not read: a lesson command reads files")
        name, eq, value = word.partition("=")
        if name == "--store":
            raise CommandRefused("--store is not allowed: a lesson uses its own store")
        for candidate in _values(word):
            if candidate:
                _path(candidate)
        if name == "--controller":
            if eq:
                controllers.append(value)
            elif i + 1 < len(words):
                controllers.append(words[i + 1])
    return Command(words, stdout_to, controllers)


def _values(word: str) -> list[str]:
    """What in an argument could be a path: the word, what follows `=`, and what follows a
    short option written without a space (`-fweb.yaml`)."""
    out = [word]
    if "=" in word:
        out.append(word.split("=", 1)[1])
    if len(word) > 2 and word[0] == "-" and word[1] != "-":
        out.append(word[2:])
    return out


def _path(value: str) -> None:
    reason = confine.problem(value)
    if reason:
        raise CommandRefused(f"{reason}: lesson paths stay in the lesson's work dir")
