"""The Deployment controller and the rollout helpers, on the virtual clock.

Most tests run the whole control plane (`make_plane()`); the step-sequence and deadline tests run
the Deployment controller alone, with the test playing the ReplicaSet controller, so that every
observation the controller makes is known exactly.
"""

from __future__ import annotations

import pytest
import yaml

from kubesim.api.apply import apply
from kubesim.controllers import deployment_replicas as dr
from kubesim.controllers import deployment_util as du
from kubesim.controllers.deployment import DeploymentController
from kubesim.controllers.deployment_conditions import get_condition
from kubesim.controllers.nodes import ensure_nodes
from kubesim.controllers.rollout import (
    rollback,
    rollback_template,
    rollout_history,
    rollout_status,
)
from kubesim.model.errors import KubesimError
from kubesim.model.kinds import builtin
from kubesim.model.objects import controller_ref, deepcopy, labels_of
from kubesim.sim.controlplane import SimConfig
from tests.sim.conftest import apply_yaml, deployment

DEPLOY = builtin("Deployment")
RS = builtin("ReplicaSet")
POD = builtin("Pod")
SAFE = set("456789bcdf")


def get_deploy(plane, name="web"):
    return plane.api.get(DEPLOY, "default", name)


def replica_sets(plane):
    return sorted(plane.api.list(RS, "default")[0], key=du.by_revision)


def set_image(plane, image, name="web"):
    def mutate(live):
        live["spec"]["template"]["spec"]["containers"][0]["image"] = image
        return live

    plane.api.guaranteed_update(DEPLOY, "default", name, mutate, actor="user", verb="set image")
    plane.poll()


def patch_spec(plane, **fields):
    def mutate(live):
        live["spec"].update(fields)
        return live

    plane.api.guaranteed_update(DEPLOY, "default", "web", mutate, actor="user", verb="patch")
    plane.poll()


def with_strategy(text: str, strategy: str) -> str:
    doc = yaml.safe_load(text)
    doc["spec"]["strategy"] = yaml.safe_load(strategy)
    return yaml.safe_dump(doc)


# ----------------------------------------------------------------------------- pure helpers
def test_hash_alphabet_and_fnv():
    assert du.safe_encode_string("0123456789") == "456789bcdf"
    assert du.fnv32a(b"") == 0x811C9DC5
    assert du.fnv32a(b"a") == 0xE40C292C
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}
    h = du.compute_hash(template)
    assert set(h) <= SAFE and 1 <= len(h) <= 10
    assert du.compute_hash(template, 1) != h
    assert du.compute_hash(deepcopy(template)) == h


@pytest.mark.parametrize(
    ("replicas", "surge", "unavailable", "expected"),
    [
        (3, "25%", "25%", (1, 0)),
        (4, "25%", "25%", (1, 1)),
        (10, "25%", "25%", (3, 2)),
        (5, 0, "10%", (0, 1)),  # both resolve to 0: ResolveFenceposts makes unavailable 1
        (10, 3, 2, (3, 2)),
    ],
)
def test_resolve_fenceposts(replicas, surge, unavailable, expected):
    assert dr.resolve_fenceposts(surge, unavailable, replicas) == expected


def test_equal_ignore_hash():
    a = {"metadata": {"labels": {"app": "web"}}, "spec": {"x": 1}}
    b = deepcopy(a)
    b["metadata"]["labels"]["pod-template-hash"] = "5d4b9c7f8"
    assert du.equal_ignore_hash(a, b)
    b["spec"]["x"] = 2
    assert not du.equal_ignore_hash(a, b)


# ----------------------------------------------------------------------------- end to end
def test_creates_replica_set_named_by_template_hash(make_plane):
    plane = make_plane()
    apply_yaml(plane, deployment(3))
    assert plane.run_until_settled()
    d = get_deploy(plane)
    [rs] = replica_sets(plane)
    pod_hash = du.compute_hash(d["spec"]["template"])
    assert set(pod_hash) <= SAFE and len(pod_hash) <= 10
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert rs["spec"]["replicas"] == 3
    assert rs["metadata"]["labels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] == pod_hash
    ref = controller_ref(rs)
    assert ref["kind"] == "Deployment" and ref["uid"] == d["metadata"]["uid"]
    assert ref["blockOwnerDeletion"] is True
    assert rs["metadata"]["annotations"] == {
        "deployment.kubernetes.io/revision": "1",
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
    }
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    pods = plane.api.list(POD, "default")[0]
    assert len(pods) == 3
    assert all(p["metadata"]["name"].startswith(f"web-{pod_hash}-") for p in pods)


def test_status_and_conditions_after_settling(make_plane):
    plane = make_plane()
    apply_yaml(plane, deployment(3))
    assert plane.run_until_settled()
    d = get_deploy(plane)
    [rs] = replica_sets(plane)
    status = d["status"]
    assert d["metadata"]["generation"] == 1  # status writes do not bump it
    assert status["observedGeneration"] == 1
    assert (status["replicas"], status["updatedReplicas"]) == (3, 3)
    assert (status["readyReplicas"], status["availableReplicas"]) == (3, 3)
    assert "unavailableReplicas" not in status  # 0 is omitted, as Go's omitempty does
    conditions = {c["type"]: c for c in status["conditions"]}
    assert [c["type"] for c in status["conditions"]] == ["Available", "Progressing"]
    assert conditions["Available"]["status"] == "True"
    assert conditions["Available"]["reason"] == "MinimumReplicasAvailable"
    assert conditions["Available"]["message"] == "Deployment has minimum availability."
    assert conditions["Progressing"]["reason"] == "NewReplicaSetAvailable"
    assert conditions["Progressing"]["message"] == (
        f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.'
    )
    events = [
        e
        for e in plane.api.list(builtin("Event"), "default")[0]
        if e["reason"] == "ScalingReplicaSet"
    ]
    assert [e["message"] for e in events] == [
        f"Scaled up replica set {rs['metadata']['name']} from 0 to 3"
    ]
    assert events[0]["source"] == {"component": "deployment-controller"}


def test_status_while_unavailable(make_plane):
    plane = make_plane()
    apply_yaml(plane, deployment(3))
    # until the kubelets report Running, the new RS has no available replicas
    plane.run_until_settled(until=plane.clock.now() + 0.5)
    d = get_deploy(plane)
    conditions = {c["type"]: c for c in d["status"]["conditions"]}
    assert conditions["Available"]["reason"] == "MinimumReplicasUnavailable"
    assert conditions["Available"]["message"] == "Deployment does not have minimum availability."
    assert conditions["Progressing"]["reason"] in ("NewReplicaSetCreated", "ReplicaSetUpdated")
    assert d["status"]["unavailableReplicas"] == 3


def test_scale_up_and_down(make_plane):
    plane = make_plane()
    apply_yaml(plane, deployment(3))
    assert plane.run_until_settled()
    [rs] = replica_sets(plane)
    name = rs["metadata"]["name"]
    apply_yaml(plane, deployment(5))
    assert plane.run_until_settled()
    [rs] = replica_sets(plane)
    assert rs["metadata"]["name"] == name and rs["spec"]["replicas"] == 5
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "5"
    assert len(plane.api.list(POD, "default")[0]) == 5
    apply_yaml(plane, deployment(2))
    assert plane.run_until_settled()
    [rs] = replica_sets(plane)
    assert rs["spec"]["replicas"] == 2
    assert len(plane.api.list(POD, "default")[0]) == 2
    messages = [
        e["message"]
        for e in plane.api.list(builtin("Event"), "default")[0]
        if e["reason"] == "ScalingReplicaSet"
    ]
    assert f"Scaled up replica set {name} from 3 to 5" in messages
    assert f"Scaled down replica set {name} from 5 to 2" in messages
    assert get_deploy(plane)["status"]["observedGeneration"] == 3


def history(plane, kind, since: int):
    """The store's history of one kind after revision `since` (what a watch would deliver)."""
    return plane.api.watch([kind], since)


def replay_steps(plane, since: int, new_hash: str):
    """From the store history: (new RS replicas, old RS replicas) at `since` and after each change,
    the total of spec.replicas and the total of status.availableReplicas after each RS event."""
    specs: dict[str, int] = {}
    available: dict[str, int] = {}
    for rs in plane.api.list(RS, "default", revision=since)[0]:
        specs[rs["metadata"]["name"]] = rs["spec"]["replicas"]
        available[rs["metadata"]["name"]] = dr.status_int(rs, "availableReplicas")
    steps, totals, availability = [], [], []
    if any(n.endswith(new_hash) for n in specs):  # the state at `since` comes first
        new = sum(v for n, v in specs.items() if n.endswith(new_hash))
        steps.append((new, sum(specs.values()) - new))
    for ev in history(plane, RS, since):
        name = ev.obj["metadata"]["name"]
        if ev.type == "DELETED":
            specs.pop(name, None)
            available.pop(name, None)
        else:
            specs[name] = ev.obj["spec"]["replicas"]
            available[name] = dr.status_int(ev.obj, "availableReplicas")
        new = sum(v for n, v in specs.items() if n.endswith(new_hash))
        old = sum(v for n, v in specs.items() if not n.endswith(new_hash))
        if any(n.endswith(new_hash) for n in specs) and (not steps or steps[-1] != (new, old)):
            steps.append((new, old))
        totals.append(sum(specs.values()))
        availability.append(sum(available.values()))
    return steps, totals, availability


def start_alone(make_plane, config=None):
    """A control plane running only the Deployment controller (the test is the RS controller)."""
    plane = make_plane(config=config, start=False)
    ensure_nodes(plane.api, 1, plane.config.node_allocatable)
    plane.add_process("kube-controller-manager", [DeploymentController()])
    plane.poll()
    return plane


def make_replica_sets_available(plane) -> bool:
    """Play the ReplicaSet controller at its best: every RS's pods exist and are available."""
    changed = False
    for rs in plane.api.list(RS, "default")[0]:
        n = rs["spec"]["replicas"]
        status = {
            "replicas": n,
            "fullyLabeledReplicas": n,
            "readyReplicas": n,
            "availableReplicas": n,
            "observedGeneration": rs["metadata"]["generation"],
        }
        status = {k: v for k, v in status.items() if v}
        if rs.get("status") != status:
            rs["status"] = status
            plane.api.update_status(rs, actor="replicaset-controller")
            changed = True
    plane.poll()
    return changed


ROLLING_10 = with_strategy(
    deployment(10), "{type: RollingUpdate, rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}"
)


def test_rolling_update_steps_match_the_algorithm(make_plane):
    plane = start_alone(make_plane)
    apply_yaml(plane, ROLLING_10)
    for _ in range(10):
        plane.run_until_settled()
        if not make_replica_sets_available(plane):
            break
    since = plane.store.current_revision()
    set_image(plane, "nginx:1.28")
    for _ in range(20):
        plane.run_until_settled()
        if not make_replica_sets_available(plane):
            break
    steps, _, _ = replay_steps(plane, since, du.compute_hash(get_deploy(plane)["spec"]["template"]))
    # rolling.go with replicas=10, maxSurge=3, maxUnavailable=2, pods available at once:
    # create new at 13-10=3 and, in the same sync, scale old down to minAvailable 8 plus the
    # unavailable new ones' allowance (13-8-3=2); the new RS then grows to 13-8=5 while its pods
    # are unavailable; once they are available old goes to 3, new to 10, old to 0.
    assert steps == [(3, 10), (3, 8), (5, 8), (5, 3), (10, 3), (10, 0)]
    d = get_deploy(plane)
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert rollout_status(d, replica_sets(plane)) == (
        'deployment "web" successfully rolled out',
        True,
    )


def test_rolling_update_end_to_end_keeps_the_bounds(make_plane):
    plane = make_plane()
    apply_yaml(plane, ROLLING_10)
    assert plane.run_until_settled()
    since = plane.store.current_revision()
    set_image(plane, "nginx:1.28")
    assert plane.run_until_settled()
    new_hash = du.compute_hash(get_deploy(plane)["spec"]["template"])
    steps, totals, available = replay_steps(plane, since, new_hash)
    assert max(totals) <= 13  # replicas + maxSurge
    assert min(available) >= 8  # replicas - maxUnavailable, as the RS statuses report it
    assert steps[0] == (3, 10) and steps[-1] == (10, 0)
    news = [s[0] for s in steps]
    olds = [s[1] for s in steps]
    assert news == sorted(news) and olds == sorted(olds, reverse=True)
    rss = replica_sets(plane)
    assert [r["spec"]["replicas"] for r in rss] == [0, 10]
    pods = plane.api.list(POD, "default")[0]
    assert len(pods) == 10
    assert all(labels_of(p)["pod-template-hash"] == new_hash for p in pods)


def set_rs_status(plane, rs, replicas: int, available: int) -> None:
    """Play the ReplicaSet controller: write one RS's status (it may lag its spec)."""
    rs = deepcopy(rs)
    rs["status"] = {
        "replicas": replicas,
        "fullyLabeledReplicas": replicas,
        "readyReplicas": available,
        "availableReplicas": available,
        "observedGeneration": rs["metadata"]["generation"],
    }
    plane.api.update_status(rs, actor="replicaset-controller")
    plane.poll()


def test_stale_old_rs_status_never_scales_an_old_replica_set_up(make_plane):
    """An old RS just scaled down still reports the pods of its earlier size (status lags spec:
    spec.replicas 5, status.availableReplicas 8). rolling.go's cleanupUnhealthyReplicas would
    compute a negative scale-down (5 -> 8) and refuses it with an error: the sync is retried,
    and the old RS is never scaled up past replicas + maxSurge."""
    plane = start_alone(make_plane)
    apply_yaml(plane, ROLLING_10)
    for _ in range(10):
        plane.run_until_settled()
        if not make_replica_sets_available(plane):
            break
    set_image(plane, "nginx:1.28")
    plane.run_until_settled()
    new_hash = du.compute_hash(get_deploy(plane)["spec"]["template"])
    old, new = replica_sets(plane)
    assert (new["spec"]["replicas"], old["spec"]["replicas"]) == (5, 8)
    set_rs_status(plane, old, 8, 8)
    set_rs_status(plane, new, 5, 3)  # 3 new pods available: old may go down by 3
    plane.run_until_settled()
    old, new = replica_sets(plane)
    assert (new["spec"]["replicas"], old["spec"]["replicas"]) == (8, 5)
    assert dr.status_int(old, "availableReplicas") == 8  # not caught up with the scale-down
    since = plane.store.current_revision()
    set_rs_status(plane, new, 5, 5)  # the new RS's status, while the old one's is still stale
    assert not plane.run_until_settled(until=plane.clock.now() + 5)  # retrying, rate limited
    _, totals, _ = replay_steps(plane, since, new_hash)
    assert max(totals) <= 13
    old, new = replica_sets(plane)
    assert (new["spec"]["replicas"], old["spec"]["replicas"]) == (8, 5)
    set_rs_status(plane, old, 5, 5)  # the old RS's pods are gone: the rollout goes on
    for _ in range(20):
        plane.run_until_settled()
        if not make_replica_sets_available(plane):
            break
    steps, totals, _ = replay_steps(plane, since, new_hash)
    assert max(totals) <= 13
    assert [r["spec"]["replicas"] for r in replica_sets(plane)] == [0, 10]
    olds = [s[1] for s in steps]
    assert olds == sorted(olds, reverse=True)


def test_recreate_never_runs_old_and_new_pods_together(make_plane):
    plane = make_plane()
    apply_yaml(plane, with_strategy(deployment(3), "{type: Recreate}"))
    assert plane.run_until_settled()
    old_hash = labels_of(replica_sets(plane)[0])["pod-template-hash"]
    since = plane.store.current_revision()
    set_image(plane, "nginx:1.28")
    assert plane.run_until_settled()
    live = {
        p["metadata"]["name"]: old_hash for p in plane.api.list(POD, "default", revision=since)[0]
    }
    overlaps = []
    for ev in history(plane, POD, since):
        name = ev.obj["metadata"]["name"]
        if ev.type == "DELETED":
            live.pop(name, None)
        else:
            live[name] = labels_of(ev.obj)["pod-template-hash"]
        if old_hash in live.values() and len(set(live.values())) > 1:
            overlaps.append(dict(live))
    assert overlaps == []
    rss = replica_sets(plane)
    assert [r["spec"]["replicas"] for r in rss] == [0, 3]
    assert len(plane.api.list(POD, "default")[0]) == 3
    assert get_deploy(plane)["status"]["updatedReplicas"] == 3


def test_revision_history_limit_cleans_up_oldest(make_plane):
    plane = make_plane()
    doc = yaml.safe_load(deployment(2))
    doc["spec"]["revisionHistoryLimit"] = 1
    apply_yaml(plane, yaml.safe_dump(doc))
    assert plane.run_until_settled()
    for image in ("nginx:1.28", "nginx:1.29", "nginx:1.30"):
        set_image(plane, image)
        assert plane.run_until_settled()
    rss = replica_sets(plane)
    revisions = [r["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for r in rss]
    assert revisions == ["3", "4"]  # the new one plus revisionHistoryLimit=1 old one
    assert [r["spec"]["replicas"] for r in rss] == [0, 2]
    assert rss[0]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.29"


def test_paused_deployment_does_not_roll_out(make_plane):
    plane = make_plane()
    apply_yaml(plane, deployment(2))
    assert plane.run_until_settled()
    patch_spec(plane, paused=True)
    set_image(plane, "nginx:1.28")
    assert plane.run_until_settled()
    assert len(replica_sets(plane)) == 1
    cond = get_condition(get_deploy(plane)["status"], "Progressing")
    assert (cond["status"], cond["reason"], cond["message"]) == (
        "Unknown",
        "DeploymentPaused",
        "Deployment is paused",
    )
    patch_spec(plane, paused=False)
    assert plane.run_until_settled()
    assert [r["spec"]["replicas"] for r in replica_sets(plane)] == [0, 2]
    cond = get_condition(get_deploy(plane)["status"], "Progressing")
    assert cond["reason"] == "NewReplicaSetAvailable"


def test_adopts_a_matching_orphan_replica_set(make_plane):
    plane = start_alone(make_plane)
    apply_yaml(plane, deployment(2))
    plane.run_until_settled()
    [rs] = replica_sets(plane)
    plane.api.guaranteed_update(
        RS,
        "default",
        rs["metadata"]["name"],
        lambda live: {
            **live,
            "metadata": {k: v for k, v in live["metadata"].items() if k != "ownerReferences"},
        },
        actor="user",
        verb="orphan",
    )
    plane.poll()
    plane.run_until_settled()
    [rs] = replica_sets(plane)
    assert controller_ref(rs)["uid"] == get_deploy(plane)["metadata"]["uid"]


def test_progress_deadline_exceeded(make_plane):
    plane = start_alone(make_plane)
    doc = yaml.safe_load(deployment(2))
    doc["spec"]["progressDeadlineSeconds"] = 30
    apply_yaml(plane, yaml.safe_dump(doc))
    start = plane.clock.now()
    assert plane.run_until_settled()  # nobody makes pods: it times out, then stops requeueing
    d = get_deploy(plane)
    [rs] = replica_sets(plane)
    cond = get_condition(d["status"], "Progressing")
    assert (cond["status"], cond["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert cond["message"] == f'ReplicaSet "{rs["metadata"]["name"]}" has timed out progressing.'
    assert 30 < plane.clock.now() - start < 40
    with pytest.raises(KubesimError, match='deployment "web" exceeded its progress deadline'):
        rollout_status(d, [rs])


def test_hash_collision_bumps_collision_count(make_plane):
    plane = start_alone(make_plane)
    text = deployment(2)
    template = yaml.safe_load(text)["spec"]["template"]
    # what the API server makes of the template (defaults), to predict the hash
    probe = apply(plane.api, yaml.safe_load(text.replace("name: web", "name: probe", 1)))
    pod_hash = du.compute_hash(probe.obj["spec"]["template"])
    squatter = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": f"web-{pod_hash}", "labels": {"other": "x"}},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"other": "x"}},
            "template": {"metadata": {"labels": {"other": "x"}}, "spec": template["spec"]},
        },
    }
    plane.api.create(squatter)
    apply_yaml(plane, text)
    plane.run_until_settled()
    d = get_deploy(plane)
    assert d["status"]["collisionCount"] == 1
    mine = [
        r
        for r in replica_sets(plane)
        if (controller_ref(r) or {}).get("uid") == d["metadata"]["uid"]
    ]
    [rs] = mine
    assert rs["metadata"]["name"] == f"web-{du.compute_hash(d['spec']['template'], 1)}"


# ----------------------------------------------------------------------------- rollout helpers
def test_rollout_status_messages_for_each_stage():
    d = {
        "metadata": {"name": "web", "generation": 2},
        "spec": {"replicas": 3},
        "status": {"observedGeneration": 1},
    }
    assert rollout_status(d, []) == ("Waiting for deployment spec update to be observed...", False)
    d["status"] = {"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1}
    assert rollout_status(d, [])[0] == (
        'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been '
        "updated..."
    )
    d["status"] = {"observedGeneration": 2, "replicas": 4, "updatedReplicas": 3}
    assert rollout_status(d, [])[0] == (
        'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...'
    )
    d["status"] = {
        "observedGeneration": 2,
        "replicas": 3,
        "updatedReplicas": 3,
        "availableReplicas": 2,
    }
    assert rollout_status(d, [])[0] == (
        'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...'
    )
    d["status"]["availableReplicas"] = 3
    assert rollout_status(d, []) == ('deployment "web" successfully rolled out', True)


def test_rollout_status_through_a_rollout(make_plane):
    plane = make_plane()
    apply_yaml(plane, deployment(3))
    assert plane.run_until_settled()
    set_image(plane, "nginx:1.28")
    seen = [rollout_status(get_deploy(plane), [])[0]]
    while plane.step():
        message = rollout_status(get_deploy(plane), [])[0]
        if message != seen[-1]:
            seen.append(message)
    assert seen[0] == "Waiting for deployment spec update to be observed..."
    assert seen[-1] == 'deployment "web" successfully rolled out'
    assert any("new replicas have been updated" in m for m in seen)
    assert any("old replicas are pending termination" in m for m in seen)


def test_rollout_history_and_undo(make_plane):
    plane = make_plane()
    apply_yaml(plane, deployment(2))
    assert plane.run_until_settled()
    set_image(plane, "nginx:1.28")

    def cause(live):
        live["metadata"].setdefault("annotations", {})["kubernetes.io/change-cause"] = "bump"
        return live

    plane.api.guaranteed_update(DEPLOY, "default", "web", cause, actor="user", verb="annotate")
    plane.poll()
    assert plane.run_until_settled()
    d, rss = get_deploy(plane), replica_sets(plane)
    assert rollout_history(d, rss) == "REVISION  CHANGE-CAUSE\n1         <none>\n2         bump\n"

    template = rollback_template(d, rss)
    assert template["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert template["metadata"]["labels"] == {"app": "web"}
    assert rollback_template(d, rss, 2)["spec"]["containers"][0]["image"] == "nginx:1.28"
    with pytest.raises(KubesimError, match="unable to find specified revision 7 in history"):
        rollback_template(d, rss, 7)
    assert rollback(d, rss, 2).message == (
        "skipped rollback (current template already matches revision 2)"
    )

    plan = rollback(d, rss)
    assert plan.message == "rolled back" and not plan.skipped
    assert "kubernetes.io/change-cause" not in plan.annotations  # revision 1 had none

    def undo(live):
        live["spec"]["template"] = plan.template
        live["metadata"]["annotations"] = plan.annotations
        return live

    plane.api.guaranteed_update(DEPLOY, "default", "web", undo, actor="user", verb="rollback")
    plane.poll()
    assert plane.run_until_settled()
    rss = replica_sets(plane)
    first = next(
        r for r in rss if r["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    )
    assert first["spec"]["replicas"] == 2
    annotations = first["metadata"]["annotations"]
    assert annotations["deployment.kubernetes.io/revision"] == "3"
    assert annotations["deployment.kubernetes.io/revision-history"] == "1"
    assert len(rss) == 2  # the old RS came back: no third one
    assert rollout_history(get_deploy(plane), rss) == (
        "REVISION  CHANGE-CAUSE\n2         bump\n3         <none>\n"
    )


# ----------------------------------------------------------------------------- determinism
def run_once(make_plane, path):
    plane = make_plane(config=SimConfig(seed=7, check_mutation=True), path=path)
    apply_yaml(plane, deployment(4))
    assert plane.run_until_settled()
    set_image(plane, "nginx:1.28")
    assert plane.run_until_settled()
    names = [r["metadata"]["name"] for r in replica_sets(plane)]
    pods = sorted(p["metadata"]["name"] for p in plane.api.list(POD, "default")[0])
    journal = [
        (e.type, e.actor, e.verb, e.target, e.outcome, e.revision, e.time)
        for e in plane.store.journal()
    ]
    return names, pods, journal


def test_same_seed_same_names_and_journal(make_plane, tmp_path):
    first = run_once(make_plane, tmp_path / "a.db")
    second = run_once(make_plane, tmp_path / "b.db")
    assert first[0] == second[0] and first[1] == second[1]
    assert first[2] == second[2]


def test_min_ready_seconds_delays_availability(make_plane):
    plane = make_plane()
    doc = yaml.safe_load(deployment(2))
    doc["spec"]["minReadySeconds"] = 5
    apply_yaml(plane, yaml.safe_dump(doc))
    start = plane.clock.now()
    plane.run_until_settled(until=start + 4)
    [rs] = replica_sets(plane)
    assert rs["spec"]["minReadySeconds"] == 5
    status = get_deploy(plane)["status"]
    assert status.get("readyReplicas") == 2 and "availableReplicas" not in status
    assert plane.run_until_settled()
    status = get_deploy(plane)["status"]
    assert status["availableReplicas"] == 2
    assert rollout_status(get_deploy(plane), [])[1]


def test_scaling_during_a_rollout_is_proportional(make_plane):
    plane = make_plane()
    apply_yaml(plane, ROLLING_10)
    assert plane.run_until_settled()
    set_image(plane, "nginx:1.28")
    new_hash = du.compute_hash(get_deploy(plane)["spec"]["template"])
    while True:  # run until both ReplicaSets have replicas, 13 in all
        plane.step()
        sizes = sorted(r["spec"]["replicas"] for r in replica_sets(plane))
        if len(sizes) == 2 and sizes[0] > 0 and sum(sizes) == 13:
            break
    since = plane.store.current_revision()
    doc = yaml.safe_load(ROLLING_10)
    doc["spec"]["replicas"] = 20
    doc["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    apply_yaml(plane, yaml.safe_dump(doc))
    assert plane.run_until_settled()
    steps, totals, _ = replay_steps(plane, since, new_hash)
    assert max(totals) <= 23  # 20 + maxSurge 3
    # sync.go scale: 10 more allowed (23 - 13), shared in proportion to size (each RS's size
    # times 23 / its max-replicas annotation 13, rounded), the larger ReplicaSet first
    new0, old0 = steps[0]
    first, second = sorted([old0, new0], reverse=True)
    share1 = min(dr.go_round(first * 23 / 13) - first, 10)
    share2 = min(dr.go_round(second * 23 / 13) - second, 10 - share1)
    grown = {first: first + share1 + (10 - share1 - share2), second: second + share2}
    assert (grown[new0], grown[old0]) in steps  # the old ReplicaSet grows too
    assert [r["spec"]["replicas"] for r in replica_sets(plane)] == [0, 20]
