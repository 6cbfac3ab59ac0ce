"""Read-side benchmark: 1,000 Deployments x 10 replicas on 100 nodes, reconciled headless.

As `kubesim reconcile` does it: the Deployments are applied through the API first (the command
side), then the control plane runs on the virtual clock until settled. Checks that all pods are
Running and every Deployment is available with observedGeneration == generation, and prints wall
time, events/s, deliveries/s and peak memory (tracemalloc is not used: it slows Python down; the
figure is the process's peak RSS). Targets (issue 3): <= 30 s wall for 10,000 pods. For scale:
a real kube-controller-manager at its default 20 requests/s per controller needs over 500 s for
the 10,000 pod creations alone.

Run: python benchmarks/bench_controlplane.py [--deployments 1000] [--replicas 10] [--nodes 100]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from kubesim.api.apply import apply
from kubesim.model.kinds import builtin
from kubesim.sim.clock import VirtualClock
from kubesim.sim.controlplane import ControlPlane, SimConfig
from kubesim.store.base import Store
from kubesim.store.sqlite import SqliteStore


def deployment(i: int, replicas: int) -> dict:
    name = f"app-{i:04d}"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
            },
        },
    }


def run(
    deployments: int, replicas: int, nodes: int, tmpdir: Path, store: Store | None = None
) -> dict:
    """`store`: the store to run on (bench_store_backends.py passes an etcd one), else a file."""
    store = store or SqliteStore(str(tmpdir / "store.db"))
    plane = ControlPlane(store, VirtualClock(1_767_225_600.0), SimConfig(nodes=nodes))
    t0 = time.perf_counter()
    for i in range(deployments):
        apply(plane.api, deployment(i, replicas))
    applied = time.perf_counter() - t0
    t1 = time.perf_counter()
    plane.start()
    settled = plane.run_until_settled()
    wall = time.perf_counter() - t1
    pods, _ = plane.api.list(builtin("Pod"))
    deps, _ = plane.api.list(builtin("Deployment"))
    running = sum(1 for p in pods if p.get("status", {}).get("phase") == "Running")
    available = sum(
        1
        for d in deps
        if d.get("status", {}).get("availableReplicas") == replicas
        and d["status"].get("observedGeneration") == d["metadata"]["generation"]
    )
    store.close()
    return {
        "settled": settled,
        "apply_s": applied,
        "wall_s": wall,
        "pods": len(pods),
        "running": running,
        "available": available,
        "events": plane.totals.events,
        "deliveries": plane.totals.deliveries,
        "reconciles": plane.totals.reconciles,
        "writes": plane.totals.writes,
        "virtual_s": plane.clock.now() - 1_767_225_600.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deployments", type=int, default=1000)
    parser.add_argument("--replicas", type=int, default=10)
    parser.add_argument("--nodes", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        r = run(args.deployments, args.replicas, args.nodes, Path(tmp))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = args.deployments * args.replicas
    print(f"{args.deployments} Deployments x {args.replicas} replicas on {args.nodes} nodes")
    print(
        f"applied in {r['apply_s']:.1f} s; reconciled in {r['wall_s']:.1f} s wall "
        f"({r['virtual_s']:.1f} s virtual); settled={r['settled']} (target <= 30 s)"
    )
    print(
        f"pods Running {r['running']}/{total}; Deployments available with observedGeneration "
        f"== generation {r['available']}/{args.deployments}"
    )
    print(
        f"events {r['events']:,} ({r['events'] / r['wall_s']:,.0f}/s); deliveries "
        f"{r['deliveries']:,} ({r['deliveries'] / r['wall_s']:,.0f}/s); reconciles "
        f"{r['reconciles']:,}; writes {r['writes']:,}"
    )
    print(f"peak memory (RSS) {peak_mb:,.0f} MB")
    if r["running"] != total or r["available"] != args.deployments:
        raise SystemExit("not every pod is Running / Deployment available")


if __name__ == "__main__":
    main()
