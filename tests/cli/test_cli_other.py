"""delete, scale, label, set image, history, reset, version, manifests, and the error boundary."""

from __future__ import annotations

import json

import pytest
import yaml

import kubesim
from kubesim.model.errors import KubesimError
from tests.cli.conftest import commands, configmap, deployment, revision, write


@pytest.fixture
def web(run, tmp_path):
    f = write(tmp_path, "web.yaml", deployment())
    assert run("apply", "-q", "-f", f)[0] == 0
    return f


def _get(run, *args):
    code, out, err = run("get", *args, "-o", "json")
    assert code == 0, err
    return json.loads(out)


# ----------------------------------------------------------------------------- delete


def test_delete_prints_kubectl_line(run, web):
    code, out, err = run("delete", "deployment", "web")
    assert (code, out) == (0, 'deployment.apps "web" deleted\n')
    assert "DELETED" in err  # the CQRS note
    assert run("get", "deploy")[2] == "No resources found in default namespace.\n"


def test_delete_kind_slash_name_and_quiet(run, web):
    assert run("delete", "-q", "deploy/web") == (0, 'deployment.apps "web" deleted\n', "")


def test_delete_missing_is_not_found(run):
    code, out, err = run("delete", "cm", "nope")
    assert (code, out) == (1, "")
    assert err == 'Error from server (NotFound): configmaps "nope" not found\n'


def test_delete_from_file(run, web):
    assert run("delete", "-q", "-f", web) == (0, 'deployment.apps "web" deleted\n', "")


def test_delete_by_selector_and_all(run, tmp_path):
    docs = [configmap("a"), configmap("b"), configmap("c")]
    docs[0] = docs[0].replace("  name: a\n", "  name: a\n  labels: {tier: x}\n")
    run("apply", "-q", "-f", write(tmp_path, "cms.yaml", "---\n".join(docs)))
    assert run("delete", "-q", "cm", "-l", "tier=x")[1] == 'configmap "a" deleted\n'
    assert run("delete", "-q", "cm", "--all")[1] == 'configmap "b" deleted\nconfigmap "c" deleted\n'
    assert run("get", "cm")[1] == ""


@pytest.mark.parametrize(
    ("cascade", "finalizer"), [("foreground", "foregroundDeletion"), ("orphan", "orphan")]
)
def test_cascade_foreground_and_orphan_leave_object_with_finalizer(run, web, cascade, finalizer):
    code, out, _ = run("delete", "deploy", "web", f"--cascade={cascade}")
    assert (code, out) == (0, 'deployment.apps "web" deleted\n')
    obj = _get(run, "deploy", "web")
    assert obj["metadata"]["finalizers"] == [finalizer]
    assert obj["metadata"]["deletionTimestamp"]


def test_cascade_background_removes_at_once(run, web):
    run("delete", "deploy", "web", "--cascade=background")
    assert run("get", "deploy", "web")[0] == 1


def test_bad_cascade_value(run, web):
    code, _, err = run("delete", "deploy", "web", "--cascade=sideways")
    assert code == 1 and "invalid cascade value" in err
    assert run("get", "deploy", "web")[0] == 0


def test_delete_without_names(run):
    code, _, err = run("delete", "deploy")
    assert code == 1 and err == "error: resource(s) were provided, but no name was specified\n"


# ----------------------------------------------------------------------------- scale


def test_scale_uses_scale_subresource(run, web, store_path):
    rev = revision(store_path)
    code, out, _ = run("scale", "deploy/web", "--replicas=5")
    assert (code, out) == (0, "deployment.apps/web scaled\n")
    obj = _get(run, "deploy", "web")
    assert obj["spec"]["replicas"] == 5 and obj["metadata"]["generation"] == 2
    assert obj["metadata"]["resourceVersion"] == str(rev + 1)
    last = commands(store_path)[-1]
    assert (last.verb, last.outcome, last.revision) == ("scale", "scaled", rev + 1)


def test_scale_negative_is_invalid(run, web):
    code, out, err = run("scale", "deploy", "web", "--replicas=-1")
    assert (code, out) == (1, "")
    assert "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in err
    assert _get(run, "deploy", "web")["spec"]["replicas"] == 3


def test_scale_resource_version_is_a_client_side_precondition(run, web, store_path):
    """kubectl GETs the Scale, compares, and sends nothing when it does not match."""
    before, sent = revision(store_path), len(commands(store_path))
    code, out, err = run("scale", "deploy/web", "--replicas=2", "--resource-version=1")
    assert (code, out) == (1, "")
    assert err == f"error: Expected resource version to be 1, was {before}\n"
    assert revision(store_path) == before and len(commands(store_path)) == sent
    code, _, err = run("scale", "deploy/web", "--replicas=2", "--current-replicas=5")
    assert (code, err) == (1, "error: Expected replicas to be 5, was 3\n")
    assert len(commands(store_path)) == sent


def test_scale_with_the_current_resource_version_puts_it(run, web, store_path):
    rv = str(revision(store_path))
    code, out, _ = run("scale", "deploy/web", "--replicas=2", f"--resource-version={rv}", "-q")
    assert (code, out) == (0, "deployment.apps/web scaled\n")
    last = commands(store_path)[-1]
    assert (last.verb, last.outcome, last.data["resourceVersion"]) == ("scale", "scaled", rv)
    code, _, _ = run("scale", "deploy/web", "--replicas=4", "-q")  # a patch: carries none
    assert code == 0 and "resourceVersion" not in commands(store_path)[-1].data


def test_scale_of_a_kind_without_scale_subresource(run, tmp_path):
    run("apply", "-q", "-f", write(tmp_path, "cm.yaml", configmap("c")))
    code, _, err = run("scale", "cm/c", "--replicas=2")
    assert code == 1 and "scale" in err


# ----------------------------------------------------------------------------- label, set image


def test_label_add_overwrite_remove(run, web):
    assert run("label", "-q", "deploy", "web", "tier=fe") == (
        0,
        "deployment.apps/web labeled\n",
        "",
    )
    code, _, err = run("label", "deploy", "web", "tier=be")
    assert code == 1 and "--overwrite" in err
    assert run("label", "-q", "deploy", "web", "tier=be", "--overwrite")[0] == 0
    assert _get(run, "deploy", "web")["metadata"]["labels"]["tier"] == "be"
    assert run("label", "-q", "deploy", "web", "tier-")[1] == "deployment.apps/web unlabeled\n"
    assert "tier" not in _get(run, "deploy", "web")["metadata"]["labels"]


def test_label_does_not_bump_generation(run, web):
    run("label", "-q", "deploy", "web", "tier=fe")
    assert _get(run, "deploy", "web")["metadata"]["generation"] == 1


def test_set_image(run, web):
    code, out, _ = run("set", "image", "deploy/web", "nginx=nginx:1.28")
    assert (code, out) == (0, "deployment.apps/web image updated\n")
    obj = _get(run, "deploy", "web")
    assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert obj["metadata"]["generation"] == 2
    code, _, err = run("set", "image", "deploy/web", "sidecar=x")
    assert code == 1 and 'unable to find container named "sidecar"' in err


# ----------------------------------------------------------------------------- history


def test_history_json_pairs_events_with_commands(run, web, tmp_path):
    run("apply", "-q", "-f", web)  # unchanged: a command without a revision
    run("apply", "-q", "-f", write(tmp_path, "web.yaml", deployment(replicas=4)))
    code, out, _ = run("history", "-o", "json")
    rows = json.loads(out)
    ours = [r for r in rows if r["key"] == "/registry/deployments/default/web"]
    assert [(r["event"], r["verb"], r["outcome"]) for r in ours] == [
        ("ADDED", "apply", "created"),
        ("", "apply", "unchanged"),
        ("MODIFIED", "apply", "configured"),
    ]
    assert ours[1]["revision"] is None
    assert ours[2]["revision"] == ours[0]["revision"] + 1
    boot = [r for r in rows if r["actor"] == "kube-apiserver"]
    assert {r["key"] for r in boot} >= {
        "/registry/namespaces/default",
        "/registry/services/specs/default/kubernetes",
    }


def test_history_table(run, web):
    code, out, _ = run("history")
    lines = out.splitlines()
    assert lines[0].split() == ["REVISION", "EVENT", "KEY", "ACTOR", "VERB", "OUTCOME"]
    assert lines[-1].split()[1:] == [
        "ADDED",
        "/registry/deployments/default/web",
        "user",
        "apply",
        "created",
    ]


# ----------------------------------------------------------------------------- admin


def test_reset_needs_yes_without_a_terminal(run, web, store_path):
    code, _, err = run("reset")
    assert code == 1 and "--yes" in err and store_path.exists()
    assert run("reset", "--yes")[0] == 0
    assert not store_path.exists()
    assert run("get", "deploy")[2] == "No resources found in default namespace.\n"


def test_reset_refuses_a_file_that_is_not_a_store(run, tmp_path, monkeypatch):
    other = write(tmp_path, "precious.txt", "my notes")
    monkeypatch.setenv("KUBESIM_STORE", str(other))
    code, _, err = run("reset", "--yes")
    assert code == 1 and other.read_text() == "my notes"


def test_version(run):
    code, out, _ = run("version")
    assert code == 0 and kubesim.__version__ in out and "v1.32" in out


def test_manifests_copy(run, tmp_path):
    code, out, _ = run("manifests")
    assert code == 0 and "web-deployment.yaml" in out
    dest = tmp_path / "copy"
    assert run("manifests", "--copy", dest)[0] == 0
    names = sorted(p.name for p in dest.iterdir())
    assert "web-deployment.yaml" in names
    for p in dest.iterdir():
        assert list(yaml.safe_load_all(p.read_text()))  # real manifests: parsed, not empty
    code, _, err = run("manifests", "--copy", dest)
    assert code == 1 and "not empty" in err


def test_shipped_manifests_apply_cleanly(run):
    from kubesim.data import manifests_dir

    code, out, err = run("apply", "-f", manifests_dir())
    assert code == 0, err
    assert all(line.endswith(" created") for line in out.splitlines())
    code, out, _ = run("apply", "-f", manifests_dir())
    assert all(line.endswith(" unchanged") for line in out.splitlines())


# ----------------------------------------------------------------------------- error boundary


def test_unknown_command_is_a_usage_error(run):
    code, out, err = run("bogus")
    assert code == 2 and out == ""
    assert "No such command" in err and "internal error" not in err


def test_bad_option_value_is_a_usage_error(run):
    code, _, err = run("scale", "deploy/web", "--replicas=many")
    assert code == 2 and "internal error" not in err


def test_unexpected_exception_is_one_line_and_hint(run, monkeypatch):
    from kubesim.cli import admin

    def boom() -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(admin.context, "out", lambda text: boom())
    code, out, err = run("version")
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "error: internal error: RuntimeError: kaput",
        "Hint: run again with KUBESIM_DEBUG=1 to see the traceback, and report it",
    ]


def test_debug_shows_the_traceback(store_path, capsys, monkeypatch):
    from kubesim.cli import admin
    from tests.cli.conftest import invoke

    monkeypatch.setattr(
        admin.context, "out", lambda text: (_ for _ in ()).throw(RuntimeError("kaput"))
    )
    monkeypatch.setenv("KUBESIM_DEBUG", "1")
    with pytest.raises(RuntimeError, match="kaput"):
        invoke(capsys, ["version"], None)


def test_kubesim_error_with_hint(run, monkeypatch):
    from kubesim.cli import admin

    def fail(text: str) -> None:
        raise KubesimError("it broke", hint="try again")

    monkeypatch.setattr(admin.context, "out", fail)
    assert run("version") == (1, "", "error: it broke\nHint: try again\n")


def test_store_flag_anywhere(run, tmp_path, web):
    other = tmp_path / "other.db"
    assert run("get", "deploy", "--store", other)[2] == "No resources found in default namespace.\n"
    assert (
        run("get", f"--store={other}", "deploy")[2] == "No resources found in default namespace.\n"
    )
    assert other.exists()


def test_not_a_store_file(run, tmp_path, monkeypatch):
    bogus = write(tmp_path, "bogus.db", "not sqlite at all " * 100)
    monkeypatch.setenv("KUBESIM_STORE", str(bogus))
    code, out, err = run("get", "pods")
    assert code == 1 and out == "" and len(err.splitlines()) <= 2
    assert "internal error" not in err


# ----------------------------------------------------------------------------- colour


def test_no_escape_codes_without_a_terminal_even_without_no_color(run, monkeypatch, tmp_path, web):
    monkeypatch.delenv("NO_COLOR")
    for argv in (
        ["apply", "-f", web],
        ["get", "all"],
        ["describe", "deploy", "web"],
        ["history"],
        ["scale", "deploy/web", "--replicas=2"],
        ["get", "nothing"],
    ):
        run(*argv)  # the fixture fails on any escape code


def test_no_color_on_a_terminal(tmp_path):
    """A real pseudo-terminal on stdout and stderr, NO_COLOR=1: not one escape code."""
    import os
    import pty
    import subprocess
    import sys

    f = write(tmp_path, "web.yaml", deployment())
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "KUBESIM_STORE": str(tmp_path / "store.db"),
        "TERM": "xterm-256color",
    }
    env.pop("KUBESIM_DEBUG", None)
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kubesim", "apply", "-f", str(f)],
            stdout=secondary,
            stderr=secondary,
            env=env,
            timeout=60,
        )
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(primary)
    text = b"".join(chunks).decode()
    assert done.returncode == 0
    assert "deployment.apps/web created" in text and "write model" in text
    assert "\x1b" not in text


def test_delete_from_file_with_an_unsupported_kind(run, tmp_path):
    run("apply", "-q", "-f", write(tmp_path, "cm.yaml", configmap("c")))
    f = write(
        tmp_path,
        "mix.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n---\n" + configmap("c"),
    )
    code, out, err = run("delete", "-q", "-f", f)
    assert (code, out) == (1, 'configmap "c" deleted\n')
    assert err.splitlines() == [err.splitlines()[0]] and '(document 1): kind "Job"' in err
