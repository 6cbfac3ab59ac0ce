"""HTTP front benchmark: requests/s and watch latency through `kubesim serve`, against the
in-process API in the same run.

In one run, on this machine:
1. the front starts as a user runs it, `kubesim serve --no-control-plane --port 0`, over a
   temporary store, in its own process, so no client shares its interpreter or event loop: each
   measured client runs in a spawned process, the other watches' readers (4.) on threads of
   this one. `--server thread` runs the front on a FrontServer thread of this process instead:
   its request figures are the same within noise, but the readers then share its interpreter
   and its CPU figure counts them;
2. GET of one ConfigMap and POST of new ConfigMaps, with a plain HTTP client that keeps its
   connection alive (http.client) and with the official `kubernetes` Python client (which
   decodes every reply into its models): one client (requests/s, p50/p99 per request), then
   `--clients` clients at once (total requests/s);
3. the same get and create on kubesim.api.server.ApiServer in this process, on its own store:
   the baseline, and the front's ratio to it;
4. watch latency: one client watches ConfigMaps from a resourceVersion
   (`?watch=1&resourceVersion=...`) while another connection POSTs one ConfigMap at a time;
   the time from sending each POST to its ADDED event arriving at the watching client, p50/p99,
   alone and with `--watchers` other clients watching every ConfigMap (the fan-out), with the
   server's CPU per write. Baseline: ApiServer.create, then ApiServer.watch from the revision
   before it;
5. TCP_NODELAY: without it every small reply waits ~40 ms for a delayed ACK, so a sequential
   GET p50 well under 5 ms shows it is in effect.

The server's CPU milliseconds per request (read from /proc) are printed beside each rate: on a
busy machine they move less than the rates do.

Run: python benchmarks/bench_serve.py [--n 2000] [--clients 4] [--writes 500] [--watchers 50]
                                      [--server process|thread]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import queue
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kubesim.api.server import ApiServer
from kubesim.model.kinds import builtin
from kubesim.store.sqlite import SqliteStore

NAMESPACE = "default"
COLLECTION = f"/api/v1/namespaces/{NAMESPACE}/configmaps"
#: the object every GET reads
TARGET = "bench-get"
#: requests each client sends before the timed ones (connection set-up, first-call caches)
WARMUP = 20
#: a sequential GET slower than this means Nagle's algorithm is delaying replies
NODELAY_P50_MS = 5.0


def configmap(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": "bench"}},
        "data": {"key": "value-" + "x" * 60},
    }


# ------------------------------------------------------------------------------ the server
@dataclass
class Server:
    url: str
    #: CPU seconds the server has used so far (None where it cannot be read)
    cpu: Callable[[], float | None]


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of process `pid` (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def served(store: Path, mode: str = "process") -> Iterator[Server]:
    """The front over `store` on a free loopback port: `kubesim serve --no-control-plane` in
    its own process, or (mode "thread") a FrontServer on a thread of this one."""
    if mode == "thread":
        from kubesim.serve.app import Front
        from kubesim.serve.front import FrontServer
        from kubesim.store import open_store

        front = Front(lambda: ApiServer(open_store(str(store))))
        with FrontServer(front, "127.0.0.1", 0) as server:
            yield Server(server.url, lambda: time.process_time())
        return
    env = {**os.environ, "KUBESIM_STORE": str(store), "NO_COLOR": "1"}
    log_path = store.with_suffix(".log")  # not a pipe: a server that logs much never blocks
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kubesim", "serve", "--no-control-plane", "--port", "0"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        deadline = time.monotonic() + 60
        while (found := re.search(r"at (http://\S+) ", log_path.read_text())) is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"kubesim serve did not start: {log_path.read_text()}")
            time.sleep(0.02)
        yield Server(found.group(1), lambda: process_cpu(proc.pid))
        if proc.poll() is not None:
            raise RuntimeError(f"kubesim serve ended early: {log_path.read_text()[-2000:]}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# ------------------------------------------------------------------------------ clients
class PlainClient:
    """http.client on one kept-alive connection."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        self.headers = {"User-Agent": "bench-http/1.0", "Accept": "application/json"}

    def _send(self, method: str, path: str, body: bytes | None = None) -> dict[str, Any]:
        headers = (
            self.headers if body is None else {**self.headers, "Content-Type": "application/json"}
        )
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status >= 300:
            raise RuntimeError(f"{method} {path}: {resp.status} {data[:200]!r}")
        return json.loads(data)

    def get(self, name: str) -> None:
        self._send("GET", f"{COLLECTION}/{name}")

    def create(self, obj: dict[str, Any]) -> None:
        self._send("POST", COLLECTION, json.dumps(obj).encode())

    def close(self) -> None:
        self.conn.close()


class KubernetesClient:
    """The official `kubernetes` client (urllib3's pool keeps the connection alive)."""

    def __init__(self, url: str) -> None:
        from kubernetes import client

        config = client.Configuration(host=url)
        self.api_client = client.ApiClient(config)
        self.core = client.CoreV1Api(self.api_client)

    def get(self, name: str) -> None:
        self.core.read_namespaced_config_map(name, NAMESPACE)

    def create(self, obj: dict[str, Any]) -> None:
        self.core.create_namespaced_config_map(NAMESPACE, obj)

    def close(self) -> None:
        self.api_client.close()


CLIENTS: dict[str, Callable[[str], Any]] = {
    "http.client": PlainClient,
    "kubernetes": KubernetesClient,
}


@dataclass
class Run:
    """One client's timed requests: when they started and ended (time.monotonic, comparable
    across processes on one machine) and each request's seconds."""

    start: float
    end: float
    latencies: list[float]


def client_run(url: str, client: str, op: str, n: int, tag: str, barrier: Any = None) -> Run:
    """`n` GETs of TARGET or `n` POSTs of new ConfigMaps (named after `tag`), after WARMUP."""
    c = CLIENTS[client](url)
    try:
        for i in range(WARMUP):
            c.get(TARGET) if op == "get" else c.create(configmap(f"{tag}-warm-{i}"))
        bodies = [configmap(f"{tag}-{i}") for i in range(n)] if op == "post" else []
        if barrier is not None:
            barrier.wait()
        latencies = []
        start = time.monotonic()
        for i in range(n):
            t0 = time.monotonic()
            c.get(TARGET) if op == "get" else c.create(bodies[i])
            latencies.append(time.monotonic() - t0)
        return Run(start, time.monotonic(), latencies)
    finally:
        c.close()


def _child(out: Any, barrier: Any, args: tuple) -> None:
    try:
        out.put(client_run(*args, barrier=barrier))
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        out.put(e)


@dataclass
class Rate:
    per_second: float
    p50_ms: float
    p99_ms: float
    #: the server's CPU milliseconds per request (less sensitive to a busy machine than the
    #: rate; includes the clients' warm-up requests); None in-process or where unreadable
    cpu_ms: float | None = None


def summarise(runs: list[Run]) -> Rate:
    latencies = sorted(x for r in runs for x in r.latencies)
    wall = max(r.end for r in runs) - min(r.start for r in runs)
    return Rate(len(latencies) / wall, percentile(latencies, 50), percentile(latencies, 99))


def percentile(sorted_seconds: list[float], p: float) -> float:
    """The p-th percentile in milliseconds (nearest rank)."""
    i = min(len(sorted_seconds) - 1, max(0, round(p / 100 * len(sorted_seconds)) - 1))
    return sorted_seconds[i] * 1000


def measure(
    server: Server, client: str, op: str, n: int, clients: int = 1, workers: str = "process"
) -> Rate:
    """`clients` clients at once, each sending `n` requests; in processes (spawned) or threads."""
    url = server.url
    tag = f"{client.replace('.', '')}-{op}-{clients}-{time.monotonic_ns()}"
    if workers == "thread":
        out: Any = queue.Queue()
        barrier: Any = threading.Barrier(clients)
        start: Callable[..., Any] = threading.Thread
    else:
        ctx = multiprocessing.get_context("spawn")
        out, barrier, start = ctx.Queue(), ctx.Barrier(clients), ctx.Process
    procs = [
        start(target=_child, args=(out, barrier, (url, client, op, n, f"{tag}-{i}")))
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    cpu0 = server.cpu()
    rate = summarise(collect(out, procs))
    cpu1 = server.cpu()
    if cpu0 is not None and cpu1 is not None and workers == "process":
        rate.cpu_ms = (cpu1 - cpu0) * 1000 / (clients * (n + WARMUP))
    return rate


def collect(out: Any, procs: list[Any]) -> list[Any]:
    """One result per child from `out`; a child's exception is raised here, as is a child
    that died without a result."""
    results: list[Any] = []
    while len(results) < len(procs):
        try:
            results.append(out.get(timeout=1))
        except queue.Empty:
            if any(getattr(p, "exitcode", None) not in (None, 0) for p in procs):
                raise RuntimeError("a benchmark client died") from None
    for p in procs:
        p.join()
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


# ------------------------------------------------------------------------------ in-process
def in_process(store: Path, n: int) -> tuple[Rate, Rate]:
    """ApiServer.get of one ConfigMap and ApiServer.create of new ones, in this process."""
    api = ApiServer(SqliteStore(str(store)))
    kind = builtin("ConfigMap")
    api.create(configmap(TARGET))
    rates = []
    for op in ("get", "post"):
        bodies = [configmap(f"inproc-{i}") for i in range(n)]
        latencies = []
        start = time.monotonic()
        for i in range(n):
            t0 = time.monotonic()
            if op == "get":
                api.get(kind, NAMESPACE, TARGET)
            else:
                api.create(bodies[i], actor="bench")
            latencies.append(time.monotonic() - t0)
        rates.append(summarise([Run(start, time.monotonic(), latencies)]))
    api.store.close()
    return rates[0], rates[1]


def in_process_watch(store: Path, writes: int) -> list[float]:
    """Seconds from ApiServer.create to ApiServer.watch returning its event, per write."""
    api = ApiServer(SqliteStore(str(store)))
    kind = builtin("ConfigMap")
    latencies = []
    for i in range(writes):
        before = api.store.current_revision()
        t0 = time.monotonic()
        api.create(configmap(f"inproc-watch-{i}"), actor="bench")
        events = api.watch([kind], before)
        latencies.append(time.monotonic() - t0)
        assert events and events[-1].obj["metadata"]["name"] == f"inproc-watch-{i}"
    api.store.close()
    return latencies


# ------------------------------------------------------------------------------ watch latency
def watch_run(url: str, writes: int) -> tuple[list[float], list[float]]:
    """One connection watches ConfigMaps from the current resourceVersion; another POSTs
    `writes` ConfigMaps one at a time, each after the previous one's event arrived. Returns
    the seconds from each POST's start to its event at the watcher, and to its reply."""
    writer = PlainClient(url)
    writer.create(configmap(f"watch-start-{time.monotonic_ns()}"))
    listed = writer._send("GET", f"{COLLECTION}?limit=1")
    rv = listed["metadata"]["resourceVersion"]
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    conn.request(
        "GET",
        f"{COLLECTION}?watch=1&resourceVersion={rv}",
        headers={"User-Agent": "bench-watch/1.0"},
    )
    stream = conn.getresponse()
    sock = conn.sock
    arrived: queue.Queue = queue.Queue()

    def read() -> None:
        # the stream ends when the writer shuts the socket down: any error here is that end
        with contextlib.suppress(Exception):
            while line := stream.readline():
                t = time.monotonic()
                ev = json.loads(line)
                if ev["type"] == "ADDED":
                    arrived.put((ev["object"]["metadata"]["name"], t))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    tag = f"watch-{time.monotonic_ns()}"
    to_event, to_reply = [], []
    try:
        for i in range(writes):
            name = f"{tag}-{i}"
            t0 = time.monotonic()
            writer.create(configmap(name))
            to_reply.append(time.monotonic() - t0)
            while True:
                seen, t = arrived.get(timeout=30)
                if seen == name:
                    break
            to_event.append(t - t0)
    finally:
        writer.close()
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)  # wakes the reader's recv (close alone would not)
        conn.close()
        reader.join(timeout=10)
    return to_event, to_reply


def _watch_child(out: Any, url: str, writes: int) -> None:
    try:
        out.put(watch_run(url, writes))
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        out.put(e)


def watch_latency(url: str, writes: int, workers: str = "process") -> tuple[list[float], ...]:
    """`watch_run` in a spawned process (or, with workers="thread", in this one)."""
    if workers == "thread":
        return watch_run(url, writes)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    p = ctx.Process(target=_watch_child, args=(out, url, writes))
    p.start()
    return collect(out, [p])[0]


@contextlib.contextmanager
def other_watches(url: str, count: int) -> Iterator[None]:
    """`count` more clients watching every ConfigMap, each read by a thread of this process:
    the fan-out a write costs the server."""
    parts = urlsplit(url)
    conns = []

    def drain(stream: http.client.HTTPResponse) -> None:
        with contextlib.suppress(Exception):  # ends when the socket is shut down
            while stream.read1(65536):
                pass

    try:
        for _ in range(count):
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
            conns.append(conn)
            conn.request("GET", f"{COLLECTION}?watch=1", headers={"User-Agent": "bench-other/1.0"})
            threading.Thread(target=drain, args=(conn.getresponse(),), daemon=True).start()
        yield
    finally:
        for conn in conns:
            if conn.sock is not None:
                with contextlib.suppress(OSError):
                    conn.sock.shutdown(socket.SHUT_RDWR)
            conn.close()


@dataclass
class WatchFigures:
    #: seconds from each POST's start to its event at the watching client, and to its reply
    to_event: list[float]
    to_reply: list[float]
    #: the server's CPU milliseconds per write (None where it cannot be read)
    cpu_ms: float | None


def measure_watch(
    server: Server, writes: int, others: int = 0, workers: str = "process"
) -> WatchFigures:
    with other_watches(server.url, others):
        cpu0 = server.cpu()
        to_event, to_reply = watch_latency(server.url, writes, workers)
        cpu1 = server.cpu()
    cpu = None
    if cpu0 is not None and cpu1 is not None and workers == "process":
        cpu = (cpu1 - cpu0) * 1000 / writes
    return WatchFigures(sorted(to_event), sorted(to_reply), cpu)


# ------------------------------------------------------------------------------ the run
@dataclass
class Figures:
    baseline_get: Rate
    baseline_post: Rate
    #: (client, op, clients) -> rate
    front: dict[tuple[str, str, int], Rate]
    #: other watches -> watch latency
    watch: dict[int, WatchFigures]
    baseline_watch: list[float]


def run(
    tmpdir: Path,
    n: int,
    clients: int,
    writes: int,
    server: str = "process",
    workers: str = "process",
    kinds: tuple[str, ...] = ("http.client", "kubernetes"),
    watchers: int = 50,
) -> Figures:
    baseline_get, baseline_post = in_process(tmpdir / "inproc.db", n)
    baseline_watch = in_process_watch(tmpdir / "inproc-watch.db", writes)
    front: dict[tuple[str, str, int], Rate] = {}
    with served(tmpdir / "front.db", server) as front_server:
        url = front_server.url
        PlainClient(url).create(configmap(TARGET))
        for client in kinds:
            for op in ("get", "post"):
                for k in sorted({1, clients}):
                    front[(client, op, k)] = measure(front_server, client, op, n // k, k, workers)
        watch = {k: measure_watch(front_server, writes, k, workers) for k in sorted({0, watchers})}
    return Figures(baseline_get, baseline_post, front, watch, sorted(baseline_watch))


def report(f: Figures, n: int, writes: int) -> list[str]:
    lines = [
        f"in-process ApiServer (baseline): get {f.baseline_get.per_second:>8,.0f}/s "
        f"(p50 {f.baseline_get.p50_ms:.3f} ms), create {f.baseline_post.per_second:>7,.0f}/s "
        f"(p50 {f.baseline_post.p50_ms:.3f} ms)",
        f"through the front ({n:,} requests per row, split among the clients):",
    ]
    for (client, op, k), r in f.front.items():
        base = f.baseline_get if op == "get" else f.baseline_post
        lines.append(
            f"  {op.upper():<4} {client:<11} {k:>2} client{'s' if k > 1 else ' '} "
            f"{r.per_second:>7,.0f} req/s  p50 {r.p50_ms:6.2f} ms  p99 {r.p99_ms:6.2f} ms  "
            f"server CPU {'-' if r.cpu_ms is None else format(r.cpu_ms, '.2f')} ms/req  "
            f"ratio to in-process {r.per_second / base.per_second:.3f}"
        )
    base = f.baseline_watch
    for others, w in f.watch.items():
        cpu = "-" if w.cpu_ms is None else format(w.cpu_ms, ".2f")
        lines.append(
            f"watch latency, POST -> event at a watching client ({writes} writes, "
            f"{others} other watches): p50 {percentile(w.to_event, 50):.2f} ms, "
            f"p99 {percentile(w.to_event, 99):.2f} ms (POST reply p50 "
            f"{percentile(w.to_reply, 50):.2f} ms); server CPU {cpu} ms/write"
        )
    ratio = percentile(f.watch[0].to_event, 50) / percentile(base, 50)
    lines.append(
        f"  in-process create -> ApiServer.watch (baseline): p50 {percentile(base, 50):.3f} ms, "
        f"p99 {percentile(base, 99):.3f} ms; ratio of p50s (no other watches) {ratio:.0f}x"
    )
    seq = f.front.get(("http.client", "get", 1))
    if seq is not None:
        verdict = "in effect" if seq.p50_ms < NODELAY_P50_MS else "NOT in effect (Nagle delays)"
        lines.append(
            f"TCP_NODELAY: {verdict}: sequential GET p50 {seq.p50_ms:.2f} ms "
            f"(< {NODELAY_P50_MS:.0f} ms; ~40 ms with Nagle's delayed ACK)"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000, help="requests per row")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--writes", type=int, default=500, help="writes for the watch latency")
    parser.add_argument(
        "--watchers", type=int, default=50, help="other watches for the fan-out's latency"
    )
    parser.add_argument("--server", choices=["process", "thread"], default="process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = run(
            Path(tmp), args.n, args.clients, args.writes, args.server, watchers=args.watchers
        )
    print(f"kubesim serve benchmark (server: {args.server}, {os.cpu_count()} CPUs)")
    print("\n".join(report(figures, args.n, args.writes)))


if __name__ == "__main__":
    main()
