"""Lessons 2, 3 and 13 refuse the obvious shortcut (NOT YET) and accept the real thing, however
the learner got there. Each test starts the shipped lesson at a step (the earlier steps are
performed as auto mode does), types commands in the lesson's work dir, and runs `lesson check`."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from kubesim.lessons import progress


def start(cli, lesson: str, step: int) -> Path:
    code, out, err = cli("lesson", "start", lesson, "--step", str(step))
    assert code == 0, out + err
    work = progress.work_dir(lesson)
    os.chdir(work)
    return work


def typed(cli, *argv: str) -> str:
    """The learner types a command; returns what it printed (it may fail, as a learner's can)."""
    _, out, err = cli(*argv)
    return out + err


def save(cli, path: str, *argv: str) -> dict:
    """`kubesim get ... -o yaml > path`, as the learner's shell would write it."""
    code, out, err = cli(*argv, "-o", "yaml")
    assert code == 0, err
    Path(path).write_text(out, encoding="utf-8")
    return yaml.safe_load(out)


def check(cli) -> tuple[bool, str]:
    """`lesson check`: (passed, its output with line wraps undone)."""
    code, out, _ = cli("lesson", "check")
    assert ("PASSED" in out) == (code == 0), out
    assert code == 0 or "NOT YET" in out, out
    return code == 0, " ".join(out.split())


# ----------------------------------------------------------------------------- lesson 2


def test_write_model_step1_passes_after_another_write_first(cli):
    start(cli, "02-the-write-model", 1)
    typed(cli, "scale", "deployment/web", "--replicas=7")  # a detour: more than one write
    typed(cli, "scale", "deployment/web", "--replicas=4")
    assert check(cli)[0]


def test_write_model_step2_an_old_style_scale_precondition_is_no_409(cli):
    start(cli, "02-the-write-model", 2)
    out = typed(cli, "scale", "deployment/web", "--replicas=5", "--resource-version=3")
    assert "error: Expected resource version to be 3, was 4" in out  # checked by the client
    passed, out = check(cli)
    assert not passed and "-> conflict: 0 since this step began" in out
    typed(cli, "replace", "-f", "web-old.yaml")
    assert check(cli)[0]


def test_write_model_step3_a_plain_scale_is_not_a_read_modify_write(cli):
    start(cli, "02-the-write-model", 3)
    typed(cli, "scale", "deployment/web", "--replicas=5")  # a patch: no resourceVersion
    passed, out = check(cli)
    assert not passed and "carried a resourceVersion: 0" in out
    typed(cli, "scale", "deployment/web", "--replicas=4")
    doc = save(cli, "web-old.yaml", "get", "deployment", "web")  # read again
    doc["spec"]["replicas"] = 5  # modify
    Path("web-old.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert "replaced" in typed(cli, "replace", "-f", "web-old.yaml")  # write, conditionally
    assert check(cli)[0]


# ----------------------------------------------------------------------------- lesson 3


def test_events_step2_a_label_is_not_the_scale_it_asks_for(cli):
    start(cli, "03-events", 2)
    typed(cli, "label", "deployment", "web", "tier=frontend")  # a MODIFIED event, but not it
    passed, out = check(cli)
    assert not passed and "spec.replicas is 3, wanted 2" in out
    typed(cli, "scale", "deployment/web", "--replicas=2")
    assert check(cli)[0]


# ----------------------------------------------------------------------------- lesson 13


def test_replay_step1_applying_the_original_file_is_no_time_travel(cli):
    start(cli, "13-replay", 1)
    assert "created" in typed(cli, "apply", "-f", "config.yaml")
    passed, out = check(cli)
    assert not passed and "journal read user get: 0" in out
    assert "has no metadata.resourceVersion" in out


def test_replay_step1_passes_with_the_copy_read_from_the_past(cli):
    start(cli, "13-replay", 1)
    save(cli, "restored.yaml", "get", "configmap", "web-config", "--at-revision", "38")
    assert "created" in typed(cli, "apply", "-f", "restored.yaml")
    assert check(cli)[0]


def test_replay_step3_reapplying_without_the_edit_is_a_conflict(cli):
    start(cli, "13-replay", 3)
    assert "Conflict" in typed(cli, "apply", "-f", "restored.yaml")  # not edited
    passed, out = check(cli)
    assert not passed and "still has metadata.resourceVersion" in out
    doc = yaml.safe_load(Path("restored.yaml").read_text())
    del doc["metadata"]["resourceVersion"]  # half the edit: the old uid is still there
    Path("restored.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert "metadata.uid: Invalid value" in typed(cli, "apply", "-f", "restored.yaml")
    assert not check(cli)[0]
    del doc["metadata"]["uid"]
    Path("restored.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert "configured" in typed(cli, "apply", "-f", "restored.yaml")
    assert check(cli)[0]


def test_replay_step5_reconciling_without_the_replay_is_not_enough(cli):
    start(cli, "13-replay", 5)
    typed(cli, "reconcile", "-q")
    passed, out = check(cli)
    assert not passed and "journal read user replay: 0" in out
    typed(cli, "replay", "--from", "56", "--to", "57", "--auto")
    assert check(cli)[0]
