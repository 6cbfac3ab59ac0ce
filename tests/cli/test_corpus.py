"""Real manifests nobody here wrote (kubernetes/website examples), each applied into a fresh store.

Every document of a kind kubesim simulates is accepted (`... created`); every other kind is
refused with the one-line `kind "X" is not supported by kubesim` error naming the file and the
document, without a traceback, and without a revision. Exit code 0 when everything was applied,
1 when anything was refused. In-process `main()` calls keep this fast.
"""

from __future__ import annotations

import pytest
import yaml

from tests.cli.conftest import CORPUS, revision

SUPPORTED = {
    "Namespace",
    "Node",
    "Pod",
    "ReplicaSet",
    "Deployment",
    "Service",
    "ConfigMap",
    "Event",
    "CustomResourceDefinition",
    "Shirt",
}
#: a custom resource needs its CRD applied first, in the same store
NEEDS = {"Shirt": "customresourcedefinition/shirt-resource-definition.yaml"}


def _index() -> list[tuple[str, list[str]]]:
    index = CORPUS / "INDEX.tsv"
    if not index.exists():
        return []
    rows = [line.split("\t") for line in index.read_text().splitlines()[1:] if line.strip()]
    return [(row[0], row[1].split(",")) for row in rows]


FILES = _index()
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n"
SYSTEM_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease"}


def _namespaces(path) -> list[str]:
    """Namespaces the file's documents name that a new cluster does not have."""
    found, own = set(), set()
    for doc in yaml.safe_load_all(path.read_text()):
        md = (doc or {}).get("metadata") or {}
        if (doc or {}).get("kind") == "Namespace":
            own.add(md.get("name"))
        elif md.get("namespace"):
            found.add(md["namespace"])
    return sorted(found - own - SYSTEM_NAMESPACES)


def test_corpus_is_there():
    assert len(FILES) >= 50, f"corpus missing at {CORPUS}"
    assert all((CORPUS / path).is_file() for path, _ in FILES)


@pytest.mark.parametrize(("path", "kinds"), FILES, ids=[path for path, _ in FILES])
def test_corpus_file(run, store_path, path, kinds):
    for kind in kinds:
        if kind in NEEDS:
            code, _, err = run("apply", "-q", "-f", CORPUS / NEEDS[kind])
            assert code == 0, err
            break
    for ns in _namespaces(CORPUS / path):  # as the docs say: kubectl create namespace X first
        code, _, err = run("apply", "-q", "-f", "-", stdin=NAMESPACE.format(ns).encode())
        assert code == 0, err
    run("get", "ns")  # bootstrap, so that the revision count below is exact
    before = revision(store_path)
    source = str(CORPUS / path)

    code, out, err = run("apply", "-f", source)

    accepted = [k for k in kinds if k in SUPPORTED]
    refused = [(i, k) for i, k in enumerate(kinds, start=1) if k not in SUPPORTED]
    assert code == (1 if refused else 0), err
    created = out.splitlines()
    assert len(created) == len(accepted), (out, err)
    assert all(line.endswith(" created") for line in created), out
    errors = [
        line for line in err.splitlines() if not line.endswith("no controller has seen it yet")
    ]
    assert len(errors) == len(refused), err
    for line, (index, kind) in zip(errors, refused, strict=True):
        assert f'"{source}" (document {index})' in line, line
        assert f'kind "{kind}" is not supported by kubesim' in line, line
        assert "Deployment" in line  # names the kinds it does support
    assert revision(store_path) == before + len(accepted)  # one revision per accepted document


#: the files with at least one document kubesim accepts (the others are covered above)
APPLICABLE = [(path, kinds) for path, kinds in FILES if any(k in SUPPORTED for k in kinds)]


@pytest.mark.parametrize(("path", "kinds"), APPLICABLE, ids=[path for path, _ in APPLICABLE])
def test_corpus_reapply_takes_no_revision(run, store_path, path, kinds):
    """Applying the same file again writes nothing: server defaults, allocated cluster IPs and
    the like never make the second apply a write."""
    for kind in kinds:
        if kind in NEEDS:
            run("apply", "-q", "-f", CORPUS / NEEDS[kind])
    for ns in _namespaces(CORPUS / path):
        run("apply", "-q", "-f", "-", stdin=NAMESPACE.format(ns).encode())
    run("apply", "-q", "-f", CORPUS / path)
    before = revision(store_path)
    code, out, err = run("apply", "-f", CORPUS / path)
    assert revision(store_path) == before, out
    for line in out.splitlines():
        # kubectl says "configured" whenever it sends a patch, even one the server finds empty
        # (a retainKeys directive is always sent for a Deployment strategy the server defaulted)
        assert line.endswith(" unchanged") or (
            line.endswith(" configured") and "retainkeys" in path
        ), line
