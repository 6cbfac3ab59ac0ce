"""Lesson tests: a private $KUBESIM_HOME per test, and a helper to run the CLI in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def lesson_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("KUBESIM_HOME", str(home))
    monkeypatch.delenv("KUBESIM_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture
def fixture_lessons(monkeypatch) -> Path:
    """The small lessons in fixtures/, trusted as their author would (they are not kubesim's
    own: tests/reliability/test_sec_lessons.py checks what happens without trust)."""
    monkeypatch.setenv("KUBESIM_LESSONS_DIR", str(FIXTURES))
    monkeypatch.setenv("KUBESIM_TRUST_LESSONS", "1")
    return FIXTURES


@pytest.fixture
def cli(capsys):
    """Run `kubesim ARGS` in-process; returns (exit code, stdout, stderr)."""
    from kubesim.cli.app import main

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as e:
            code = e.code or 0
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
