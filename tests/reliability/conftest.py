"""Reliability tests drive the CLI as the CLI tests do: a fresh store file per test and a clean
environment (`store_path`), and `run(*argv) -> (code, stdout, stderr)`."""

from __future__ import annotations

import pytest

from tests.cli.conftest import invoke, store_path  # noqa: F401 - the fixture, shared


@pytest.fixture
def run(store_path, capsys):  # noqa: F811 - uses the shared fixture
    return lambda *argv: invoke(capsys, list(argv), None)
