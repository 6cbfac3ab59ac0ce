"""The causal chain of a Deployment's pod, and field-level diffs of known versions."""

from __future__ import annotations

from kubesim.replay.diff import field_diff, format_diff, versions
from kubesim.replay.history import History
from kubesim.replay.why import chain, explain


def test_why_a_pod_gives_the_full_chain(history_store, known):
    history = History(history_store)
    pods, _ = history_store.range("/registry/pods/default/")
    links = chain(history, pods[0].create_revision)
    assert [link.actor for link in links] == [
        "kube-controller-manager/replicaset",
        "kube-controller-manager/deployment",
        "user",
    ]
    assert links[0].kind == "Pod" and links[0].outcome == "created"
    assert links[1].kind == "ReplicaSet" and links[1].reconcile == "default/web"
    assert links[0].trigger == links[1].revision
    assert links[2].revision == known["first_apply"] and links[2].source == "web.yaml"
    text = explain(links)
    assert "kube-controller-manager/replicaset's reconcile of default/web-" in text[0]
    assert text[-1].endswith("created by `kubesim apply` of web.yaml")


def test_diff_between_the_two_applies(history_store, known):
    key = "/registry/deployments/default/web"
    old, new = versions(history_store, key, known["first_apply"], known["second_apply"])
    assert (old.revision, new.revision) == (known["first_apply"], known["second_apply"])
    changes = {c.path: c for c in field_diff(old.obj, new.obj)}
    assert (changes["spec.replicas"].old, changes["spec.replicas"].new) == (3, 5)
    assert changes["metadata.generation"].new == 2
    assert "~ spec.replicas: 3 -> 5" in format_diff(list(changes.values()))


def test_diff_defaults_to_previous_version(history_store):
    key = "/registry/deployments/default/web"
    old, new = versions(history_store, key)
    assert new.revision == history_store.get(key).mod_revision
    assert 0 < old.revision < new.revision
    assert field_diff(old.obj, new.obj)


def test_field_diff_shapes():
    a = {"spec": {"containers": [{"image": "a"}], "x": 1}}
    b = {"spec": {"containers": [{"image": "b"}, {"image": "c"}]}, "y": True}
    assert format_diff(field_diff(a, b)) == [
        "~ spec.containers[0].image: a -> b",
        '+ spec.containers[1]: {"image":"c"}',
        "- spec.x: 1",
        "+ y: true",
    ]
