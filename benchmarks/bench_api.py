"""Command-side benchmark: raw store writes/s vs API apply writes/s, and `kubesim get pods`.

In one run, on this machine:
1. the raw store: 10,000 single-key transactions, each with a history row and a journal row;
2. the API: `kubesim apply` of 10,000 small ConfigMaps in-process (GET, decode checks,
   defaulting, validation, last-applied annotation, one compare-and-swap transaction with its
   journal entry), and the ratio to 1;
3. `kubesim get pods` on a store of 1,000 pods, as a user runs it (a new process each time),
   with `python -c pass` in the same run as the baseline of interpreter start-up.

Targets (issue 2): store >= 25,000 writes/s, API >= 10,000 writes/s, get pods <= 150 ms.
Run: python benchmarks/bench_api.py [--n 10000] [--pods 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_store import bench_store_writes  # noqa: E402

from kubesim.api.apply import apply  # noqa: E402
from kubesim.api.server import ApiServer  # noqa: E402
from kubesim.store.sqlite import SqliteStore  # noqa: E402


def configmap(i: int) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"cm-{i:06d}", "labels": {"app": "bench"}},
        "data": {"key": "value-" + "x" * 60, "index": str(i)},
    }


def bench_api_writes(n: int, tmpdir: Path) -> float:
    api = ApiServer(SqliteStore(str(tmpdir / "api.db")))
    manifests = [configmap(i) for i in range(n)]
    t0 = time.perf_counter()
    for m in manifests:
        apply(api, m)
    elapsed = time.perf_counter() - t0
    api.store.close()
    return n / elapsed


def pod(i: int) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"web-6f6b679f8f-{i:05d}", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
    }


def bench_get_pods(pods: int, tmpdir: Path, runs: int = 7) -> tuple[float, float]:
    """Median wall ms of `kubesim get pods` and of `python -c pass`."""
    path = tmpdir / "pods.db"
    api = ApiServer(SqliteStore(str(path)))
    for i in range(pods):
        api.create(pod(i))
    api.store.close()
    env = {**os.environ, "KUBESIM_STORE": str(path)}
    # `pip install` byte-compiles the package; an editable install under
    # PYTHONDONTWRITEBYTECODE=1 would recompile every module on every run instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    import kubesim

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", os.path.dirname(kubesim.__file__)],
        env=env,
        check=True,
    )

    def timed(cmd: list[str]) -> float:
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            out = subprocess.run(cmd, env=env, capture_output=True, check=True)
            samples.append((time.perf_counter() - t0) * 1000)
        assert cmd[-1] != "pods" or out.stdout.count(b"\n") == pods + 1
        return statistics.median(samples)

    kubesim = [sys.executable, "-m", "kubesim", "get", "pods"]
    return timed(kubesim), timed([sys.executable, "-c", "pass"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--pods", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        store = bench_store_writes(args.n, tmpdir / "store")
        api = bench_api_writes(args.n, tmpdir)
        get_ms, python_ms = bench_get_pods(args.pods, tmpdir)
    print(f"store writes:   {store:>10,.0f} writes/s   (target >= 25,000)")
    print(
        f"API apply:      {api:>10,.0f} writes/s   (target >= 10,000); "
        f"API/store ratio {api / store:.2f}"
    )
    print(
        f"get pods:       {get_ms:>10.0f} ms (1,000 pods, new process; target <= 150 ms); "
        f"python -c pass {python_ms:.0f} ms; ratio {get_ms / python_ms:.1f}x"
    )


if __name__ == "__main__":
    main()
