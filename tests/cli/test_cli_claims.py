"""What kubectl really does with a saved manifest's resourceVersion (apply creates, apply and
replace of a stale one get 409 Conflict), and the two kinds of watch: a Kubernetes watch from
now (synthetic ADDED, then changes) and the etcd-style history read (`watch --since N`)."""

from __future__ import annotations

import json

import pytest
import yaml

from kubesim.store.sqlite import SqliteStore
from tests.cli.conftest import commands, deployment, revision, write

CONFLICT = (
    'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; '
    "please apply your changes to the latest version and try again"
)


@pytest.fixture
def saved(run, tmp_path):
    """web applied at one revision and saved as `get -o yaml` prints it (with resourceVersion)."""
    assert run("apply", "-q", "-f", write(tmp_path, "web.yaml", deployment()))[0] == 0
    code, out, _ = run("get", "deployment", "web", "-o", "yaml")
    assert code == 0 and "resourceVersion:" in out
    return write(tmp_path, "saved.yaml", out)


def _journal(store_path, kind: str) -> list:
    with SqliteStore(str(store_path)) as s:
        return s.journal(types=[kind])


# ----------------------------------------------------------------------------- apply


def test_apply_of_a_saved_manifest_creates_a_deleted_object(run, saved, store_path):
    old_rv = yaml.safe_load(saved.read_text())["metadata"]["resourceVersion"]
    assert run("delete", "-q", "deployment", "web")[0] == 0
    code, out, err = run("apply", "-f", saved)
    assert (code, out) == (0, "deployment.apps/web created\n"), err
    live = json.loads(run("get", "deployment", "web", "-o", "json")[1])
    assert live["metadata"]["resourceVersion"] == str(revision(store_path)) != old_rv
    # the annotation is computed before kubectl clears resourceVersion for the POST
    applied = json.loads(
        live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    )
    assert applied["metadata"]["resourceVersion"] == old_rv


def test_apply_of_a_stale_saved_manifest_is_a_conflict_in_kubectls_words(run, saved, store_path):
    assert run("scale", "-q", "deployment/web", "--replicas=4")[0] == 0
    before = revision(store_path)
    text = saved.read_text().replace("replicas: 3", "replicas: 5")
    saved.write_text(text)
    code, out, err = run("apply", "-f", saved)
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines[0] == "Error from server (Conflict): error when applying patch:"
    patch = json.loads(lines[1])
    assert patch["spec"] == {"replicas": 5}
    assert patch["metadata"]["resourceVersion"] == str(before - 1)
    assert lines[2:5] == [
        "to:",
        'Resource: "apps/v1, Resource=deployments", GroupVersionKind: "apps/v1, Kind=Deployment"',
        'Name: "web", Namespace: "default"',
    ]
    assert lines[5] == f'for: "{saved}": error when patching "{saved}": {CONFLICT}'
    assert revision(store_path) == before
    assert commands(store_path)[-1].outcome == "conflict"


def test_reapplying_a_restored_copy_conflicts_until_the_past_is_edited_out(run, saved):
    """A restored copy pins the old resourceVersion: once the object exists again, applying the
    same file sends that version in the patch (409); without it, apply configures."""
    run("delete", "-q", "deployment", "web")
    assert run("apply", "-q", "-f", saved)[0] == 0
    code, _, err = run("apply", "-f", saved)
    assert code == 1 and err.startswith("Error from server (Conflict): error when applying")
    doc = yaml.safe_load(saved.read_text())
    doc["metadata"].pop("resourceVersion")
    saved.write_text(yaml.safe_dump(doc))
    code, _, err = run("apply", "-f", saved)  # the deleted object's uid: immutable
    assert code == 1 and 'metadata.uid: Invalid value: "' in err
    assert err.rstrip().endswith("field is immutable")
    doc["metadata"].pop("uid")
    saved.write_text(yaml.safe_dump(doc))
    code, out, err = run("apply", "-f", saved)  # creationTimestamp is ignored, as the API does
    assert (code, out) == (0, "deployment.apps/web configured\n"), err


# ----------------------------------------------------------------------------- replace


def test_replace_of_a_stale_copy_is_a_conflict_and_writes_nothing(run, saved, store_path):
    run("scale", "-q", "deployment/web", "--replicas=4")
    before = revision(store_path)
    code, out, err = run("replace", "-f", saved)
    assert (code, out) == (1, "")
    assert err == (
        f'Error from server (Conflict): error when replacing "{saved}" (document 1): {CONFLICT}\n'
    )
    assert revision(store_path) == before
    last = commands(store_path)[-1]
    assert (last.verb, last.outcome, last.data["resourceVersion"]) == (
        "replace",
        "conflict",
        str(before - 1),
    )


def test_replace_after_a_fresh_read_carries_the_current_version(run, saved, store_path, tmp_path):
    run("scale", "-q", "deployment/web", "--replicas=4")
    fresh = run("get", "deployment", "web", "-o", "yaml")[1].replace("replicas: 4", "replicas: 5")
    f = write(tmp_path, "fresh.yaml", fresh)
    rv = str(revision(store_path))
    code, out, err = run("replace", "-f", f)
    assert (code, out) == (0, "deployment.apps/web replaced\n"), err
    last = commands(store_path)[-1]
    assert (last.verb, last.outcome, last.data["resourceVersion"]) == ("replace", "replaced", rv)
    live = json.loads(run("get", "deployment", "web", "-o", "json")[1])
    assert live["spec"]["replicas"] == 5


def test_replace_without_resource_version_sends_the_current_one(run, saved, store_path, tmp_path):
    run("scale", "-q", "deployment/web", "--replicas=4")
    rv = str(revision(store_path))
    code, out, _ = run("replace", "-f", write(tmp_path, "plain.yaml", deployment(replicas=2)))
    assert (code, out) == (0, "deployment.apps/web replaced\n")
    assert commands(store_path)[-1].data["resourceVersion"] == rv


def test_replace_of_an_absent_object_is_not_found(run, tmp_path):
    code, out, err = run("replace", "-f", write(tmp_path, "web.yaml", deployment()))
    assert (code, out) == (1, "")
    assert err.startswith("Error from server (NotFound): error when replacing")
    assert err.rstrip().endswith('deployments.apps "web" not found')


# ----------------------------------------------------------------------------- watch


def test_watch_without_since_starts_from_the_current_state(run, saved):
    run("scale", "-q", "deployment/web", "--replicas=4")
    code, out, err = run("watch", "deployments", "--for", "0.1s")
    assert code == 0
    rows = [line.split()[:2] for line in out.splitlines()[1:]]
    assert rows == [["ADDED", "web"]]  # one synthetic ADDED, as it is now: no history
    assert out.splitlines()[1].split()[2] == "0/4"
    assert "history is not replayed" in err
    code, out, _ = run("watch", "deployments", "--for", "0.1s", "-o", "json")
    events = [json.loads(line) for line in out.splitlines()]
    assert [(e["type"], e["object"]["spec"]["replicas"]) for e in events] == [("ADDED", 4)]


def test_watch_since_is_the_etcd_style_history_read(run, saved, store_path):
    run("scale", "-q", "deployment/web", "--replicas=4")
    code, out, err = run("watch", "deployments", "--since", "0", "--for", "0.1s")
    assert code == 0
    assert [line.split()[:2] for line in out.splitlines()[1:]] == [
        ["ADDED", "web"],
        ["MODIFIED", "web"],
    ]
    assert err.startswith("etcd-style history read: every stored event after revision 0")
    help_text = run("watch", "--help")[1]
    assert "etcd-style history read" in " ".join(help_text.split())


def test_get_watch_json_prints_each_object_not_a_list(run, saved):
    code, out, _ = run("get", "deployments", "-w", "-o", "json", "--for", "0.1s")
    assert code == 0
    assert json.loads(out)["kind"] == "Deployment"


# ----------------------------------------------------------------------------- reads of the past


def test_time_travel_reads_are_journaled_and_present_reads_are_not(run, saved, store_path):
    rv = revision(store_path)
    run("get", "deployment", "web")
    assert _journal(store_path, "read") == []
    assert run("get", "deployment", "web", "--at-revision", str(rv), "-o", "name")[0] == 0
    (entry,) = _journal(store_path, "read")
    assert (entry.actor, entry.verb, entry.revision) == ("user", "get", rv)
    assert entry.target == "/registry/deployments/default/web"
    assert revision(store_path) == rv  # a read takes no revision
    assert run("replay", "--from", str(rv), "--to", str(rv))[0] == 0
    assert [e.verb for e in _journal(store_path, "read")] == ["get", "replay"]


def test_get_watch_yaml_and_name_print_each_object_as_kubectl_does(run, saved, tmp_path):
    run("apply", "-q", "-f", write(tmp_path, "other.yaml", deployment().replace("web", "api")))
    code, out, _ = run("get", "deployments", "-w", "-o", "yaml", "--for", "0.1s")
    assert code == 0
    docs = list(yaml.safe_load_all(out))
    assert [d["metadata"]["name"] for d in docs] == ["api", "web"]  # `---` between, no List
    code, out, _ = run("get", "deployments", "-w", "-o", "name", "--for", "0.1s")
    assert out == "deployment.apps/api\ndeployment.apps/web\n"
