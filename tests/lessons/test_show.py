"""A step's `show`: the four-stage view drawn from the lesson's store once the check passes; its
form checked by the loader and the linter."""

from __future__ import annotations

import os
import shutil

import pytest

from kubesim.lessons import progress
from kubesim.lessons.format import LessonFormatError, Show, load_lesson


def test_show_is_read_from_the_lesson(fixture_lessons):
    lesson = load_lesson(fixture_lessons / "03-third")
    assert lesson.steps[0].show == Show("command", "The command, stored")
    assert lesson.steps[1].show == Show()
    assert load_lesson(fixture_lessons / "01-first").steps[0].show is None


@pytest.mark.parametrize(
    ("show", "message"),
    [
        ("frame", "expected `view` or {replay: REVISION|step|command"),
        ("{replay: 0}", "replay must be a revision (1 or more), step or command, not 0"),
        ("{replay: later}", "not 'later'"),
        ("{replay: true}", "not True"),
        ("{replay: 3, colour: red}", "expected `view`"),
        ("{replay: 3, caption: [a]}", "caption must be a string"),
    ],
)
def test_a_bad_show_names_the_step_and_the_field(tmp_path, fixture_lessons, show, message):
    bad = tmp_path / "01-bad"
    shutil.copytree(fixture_lessons / "01-first", bad)
    text = (bad / "lesson.yaml").read_text()
    text = text.replace(
        "    run: [kubesim apply -f web.yaml]",
        f"    show: {show}\n    run: [kubesim apply -f web.yaml]",
    )
    (bad / "lesson.yaml").write_text(text)
    with pytest.raises(LessonFormatError, match="step 1: show: ") as e:
        load_lesson(bad)
    assert message in str(e.value)


def test_the_frame_is_drawn_when_the_check_passes(fixture_lessons, cli):
    cli("lesson", "start", "3")
    os.chdir(progress.work_dir("03-third"))
    code, out, _ = cli("lesson", "check")
    assert code == 1 and "kubesim lesson  r" not in out  # not before the step passes
    assert cli("label", "configmap", "settings", "stage=one")[0] == 0
    assert cli("get", "configmaps")[0] == 0  # a read after the command: still r4 it shows
    code, out, _ = cli("lesson", "check")
    assert code == 0, out
    frame = out[out.index("kubesim lesson  r4") :]
    assert "The command, stored" in frame
    assert "no control plane running: nothing is reading the write model" in frame
    assert "▶  r4     user            label   cm/settings" in frame
    assert "lesson 3, step 1 · the store at revision 4 (kubesim replay --from 4)" in frame
    assert all(len(line) <= 100 for line in frame.splitlines())
    assert "\x1b[" not in out  # plain text without a terminal


def test_the_view_now_shows_the_controller_at_work(fixture_lessons, cli):
    cli("lesson", "start", "3", "--step", "2")
    os.chdir(progress.work_dir("03-third"))
    shutil.copy(fixture_lessons / "03-third" / "solutions" / "labeler.py", "labeler.py")
    assert cli("reconcile", "--controller", "labeler.py", "-q")[0] == 0
    code, out, _ = cli("lesson", "check")
    assert code == 0, out
    assert "labeler         patch     cm/settings" in out
    assert "lesson 3, step 2 · the store at revision 8" in out


def test_auto_mode_verbose_draws_the_frames(fixture_lessons, cli):
    code, out, _ = cli("lesson", "run", "3", "--auto", "--verbose")
    assert code == 0, out
    assert out.count("kubesim lesson  r") == 2
    assert "lesson 3, step 1 · the store at revision 4" in out
    assert "kubesim lesson  r" not in cli("lesson", "run", "3", "--auto")[1]


def test_dev_check_draws_every_frame_and_reports_a_revision_past_the_end(
    fixture_lessons, cli, tmp_path, monkeypatch
):
    code, out, err = cli("lesson", "dev", "check")
    assert code == 0, err
    assert "03-third: ok" in out
    bad = tmp_path / "lessons"
    shutil.copytree(fixture_lessons, bad)
    text = (bad / "03-third" / "lesson.yaml").read_text()
    (bad / "03-third" / "lesson.yaml").write_text(
        text.replace("show: {replay: command,", "show: {replay: 99,")
    )
    monkeypatch.setenv("KUBESIM_LESSONS_DIR", str(bad))
    code, out, err = cli("lesson", "dev", "check")
    assert code == 1
    assert (
        "03-third: step 1 (Change the settings): show: revision 99 is past the store's last (4)"
        in err
    )


def test_on_a_terminal_the_frame_has_colour_and_uses_the_width(
    fixture_lessons, cli, capsys, monkeypatch
):
    import sys

    from kubesim.cli.lesson import draw_show
    from kubesim.lessons import runner
    from kubesim.lessons.format import find_lesson

    cli("lesson", "start", "3")
    os.chdir(progress.work_dir("03-third"))
    cli("label", "configmap", "settings", "stage=one")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("COLUMNS", "130")
    monkeypatch.setenv("LINES", "40")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    lesson = find_lesson("3")
    ws = runner.Workspace.of(lesson)
    draw_show(lesson, lesson.steps[0], ws, runner.mark_now(ws))
    out = capsys.readouterr().out
    assert "\x1b[" in out
    assert "The command, stored" in out
    import re

    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    widths = {len(line) for line in plain.splitlines() if line.strip()}
    assert max(widths) == 130  # the terminal's width (wide layout), not the plain 80 columns


def test_a_caption_wider_than_the_lesson_text_is_a_lint_problem(fixture_lessons):
    from kubesim.lessons.lint import lint_static

    lesson = load_lesson(fixture_lessons / "03-third")
    assert lint_static(lesson) == []
    lesson.steps[0].show = Show("command", "x" * 79)
    assert lint_static(lesson) == [
        "03-third: step 1 (Change the settings): show: caption lines over 78 columns"
    ]
