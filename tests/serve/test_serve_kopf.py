"""A kopf operator nobody here wrote the framework of, run for real against the front:
examples/operators/backup_operator.py under `kopf run --standalone --all-namespaces` (kopf's
KopfRunner: the operator's own thread and event loop), with a kubeconfig from `kubesim
kubeconfig --as backup-operator`. Its handler runs, its status write lands in the store through
the status subresource, and it shows in the journal and in `lag` as a consumer by its name.
No sleeps: each wait polls for a condition, bounded by a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubesim.cli.lag import lag_rows
from kubesim.model.objects import loads
from kubesim.serve.kubeconfig import kubeconfig_text
from kubesim.sim.snapshot import StageTracker, snapshot

testing = pytest.importorskip("kopf.testing")

ROOT = Path(__file__).resolve().parents[2]
OPERATOR = ROOT / "examples" / "operators" / "backup_operator.py"
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
BACKUPS = "/apis/example.kubesim.dev/v1/namespaces/default/backups"
PREFIX = "/registry/example.kubesim.dev/backups/"
KEY = PREFIX + "default/nightly"
DEADLINE_S = 20.0


def manifest(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifests" / name).read_text())


def wait_for(what: str, probe: Callable[[], Any]) -> Any:
    """`probe()`'s first truthy answer, polled every 20 ms until the deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"{what}: not within {DEADLINE_S:.0f}s")


def journal(served, type_: str) -> list[Any]:
    """The operator's journal entries of `type_` about Backups."""
    store = served.open_store()
    try:
        entries = store.journal(types=[type_], actor="backup-operator")
    finally:
        store.close()
    return [e for e in entries if e.target == PREFIX]


def test_a_kopf_operator_reconciles_through_the_front_as_a_named_consumer(served, monkeypatch):
    plane = served.settle()  # a control plane run, so `lag` has one to show the operator beside
    tracker = StageTracker(plane)  # and the live view's state, from before the operator starts
    code, _, _ = served.request("POST", CRDS, manifest("backup-crd.yaml"))
    assert code == 201
    kubeconfig = served.kubeconfig.with_name("operator.kubeconfig")
    kubeconfig.write_text(kubeconfig_text(served.server.url, "backup-operator"))
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    # kopf logs in through the kubernetes client, which read $KUBECONFIG when first imported
    # (another test may have imported it already): what a fresh `kopf run` process would read
    from kubernetes.config import kube_config

    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(kubeconfig))

    def backup(phase: str) -> dict[str, Any] | None:
        code, obj, _ = served.request("GET", BACKUPS + "/nightly")
        return obj if code == 200 and (obj.get("status") or {}).get("phase") == phase else None

    def events() -> list[tuple[str, str]]:
        query = "?fieldSelector=involvedObject.name%3Dnightly"
        _, found, _ = served.request("GET", "/api/v1/namespaces/default/events" + query)
        return sorted((e["type"], e["reason"]) for e in found.get("items", []))

    args = ["run", "--standalone", "--all-namespaces", str(OPERATOR)]
    with testing.KopfRunner(args, timeout=DEADLINE_S) as runner:
        wait_for("the operator's watch of Backups", lambda: journal(served, "client"))
        assert served.request("POST", BACKUPS, manifest("backup-nightly.yaml"))[0] == 201
        created = wait_for("the create handler's status", lambda: backup("Scheduled"))
        patch = {"spec": {"schedule": "0 25 * * *"}}
        headers = {"Content-Type": "application/merge-patch+json"}
        assert served.request("PATCH", BACKUPS + "/nightly", patch, headers)[0] == 200
        invalid = wait_for("the update handler's status", lambda: backup("Invalid"))
        # kopf posts Events from a queue of its own: each report is one Event on the Backup
        reported = wait_for("its two Events", lambda: len(events()) == 2 and events())
    assert runner.exit_code == 0, runner.output

    # the handler's reports, from the spec at each generation
    assert created["status"] == {
        "phase": "Scheduled",
        "message": 'schedule "0 3 * * *" is valid; keeps 14 backups',
        "lastSchedule": "0 3 * * *",
        "observedGeneration": 1,
    }
    assert invalid["status"]["observedGeneration"] == invalid["metadata"]["generation"] == 2
    assert invalid["status"]["lastSchedule"] == "0 3 * * *"  # the valid one stays in force
    assert invalid["status"]["message"] == ('schedule "0 25 * * *": hour "25" is out of range 0-23')
    assert reported == [("Normal", "Scheduled"), ("Warning", "InvalidSchedule")]

    store = served.open_store()
    try:
        # the status in the store was written by the operator's PATCH of /status
        kv = store.get(KEY)
        assert kv is not None and loads(kv.value)["status"] == invalid["status"]
        commands = store.journal(types=["command"], min_revision=kv.mod_revision)
        (command,) = [c for c in commands if c.target == KEY and c.outcome != "unchanged"]
        assert (command.actor, command.verb, command.revision) == (
            "backup-operator",
            "patch-status",
            kv.mod_revision,
        )
        # a consumer by its name: its LIST (a relist), its watch, the events delivered to it
        mine = store.journal(actor="backup-operator")
        relists = [e for e in mine if e.type == "relist" and e.target == PREFIX]
        watches = [e for e in mine if e.type == "client" and e.target == PREFIX]
        assert relists and watches and watches[0].verb == "watch"
        assert watches[0].data["kinds"] == ["Backup"]
        assert watches[0].seq > relists[0].seq
        delivered = [(e.verb, e.target) for e in mine if e.type == "delivery"]
        assert ("ADDED", KEY) in delivered and ("MODIFIED", KEY) in delivered
        # and `kubesim lag` lists it beside the control plane's processes
        rows, _, _ = lag_rows(store)
        by_name = {row[0]: row for row in rows[1:]}
        assert "kube-controller-manager" in by_name
        watched = by_name["backup-operator"][-1].removesuffix(" (kubesim serve client)")
        assert sorted(watched.split(",")) == ["Backup", "CustomResourceDefinition"]
        created_at = int(created["metadata"]["resourceVersion"])
        assert int(by_name["backup-operator"][1].removeprefix("r")) >= created_at
    finally:
        store.close()
    # the live view: its projection and staleness rows beside the control plane's consumers
    frame = snapshot(plane, tracker)
    (row,) = [p for p in frame.projections if p.consumer == "backup-operator"]
    assert row.watches == "backup,crd (http)"
    assert "kube-controller-manager" in [p.consumer for p in frame.projections]
    assert "backup-operator" in [s.consumer for s in frame.staleness]
