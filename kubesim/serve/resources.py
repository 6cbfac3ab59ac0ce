"""The resource endpoints: which handler a request on an object or a collection goes to.

`handle` resolves the path's kind (kubesim.serve.routes, the front's kinds) and routes by method
and subresource: GET of one object (or its Scale, or a Table), LIST (`lists`), a watch
(`watchstream`), and the writes (`writes`). A write of a CRD makes the front read its kinds
again. Called by `app`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from kubesim.api.server import CRD
from kubesim.api.subresources import scale_of
from kubesim.model.errors import MethodNotAllowed
from kubesim.model.kinds import Kind
from kubesim.serve import routes, tables, writes
from kubesim.serve.bodies import reply
from kubesim.serve.lists import list_objects

if TYPE_CHECKING:
    from kubesim.serve.app import Front

_TRUE = ("1", "true", "True")


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
        raise routes.not_served()
    method = request.method
    if not rp.name:
        if method == "GET":
            if request.query.get("watch") in _TRUE:
                from kubesim.serve.watchstream import watch

                return await watch(front, request, kind, rp.namespace)
            return await list_objects(front, request, kind, rp.namespace)
        if method == "POST":
            return await writes.create(front, request, kind, rp.namespace)
        if method == "DELETE":
            return await writes.delete_collection(front, request, kind, rp.namespace)
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    if kind.namespaced and not rp.namespace:
        raise routes.not_served()
    ns = rp.namespace or None
    sub = rp.subresource
    if sub and not _serves(kind, sub):
        raise routes.not_served()
    if method == "GET":
        obj = await front.call(front.api.get, kind, ns, rp.name)
        if sub == "scale":
            return reply(scale_of(obj))
        if tables.wants_table(request.headers.get("Accept", "")):
            return reply(tables.table(kind, [obj], obj["metadata"]["resourceVersion"]))
        return reply(obj)
    if method == "POST" and sub == "binding":
        return await writes.bind_pod(front, request, rp.name, ns or "")
    if method == "PUT":
        return await writes.update(front, request, kind, ns, rp.name, sub)
    if method == "PATCH":
        return await writes.patch(front, request, kind, ns, rp.name, sub)
    if method == "DELETE" and not sub:
        return await writes.delete_object(front, request, kind, ns, rp.name)
    raise MethodNotAllowed("the server does not allow this method on the requested resource")


def _serves(kind: Kind, sub: str) -> bool:
    return (
        (sub == "status" and kind.status_subresource)
        or (sub == "scale" and kind.scale_subresource)
        or (sub == "binding" and kind.kind == "Pod" and not kind.group)
    )
