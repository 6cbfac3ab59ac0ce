"""`--store LOCATION` on every command: a file path, or an etcd:// URL.

- a malformed location (`etcd://`, `etcd://host:notaport`, `postgres://x`), from --store or from
  KUBESIM_STORE: one line, exit 1, and no store file created;
- an etcd location on a kubesim without the etcd backend: one line, exit 1;
- with an etcd location, the commands (apply, get, up, watch, reset, rollout) use only the
  store's own interfaces, never a file: here the etcd backend is a stand-in (a Store over a file
  kept elsewhere, named etcd://...), and the working directory stays empty.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

import kubesim.store
from kubesim.cli import planelock
from kubesim.store import files
from kubesim.store.base import ControlPlaneLock
from kubesim.store.planelock import FileControlPlaneLock
from kubesim.store.sqlite import SqliteStore
from tests.cli.conftest import configmap, write

ETCD = "etcd://etcd.example:2379"


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("etcd://", "no endpoint"),
        ("etcd://host:notaport", 'port "notaport" is not a number from 1 to 65535'),
        ("postgres://x", 'unknown scheme "postgres"'),
    ],
)
@pytest.mark.parametrize(
    "argv",
    [
        ["get", "pods"],
        ["apply", "-f", "cm.yaml"],
        ["reset", "--yes"],
        ["up", "--plain", "--for", "1s"],
        ["watch", "--for", "1s"],
        ["rollout", "status", "deployment/web"],
        ["reconcile"],
    ],
)
@pytest.mark.parametrize("via", ["flag", "env"])
def test_a_malformed_location_is_one_line(run, tmp_path, monkeypatch, location, reason, argv, via):
    write(tmp_path, "cm.yaml", configmap("cm"))
    before = sorted(p.name for p in tmp_path.iterdir())
    if via == "flag":
        argv = [*argv, "--store", location]
    else:
        monkeypatch.setenv("KUBESIM_STORE", location)
    code, out, err = run(*argv)
    assert (code, out) == (1, "")
    assert err == (
        f'error: invalid store location "{location}": {reason}; '
        "a store is a file path or etcd://HOST:PORT[,HOST:PORT...]\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no store was created


def test_commands_that_need_no_store_ignore_it(run):
    assert run("version", "--store", "postgres://x")[0] == 0


def test_etcd_without_the_backend_is_one_line(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "kubesim.store.etcd", None)
    monkeypatch.delattr(kubesim.store, "etcd", raising=False)
    for argv in (["get", "pods"], ["reset", "--yes"], ["up", "--plain", "--for", "1s"]):
        code, out, err = run(*argv, "--store", ETCD)
        assert (code, out) == (1, ""), argv
        assert err == "error: etcd store backend not available in this kubesim\n", argv


class StandInEtcd(SqliteStore):
    """The etcd backend's stand-in: a store named etcd://..., over a file kept in `home`,
    with its own control-plane lock and reset (as EtcdStore has them)."""

    home: Path

    def __init__(self, endpoints: tuple[str, ...], create: bool = True) -> None:
        super().__init__(self.home / "etcd.db", create=create)
        self._where = "etcd://" + ",".join(endpoints)

    def control_plane_lock(self) -> ControlPlaneLock:
        lock = FileControlPlaneLock(self.home / "etcd.db")
        lock.where = self.where
        return lock

    def clear(self) -> bool:
        """As etcd's: False when no key and no journal entry was there (opening wrote none)."""
        held = self.count("") > 0 or bool(self.journal(limit=1))
        files.remove_store(self.home / "etcd.db")
        return held


def use_stand_in_etcd(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """KUBESIM_STORE=etcd://..., served by the stand-in, whose data lives in `home`."""
    home.mkdir()
    monkeypatch.setattr(StandInEtcd, "home", home, raising=False)
    module = types.ModuleType("kubesim.store.etcd")
    module.EtcdStore = StandInEtcd  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kubesim.store.etcd", module)
    monkeypatch.setattr(kubesim.store, "etcd", module, raising=False)
    monkeypatch.setenv("KUBESIM_STORE", ETCD)


@pytest.fixture
def etcd(tmp_path, monkeypatch) -> Path:
    home = tmp_path.parent / (tmp_path.name + "-etcd")
    use_stand_in_etcd(home, monkeypatch)
    return home


def test_every_command_goes_through_the_store_not_a_file(run, tmp_path, etcd):
    manifest = write(tmp_path, "cm.yaml", configmap("cm", a="1"))
    here = sorted(p.name for p in tmp_path.iterdir())
    assert run("apply", "-f", str(manifest))[:2] == (0, "configmap/cm created\n")
    code, out, _ = run("get", "configmap", "cm", "-o", "name")
    assert (code, out) == (0, "configmap/cm\n")
    code, out, err = run("up", "--plain", "--for", "1s")
    assert code == 0, err
    assert f"control plane up against {ETCD} at speed 1" in err
    code, out, _ = run("watch", "configmaps", "--for", "0s")
    assert code == 0 and "ADDED" in out and "cm" in out
    refused = f"error: refusing to delete {ETCD} without --yes (no terminal to ask)\n"
    assert run("reset")[2] == refused
    assert run("reset", "--yes")[:2] == (0, f"store {ETCD} deleted\n")
    nothing = f"nothing to reset: {ETCD} holds no kubesim store\n"
    assert run("reset", "--yes")[:2] == (0, nothing)
    assert sorted(p.name for p in tmp_path.iterdir()) == here  # never a ./.kubesim
    assert not (etcd / "etcd.db").exists()  # what the stand-in kept was all cleared


def test_reset_refuses_while_a_control_plane_holds_the_etcd_store(run, etcd):
    with planelock.hold(ETCD):
        code, out, err = run("reset", "--yes")
        assert (code, out) == (1, "")
        assert err.startswith("error: a control plane (kubesim up, pid ")
        assert f"is running against {ETCD}: stop it first" in err
        code, _, err = run("up", "--plain", "--for", "1s")
        assert code == 1
        assert err.splitlines()[-1].endswith(
            f"is already running against {ETCD}: one control plane per store"
        )
    assert planelock.holder(ETCD) is None
