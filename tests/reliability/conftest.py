"""Reliability tests drive the CLI as the CLI and lesson tests do: a fresh store file per test
and a clean environment (`store_path`), `run(*argv) -> (code, stdout, stderr)`, and the lesson
tests' `cli`."""

from __future__ import annotations

import pytest

from tests.cli.conftest import invoke, store_path  # noqa: F401 - the fixture, shared
from tests.lessons.conftest import cli  # noqa: F401 - the fixture, shared


@pytest.fixture
def run(store_path, capsys):  # noqa: F811 - uses the shared fixture
    return lambda *argv: invoke(capsys, list(argv), None)
