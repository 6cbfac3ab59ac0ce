"""A known history for replay tests: a real control plane (virtual clock, seed 3) that applies
web.yaml (3 replicas), settles, scales it to 5 from web.yaml again, settles, and stops."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kubesim.api.apply import apply
from kubesim.sim.clock import VirtualClock
from kubesim.sim.controlplane import ControlPlane, SimConfig
from kubesim.store.sqlite import SqliteStore
from tests.sim.conftest import T0, deployment


def apply_file(plane: ControlPlane, text: str, source: str = "web.yaml") -> list:
    results = [apply(plane.api, doc, source=source) for doc in yaml.safe_load_all(text) if doc]
    plane.poll()
    return results


def build(path: Path) -> dict:
    store = SqliteStore(str(path))
    plane = ControlPlane(store, VirtualClock(T0), SimConfig(seed=3))
    plane.start()
    first = apply_file(plane, deployment(3))[0].revision
    plane.run_until_settled()
    plane.clock.advance_to(plane.clock.now() + 5)
    second = apply_file(plane, deployment(5))[0].revision
    plane.run_until_settled()
    plane.record_stop()
    store.close()
    return {"path": path, "first_apply": first, "second_apply": second}


@pytest.fixture(scope="session")
def known(tmp_path_factory) -> dict:
    return build(tmp_path_factory.mktemp("replay") / "store.db")


@pytest.fixture
def history_store(known):
    store = SqliteStore(str(known["path"]))
    yield store
    store.close()
