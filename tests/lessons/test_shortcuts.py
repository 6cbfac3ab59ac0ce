"""Honest checks in lessons 1, 5, 6, 9 and 12: a skipped or faked step stays NOT YET, and a
learner who reaches the step's state another way (another order, another command, running the
control plane longer) passes. Where a check stopped asserting what a prediction reveals (no pods
yet, not Running yet), a test here shows the lesson's own pace still reveals it.

Each test drives the real CLI in-process, as a learner would: `lesson start N [--step K]` (the
lesson performs the earlier steps), commands typed in the lesson's work dir, `lesson check`.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from kubesim.lessons import progress
from kubesim.lessons.format import find_lesson


@pytest.fixture
def learner(cli, monkeypatch):
    """A learner at a step of a lesson, typing commands in the lesson's work dir."""

    class Learner:
        work: Path

        def start(self, lesson: str, step: int = 1) -> Learner:
            args = ["lesson", "start", lesson, "--step", str(step)]  # --step: a fresh start
            code, out, err = cli(*args)
            assert code == 0, out + err
            self.lesson = find_lesson(lesson)
            self.work = progress.work_dir(self.lesson.id)
            monkeypatch.chdir(self.work)
            return self

        def type(self, *lines: str) -> None:
            """Commands the learner types; each must be accepted unless it says `# fails`."""
            for line in lines:
                command, _, note = line.partition("#")
                code, out, err = cli(*shlex.split(command)[1:])
                assert (code != 0) == ("fails" in note), f"{command}: {out}{err}"

        def get(self, resource: str) -> list[dict]:
            code, out, err = cli("get", resource, "-o", "json")
            assert code == 0, err
            return json.loads(out)["items"]

        def write(self, name: str, text: str) -> None:
            (self.work / name).write_text(text)

        def check(self) -> tuple[bool, str]:
            code, out, err = cli("lesson", "check")
            assert ("PASSED" in out) == (code == 0), out + err
            return code == 0, out

        def next(self) -> str:
            code, out, err = cli("lesson", "next")
            assert code == 0, out + err
            return out

    return Learner()


def passes(learner) -> None:
    passed, out = learner.check()
    assert passed, out


def not_yet(learner) -> str:
    passed, out = learner.check()
    assert not passed, out
    assert "NOT YET" in out
    return " ".join(out.split())  # as one line: the check's messages wrap at 80 columns


# ------------------------------------------------------------------------------- lesson 1
def test_l1_skipping_or_faking_each_step_is_not_yet(learner):
    learner.start("1")
    learner.type("kubesim apply -f shop/")
    not_yet(learner)  # other objects are not the Deployment
    learner.type("kubesim apply -f web-bad.yaml  # fails")
    not_yet(learner)

    learner.start("1", step=2)
    learner.type("kubesim apply -f web-bad.yaml  # fails")
    not_yet(learner)  # a rejected command is not an unchanged one

    learner.start("1", step=3)
    learner.type("kubesim apply -f web.yaml")
    not_yet(learner)  # an unchanged command is not a rejected one

    learner.start("1", step=4)
    learner.type("kubesim apply -f shop/config.yaml")
    assert "Service shop does not exist" in not_yet(learner)


def test_l1_passes_in_another_order(learner):
    """shop/ applied at step 1 and a scale before the rejected command: every step still
    passes (the old checks wanted no event at all in steps 2 and 3, and replicas 3)."""
    learner.start("1")
    learner.type("kubesim apply -f shop/", "kubesim apply -f web.yaml")
    passes(learner)
    learner.next()
    learner.type("kubesim scale deployment/web --replicas=4", "kubesim apply -f web.yaml")
    not_yet(learner)  # the scale made the file differ from what is stored
    learner.type("kubesim apply -f web.yaml")
    passes(learner)
    learner.next()
    learner.type("kubesim apply -f web-bad.yaml  # fails")
    passes(learner)
    learner.next()
    passes(learner)  # shop/ is there already


# ------------------------------------------------------------------------------- lesson 5
FAKE_RS = """apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-fake, labels: {app: web}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.27"}]}
"""


def fake_pods(node: str = "") -> str:
    spec = f"nodeName: {node}, " if node else ""
    return "---\n".join(
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: web-hand-{i}, labels: {{app: web}}}}\n"
        f'spec: {{{spec}containers: [{{name: nginx, image: "nginx:1.27"}}]}}\n'
        for i in range(3)
    )


def test_l5_objects_made_by_hand_are_not_a_controllers_work(learner):
    learner.start("5")
    learner.write("rs.yaml", FAKE_RS)
    learner.type("kubesim apply -f rs.yaml")
    assert "0 ReplicaSet(s) controlled by Deployment web" in not_yet(learner)

    learner.start("5", step=2)
    learner.write("pods.yaml", fake_pods())
    learner.type("kubesim apply -f pods.yaml")
    not_yet(learner)

    learner.start("5", step=3)
    learner.write("pods.yaml", fake_pods(node="node-1"))
    learner.type("kubesim apply -f pods.yaml")
    not_yet(learner)  # bound pods, but not the ReplicaSet's

    learner.start("5", step=4)
    learner.type("kubesim reconcile --for 5ms")
    not_yet(learner)  # bound is not Running: the kubelets need 1 s


def test_l5_five_ms_at_a_time_shows_one_stage_per_step(learner):
    """What the predictions reveal, now that the checks accept a longer run: in the lesson's
    own pace each step shows exactly one more stage."""
    learner.start("5")
    learner.type("kubesim reconcile --for 5ms -q")
    assert len(learner.get("replicasets")) == 1 and learner.get("pods") == []
    learner.next()
    learner.type("kubesim reconcile --for 5ms -q")
    pods = learner.get("pods")
    assert len(pods) == 3 and not any(p["spec"].get("nodeName") for p in pods)
    learner.next()
    learner.type("kubesim reconcile --for 5ms -q")
    pods = learner.get("pods")
    assert all(p["spec"].get("nodeName") for p in pods)
    assert not any(p["status"].get("phase") == "Running" for p in pods)


def test_l5_a_full_reconcile_early_passes_every_later_step(learner):
    """The old step 1-3 checks wanted no pods, no binding, nothing Running: a learner who ran
    the control plane to the end at step 1 could never pass them again."""
    learner.start("5")
    learner.type("kubesim reconcile")
    passes(learner)
    for _ in range(3):
        learner.next()
        passes(learner)


# ------------------------------------------------------------------------------- lesson 6
def test_l6_skipping_or_faking_each_step_is_not_yet(learner):
    learner.start("6")
    learner.type("kubesim get pods")
    not_yet(learner)
    learner.type("kubesim scale deployment/web --replicas=4")
    not_yet(learner)  # a change, but not the one asked for

    learner.start("6", step=2)
    not_yet(learner)
    learner.type("kubesim scale deployment/web --replicas=3", "kubesim reconcile --for 5ms")
    not_yet(learner)  # observed, but not the 5 replicas

    learner.start("6", step=3)
    learner.type("kubesim reconcile --for 5ms")
    not_yet(learner)


def test_l6_observed_comes_before_done(learner):
    learner.start("6", step=2)
    learner.type("kubesim reconcile --for 5ms -q")
    (web,) = learner.get("deployments")
    assert web["status"]["observedGeneration"] == web["metadata"]["generation"]
    running = [p for p in learner.get("pods") if p["status"].get("phase") == "Running"]
    assert len(running) == 3 and web["status"]["availableReplicas"] == 3


def test_l6_passes_with_another_command_or_a_longer_run(learner):
    learner.start("6")
    text = (learner.work / "web.yaml").read_text().replace("replicas: 3", "replicas: 5")
    learner.write("web.yaml", text)
    learner.type("kubesim scale deployment/web --replicas=4", "kubesim apply -f web.yaml")
    passes(learner)  # generation 3, not 2: still a spec change nobody observed
    learner.next()
    learner.type("kubesim reconcile")  # the old check wanted at most 3 pods Running
    passes(learner)
    learner.next()
    passes(learner)


# ------------------------------------------------------------------------------- lesson 9
def test_l9_skipping_or_faking_each_step_is_not_yet(learner):
    learner.start("9")
    learner.type("kubesim reconcile")
    not_yet(learner)  # every consumer LISTs at start, but nothing restarted

    learner.start("9", step=2)
    learner.type("kubesim reconcile --restart kube-controller-manager@2s")
    not_yet(learner)  # not scaled
    learner.type("kubesim scale deployment/web --replicas=30")
    learner.type("kubesim reconcile --restart kube-controller-manager@0s")
    out = not_yet(learner)  # restarted before the 30 pods existed: its LIST read 10 objects
    assert "10 objects; 30 Pod(s) matching app=web exist" in out

    learner.start("9", step=3)
    learner.type("kubesim scale deployment/web --replicas=40", "kubesim reconcile")
    not_yet(learner)  # no compaction, no 410: every watch resumed where it was


def test_l9_passes_in_another_order(learner):
    learner.start("9")
    learner.type("kubesim reconcile --restart kube-scheduler@1s")
    passes(learner)  # any consumer's restart rebuilds its read model
    learner.next()
    learner.type(
        "kubesim scale deployment/web --replicas=30",
        "kubesim reconcile",
        "kubesim reconcile --restart kube-controller-manager@1s",
    )
    passes(learner)
    learner.next()
    learner.type("kubesim scale deployment/web --replicas=40", "kubesim reconcile -q")
    learner.type("kubesim reconcile --compact-every 5 --drop-watch-every 10 -q")
    not_yet(learner)  # settled first: nothing left to write, so nothing to compact
    learner.type("kubesim scale deployment/web --replicas=45")
    learner.type("kubesim reconcile --compact-every 5 -q")
    not_yet(learner)  # compaction alone: the open watches carry on, nothing relists
    learner.type("kubesim scale deployment/web --replicas=50")
    learner.type("kubesim reconcile --compact-every 5 --drop-watch-every 10 -q")
    passes(learner)  # another burst: a watch resumes from a compacted revision, 410


# ------------------------------------------------------------------------------- lesson 12
def controller(learner, old: str = "", new: str = "") -> None:
    """The solution controller, with one line changed: what a learner might write."""
    text = (learner.lesson.path / "solutions" / "backup_controller.py").read_text()
    assert old in text
    learner.write("backup_controller.py", text.replace(old, new))


SOLUTION_STATUS = 'updated["status"] = {"lastSchedule": schedule, "observedGeneration": generation}'


def test_l12_skipping_or_faking_each_step_is_not_yet(learner):
    learner.start("12")
    learner.type("kubesim apply -f backup-crd.yaml")
    not_yet(learner)
    learner.start("12")
    learner.type("kubesim apply -f backups.yaml  # fails: the kind is not known yet")
    not_yet(learner)

    learner.start("12", step=2)
    learner.type("kubesim reconcile --controller backup_controller.py")
    not_yet(learner)  # the file as given: its reconcile writes nothing
    controller(learner, "ctx.client.update_status(updated)", "ctx.client.update(updated)")
    learner.type("kubesim reconcile --controller backup_controller.py")
    not_yet(learner)  # the main resource ignores status: it needs the status subresource
    hard_coded = 'updated["status"] = {"lastSchedule": "0 3 * * *", "observedGeneration": 1}'
    controller(learner, SOLUTION_STATUS, hard_coded)
    learner.type("kubesim reconcile --controller backup_controller.py")
    assert "weekly: status.lastSchedule is 0 3 * * *" in not_yet(learner)

    learner.start("12", step=3)
    learner.type("kubesim apply -f nightly-hourly.yaml")
    not_yet(learner)  # the controller has not seen generation 2
    learner.start("12", step=3)
    learner.type("kubesim reconcile --controller backup_controller.py")
    not_yet(learner)  # nothing changed


def test_l12_a_controller_that_does_not_read_the_generation_fails_by_step_3(learner):
    learner.start("12", step=2)
    controller(learner, '"observedGeneration": generation', '"observedGeneration": 1')
    learner.type("kubesim reconcile --controller backup_controller.py")
    passes(learner)  # every Backup is at generation 1: nothing can tell yet
    learner.next()
    learner.type(
        "kubesim apply -f nightly-hourly.yaml",
        "kubesim reconcile --controller backup_controller.py",
    )
    assert "nightly: status.observedGeneration is 1" in not_yet(learner)


def test_l12_passes_in_another_order(learner):
    learner.start("12")
    learner.type(
        "kubesim apply -f backups.yaml  # fails: the kind is not known yet",
        "kubesim apply -f backup-crd.yaml",
        "kubesim apply -f backups.yaml",
    )
    passes(learner)
    learner.next()
    controller(learner)
    # the schedule changed before the controller ever ran (the old check wanted generation 1)
    learner.type(
        "kubesim apply -f nightly-hourly.yaml",
        "kubesim reconcile --controller backup_controller.py",
    )
    passes(learner)
    learner.next()
    # back and forth: generation 4, not 2 (the old check wanted exactly 2)
    learner.type(
        "kubesim apply -f backups.yaml",
        "kubesim apply -f nightly-hourly.yaml",
        "kubesim reconcile --controller backup_controller.py",
    )
    passes(learner)
