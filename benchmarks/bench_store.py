"""Store write and list benchmark: single-key Put transactions, each with a journal entry.

Run `python benchmarks/bench_store.py [--n 10000] [--history 100000]` (--history: also time reads
at random past revisions of a long history, as replay seeks them). Other benchmarks import
`bench_store_writes(n, tmpdir)` to compare API writes/s with the raw store's.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import orjson

from kubesim.store.base import Delete, JournalEntry, Put
from kubesim.store.sqlite import SqliteStore


def _object(i: int) -> bytes:
    """A ~300-byte JSON object shaped like a small Kubernetes ConfigMap."""
    return orjson.dumps(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": f"cm-{i:06d}",
                "namespace": "default",
                "uid": f"00000000-0000-4000-8000-{i:012d}",
                "labels": {"app": "bench", "tier": "store"},
                "creationTimestamp": "2025-01-01T00:00:00Z",
            },
            "data": {"key": "value-" + "x" * 60, "index": str(i)},
        }
    )


def bench_store_writes(n: int, tmpdir: str | Path) -> float:
    """Write n objects, each in its own transaction with a journal entry; return writes/s."""
    values = [(f"/registry/configmaps/default/cm-{i:06d}", _object(i)) for i in range(n)]
    with SqliteStore(Path(tmpdir) / "bench-writes.db") as store:
        started = time.perf_counter()
        for key, value in values:
            entry = JournalEntry("command", actor="bench", verb="create", target=key, time=0.0)
            store.txn([Put(key, value, 0)], [entry])
        elapsed = time.perf_counter() - started
    return n / elapsed


def bench_range(keys: int, tmpdir: str | Path, repeat: int = 50) -> tuple[float, float]:
    """Milliseconds to list `keys` keys by prefix: (now, at a past revision), best of `repeat`."""
    with SqliteStore(Path(tmpdir) / "bench-range.db") as store:
        for i in range(keys):
            store.txn([Put(f"/registry/configmaps/default/cm-{i:06d}", _object(i))])
        for i in range(keys):  # other kinds around the prefix, as in a real store
            store.txn([Put(f"/registry/pods/default/p-{i:06d}", _object(i))])
        past = store.current_revision()
        for i in range(0, keys, 2):  # and a newer version of half the listed keys
            store.txn([Put(f"/registry/configmaps/default/cm-{i:06d}", _object(i) + b" ")])
        timings = []
        for revision in (None, past):
            best = float("inf")
            for _ in range(repeat):
                started = time.perf_counter()
                items, _rev = store.range("/registry/configmaps/", revision)
                best = min(best, time.perf_counter() - started)
            assert len(items) == keys
            timings.append(best * 1000)
    return timings[0], timings[1]


def bench_replay_seek(revisions: int, tmpdir: str | Path, keys: int = 1_000) -> dict[str, float]:
    """A long history, as replay sees it: `keys` listed keys (and as many others) then updates up
    to `revisions` revisions (30% to 10 hot keys, 2% deletes). Milliseconds, mean of 20 random
    past revisions: list the keys, get a hot and a cold key, watch 500 events, a prefixed watch."""
    rng = random.Random(1)
    prefix = "/registry/configmaps/default/"
    listed = [f"{prefix}cm-{i:06d}" for i in range(keys)]
    with SqliteStore(Path(tmpdir) / "bench-replay.db") as store:
        for i, key in enumerate(listed):
            store.txn([Put(key, _object(i))])
        for i in range(keys):
            store.txn([Put(f"/registry/pods/default/p-{i:06d}", _object(i))])
        live = set(listed)
        for n in range(max(0, revisions - 2 * keys)):
            key = listed[rng.randrange(10)] if rng.random() < 0.3 else rng.choice(listed)
            if key in live and rng.random() < 0.02:
                store.txn([Delete(key)])
                live.discard(key)
            else:
                entry = JournalEntry("command", actor="bench", verb="update", target=key)
                store.txn([Put(key, _object(n) + b" " * (n % 7))], [entry])
                live.add(key)
        current = store.current_revision()
        seeks = [rng.randrange(2 * keys + 1, current) for _ in range(20)]
        reads = {
            "range": lambda r: store.range(prefix, r),
            "get hot": lambda r: store.get(listed[3], r),
            "get cold": lambda r: store.get(listed[500 % keys], r),
            "events": lambda r: store.events(r, limit=500),
            "events prefix": lambda r: store.events(r, prefix=listed[1][:-2], limit=100),
        }
        timings = {}
        for name, read in reads.items():
            started = time.perf_counter()
            for revision in seeks:
                read(revision)
            timings[name] = (time.perf_counter() - started) / len(seeks) * 1000
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="objects to write")
    parser.add_argument("--keys", type=int, default=1_000, help="keys to list")
    parser.add_argument(
        "--history", type=int, default=0, help="also seek at random in a history this long"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rate = bench_store_writes(args.n, tmp)
        now_ms, past_ms = bench_range(args.keys, tmp)
        replay = bench_replay_seek(args.history, tmp, args.keys) if args.history else {}
    print(f"store writes:  {rate:>10,.0f} writes/s  ({args.n:,} single-key txns + journal entry)")
    print(f"range now:     {now_ms:>10.2f} ms  ({args.keys:,} keys, current revision)")
    print(f"range past:    {past_ms:>10.2f} ms  ({args.keys:,} keys, past revision)")
    for name, ms in replay.items():
        label = f"seek {name}:"
        print(f"{label:<18}{ms:>7.2f} ms  (random past revisions of {args.history:,})")


if __name__ == "__main__":
    main()
