"""Long run: writer processes race on one store file while some of them are SIGKILLed.

Run `python benchmarks/stress_writes.py` (about a minute), or with `--trials N` (N trials
whatever they take), `--seconds S` (the time budget when --trials is not given), `--writers W`
(processes per trial, default 6) and `--trial-seconds T` (default 4).

Each trial makes a fresh store with one Deployment, starts W writer processes and, every 0.2 to
0.8 s, SIGKILLs one of them at random and starts a new one in its place. Every writer loops over
three writes that carry no resourceVersion, as `kubectl patch`, `kubectl scale` and
`kubectl create` send them: a patch adding an annotation of its own to the Deployment, a scale
of the Deployment to a value of its own, and a create of a ConfigMap of its own. After each
acknowledged write (the API returned) it appends a line to its own log; a SIGKILL may fall
anywhere, between the commit and the log line included (such a write is in the store but was
never acknowledged: that is allowed). After the trial the store is checked:
- lost writes: an acknowledged patch whose annotation is not in the Deployment, a scale whose
  replicas are not what the store holds at the acknowledged revision, a create whose ConfigMap
  is missing or was created at another revision;
- revision gaps: every revision from the trial's start to the store's current one must hold
  events (a killed transaction takes none), and no two acknowledged changes share one;
- conflicts surfaced: a 409 (or any other error) returned to a writer. Under GuaranteedUpdate
  semantics there must be none, however often writers lose the compare-and-swap: the "lost
  races retried" figure counts how often they did;
- SQLite's integrity_check on the file.
It prints one line per trial and the totals, and exits 1 if anything was lost, gapped,
surfaced or damaged.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

KEY = "/registry/deployments/default/web"
#: how long a slow writer's patch takes to compute (the others' take microseconds)
SLOW_PATCH_S = 0.003


def writer(store: str, wid: int, log: str, slow: bool) -> None:
    """A writer process: patch, scale, create, forever, logging each acknowledged write. A
    slow writer's patches take SLOW_PATCH_S between reading the object and writing it."""
    from kubesim.api import retry
    from kubesim.api.server import ApiServer
    from kubesim.api.subresources import scale
    from kubesim.model.errors import KubesimError
    from kubesim.model.kinds import builtin
    from kubesim.store.sqlite import SqliteStore

    lost = [0]
    real_lost = retry.CasRetry.lost

    def counting(self) -> None:
        lost[0] += 1
        real_lost(self)

    retry.CasRetry.lost = counting  # type: ignore[method-assign]
    deploy = builtin("Deployment")
    api = ApiServer(SqliteStore(store))
    out = open(log, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - open until killed
    i = 0
    while True:
        i += 1
        try:
            if i % 3 == 0:
                replicas = wid * 100_000 + i
                r = scale(api, deploy, "default", "web", replicas, actor=f"writer-{wid}")
                line = {"rev": r.revision, "what": "scale", "value": replicas}
            elif i % 3 == 1:
                name = f"w{wid}-{i}"

                def annotate(live: dict[str, Any], name: str = name) -> dict[str, Any]:
                    if slow:
                        time.sleep(SLOW_PATCH_S)  # a heavy patch: its merge takes a while
                    live["metadata"].setdefault("annotations", {})[name] = "1"
                    return live

                r = api.guaranteed_update(
                    deploy, "default", "web", annotate, actor=f"writer-{wid}", verb="patch"
                )
                line = {"rev": r.revision, "what": "patch", "value": name}
            else:
                name = f"cm-{wid}-{i}"
                body = {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": name, "namespace": "default"},
                    "data": {"writer": str(wid)},
                }
                r = api.create(body, actor=f"writer-{wid}")
                line = {"rev": r.revision, "what": "create", "value": name}
        except KubesimError as e:
            line = {"error": f"{type(e).__name__}: {e}"}
        line["lost"] = lost[0]
        out.write(json.dumps(line) + "\n")


def _spawn(store: Path, wid: int, logs: Path, slow: bool) -> subprocess.Popen:
    log = logs / f"writer-{wid}.log"
    return subprocess.Popen(
        [sys.executable, __file__, "--worker", str(store), str(wid), str(log), str(int(slow))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def trial(
    tmp: Path, number: int, writers: int, slow: int, seconds: float, rng: random.Random
) -> dict:
    from kubesim.api.server import ApiServer
    from kubesim.sim.stress import deployment
    from kubesim.store.sqlite import SqliteStore

    store, logs = tmp / f"trial-{number}.db", tmp / f"logs-{number}"
    logs.mkdir()
    setup = ApiServer(SqliteStore(store))
    start = setup.create(deployment("web", 1, "1.27")).revision
    setup.store.close()
    is_slow = {w: w < slow for w in range(writers)}
    procs = {w: _spawn(store, w, logs, is_slow[w]) for w in range(writers)}
    next_id, kills = writers, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(rng.uniform(0.2, 0.8))
        slot = rng.choice(sorted(procs))
        procs[slot].send_signal(signal.SIGKILL)
        procs[slot].wait()
        kills += 1
        del procs[slot]
        is_slow[next_id] = is_slow.pop(slot)  # a slow writer is replaced by a slow one
        procs[next_id] = _spawn(store, next_id, logs, is_slow[next_id])
        next_id += 1
    for p in procs.values():  # the survivors are killed too: nothing ends cleanly
        p.send_signal(signal.SIGKILL)
        p.wait()
        kills += 1
    return {"kills": kills, **check(store, logs, start)}


def check(store: Path, logs: Path, start: int) -> dict:
    from kubesim.store.sqlite import SqliteStore

    acked, errors, lost_races = [], [], 0
    for log in sorted(logs.iterdir()):
        last = 0
        for text in log.read_text(encoding="utf-8").splitlines():
            try:
                line = json.loads(text)
            except ValueError:
                continue  # a line cut short by the SIGKILL
            last = line["lost"]
            if "error" in line:
                errors.append(line["error"])
            else:
                acked.append(line)
        lost_races += last
    s = SqliteStore(store)
    final = json.loads(s.get(KEY).value)
    annotations = final["metadata"].get("annotations") or {}
    lost = []
    for a in acked:
        if a["what"] == "patch":
            ok = annotations.get(a["value"]) == "1"
        elif a["what"] == "scale":
            at = s.get(KEY, a["rev"])
            ok = at is not None and json.loads(at.value)["spec"]["replicas"] == a["value"]
        else:
            kv = s.get(f"/registry/configmaps/default/{a['value']}")
            ok = kv is not None and kv.create_revision == a["rev"]
        if not ok:
            lost.append(a)
    current = s.current_revision()
    revisions = {e.revision for e in s.events(start + 1)}
    gaps = len(set(range(start + 1, current + 1)) - revisions)
    changes = [(a["rev"], a["what"] == "create") for a in acked if a["what"] != "scale"]
    shared = len(changes) - len(set(changes))  # two acknowledged changes at one revision
    s.close()
    with sqlite3.connect(store) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    conflicts = sum("Conflict" in e for e in errors)
    return {
        "acked": len(acked),
        "lost": len(lost),
        "gaps": gaps + shared,
        "conflicts": conflicts,
        "errors": len(errors) - conflicts,
        "lost_races": lost_races,
        "revisions": current - start,
        "damaged": integrity != "ok",
        "examples": (lost[:3], errors[:3]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=None, help="run exactly N trials")
    parser.add_argument("--seconds", type=float, default=60.0, help="time budget (no --trials)")
    parser.add_argument("--writers", type=int, default=6)
    parser.add_argument("--trial-seconds", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slow-writers", type=int, default=2, help="of --writers (default 2)")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        store, wid, log, slow = args.worker
        writer(store, int(wid), log, slow == "1")
        return
    rng = random.Random(args.seed)
    totals: dict[str, int] = {}
    started, number = time.monotonic(), 0
    with tempfile.TemporaryDirectory(prefix="stress-writes-") as tmp:
        while (
            number < args.trials
            if args.trials is not None
            else time.monotonic() - started + args.trial_seconds + 2 <= args.seconds or not number
        ):
            number += 1
            r = trial(Path(tmp), number, args.writers, args.slow_writers, args.trial_seconds, rng)
            for k, v in r.items():
                if k != "examples":
                    totals[k] = totals.get(k, 0) + int(v)
            print(
                f"trial {number}: {r['kills']} SIGKILLs, {r['acked']} acknowledged writes "
                f"({r['revisions']} revisions, {r['lost_races']} lost races retried), "
                f"{r['lost']} lost, {r['gaps']} revision gaps, {r['conflicts']} conflicts "
                f"surfaced, {r['errors']} other errors" + (", DAMAGED" if r["damaged"] else ""),
                flush=True,
            )
            if any(r["examples"]):
                print(f"  examples: {r['examples']}", flush=True)
    print(
        f"total: {number} trials, {totals['kills']} SIGKILLs, {totals['acked']} acknowledged "
        f"writes, {totals['lost']} lost writes, {totals['gaps']} revision gaps, "
        f"{totals['conflicts']} conflicts surfaced, {totals['errors']} other errors, "
        f"{totals['lost_races']} lost races retried, {totals['damaged']} damaged stores "
        f"({time.monotonic() - started:.0f} s)"
    )
    bad = totals["lost"] + totals["gaps"] + totals["conflicts"] + totals["errors"]
    sys.exit(1 if bad + totals["damaged"] else 0)


if __name__ == "__main__":
    main()
