"""Several `kubesim apply` processes write the same store file at once (the command side is many
short processes): every write lands under its own revision, revisions have no gaps, the cluster is
bootstrapped exactly once, and no "database is locked" reaches the user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubesim.store.sqlite import SqliteStore
from tests.cli.conftest import configmap, write

PROCESSES = 6
OBJECTS = 40


def _spawn(args: list[str], store: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "KUBESIM_DEBUG"}
    env["KUBESIM_STORE"] = str(store)
    return subprocess.Popen(
        [sys.executable, "-m", "kubesim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _apply_all(files: list[Path], store: Path) -> list[tuple[int, str, str]]:
    """`kubesim apply -q -f FILE` for every file at once: (exit code, stdout, stderr) of each."""
    procs = [_spawn(["apply", "-q", "-f", str(f)], store) for f in files]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        results.append((p.returncode, out, err))
    return results


@pytest.mark.parametrize("fresh", [True, False], ids=["new-store", "existing-store"])
def test_processes_apply_at_once(tmp_path, fresh):
    store = tmp_path / "store.db"
    if not fresh:
        SqliteStore(str(store)).close()
    files = []
    for p in range(PROCESSES):
        docs = [configmap(f"p{p}-cm{i:02d}", n=str(i)) for i in range(OBJECTS)]
        files.append(write(tmp_path, f"p{p}.yaml", "---\n".join(docs)))
    results = _apply_all(files, store)

    for code, out, err in results:
        assert "locked" not in err.lower() and "Traceback" not in err, err
        assert code == 0, err
        assert len(out.splitlines()) == OBJECTS and all(
            line.endswith(" created") for line in out.splitlines()
        )

    total = PROCESSES * OBJECTS
    with SqliteStore(str(store), create=False) as s:
        assert s.count("/registry/configmaps/default/") == total  # every write landed
        assert s.count("/registry/namespaces/") == 4  # bootstrapped once
        events = s.events(1)
        revisions = sorted({e.revision for e in events})
        assert revisions == list(range(2, s.current_revision() + 1))  # no gap
        assert s.current_revision() == 2 + total  # bootstrap + one revision per object
        created = [e for e in s.journal(types=["command"]) if e.actor == "user"]
        assert sorted(e.revision for e in created) == list(range(3, 3 + total))
        assert {e.outcome for e in created} == {"created"}


def test_processes_update_the_same_object_at_once(tmp_path):
    """Writers that race on one key: each command either lands or reports a clean error."""
    store = tmp_path / "store.db"
    base = write(tmp_path, "cm.yaml", configmap("shared", v="0"))
    first = _spawn(["apply", "-q", "-f", str(base)], store)
    assert first.wait(timeout=60) == 0
    first.stdout.close()
    first.stderr.close()
    files = [write(tmp_path, f"v{i}.yaml", configmap("shared", v=str(i + 1))) for i in range(4)]
    results = _apply_all(files, store)
    for code, out, err in results:
        assert "locked" not in err.lower() and "Traceback" not in err, err
        assert code == 0, err
        assert out == "configmap/shared configured\n"
    with SqliteStore(str(store), create=False) as s:
        revisions = [e.revision for e in s.events(1)]
        assert sorted(set(revisions)) == list(range(2, s.current_revision() + 1))
        assert s.current_revision() == 3 + 4
