"""Lessons from elsewhere ($KUBESIM_LESSONS_DIR) are untrusted: every escape is refused.

Each case takes a small working lesson (a ConfigMap, a controller to fix), changes one field so
that it reaches out of the lesson (an absolute path, `..`, a symlink out, a command that is not
kubesim or uses a shell operator, ...) and runs it with `--trust`, in auto mode and with
`lesson start`: the lesson must be refused at load time with one line naming its lesson.yaml
and the field, exit 1, and nothing written anywhere (the whole test directory, the learner's
home included, is the same before and after). The unchanged lesson passes, so each refusal is
the change's doing. Then the trust gate: a lesson that is not kubesim's own runs no command and
loads no controller (its controller writes a marker when imported) until --trust,
KUBESIM_TRUST_LESSONS=1 or a yes on a terminal says so, and says first what it will run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

FIXTURE = Path(__file__).parent.parent / "lessons" / "fixtures" / "03-third"
#: what the lesson's controllers write when Python imports them (set per test)
MARKER_CODE = (
    "import os, pathlib\n"
    "if os.environ.get('SEC_MARKER'):\n"
    "    pathlib.Path(os.environ['SEC_MARKER']).write_text('controller ran')\n"
)
#: a file at the filesystem root that an escaping edit.file would create (the audit's case)
ROOT_TARGET = Path("/kubesim-sec-test-pwned.py")


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A lessons dir with 01-evil (a copy of the controller fixture lesson), a secret outside
    it, a private KUBESIM_HOME, and the marker path the controller writes when loaded."""
    root = tmp_path / "lessons"
    lesson = root / "01-evil"
    shutil.copytree(FIXTURE, lesson)
    for name in ("labeler.py", "solutions/labeler.py"):
        (lesson / name).write_text(MARKER_CODE + (lesson / name).read_text())
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\ndata: {k: secret}\n"
    )
    (outside / "evil.py").write_text(MARKER_CODE + 'WATCHES = ["ConfigMap"]\n')
    monkeypatch.setenv("KUBESIM_LESSONS_DIR", str(root))
    monkeypatch.setenv("KUBESIM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SEC_MARKER", str(tmp_path / "marker"))
    monkeypatch.delenv("KUBESIM_STORE", raising=False)
    monkeypatch.delenv("KUBESIM_TRUST_LESSONS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lesson_yaml(tmp: Path) -> Path:
    return tmp / "lessons" / "01-evil" / "lesson.yaml"


def edit_lesson(tmp: Path, change) -> None:
    path = lesson_yaml(tmp)
    data = yaml.safe_load(path.read_text())
    change(data, path.parent, tmp / "outside")
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def snapshot(tmp: Path) -> dict[str, bytes]:
    """Every file under the test directory (not following symlinks) and its bytes."""
    return {
        str(p.relative_to(tmp)): (b"->" + str(p.readlink()).encode())
        if p.is_symlink()
        else p.read_bytes()
        for p in tmp.rglob("*")
        if p.is_symlink() or p.is_file()
    }


# ------------------------------------------------------------------------------- the escapes
def _set(step: int, field: str, value):
    def change(data, lesson, outside):
        data["steps"][step - 1][field] = value(outside) if callable(value) else value

    return change


def _setup(line):
    def change(data, lesson, outside):
        data["setup"] = [line(outside) if callable(line) else line]

    return change


def _files(value):
    def change(data, lesson, outside):
        data["files"] = [*data["files"], value(outside) if callable(value) else value]

    return change


def _symlink_file(data, lesson, outside):
    (lesson / "config.yaml").symlink_to(outside / "secret.yaml")
    data["files"] = [*data["files"], "config.yaml"]


def _symlink_default_file(data, lesson, outside):
    (lesson / "config.yaml").symlink_to(outside / "secret.yaml")
    del data["files"]  # the default: every file in the lesson's folder


def _symlink_in_folder(data, lesson, outside):
    (lesson / "shop").mkdir()
    (lesson / "shop" / "ok.yaml").write_text((lesson / "settings.yaml").read_text())
    (lesson / "shop" / "config.yaml").symlink_to(outside / "secret.yaml")
    data["files"] = [*data["files"], "shop"]


def _symlinked_folder(data, lesson, outside):
    (lesson / "shop").symlink_to(outside, target_is_directory=True)
    data["files"] = [*data["files"], "shop"]


def _symlinked_solutions(data, lesson, outside):
    shutil.rmtree(lesson / "solutions")
    (lesson / "solutions").symlink_to(outside, target_is_directory=True)
    data["steps"][1]["edit"] = {"file": "labeler.py", "solution": "solutions/evil.py"}


def _edit(file=None, solution=None):
    def change(data, lesson, outside):
        edit = data["steps"][1]["edit"]
        if file is not None:
            edit["file"] = file(outside) if callable(file) else file
        if solution is not None:
            edit["solution"] = solution(outside) if callable(solution) else solution

    return change


ESCAPES = {
    # name: (change, the field the error names, words it says)
    "files: absolute": (_files(lambda o: str(o / "secret.yaml")), "files", "absolute"),
    "files: ..": (_files("../../outside/secret.yaml"), "files", "goes up with .."),
    "files: symlink out": (_symlink_file, "files", "symlink"),
    "files (default): symlink out": (_symlink_default_file, "files", "symlink"),
    "files: folder with a symlink out": (_symlink_in_folder, "files", "symlink"),
    "files: folder that is a symlink out": (_symlinked_folder, "files", "symlink"),
    "edit.file absolute": (_edit(file=lambda o: str(o / "pwned.py")), "edit.file", "absolute"),
    "edit.file at the filesystem root": (_edit(file=str(ROOT_TARGET)), "edit.file", "absolute"),
    "edit.file ..": (_edit(file="../../outside/pwned.py"), "edit.file", ".."),
    "edit.solution absolute": (
        _edit(solution=lambda o: str(o / "evil.py")),
        "edit.solution",
        "absolute",
    ),
    "edit.solution ..": (_edit(solution="../../outside/evil.py"), "edit.solution", ".."),
    "edit.solution through a symlinked solutions/": (
        _symlinked_solutions,
        "edit.solution",
        "symlink",
    ),
    "setup: not kubesim": (_setup("touch pwned"), "setup", "only kubesim commands"),
    "setup: python": (_setup('python -c \'open("pwned", "w")\''), "setup", "only kubesim"),
    "setup: ;": (_setup("kubesim get pods; touch pwned"), "setup", "';'"),
    "setup: && (glued)": (_setup("kubesim get pods&&touch pwned"), "setup", "'&&'"),
    "setup: |": (_setup("kubesim get pods | tee pwned"), "setup", "'|'"),
    "setup: $( )": (_setup("kubesim get $(touch pwned)"), "setup", "'$('"),
    "setup: backquotes": (_setup("kubesim get `touch pwned`"), "setup", "'`'"),
    "setup: <": (_setup("kubesim apply -f - < /etc/passwd"), "setup", "'<'"),
    "setup: >> append": (_setup("kubesim get pods >> pwned"), "setup", "'>>'"),
    "setup: unbalanced quote": (_setup("kubesim get 'pods"), "setup", "cannot split"),
    "setup: --store elsewhere": (
        _setup(lambda o: f"kubesim --store {o / 'other.db'} get pods"),
        "setup",
        "--store",
    ),
    "setup: --store= after the verb": (
        _setup(lambda o: f"kubesim reset --store={o / 'other.db'}"),
        "setup",
        "--store",
    ),
    "setup: kubesim lesson": (_setup("kubesim lesson start 1"), "setup", "kubesim lesson"),
    "setup: kubesim up": (_setup("kubesim up"), "setup", "kubesim up"),
    "setup: -f absolute": (_setup("kubesim apply -f /etc/passwd"), "setup", "absolute"),
    "setup: -f ..": (_setup("kubesim apply -f ../../outside/secret.yaml"), "setup", ".."),
    "setup: -f glued": (_setup("kubesim apply -f/etc/passwd"), "setup", "absolute"),
    "setup: --filename= ..": (
        _setup("kubesim apply --filename=../../outside/secret.yaml"),
        "setup",
        "..",
    ),
    "setup: manifests --copy out": (
        _setup(lambda o: f"kubesim manifests --copy {o}"),
        "setup",
        "absolute",
    ),
    "setup: replay --html ..": (_setup("kubesim replay --html ../x.html"), "setup", ".."),
    "run: > absolute": (
        _set(1, "run", lambda o: [f"kubesim get configmaps -o yaml > {o / 'out.yaml'}"]),
        "run",
        "absolute",
    ),
    "run: > ..": (_set(1, "run", ["kubesim get configmaps > ../../x.yaml"]), "run", ".."),
    "run: --controller absolute": (
        _set(2, "run", lambda o: [f"kubesim reconcile --controller {o / 'evil.py'}"]),
        "run",
        "absolute",
    ),
    "lesson_runs: --controller ..": (
        _set(2, "lesson_runs", ["kubesim reconcile --controller ../../outside/evil.py"]),
        "lesson_runs",
        "..",
    ),
    "watch: --controller= ..": (
        _set(2, "watch", ["kubesim reconcile --controller=../../outside/evil.py"]),
        "watch",
        "..",
    ),
    "evidence: not kubesim": (_set(1, "evidence", ["cat /etc/passwd"]), "evidence", "kubesim"),
    "files: the folder itself": (_files("."), "files", "names the folder itself"),
    "files: over the store": (_files(".kubesim/store.db"), "files", "in .kubesim/"),
    "edit.file: the store": (_edit(file=".kubesim/store.db"), "edit.file", "in .kubesim/"),
    "run: > the store": (
        _set(1, "run", ["kubesim get configmaps -o yaml > .kubesim/store.db"]),
        "run",
        "in .kubesim/",
    ),
    "run: -f - (the terminal)": (_set(1, "run", ["kubesim apply -f -"]), "run", "standard input"),
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
@pytest.mark.parametrize("how", ["auto", "start"])
def test_an_escaping_lesson_is_refused_at_load_and_writes_nothing(env, cli, name, how):
    change, field, words = ESCAPES[name]
    edit_lesson(env, change)
    before = snapshot(env)
    if how == "auto":
        code, out, err = cli("lesson", "run", "1", "--auto", "--trust")
    else:
        code, out, err = cli("lesson", "start", "1", "--trust")
    assert code == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {lesson_yaml(env)}: "), err
    assert f" {field}: " in lines[0] and words in lines[0], err
    assert "Traceback" not in err and "internal error" not in err
    assert snapshot(env) == before
    assert not (env / "marker").exists()
    assert not ROOT_TARGET.exists()


def test_the_unchanged_lesson_runs_so_each_refusal_is_the_changes_doing(env, cli):
    code, out, err = cli("lesson", "run", "1", "--auto", "--trust")
    assert code == 0, (out, err)
    assert "all 2 steps passed" in out
    assert (env / "marker").read_text() == "controller ran"


def test_an_untrusted_lesson_names_every_command_and_controller(env, cli):
    from kubesim.lessons import trust
    from kubesim.lessons.format import find_lesson

    plan = trust.plan(find_lesson("1"))
    assert plan[0] == f"lesson 01-evil is not one of kubesim's own: it comes from {env / 'lessons'}"
    assert "  kubesim apply -f settings.yaml -q" in plan
    assert "  kubesim label configmap settings stage=one" in plan
    assert "  kubesim reconcile --controller labeler.py -q" in plan
    assert f"  {env / 'lessons' / '01-evil' / 'labeler.py'}" in plan
    assert f"  {env / 'lessons' / '01-evil' / 'solutions' / 'labeler.py'}" in plan


@pytest.mark.parametrize(
    "args",
    [
        ["lesson", "run", "1", "--auto"],
        ["lesson", "start", "1"],
        ["lesson", "start", "1", "--step", "2"],
        ["lesson", "reset", "1"],
        ["lesson", "dev", "check"],
    ],
)
def test_an_untrusted_lesson_runs_nothing_without_a_terminal(env, cli, args):
    before = snapshot(env)
    code, out, err = cli(*args)
    assert code == 1, (out, err)
    assert "kubesim reconcile --controller labeler.py -q" in err  # it said what it would run
    assert "error: lesson 01-evil is not one of kubesim's own: nothing run" in err
    assert "--trust (or KUBESIM_TRUST_LESSONS=1)" in err
    assert snapshot(env) == before  # no work dir, no store, no progress
    assert not (env / "marker").exists()


def test_auto_mode_refuses_even_on_a_terminal(env, cli, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": pytest.fail("auto mode asked"))
    assert cli("lesson", "run", "1", "--auto")[0] == 1
    assert not (env / "marker").exists()


def test_ci_refuses_even_on_a_terminal(env, cli, monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": pytest.fail("asked under CI"))
    assert cli("lesson", "start", "1")[0] == 1
    assert not (env / "home").exists()


def test_the_env_var_trusts_as_the_flag_does(env, cli, monkeypatch):
    monkeypatch.setenv("KUBESIM_TRUST_LESSONS", "1")
    code, out, err = cli("lesson", "run", "1", "--auto")
    assert code == 0, (out, err)
    assert (env / "marker").exists()


def test_a_terminal_asks_and_a_no_runs_nothing(env, cli, monkeypatch):
    asked = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": asked.append(prompt) or "n")
    code, _, err = cli("lesson", "start", "1")
    assert code == 1
    assert asked == ["Run this lesson's commands and controllers? [y/N] "]
    assert "  kubesim apply -f settings.yaml -q" in err
    assert not (env / "home" / "lessons").exists()


def test_a_yes_is_remembered_until_the_lesson_changes(env, cli, monkeypatch):
    answers = ["y"]
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": answers.pop(0) if answers else "")
    assert cli("lesson", "start", "1")[0] == 0
    assert (env / "home" / "lessons" / "01-evil" / "settings.yaml").is_file()  # setup ran
    assert cli("lesson", "answer", "a")[0] == 0
    code, out, err = cli("lesson", "check")  # the same lesson: not asked again
    assert "not one of kubesim's own" not in err
    # the lesson changes after the yes: asked again (here: no answer, so refused)
    (env / "lessons" / "01-evil" / "labeler.py").write_text(MARKER_CODE + "# changed\n")
    code, out, err = cli("lesson", "check")
    assert code == 1
    assert "lesson 01-evil is not one of kubesim's own (it changed since you trusted it)" in err


def test_kubesims_own_lessons_run_without_trust(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("KUBESIM_LESSONS_DIR", raising=False)
    monkeypatch.delenv("KUBESIM_TRUST_LESSONS", raising=False)
    monkeypatch.setenv("KUBESIM_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("lesson", "run", "1", "--auto")
    assert code == 0, (out, err)
    assert "not one of kubesim's own" not in err


# ------------------------------------------------------------------------------- at run time too
def test_the_runner_refuses_a_line_that_was_never_loaded(tmp_path):
    """Defence in depth: run_kubesim checks each line again, and `> FILE` stays in the work
    dir even through a symlink put there."""
    from kubesim.cli.lesson import run_kubesim
    from kubesim.lessons.commands import CommandRefused
    from kubesim.lessons.confine import PathEscape

    work, outside = tmp_path / "work", tmp_path / "outside"
    work.mkdir()
    outside.mkdir()
    store = work / ".kubesim" / "store.db"
    with pytest.raises(CommandRefused):
        run_kubesim("kubesim version > ../x", work, store)
    with pytest.raises(CommandRefused):
        run_kubesim("sh -c 'touch x'", work, store)
    (work / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PathEscape, match="symlink that leads out"):
        run_kubesim("kubesim version > link/x", work, store)
    assert list(outside.iterdir()) == []
    assert run_kubesim("kubesim version > v.txt", work, store).code == 0
    assert "Kubernetes" in (work / "v.txt").read_text()


def test_random_command_lines_are_either_safe_or_refused_cleanly():
    """2,000 seeded lines built from kubesim words, paths and shell pieces: parse() refuses
    with CommandRefused (never another error), or what it returns has no shell operator, no
    --store and no path that leaves the work dir."""
    import random

    from kubesim.lessons import confine
    from kubesim.lessons.commands import SHELL, CommandRefused, parse

    pieces = [
        "kubesim", "get", "apply", "-f", "web.yaml", "--controller", "mirror.py", "reconcile",
        "lesson", "up", ">", ">>", ";", "&&", "|", "<", "$(id)", "`id`", "/etc/passwd", "..",
        "../x", "a/../../b", "~/x", "--store", "--store=x.db", "-f/etc", "--copy=/tmp", "-",
        "'a b'", '"', "'", "x=y", "-o", "yaml", "deployment/web", "\\x", "--filename=../y",
    ]  # fmt: skip
    rng = random.Random(10)
    accepted = 0
    for _ in range(2000):
        words = [rng.choice(pieces) for _ in range(rng.randint(1, 7))]
        if rng.random() < 0.5:
            words.insert(0, rng.choice(["get", "apply", "reconcile", "manifests"]))
        if rng.random() < 0.8:
            words.insert(0, "kubesim")
        line = " ".join(words)
        try:
            command = parse(line)
        except CommandRefused:
            continue
        accepted += 1
        assert not any(s in w for w in command.argv for s in SHELL), line
        assert not any(w.startswith("--store") for w in command.argv), line
        for w in command.argv:
            for value in (w, w.split("=", 1)[-1], w[2:] if w[:1] == "-" else w):
                assert not value or confine.problem(value) is None, line
        if command.stdout_to is not None:
            assert confine.file_problem(command.stdout_to) is None, line
    assert accepted > 100  # the generator does reach lines that are fine
