"""Which resource a REST path names: `/apis/apps/v1/namespaces/default/deployments/web/scale`.

`parse(path)` splits a path under /api/v1 or /apis/GROUP/VERSION into group, version, namespace,
resource, name and subresource, as kube-apiserver's RequestInfoFactory does; the handlers in
`app` then look the resource up in the kind registry. Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubesim.model.errors import NotFound

#: subresources of a namespace (`/api/v1/namespaces/NAME/status`), not a namespaced collection
_NAMESPACE_SUBRESOURCES = ("status", "finalize")


def not_served() -> NotFound:
    """The 404 kube-apiserver gives a path that names nothing it serves."""
    return NotFound("the server could not find the requested resource")


@dataclass(frozen=True)
class ResourcePath:
    group: str
    version: str
    #: the namespace in the path ("" when the path names none)
    namespace: str
    resource: str
    name: str = ""
    subresource: str = ""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


def parse(path: str) -> ResourcePath:
    """The resource of `path`; NotFound (as the server's 404) when it names none."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise not_served()
    namespace = ""
    if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] not in _NAMESPACE_SUBRESOURCES:
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise not_served()
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    return ResourcePath(group, version, namespace, resource, name, subresource)
