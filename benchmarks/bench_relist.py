"""How long a relist takes: the real path, then its parts, for 100,000 pod-like objects (~1 KB).

The real path is what a restarted process pays: a reflector LISTs through the API server (the
store's range, every object decoded from JSON, the Python GC paused while it decodes) and
replaces its informer's cache (Indexer.replace, with its indexes). It is timed into an empty
cache and into a full one (every pod updated, 1% deleted, 1% added), against a baseline in the
same run: the same relist with the GC left on, as it was before. Then the parts: Indexer.replace
alone, and a plain dict comprehension by cache key. Target: <= 1 s for a real relist.

Run: python benchmarks/bench_relist.py [N]
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from pathlib import Path

import orjson

from kubesim.api import server
from kubesim.api.server import ApiServer, encode
from kubesim.client.cache import Indexer
from kubesim.client.informer import Informer
from kubesim.client.reflector import Reflector
from kubesim.model.kinds import builtin
from kubesim.model.labels import parse_selector
from kubesim.model.objects import Object, cache_key
from kubesim.store.base import Put
from kubesim.store.sqlite import SqliteStore

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


POD = builtin("Pod")


def store_pods(store: SqliteStore, pods: list[Object], batch: int = 5_000) -> None:
    for i in range(0, len(pods), batch):
        ops = [
            Put(POD.key(p["metadata"]["namespace"], p["metadata"]["name"]), encode(dict(p)))
            for p in pods[i : i + batch]
        ]
        store.txn(ops)


def real_relists(n: int, pods: list[Object], relist: list[Object]) -> dict[str, float]:
    """Reflector.list_and_replace through the API of a store holding `relist`: into an empty
    cache, and into a full one (holding `pods`, the state before); with the GC paused (as
    kubesim does) and on; each twice, alternating, the best kept."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as d:
        store = SqliteStore(str(Path(d) / "relist.db"))
        api = ApiServer(store)
        store_pods(store, relist)
        api.list(POD)  # the store's pages warm, as in a running API server
        for _ in range(2):
            for mode in ("on", "paused"):
                paused = server.gc_paused if mode == "paused" else contextlib.nullcontext
                saved, server.gc_paused = server.gc_paused, paused
                try:
                    for cache in ("empty", "full"):
                        informers = {"Pod": Informer(POD)}
                        if cache == "full":
                            informers["Pod"].on_list([dict(p) for p in pods], n)
                        seconds = timed(Reflector(api, informers).list_and_replace)
                        key = f"{cache}, GC {mode}"
                        out[key] = min(out.get(key, seconds), seconds)
                finally:
                    server.gc_paused = saved
        store.close()
    return out


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
    real = real_relists(n, pods, relist)
    for cache in ("empty", "full"):
        on, paused = real[f"{cache}, GC on"], real[f"{cache}, GC paused"]
        print(
            f"real relist (LIST through the API + replace) into {cache} cache: {paused:.3f} s "
            f"with the GC paused, {on:.3f} s with it on ({on / paused:.1f}x)"
        )
    print("the parts:")
    print(f"baseline dict comprehension by key: {baseline:.3f} s")
    for label, t in (("replace into empty cache", t_empty), ("replace into full cache", t_full)):
        print(f"{label}: {t:.3f} s ({t / baseline:.1f}x baseline)")
    print(f"by_selector(ns-7, app=web-7,tier=fe): {t_sel * 1000:.3f} ms")
    worst = max(real["empty, GC paused"], real["full, GC paused"])
    ok = worst <= TARGET_SECONDS
    print(
        f"real relist target <= {TARGET_SECONDS:.1f} s: {'met' if ok else 'MISSED'} ({worst:.2f} s)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
