"""`kubectl apply` (client-side apply) as the API layer performs it for kubesim's commands.

The same steps as kubectl: GET the object; if absent, create it carrying the
`kubectl.kubernetes.io/last-applied-configuration` annotation; otherwise compute the three-way
patch (last-applied, manifest, live) and send it only if it is not empty. The outcome is
`created`, `configured` or `unchanged` exactly when kubectl would print it. Called by the CLI,
lessons and tests.

A saved manifest (`get -o yaml > saved.yaml`) carries `metadata.resourceVersion`:
- absent object: kubectl creates it. Its create path (apply.go applyOneObject ->
  cli-runtime resource/helper.go `Helper.Create(ns, modify=true, obj)`) clears resourceVersion
  before the POST; the last-applied annotation, computed before that, still holds it.
- existing object: a resourceVersion that differs from the live one is part of the three-way
  patch, so the API server checks it: 409 Conflict when stale. kubectl retries a Conflict up to
  5 times (patcher.go Patch, re-GET and recompute), but the patch keeps the manifest's stale
  resourceVersion, so every retry fails the same way; the error names the patch and the object
  (apply.go: `error when applying patch: ... for: "FILE": error when patching "FILE": ...`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubesim.api import validation
from kubesim.api.lastapplied import LAST_APPLIED, go_json, with_last_applied
from kubesim.api.merge import apply_patch, three_way_patch
from kubesim.api.server import ApiServer
from kubesim.model.errors import ApiError, BadRequest, Conflict
from kubesim.model.kinds import Kind
from kubesim.model.objects import loads


@dataclass
class ApplyResult:
    kind: Kind
    name: str
    namespace: str | None
    outcome: str  # created | configured | unchanged
    obj: dict[str, Any]
    revision: int
    changed: bool  # did the store take a new revision

    @property
    def kubectl_line(self) -> str:
        return f"{self.kind.kubectl_name}/{self.name} {self.outcome}"


def apply(
    api: ApiServer,
    manifest: dict[str, Any],
    *,
    actor: str = "user",
    dry_run: bool = False,
    source: str | None = None,
) -> ApplyResult:
    kind = api.kind_for(manifest)
    validation.check_types(kind, manifest)  # strict decoding, before anything is read or sent
    manifest = dict(manifest)
    md = dict(manifest.get("metadata") or {})
    manifest["metadata"] = md
    name = md.get("name")
    if not name:
        raise BadRequest("resource name may not be empty")
    if kind.namespaced:
        md.setdefault("namespace", "default")
    else:
        md.pop("namespace", None)
    ns = md.get("namespace")
    modified = with_last_applied(manifest)
    data = {"source": source} if source else None
    live = api.try_get(kind, ns, name)
    if live is None:
        body = dict(modified)
        body["metadata"] = {
            k: v for k, v in modified["metadata"].items() if k != "resourceVersion"
        }  # Helper.Create(modify=true): a create never carries a resourceVersion
        try:
            result = api.create(
                body,
                actor=actor,
                dry_run=dry_run,
                verb="apply",
                journal_data=data,
                decoded=True,  # checked above; the annotation added since is a string
            )
        except ApiError as e:
            e.operation = "creating"  # type: ignore[attr-defined]  # kubectl: error when creating
            raise
        return ApplyResult(kind, name, ns, "created", result.obj, result.revision, result.changed)
    original_text = (live["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    original = _parse_last_applied(original_text)
    patch = three_way_patch(original, modified, live, kind)
    if not patch:
        if not dry_run:
            api.journal_command(
                actor,
                "apply",
                kind.key(ns, name),
                "unchanged",
                {"kind": kind.kind, "name": name, "namespace": ns, **(data or {})},
            )
        return ApplyResult(
            kind, name, ns, "unchanged", live, int(live["metadata"]["resourceVersion"]), False
        )
    # a resourceVersion carried by the patch (the manifest had one) is a precondition: 409 if stale
    pinned = str((patch.get("metadata") or {}).get("resourceVersion") or "")
    if dry_run:
        if pinned and pinned != live["metadata"]["resourceVersion"]:  # a dry run checks it too
            e = api.conflict(kind, name)
            e.kubectl_context = patch_error_context(kind, ns, name, patch, source)  # type: ignore[attr-defined]
            raise e
        return ApplyResult(
            kind,
            name,
            ns,
            "configured",
            apply_patch(live, patch, kind),
            int(live["metadata"]["resourceVersion"]),
            False,
        )
    try:
        result = api.guaranteed_update(
            kind,
            ns,
            name,
            lambda current: apply_patch(current, patch, kind),
            actor=actor,
            verb="apply",
            journal_data={"patch": patch, **(data or {})},
            pinned_revision=int(pinned) if pinned.isdigit() else None,
        )
    except Conflict as e:
        e.kubectl_context = patch_error_context(kind, ns, name, patch, source)  # type: ignore[attr-defined]
        raise
    return ApplyResult(kind, name, ns, "configured", result.obj, result.revision, result.changed)


def patch_error_context(
    kind: Kind, namespace: str | None, name: str, patch: dict[str, Any], source: str | None
) -> str:
    """What kubectl puts before the server's message when the patch fails (apply.go, then
    patcher.go's AddSourceToErr("patching", ...)), through `error when patching "FILE": `."""
    resource = f"{kind.group}/{kind.version}, Resource={kind.plural}"
    gvk = f"{kind.group}/{kind.version}, Kind={kind.kind}"
    info = f'Resource: "{resource}", GroupVersionKind: "{gvk}"\n'
    info += f'Name: "{name}", Namespace: "{namespace or ""}"'
    if not source:
        return ""  # AddSourceToErr adds nothing without a source
    return (
        f"error when applying patch:\n{go_json(patch)}\nto:\n{info}\nfor: "
        f'"{source}": error when patching "{source}": '
    )


def _parse_last_applied(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
