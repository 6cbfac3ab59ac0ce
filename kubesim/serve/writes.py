"""The writes of the resource endpoints: POST, PUT, PATCH (the four patch types) and DELETE, and
the `/status`, `/scale` and `/binding` subresources.

Each turns the request into one call of the API layer (kubesim.api: create, update,
guaranteed_update, scale, bind, delete), run on the front's store thread, with the request's
client as the command's actor, and answers as kube-apiserver does (201 for a create, the object,
or a Status for what is gone at once). Used by `resources`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from kubesim.api.delete import delete
from kubesim.api.subresources import bind, scale, scale_of
from kubesim.model import fieldselectors as selectors
from kubesim.model.errors import BadRequest, FieldError, Invalid
from kubesim.model.kinds import Kind
from kubesim.model.labels import parse_selector
from kubesim.serve import fieldvalidation, routes, serverapply
from kubesim.serve import patch as patches
from kubesim.serve.bodies import delete_options, dry_run, expect_kind, object_body, read_body, reply

if TYPE_CHECKING:
    from kubesim.serve.app import Front

#: the kinds whose registry sets ReturnDeletedObject: a DELETE that removes one at once
#: answers with the object, not a Status
_RETURN_DELETED_OBJECT = ("Pod", "Service", "Namespace")


async def create(front: Front, request: web.Request, kind: Kind, namespace: str) -> web.Response:
    if kind.namespaced and not namespace:
        raise routes.not_served()
    body = object_body(await read_body(request), kind, namespace or None)
    warnings = fieldvalidation.drop_unknown(kind, body, fieldvalidation.directive(request.query))
    dry = dry_run(request)
    result = await front.call(front.api.create, body, actor=front.client(request), dry_run=dry)
    if not dry:
        front.wrote()
    return reply(result.obj, 201, warnings)


async def update(
    front: Front, request: web.Request, kind: Kind, ns: str | None, name: str, sub: str
) -> web.Response:
    body = await read_body(request)
    actor = front.client(request)
    if sub == "scale":
        expect_kind(body, "Scale")
        replicas = _scale_replicas(body)
        pinned = (
            ((body.get("metadata") or {}).get("resourceVersion"))
            if isinstance(body, dict)
            else None
        )
        result = await front.call(
            scale,
            front.api,
            kind,
            ns or "",
            name,
            replicas,
            actor=actor,
            resource_version=int(pinned) if pinned else None,
        )
        front.wrote()
        return reply(scale_of(result.obj))
    body = object_body(body, kind, ns, name)
    warnings = fieldvalidation.drop_unknown(kind, body, fieldvalidation.directive(request.query))
    result = await front.call(front.api.update, body, actor=actor, subresource=sub or None)
    front.wrote()
    return reply(result.obj, 200, warnings)


def _scale_replicas(body: Any) -> int:
    replicas = (
        ((body or {}).get("spec") or {}).get("replicas", 0) if isinstance(body, dict) else None
    )
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise BadRequest("Scale.spec.replicas must be an integer")
    return replicas


async def patch(
    front: Front, request: web.Request, kind: Kind, ns: str | None, name: str, sub: str
) -> web.Response:
    body = await read_body(request, patch=True)
    ctype = request.content_type
    actor = front.client(request)
    api = front.api
    if ctype == patches.APPLY:
        return await _server_apply(front, request, kind, ns, name, body)
    if sub == "scale":
        live = await front.call(api.get, kind, ns, name)
        desired = patches.patched(scale_of(live), body, ctype, kind)
        result = await front.call(
            scale, api, kind, ns or "", name, _scale_replicas(desired), actor=actor
        )
        front.wrote()
        return reply(scale_of(result.obj))
    pinned = None
    if isinstance(body, dict) and (body.get("metadata") or {}).get("resourceVersion"):
        pinned = int(body["metadata"]["resourceVersion"])

    how = fieldvalidation.directive(request.query)
    warnings: list[str] = []

    def mutate(live: dict[str, Any]) -> dict[str, Any]:
        patched = patches.patched(live, body, ctype, kind)
        warnings[:] = fieldvalidation.drop_unknown(kind, patched, how)
        return patched

    result = await front.call(
        api.guaranteed_update,
        kind,
        ns,
        name,
        mutate,
        actor=actor,
        verb="patch-status" if sub == "status" else "patch",
        subresource=sub or None,
        pinned_revision=pinned,
        outcome="patched",
    )
    front.wrote()
    return reply(result.obj, 200, warnings)


async def _server_apply(
    front: Front, request: web.Request, kind: Kind, ns: str | None, name: str, body: Any
) -> web.Response:
    manager = request.query.get("fieldManager", "")
    if not manager:  # ValidatePatchOptions
        required = FieldError("Required", "fieldManager", detail="is required for apply patch")
        raise Invalid("PatchOptions", "", [required], group="meta.k8s.io")
    config = object_body(body, kind, ns, name)
    warnings = fieldvalidation.drop_unknown(kind, config, fieldvalidation.directive(request.query))
    api, actor, now = front.api, front.client(request), front.now()
    live = await front.call(api.try_get, kind, ns, name)
    if live is None:
        managed = [serverapply.entry(config, kind, manager, now)]
        result = await front.call(
            api.create, config, actor=actor, verb="apply", managed_fields=managed
        )
        front.wrote()
        return reply(result.obj, 201, warnings)

    def mutate(current: dict[str, Any]) -> dict[str, Any]:
        return serverapply.applied(current, config, kind, manager, now)

    result = await front.call(
        api.guaranteed_update,
        kind,
        ns,
        name,
        mutate,
        actor=actor,
        verb="apply",
        outcome="configured",
    )
    front.wrote()
    return reply(result.obj, 200, warnings)


async def bind_pod(front: Front, request: web.Request, pod: str, ns: str) -> web.Response:
    body = await read_body(request)
    expect_kind(body, "Binding")
    target = ((body or {}).get("target") or {}).get("name") if isinstance(body, dict) else None
    if not target:
        raise BadRequest("Binding.target.name: Required value")
    await front.call(bind, front.api, ns, pod, target, actor=front.client(request))
    front.wrote()
    return reply(
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
        201,
    )


async def delete_object(
    front: Front, request: web.Request, kind: Kind, ns: str | None, name: str
) -> web.Response:
    propagation, grace = await delete_options(request)
    dry = dry_run(request)
    result = await front.call(
        delete,
        front.api,
        kind,
        ns,
        name,
        actor=front.client(request),
        propagation=propagation,
        grace_period=grace,
        dry_run=dry,
    )
    if not dry:
        front.wrote()
    if result.removed and not (kind.group == "" and kind.kind in _RETURN_DELETED_OBJECT):
        # removed at once: a Status naming it (store.go finalizeDelete); one still waiting
        # on finalizers or a grace period comes back as the object
        md = result.obj["metadata"]
        details = {"name": name, "group": kind.group, "kind": kind.plural, "uid": md.get("uid")}
        return reply(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": details,
            }
        )
    return reply(result.obj)


async def delete_collection(
    front: Front, request: web.Request, kind: Kind, namespace: str
) -> web.Response:
    propagation, grace = await delete_options(request)
    label = request.query.get("labelSelector")
    items, rv = await front.call(
        front.api.list, kind, namespace or None, parse_selector(label) if label else None
    )
    field = selectors.matcher(kind, request.query.get("fieldSelector", ""))
    deleted = []
    for obj in items:
        if field is not None and not field(obj):
            continue
        md = obj["metadata"]
        result = await front.call(
            delete,
            front.api,
            kind,
            md.get("namespace"),
            md["name"],
            actor=front.client(request),
            propagation=propagation,
            grace_period=grace,
        )
        deleted.append(result.obj)
    front.wrote()
    return reply(
        {
            "kind": kind.kind + "List",
            "apiVersion": kind.api_version,
            "metadata": {"resourceVersion": str(rv)},
            "items": deleted,
        }
    )
