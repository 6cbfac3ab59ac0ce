"""How long a relist takes: `Indexer.replace` of 100,000 pod-like objects (~1 KB each).

Times replace into an empty cache and into a full one (every key updated, 1% deleted, 1% added),
and, as a baseline measured in the same run on the same objects, a plain dict comprehension by
cache key. Prints seconds and the ratio to the baseline. Target: <= 1 s per replace.

Run: python benchmarks/bench_relist.py [N]
"""

from __future__ import annotations

import sys
import time

import orjson

from kubesim.client.cache import Indexer
from kubesim.model.labels import parse_selector
from kubesim.model.objects import Object, cache_key

TARGET_SECONDS = 1.0


def make_pods(n: int, rv_start: int = 1, offset: int = 0) -> list[Object]:
    """`n` pod-like dicts in 20 namespaces, owned by 1,000 ReplicaSets, with 3 labels each."""
    pods = []
    for j in range(n):
        i = j + offset
        rs = i % 1000
        ns = f"ns-{rs % 20}"
        pods.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"web-{rs}-{i:07d}",
                    "namespace": ns,
                    "uid": f"00000000-0000-0000-0000-{i:012d}",
                    "resourceVersion": str(rv_start + j),
                    "creationTimestamp": "2026-01-01T00:00:00Z",
                    "labels": {
                        "app": f"web-{rs % 50}",
                        "pod-template-hash": f"h{rs}",
                        "tier": "fe",
                    },
                    "annotations": {"kubesim.io/note": f"bench pod {i} of replicaset web-{rs}"},
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "ReplicaSet",
                            "name": f"web-{rs}",
                            "uid": f"rs-uid-{rs:06d}",
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                },
                "spec": {
                    "nodeName": f"node-{i % 100}",
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.27",
                            "env": [{"name": "MODE", "value": "production"}],
                            "volumeMounts": [
                                {"name": "kube-api-access", "mountPath": "/var/run/secrets"}
                            ],
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                        }
                    ],
                    "restartPolicy": "Always",
                    "terminationGracePeriodSeconds": 30,
                },
                "status": {
                    "phase": "Running",
                    "podIP": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
                    "conditions": [{"type": "Ready", "status": "True"}],
                },
            }
        )
    return pods


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(n: int = 100_000) -> int:
    pods = make_pods(n)
    size = sum(len(orjson.dumps(p)) for p in pods[:1000]) / 1000
    # the relist after: everything updated (new RVs), the first 1% gone, 1% new
    gone = n // 100
    relist = make_pods(n - gone, rv_start=n + 1, offset=gone) + make_pods(
        gone, rv_start=2 * n + 1, offset=n
    )

    baseline = timed(lambda: {cache_key(p): p for p in pods})
    empty = Indexer()
    t_empty = timed(lambda: empty.replace(pods, n))
    t_full = timed(lambda: empty.replace(relist, 2 * n + gone))
    sel = parse_selector("app=web-7,tier=fe")
    t_sel = timed(lambda: [empty.by_selector("ns-7", sel) for _ in range(1000)]) / 1000

    print(f"objects: {n:,} (~{size:.0f} bytes of JSON each)")
    print(f"baseline dict comprehension by key: {baseline:.3f} s")
    for label, t in (("replace into empty cache", t_empty), ("replace into full cache", t_full)):
        print(f"{label}: {t:.3f} s ({t / baseline:.1f}x baseline)")
    print(f"by_selector(ns-7, app=web-7,tier=fe): {t_sel * 1000:.3f} ms")
    ok = max(t_empty, t_full) <= TARGET_SECONDS
    print(f"target <= {TARGET_SECONDS:.1f} s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
