"""The commands through the real entry point: get --at-revision, diff, why, replay (no TTY)."""

from __future__ import annotations

import shutil

from kubesim.store.sqlite import SqliteStore
from tests.cli.conftest import run, store_path  # noqa: F401 - fixtures
from tests.replay.conftest import build


def _copy(known, store_path):  # noqa: F811
    for suffix in ("", "-wal"):
        src = str(known["path"]) + suffix
        try:
            shutil.copy(src, str(store_path) + suffix)
        except FileNotFoundError:
            pass


def test_get_and_describe_at_revision(known, store_path, run):  # noqa: F811
    _copy(known, store_path)
    code, out, _ = run(
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.spec.replicas}",
        "--at-revision",
        str(known["first_apply"]),
    )
    assert (code, out.strip()) == (0, "3")
    code, out, _ = run("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}")
    assert out.strip() == "5"
    code, out, _ = run("describe", "deploy", "web", "--at-revision", str(known["first_apply"]))
    assert code == 0 and "Replicas:" in out


def test_compacted_revision_gives_the_clear_error(tmp_path, store_path, run):  # noqa: F811
    known = build(store_path)
    with SqliteStore(str(store_path)) as s:
        s.compact(known["second_apply"])
    for argv in (
        ["get", "deploy", "web", "--at-revision", str(known["first_apply"])],
        ["diff", "deploy", "web", "--from", str(known["first_apply"])],
        ["replay", "--from", str(known["first_apply"])],
    ):
        code, out, err = run(*argv)
        assert code == 1, argv
        assert f"the oldest revision still kept is {known['second_apply']}" in err, err


def test_why_diff_and_plain_replay(known, store_path, run):  # noqa: F811
    _copy(known, store_path)
    code, out, _ = run("get", "pods", "-o", "name")
    pod = out.split()[0].split("/", 1)[1]
    code, out, _ = run("why", "pod", pod)
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 3
    assert "kube-controller-manager/replicaset's reconcile" in lines[0]
    assert "kube-controller-manager/deployment's reconcile of default/web" in lines[1]
    assert lines[2].endswith("by `kubesim apply` of web.yaml")
    code, out, _ = run(
        "diff",
        "deploy",
        "web",
        "--from",
        str(known["first_apply"]),
        "--to",
        str(known["second_apply"]),
    )
    assert "~ spec.replicas: 3 -> 5" in out
    r = known["first_apply"]
    code, out, _ = run("replay", "--auto", "--from", str(r), "--to", str(r + 2))
    blocks = out.split("=== ")[1:]
    assert code == 0 and len(blocks) == 3
    assert blocks[0].startswith(f"r{r} ") and "user apply deployment/web" in blocks[0]
    code, out, _ = run("replay", "--rebuild", "kube-scheduler")
    assert code == 0 and "equal to the live projection" in out


def test_fork_and_exports(known, store_path, run, tmp_path):  # noqa: F811
    _copy(known, store_path)
    r = known["first_apply"]
    code, out, _ = run("replay", "--fork", str(r), "--into", str(tmp_path / "new.db"))
    assert code == 0 and "untouched" in out
    code, out, _ = run(
        "replay", "--svg", str(tmp_path / "svg"), "--from", str(r), "--to", str(r + 1)
    )
    assert code == 0 and sorted(p.name for p in (tmp_path / "svg").iterdir()) == [
        f"r{r:06d}.svg",
        f"r{r + 1:06d}.svg",
    ]
    code, out, _ = run("replay", "--html", str(tmp_path / "t.html"), "--to", str(r + 3))
    page = (tmp_path / "t.html").read_text()
    assert code == 0 and "user apply deployment/web" in page and "<table>" in page
