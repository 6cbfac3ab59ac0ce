"""An in-memory store and an API server on a fixed clock and seed, for the API tests."""

from __future__ import annotations

import random

import pytest

from kubesim.api.server import ApiServer
from kubesim.store.sqlite import SqliteStore

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@pytest.fixture
def store():
    s = SqliteStore(None)
    yield s
    s.close()


@pytest.fixture
def api(store):
    return ApiServer(store, clock=lambda: T0, rng=random.Random(7))
