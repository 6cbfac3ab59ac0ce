"""Fixtures for simulation tests: a control plane on a virtual clock over a temporary store."""

from __future__ import annotations

import pytest
import yaml

from kubesim.api.apply import apply
from kubesim.sim.clock import VirtualClock
from kubesim.sim.controlplane import ControlPlane, SimConfig
from kubesim.store.sqlite import SqliteStore

#: a fixed start time, so runs are reproducible
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@pytest.fixture
def make_plane(tmp_path):
    planes = []

    def make(
        config: SimConfig | None = None, controllers=None, start: bool = True, path=None, store=None
    ) -> ControlPlane:
        """`store`: a store to run on (the suite's `stores` fixture), else a new file."""
        store = store or SqliteStore(str(path or tmp_path / f"store{len(planes)}.db"))
        plane = ControlPlane(
            store, VirtualClock(T0), config or SimConfig(check_mutation=True), controllers
        )
        if start:
            plane.start()
        planes.append(plane)
        return plane

    yield make
    for plane in planes:
        for consumer in plane.consumers:
            for informer in consumer.informers.values():
                informer.cache.verify_unmutated()
        plane.store.close()


def apply_yaml(plane: ControlPlane, text: str) -> list:
    """Apply manifests as the user would, at the control plane's current time."""
    results = [apply(plane.api, doc) for doc in yaml.safe_load_all(text) if doc]
    plane.poll()
    return results


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: nginx
        image: {image}
"""


def deployment(replicas: int = 3, image: str = "nginx:1.27") -> str:
    return DEPLOYMENT.format(replicas=replicas, image=image)
