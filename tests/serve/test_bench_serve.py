"""A smoke test of benchmarks/bench_serve.py: its whole run with tiny counts (the real
`kubesim serve --no-control-plane` process, both clients, the watch, the in-process baseline),
so the benchmark cannot rot. No timing is asserted: figures on a shared machine are not
test results."""

from __future__ import annotations

from pathlib import Path

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


def test_the_serve_benchmark_runs_end_to_end(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import bench_serve

    monkeypatch.setattr(bench_serve, "WARMUP", 1)
    figures = bench_serve.run(tmp_path, n=4, clients=2, writes=3, workers="thread", watchers=2)
    assert set(figures.front) == {
        (client, op, k)
        for client in ("http.client", "kubernetes")
        for op in ("get", "post")
        for k in (1, 2)
    }
    assert all(r.per_second > 0 and r.p50_ms <= r.p99_ms for r in figures.front.values())
    assert set(figures.watch) == {0, 2}
    assert all(len(w.to_event) == len(w.to_reply) == 3 for w in figures.watch.values())
    assert len(figures.baseline_watch) == 3
    lines = bench_serve.report(figures, 4, 3)
    assert sum(line.startswith("watch latency, ") for line in lines) == 2
    assert sum(line.lstrip().startswith(("GET ", "POST ")) for line in lines) == 8
    assert any(line.startswith("TCP_NODELAY: ") for line in lines)
