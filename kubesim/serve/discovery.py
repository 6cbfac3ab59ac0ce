"""What kubectl asks before it acts: `/version` and legacy discovery.

kubectl (and client-go's discovery client) reads `/api` and `/apis` to learn the group-versions,
then `/api/v1` and `/apis/GROUP/VERSION` to learn each resource: its kind, whether it is
namespaced, its verbs, short names and subresources. kubesim serves the unaggregated form (a
client that asks for `apidiscovery.k8s.io/v2` falls back to it, as against a 1.25 server). A
stored CRD's resources appear as soon as it is applied: the registry is rebuilt from the store.
Pure functions of the kind registry; called by `app`.
"""

from __future__ import annotations

from typing import Any

from kubesim.model.kinds import Kind

#: what `GET /version` reports: kubectl's dispatcher on this machine picks the kubectl whose
#: minor version matches, so it must be a real 1.32 release
VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.4",
    "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335",
    "gitTreeState": "clean",
    "buildDate": "2025-04-22T16:02:27Z",
    "goVersion": "go1.23.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
#: `kubectl get all` lists the resources in the category "all"
_CATEGORY_ALL = {"pods", "services", "deployments", "replicasets"}


def group_versions(kinds: list[Kind]) -> dict[str, list[str]]:
    """Each API group ("" for core) and its served versions, in the order first seen."""
    groups: dict[str, list[str]] = {}
    for k in kinds:
        versions = groups.setdefault(k.group, [])
        for v in k.served_versions or (k.version,):
            if v not in versions:
                versions.append(v)
    return groups


def api_versions(address: str) -> dict[str, Any]:
    """`GET /api`: the core group's versions."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def api_group_list(kinds: list[Kind]) -> dict[str, Any]:
    """`GET /apis`: every named group with its versions (preferred: the storage version)."""
    groups = []
    for group, versions in group_versions(kinds).items():
        if not group:
            continue
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        storage = next((k.version for k in kinds if k.group == group), versions[0])
        preferred = {"groupVersion": f"{group}/{storage}", "version": storage}
        groups.append({"name": group, "versions": entries, "preferredVersion": preferred})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(kinds: list[Kind], group: str) -> dict[str, Any] | None:
    """`GET /apis/GROUP`, or None when the group is not served."""
    for entry in api_group_list(kinds)["groups"]:
        if entry["name"] == group:
            return {"kind": "APIGroup", "apiVersion": "v1", **entry}
    return None


def resource_list(kinds: list[Kind], group: str, version: str) -> dict[str, Any] | None:
    """`GET /api/v1` or `/apis/GROUP/VERSION`: the resources served there, or None."""
    served = [
        k for k in kinds if k.group == group and version in (k.served_versions or (k.version,))
    ]
    if not served:
        return None
    resources: list[dict[str, Any]] = []
    for k in served:
        resources.extend(_resources(k))
    group_version = f"{group}/{version}" if group else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }


def _resources(k: Kind) -> list[dict[str, Any]]:
    main: dict[str, Any] = {
        "name": k.plural,
        "singularName": k.singular,
        "namespaced": k.namespaced,
        "kind": k.kind,
        "verbs": list(_VERBS),
    }
    if k.short_names:
        main["shortNames"] = list(k.short_names)
    if k.plural in _CATEGORY_ALL and not k.group.endswith(".k8s.io"):
        main["categories"] = ["all"]
    subs = []
    if k.status_subresource:
        subs.append(_sub(k, "status", k.kind, ["get", "patch", "update"]))
    if k.scale_subresource:
        subs.append(_sub(k, "scale", "Scale", ["get", "patch", "update"], "autoscaling", "v1"))
    if k.kind == "Pod" and not k.group:
        subs.append(_sub(k, "binding", "Binding", ["create"]))
    return [main, *subs]


def _sub(
    k: Kind, name: str, kind: str, verbs: list[str], group: str = "", version: str = ""
) -> dict[str, Any]:
    sub: dict[str, Any] = {
        "name": f"{k.plural}/{name}",
        "singularName": "",
        "namespaced": k.namespaced,
        "kind": kind,
        "verbs": verbs,
    }
    if group:
        sub["group"], sub["version"] = group, version
    return sub
