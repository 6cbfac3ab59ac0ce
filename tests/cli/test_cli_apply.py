"""`kubesim apply`: kubectl's lines on stdout, CQRS notes on stderr, and bad input refused with one
line naming the file and the document, exit 1, no traceback, nothing written, no revision taken."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.cli.conftest import commands, configmap, deployment, revision, write

# ----------------------------------------------------------------------------- good input


def test_apply_prints_created_then_unchanged_then_configured(run, tmp_path, store_path):
    f = write(tmp_path, "web.yaml", deployment())
    code, out, err = run("apply", "-f", f)
    assert (code, out) == (0, "deployment.apps/web created\n")
    assert "revision" in err and "write model" in err  # the CQRS note, on stderr only
    rev = revision(store_path)

    code, out, err = run("apply", "-f", f)
    assert (code, out) == (0, "deployment.apps/web unchanged\n")
    assert revision(store_path) == rev  # nothing to patch: no write, no revision

    write(tmp_path, "web.yaml", deployment(replicas=5))
    code, out, _ = run("apply", "-f", f)
    assert (code, out) == (0, "deployment.apps/web configured\n")
    assert revision(store_path) == rev + 1


def test_apply_directory_applies_yaml_yml_json_in_name_order(run, tmp_path):
    write(tmp_path, "d/b.yml", configmap("b"))
    write(tmp_path, "d/a.yaml", configmap("a"))
    write(tmp_path, "d/c.json", json.dumps(yaml.safe_load(configmap("c"))))
    write(tmp_path, "d/notes.txt", "not a manifest")
    code, out, _ = run("apply", "-f", tmp_path / "d")
    assert code == 0
    assert out.splitlines() == ["configmap/a created", "configmap/b created", "configmap/c created"]


def test_apply_stdin(run):
    code, out, _ = run("apply", "-f", "-", stdin=configmap("from-stdin").encode())
    assert (code, out) == (0, "configmap/from-stdin created\n")


def test_apply_json_file(run, tmp_path):
    f = write(tmp_path, "cm.json", json.dumps(yaml.safe_load(configmap("j", x="1"))))
    assert run("apply", "-f", f)[:2] == (0, "configmap/j created\n")


def test_apply_kind_list_is_expanded(run, tmp_path):
    items = [yaml.safe_load(configmap("l1")), yaml.safe_load(configmap("l2"))]
    f = write(
        tmp_path, "list.yaml", yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items})
    )
    code, out, _ = run("apply", "-f", f)
    assert (code, out) == (0, "configmap/l1 created\nconfigmap/l2 created\n")


def test_quiet_suppresses_notes(run, tmp_path):
    f = write(tmp_path, "cm.yaml", configmap("q"))
    code, out, err = run("apply", "-q", "-f", f)
    assert (code, out, err) == (0, "configmap/q created\n", "")


@pytest.mark.parametrize("fmt", ["name", "json", "yaml"])
def test_output_formats_print_only_data(run, tmp_path, fmt):
    f = write(tmp_path, "cm.yaml", configmap("o", k="v"))
    code, out, err = run("apply", "-f", f, "-o", fmt)
    assert code == 0 and err == ""  # no note, no kubectl line
    if fmt == "name":
        assert out == "configmap/o\n"
    else:
        obj = json.loads(out) if fmt == "json" else yaml.safe_load(out)
        assert obj["kind"] == "ConfigMap" and obj["data"] == {"k": "v"}
        assert obj["metadata"]["resourceVersion"]


def test_output_json_of_several_objects_is_a_list(run, tmp_path):
    f = write(tmp_path, "cms.yaml", configmap("a") + "---\n" + configmap("b"))
    code, out, _ = run("apply", "-f", f, "-o", "json")
    data = json.loads(out)
    assert data["kind"] == "List" and [i["metadata"]["name"] for i in data["items"]] == ["a", "b"]


def test_dry_run_server_writes_nothing(run, tmp_path, store_path):
    f = write(tmp_path, "web.yaml", deployment())
    run("version")
    run("get", "ns")  # the store exists and is bootstrapped
    rev, journal = revision(store_path), len(commands(store_path))
    code, out, _ = run("apply", "-f", f, "--dry-run=server")
    assert code == 0 and out.startswith("deployment.apps/web created")
    assert revision(store_path) == rev
    assert len(commands(store_path)) == journal
    code, _, err = run("get", "deploy")
    assert err == "No resources found in default namespace.\n"


def test_namespace_flag_sets_namespace_of_objects_without_one(run, tmp_path):
    run(
        "apply",
        "-f",
        write(tmp_path, "ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"),
    )
    code, out, _ = run("apply", "-f", write(tmp_path, "cm.yaml", configmap("c")), "-n", "shop")
    assert code == 0
    assert run("get", "cm", "c", "-n", "shop", "-o", "name")[1] == "configmap/c\n"


def test_status_change_by_controller_does_not_make_reapply_configured(run, tmp_path, store_path):
    from kubesim.api.server import ApiServer
    from kubesim.model.kinds import builtin
    from kubesim.store.sqlite import SqliteStore

    f = write(tmp_path, "web.yaml", deployment())
    run("apply", "-f", f)
    with SqliteStore(str(store_path)) as s:
        api = ApiServer(s)
        live = api.get(builtin("Deployment"), "default", "web")
        live["status"] = {"replicas": 3, "readyReplicas": 3, "observedGeneration": 1}
        api.update_status(live, actor="deployment-controller")
    assert run("apply", "-f", f)[1] == "deployment.apps/web unchanged\n"


def test_duplicate_key_warns_with_key_and_line(run, tmp_path):
    f = write(
        tmp_path, "dup.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
    )
    code, out, err = run("apply", "-f", f)
    assert (code, out) == (0, "configmap/b created\n")
    warning = [line for line in err.splitlines() if line.startswith("Warning")]
    assert len(warning) == 1 and '"name"' in warning[0] and "line 5" in warning[0]
    assert "dup.yaml" in warning[0]


# ----------------------------------------------------------------------------- bad input

NOT_UTF8 = b'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: "\xff"\n'


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n" + "".join(
        f"  {line}\n" for line in lines
    )


BAD = {
    # name: (file content, what the one error line must contain)
    "invalid-yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n",
        ["line 5, column 1"],
    ),
    "non-mapping": ("just a string\n", ["expected a mapping"]),
    "list-document": ("- a\n- b\n", ["expected a mapping", "found a list"]),
    "missing-apiVersion": ("kind: ConfigMap\nmetadata:\n  name: a\n", ["apiVersion not set"]),
    "missing-kind": ("apiVersion: v1\nmetadata:\n  name: a\n", ["kind not set"]),
    "missing-metadata": ("apiVersion: v1\nkind: ConfigMap\n", ["name may not be empty"]),
    "missing-name": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n",
        ["name may not be empty"],
    ),
    "unknown-kind": (
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s\n",
        ['kind "StatefulSet" is not supported by kubesim', "Deployment", "Pod"],
    ),
    "wrong-version": (
        "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: s\n",
        ['no matches for kind "Deployment" in version "apps/v1beta1"'],
    ),
    "wrong-type": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\nspec:\n  replicas: three\n",
        ["spec.replicas", "int32"],
    ),
    "metadata-not-mapping": ("apiVersion: v1\nkind: ConfigMap\nmetadata: x\n", ["metadata"]),
    "invalid-name": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n",
        ['The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value', "RFC 1123"],
    ),
    "invalid-value": (
        deployment(replicas=-1),
        [
            'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: '
            "must be greater than or equal to 0"
        ],
    ),
    "python-tag": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
        '  name: !!python/object/apply:os.system ["echo pwned"]\n',
        ["!!python/object/apply:os.system"],
    ),
    "missing-namespace": (
        configmap("a", namespace="x"),
        ["Error from server (NotFound): error when creating", 'namespaces "x" not found'],
    ),
    "billion-laughs": (_billion_laughs(), ["excessive aliasing"]),
    "not-utf8": (NOT_UTF8, ["UTF-8", "line 6"]),
    "json-syntax": ('{"apiVersion": "v1", "kind": ', ["json"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_one_line_exit_1_nothing_written(run, tmp_path, store_path, case):
    content, expected = BAD[case]
    run("get", "ns")  # bootstrap the store first, so revisions can be compared
    rev = revision(store_path)
    f = write(tmp_path, "bad.yaml", content)
    started = time.monotonic()
    code, out, err = run("apply", "-f", f)
    assert time.monotonic() - started < 5
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "bad.yaml" in lines[0], lines[0]
    if case not in ("not-utf8", "json-syntax"):
        assert "document 1" in lines[0], lines[0]
    for part in expected:
        assert part in lines[0], (part, lines[0])
    assert revision(store_path) == rev  # nothing written, no revision taken
    assert "pwned" not in out + err


@pytest.mark.parametrize("content", ["", "# only a comment\n", "---\n---\n", "null\n"])
def test_empty_input(run, tmp_path, store_path, content):
    f = write(tmp_path, "empty.yaml", content)
    code, out, err = run("apply", "-f", f)
    assert (code, out, err) == (1, "", "error: no objects passed to apply\n")


def test_empty_stdin(run):
    assert run("apply", "-f", "-", stdin=b"") == (1, "", "error: no objects passed to apply\n")


def test_missing_path(run, tmp_path):
    code, out, err = run("apply", "-f", tmp_path / "nope.yaml")
    assert (code, out) == (1, "")
    assert err.splitlines() == [f'error: the path "{tmp_path / "nope.yaml"}" does not exist']


def test_unreadable_path(run, tmp_path, monkeypatch):
    f = write(tmp_path, "secret.yaml", configmap("a"))
    f.chmod(0)
    path = str(f)
    if os.geteuid() == 0:  # root may read anything: make this file unreadable as for a user
        import builtins

        real_open = builtins.open

        def guarded_open(file, *args, **kwargs):
            if str(file) == path:
                raise PermissionError(13, "Permission denied", path)
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", guarded_open)
    code, out, err = run("apply", "-f", path)
    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1 and path in err


def test_multi_document_file_applies_good_documents_and_exits_1(run, tmp_path, store_path):
    f = write(
        tmp_path,
        "mixed.yaml",
        configmap("good1")
        + "---\nkind: Thing\n---\n"
        + "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n---\n"
        + configmap("good2"),
    )
    code, out, err = run("apply", "-f", f)
    assert code == 1
    assert out == "configmap/good1 created\nconfigmap/good2 created\n"
    errors = [line for line in err.splitlines() if "error" in line.lower()]
    assert len(errors) == 2
    assert '"' + str(f) + '" (document 2)' in errors[0]
    assert '"' + str(f) + '" (document 3)' in errors[1] and 'kind "Job"' in errors[1]


def test_rejected_command_is_journaled_without_a_revision(run, tmp_path, store_path):
    run("get", "ns")
    rev = revision(store_path)
    run("apply", "-f", write(tmp_path, "bad.yaml", deployment(replicas=-1)))
    entries = commands(store_path)
    assert entries[-1].outcome == "rejected" and entries[-1].verb == "apply"
    assert entries[-1].revision == rev  # the revision the store was at: none taken
    assert revision(store_path) == rev


def test_applied_command_is_journaled_with_its_revision(run, tmp_path, store_path):
    run("apply", "-f", write(tmp_path, "web.yaml", deployment()))
    rev = revision(store_path)
    entry = commands(store_path)[-1]
    assert (entry.actor, entry.verb, entry.outcome, entry.revision) == (
        "user",
        "apply",
        "created",
        rev,
    )
    assert entry.target == "/registry/deployments/default/web"


def test_invalid_dry_run_and_output_values(run, tmp_path):
    f = write(tmp_path, "cm.yaml", configmap("a"))
    code, _, err = run("apply", "-f", f, "--dry-run=maybe")
    assert code == 1 and "Invalid dry-run value" in err
    code, _, err = run("apply", "-f", f, "-o", "xml")
    assert code == 1 and "unable to match a printer" in err


def test_missing_filename_is_a_usage_error(run):
    code, out, err = run("apply")
    assert code == 2 and out == ""
    assert "internal error" not in err and "--filename" in err


# ----------------------------------------------------------------------------- console script


def test_console_script_end_to_end(tmp_path):
    """The installed `kubesim` (or `python -m kubesim`), with no TTY: no escape codes anywhere."""
    f = write(tmp_path, "web.yaml", deployment())
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "KUBESIM_DEBUG")}
    env["KUBESIM_STORE"] = str(tmp_path / "store.db")
    script = Path(sys.executable).with_name("kubesim")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "kubesim"]
    done = subprocess.run(
        [*cmd, "apply", "-f", str(f)], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "deployment.apps/web created\n"
    assert "\x1b" not in done.stdout + done.stderr and "write model" in done.stderr
    bad = write(tmp_path, "bad.yaml", "kind: [\n")
    done = subprocess.run(
        [*cmd, "apply", "-f", str(bad)], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 1 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


def test_recursive_reads_subdirectories(run, tmp_path):
    write(tmp_path, "d/sub/a.yaml", configmap("deep"))
    assert run("apply", "-f", tmp_path / "d") == (1, "", "error: no objects passed to apply\n")
    assert run("apply", "-q", "-R", "-f", tmp_path / "d")[:2] == (0, "configmap/deep created\n")


def test_apply_watch_reapplies_each_save_and_survives_a_broken_one(store_path, tmp_path):
    """`apply --watch` in its own process: each save is a command; a broken save is reported
    and the watch goes on."""
    import orjson

    from kubesim.store.sqlite import SqliteStore

    manifest = write(tmp_path, "cm.yaml", configmap("watched", key="value"))
    env = {**os.environ, "KUBESIM_STORE": str(store_path), "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubesim", "apply", "-f", str(manifest), "--watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def wait_for(predicate) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # waiting for another process, not simulated time
            if predicate():
                return True
            time.sleep(0.05)
        return False

    def stored_value() -> str | None:
        with SqliteStore(str(store_path)) as s:
            kv = s.get("/registry/configmaps/default/watched")
        return orjson.loads(kv.value)["data"]["key"] if kv else None

    try:
        assert wait_for(lambda: stored_value() == "value")
        time.sleep(0.3)  # let the watcher settle on the file before saving it
        manifest.write_text(configmap("watched") + "data:\n  key: [unclosed\n")
        time.sleep(0.5)
        manifest.write_text(configmap("watched", key="second"))
        assert wait_for(lambda: stored_value() == "second")
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert "configmap/watched created" in out and "configmap/watched configured" in out
    assert "error parsing" in err and "Traceback" not in err
