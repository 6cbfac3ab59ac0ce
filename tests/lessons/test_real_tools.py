"""A lesson's optional `real_tools` passage: loaded, drawn after the recap, refused when it is
not text; and lesson 12's, which points at the kopf operator of examples/operators."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kubesim.lessons.format import LessonFormatError, find_lesson, load_lesson
from kubesim.lessons.lint import lint_static
from kubesim.lessons.render import recap_lines

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "01-first"


def fixture_with(tmp_path: Path, extra: str) -> Path:
    lesson = tmp_path / "01-first"
    shutil.copytree(FIXTURE, lesson)
    with (lesson / "lesson.yaml").open("a") as f:
        f.write(extra)
    return lesson


def test_the_passage_follows_the_real_cluster_pointer_in_the_recap(tmp_path):
    lesson = load_lesson(fixture_with(tmp_path, "real_tools: |\n  kubectl get pods -w\n"))
    lines = recap_lines(lesson, None)
    at = lines.index("With real tools (optional):")
    assert lines[at - 2] == "On a real cluster: kubectl apply"
    assert lines[at + 1] == "kubectl get pods -w"
    assert "With real tools (optional):" not in recap_lines(load_lesson(FIXTURE), None)


def test_a_passage_that_is_not_text_is_refused(tmp_path):
    with pytest.raises(LessonFormatError, match="real_tools must be a non-empty string"):
        load_lesson(fixture_with(tmp_path, "real_tools: [kopf]\n"))


def test_lesson_12_offers_the_kopf_operator_against_kubesim_serve():
    lesson = find_lesson("12")
    assert lint_static(lesson) == []
    text = lesson.real_tools
    assert "kubesim serve" in text and "kopf run --standalone --all-namespaces" in text
    for path in re.findall(r"examples/operators/[\w./]+\w", text):
        assert (ROOT / path).is_file(), path
