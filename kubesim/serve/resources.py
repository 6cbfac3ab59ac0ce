"""The resource endpoints: GET, LIST, POST, PUT, PATCH and DELETE on objects and subresources.

Each handler turns the request into one call of the API layer (kubesim.api: create, update,
guaranteed_update, scale, bind, delete), run on the front's store thread, and returns what
kube-apiserver returns: the object with its kind and apiVersion (201 for a create), a list with
its resourceVersion and continue token, a Table when the client asks for one, or a `Status`.
The request's client names the command's actor. Watches go to `watchstream`. Called by `app`.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import yaml
from aiohttp import web

from kubesim.api.delete import delete
from kubesim.api.server import CRD
from kubesim.api.subresources import bind, scale, scale_of
from kubesim.model.errors import (
    BadRequest,
    Compacted,
    Expired,
    FieldError,
    Invalid,
    MethodNotAllowed,
    NotFound,
)
from kubesim.model.kinds import Kind
from kubesim.model.labels import parse_selector
from kubesim.model.objects import loads
from kubesim.serve import fieldvalidation, protobuf, routes, selectors, serverapply, tables
from kubesim.serve import patch as patches
from kubesim.serve.clients import relist_entry

if TYPE_CHECKING:
    from kubesim.serve.app import Front

_TRUE = ("1", "true", "True")
#: the kinds whose registry sets ReturnDeletedObject: a DELETE that removes one at once
#: answers with the object, not a Status
_RETURN_DELETED_OBJECT = ("Pod", "Service", "Namespace")


async def handle(front: Front, request: web.Request, path: str) -> web.StreamResponse:
    rp = routes.parse(path)
    kind = await front.kind_of(rp.group, rp.version, rp.resource)
    if (kind.group, kind.kind) != (CRD.group, CRD.kind) or request.method == "GET":
        return await _route(front, request, rp, kind)
    try:
        return await _route(front, request, rp, kind)
    finally:
        front.forget_kinds()  # the next request sees the kinds this CRD write changed


async def _route(
    front: Front, request: web.Request, rp: routes.ResourcePath, kind: Kind
) -> web.StreamResponse:
    if rp.namespace and not kind.namespaced:
        raise NotFound("the server could not find the requested resource")
    method = request.method
    if not rp.name:
        if method == "GET":
            if request.query.get("watch") in _TRUE:
                from kubesim.serve.watchstream import watch

                return await watch(front, request, kind, rp.namespace)
            return await _list(front, request, kind, rp.namespace)
        if method == "POST":
            return await _create(front, request, kind, rp.namespace)
        if method == "DELETE":
            return await _delete_collection(front, request, kind, rp.namespace)
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    if kind.namespaced and not rp.namespace:
        raise NotFound("the server could not find the requested resource")
    ns = rp.namespace or None
    sub = rp.subresource
    if sub and not _serves(kind, sub):
        raise NotFound("the server could not find the requested resource")
    if method == "GET":
        obj = await front.call(front.api.get, kind, ns, rp.name)
        if sub == "scale":
            return _reply(scale_of(obj))
        if tables.wants_table(request.headers.get("Accept", "")):
            return _reply(tables.table(kind, [obj], obj["metadata"]["resourceVersion"]))
        return _reply(obj)
    if method == "POST" and sub == "binding":
        return await _bind(front, request, rp.name, ns or "")
    if method == "PUT":
        return await _update(front, request, kind, ns, rp.name, sub)
    if method == "PATCH":
        return await _patch(front, request, kind, ns, rp.name, sub)
    if method == "DELETE" and not sub:
        return await _delete(front, request, kind, ns, rp.name)
    raise MethodNotAllowed("the server does not allow this method on the requested resource")


def _serves(kind: Kind, sub: str) -> bool:
    return (
        (sub == "status" and kind.status_subresource)
        or (sub == "scale" and kind.scale_subresource)
        or (sub == "binding" and kind.kind == "Pod" and not kind.group)
    )


def _reply(
    obj: dict[str, Any], status: int = 200, warnings: list[str] | None = None
) -> web.Response:
    from kubesim.serve.app import json_response

    return json_response(obj, status, warnings)


# ------------------------------------------------------------------------------ bodies
async def _body(request: web.Request, patch: bool = False) -> Any:
    data = await request.read()
    # no Content-Type is JSON, the first type kube-apiserver accepts (the official Python
    # client sends none on a create); aiohttp would call it application/octet-stream
    ctype = request.content_type if "Content-Type" in request.headers else "application/json"
    if not data:
        raise BadRequest("the request body is empty: expected a JSON object")
    if patch and ctype not in patches.PATCH_TYPES:
        raise patches.unsupported(ctype, None)
    if not patch and ctype == protobuf.MEDIA_TYPE:
        return protobuf.decode_body(data)
    if not patch and ctype not in ("application/json", "application/yaml", ""):
        raise patches.UnsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types include: "
            f"application/json, application/yaml, {protobuf.MEDIA_TYPE}"
        )
    try:
        if ctype in ("application/yaml", patches.APPLY):
            return yaml.safe_load(data.decode("utf-8"))
        return loads(data)
    except (ValueError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise BadRequest(f"the body of the request could not be decoded: {e}") from e


def _object_body(
    body: Any, kind: Kind, namespace: str | None, name: str | None = None
) -> dict[str, Any]:
    """A create or update body: a JSON object of this resource's kind, in the path's namespace
    (and, for a named path, with the path's name: a body without one takes it)."""
    if not isinstance(body, dict):
        raise BadRequest(f"the body of the request is not a {kind.kind} object")
    body.setdefault("apiVersion", kind.api_version)
    body.setdefault("kind", kind.kind)
    if body["kind"] != kind.kind:
        raise BadRequest(
            f"the API version in the data ({body['apiVersion']}) does not match the expected "
            f"API version ({kind.api_version})"
            if body["apiVersion"] != kind.api_version
            else f'{kind.kind} in version "{kind.version}" cannot be handled as a {body["kind"]}'
        )
    md = body.setdefault("metadata", {})
    if not isinstance(md, dict):
        raise BadRequest("metadata must be an object")
    if kind.namespaced and namespace:
        if md.get("namespace") and md["namespace"] != namespace:
            raise BadRequest(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        md["namespace"] = namespace
    if name is not None:
        if md.setdefault("name", name) != name:
            raise BadRequest(
                f"the name of the object ({md['name']}) does not match the name on the URL ({name})"
            )
    return body


def _expect_kind(body: Any, kind: str) -> None:
    """A subresource body (Scale, Binding) that names another kind is refused."""
    if isinstance(body, dict) and body.get("kind") not in (None, kind):
        raise BadRequest(f"the body of the request is a {body['kind']}, not a {kind}")


def _dry_run(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    if any(v != "All" for v in values):
        raise BadRequest(f'dryRun: Unsupported value: {values[0]!r}: supported values: "All"')
    return bool(values)


# ------------------------------------------------------------------------------ reads
async def _list(front: Front, request: web.Request, kind: Kind, namespace: str) -> web.Response:
    q = request.query
    label = parse_selector(q.get("labelSelector", "")) if q.get("labelSelector") else None
    field = selectors.matcher(kind, q.get("fieldSelector", ""))
    limit = _int(q.get("limit", "0"), "limit")
    start, revision = "", None
    if q.get("continue"):
        revision, start = _decode_continue(q["continue"])
    try:
        items, rv = await front.call(front.api.list, kind, namespace or None, label, revision)
    except Compacted as e:
        raise Expired(
            "The provided continue parameter is too old to display a consistent list result. "
            "You can start a new list without the continue parameter."
        ) from e
    if field is not None:
        items = [o for o in items if field(o)]
    if start:
        items = [o for o in items if _sort_key(kind, o) > start]
    meta: dict[str, Any] = {"resourceVersion": str(rv)}
    if limit and len(items) > limit:
        rest = len(items) - limit
        items = items[:limit]
        meta["continue"] = _encode_continue(rv, _sort_key(kind, items[-1]))
        meta["remainingItemCount"] = rest
    if not start:  # a reflector's LIST (kubectl get, an informer): the client's projection
        prefix = kind.prefix(namespace or None)
        entry = relist_entry(front.client(request), kind, prefix, rv, len(items), front.now())
        await front.journal([entry])
    if tables.wants_table(request.headers.get("Accept", "")):
        include = q.get("includeObject", "PartialObjectMetadata")
        return _reply(tables.table(kind, items, str(rv), include_object=include, list_meta=meta))
    return _reply(
        {
            "kind": kind.kind + "List",
            "apiVersion": kind.api_version,
            "metadata": meta,
            "items": items,
        }
    )


def _int(text: str, name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f'{name}: Invalid value: "{text}": must be an integer') from None
    if value < 0:
        raise BadRequest(f"{name}: Invalid value: {value}: must be greater than or equal to 0")
    return value


def _sort_key(kind: Kind, obj: dict[str, Any]) -> str:
    md = obj["metadata"]
    return kind.key(md.get("namespace") if kind.namespaced else None, md.get("name", ""))


def _encode_continue(revision: int, key: str) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": key}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_continue(token: str) -> tuple[int, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return int(data["rv"]), str(data["start"])
    except (ValueError, KeyError, TypeError) as e:
        raise BadRequest(f"continue key is not valid: {e}") from None


# ------------------------------------------------------------------------------ writes
async def _create(front: Front, request: web.Request, kind: Kind, namespace: str) -> web.Response:
    if kind.namespaced and not namespace:
        raise NotFound("the server could not find the requested resource")
    body = _object_body(await _body(request), kind, namespace or None)
    warnings = fieldvalidation.drop_unknown(kind, body, fieldvalidation.directive(request.query))
    dry = _dry_run(request)
    result = await front.call(front.api.create, body, actor=front.client(request), dry_run=dry)
    if not dry:
        front.wrote()
    return _reply(result.obj, 201, warnings)


async def _update(
    front: Front, request: web.Request, kind: Kind, ns: str | None, name: str, sub: str
) -> web.Response:
    body = await _body(request)
    actor = front.client(request)
    if sub == "scale":
        _expect_kind(body, "Scale")
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
        return _reply(scale_of(result.obj))
    body = _object_body(body, kind, ns, name)
    warnings = fieldvalidation.drop_unknown(kind, body, fieldvalidation.directive(request.query))
    result = await front.call(front.api.update, body, actor=actor, subresource=sub or None)
    front.wrote()
    return _reply(result.obj, 200, warnings)


def _scale_replicas(body: Any) -> int:
    replicas = (
        ((body or {}).get("spec") or {}).get("replicas", 0) if isinstance(body, dict) else None
    )
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise BadRequest("Scale.spec.replicas must be an integer")
    return replicas


async def _patch(
    front: Front, request: web.Request, kind: Kind, ns: str | None, name: str, sub: str
) -> web.Response:
    body = await _body(request, patch=True)
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
        return _reply(scale_of(result.obj))
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
    return _reply(result.obj, 200, warnings)


async def _server_apply(
    front: Front, request: web.Request, kind: Kind, ns: str | None, name: str, body: Any
) -> web.Response:
    manager = request.query.get("fieldManager", "")
    if not manager:  # ValidatePatchOptions
        required = FieldError("Required", "fieldManager", detail="is required for apply patch")
        raise Invalid("PatchOptions", "", [required], group="meta.k8s.io")
    config = _object_body(body, kind, ns, name)
    warnings = fieldvalidation.drop_unknown(kind, config, fieldvalidation.directive(request.query))
    api, actor, now = front.api, front.client(request), front.now()
    live = await front.call(api.try_get, kind, ns, name)
    if live is None:
        obj = serverapply.applied(None, config, kind, manager, now)
        managed = obj["metadata"].pop("managedFields")
        result = await front.call(
            api.create, obj, actor=actor, verb="apply", managed_fields=managed
        )
        front.wrote()
        return _reply(result.obj, 201, warnings)

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
    return _reply(result.obj, 200, warnings)


async def _bind(front: Front, request: web.Request, pod: str, ns: str) -> web.Response:
    body = await _body(request)
    _expect_kind(body, "Binding")
    target = ((body or {}).get("target") or {}).get("name") if isinstance(body, dict) else None
    if not target:
        raise BadRequest("Binding.target.name: Required value")
    await front.call(bind, front.api, ns, pod, target, actor=front.client(request))
    front.wrote()
    return _reply(
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
        201,
    )


async def _delete_options(request: web.Request) -> tuple[str | None, int | None]:
    options: dict[str, Any] = {}
    if request.can_read_body:
        data = await request.read()
        if request.content_type == protobuf.MEDIA_TYPE:
            options = protobuf.decode_body(data)
            _expect_kind(options, "DeleteOptions")
        elif data.strip():
            try:
                options = loads(data)
            except ValueError as e:
                raise BadRequest(f"the DeleteOptions could not be decoded: {e}") from e
            if not isinstance(options, dict):
                raise BadRequest("the DeleteOptions must be a JSON object")
    propagation = request.query.get("propagationPolicy") or options.get("propagationPolicy")
    if propagation is None and options.get("orphanDependents") is not None:
        propagation = "Orphan" if options["orphanDependents"] else "Background"
    if propagation not in (None, "Orphan", "Background", "Foreground"):
        raise BadRequest(
            f'propagationPolicy: Unsupported value: "{propagation}": supported values: '
            '"Foreground", "Background", "Orphan", "nil"'
        )
    grace = request.query.get("gracePeriodSeconds") or options.get("gracePeriodSeconds")
    return propagation, (int(grace) if grace is not None else None)


async def _delete(
    front: Front, request: web.Request, kind: Kind, ns: str | None, name: str
) -> web.Response:
    propagation, grace = await _delete_options(request)
    dry = _dry_run(request)
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
        return _reply(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": details,
            }
        )
    return _reply(result.obj)


async def _delete_collection(
    front: Front, request: web.Request, kind: Kind, namespace: str
) -> web.Response:
    propagation, grace = await _delete_options(request)
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
    return _reply(
        {
            "kind": kind.kind + "List",
            "apiVersion": kind.api_version,
            "metadata": {"resourceVersion": str(rv)},
            "items": deleted,
        }
    )
