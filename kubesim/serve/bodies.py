"""Request and response bodies of the resource endpoints, as kube-apiserver reads and writes them.

`read_body` decodes JSON (also when the Content-Type is missing, as the Python client sends it),
YAML, a server-side apply's YAML and kubectl's protobuf (kubesim.serve.protobuf); `object_body`
checks an object against the path (kind, namespace, name); `delete_options` reads a DELETE's
options from the query and the body; `reply` is an object or Status as JSON. Used by
`resources`, `lists` and `writes`.
"""

from __future__ import annotations

from typing import Any

import yaml
from aiohttp import web

from kubesim.model.errors import BadRequest
from kubesim.model.kinds import Kind
from kubesim.model.objects import loads
from kubesim.serve import patch as patches
from kubesim.serve import protobuf


def reply(
    obj: dict[str, Any], status: int = 200, warnings: list[str] | None = None
) -> web.Response:
    from kubesim.serve.app import json_response

    return json_response(obj, status, warnings)


async def read_body(request: web.Request, patch: bool = False) -> Any:
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


def object_body(
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


def expect_kind(body: Any, kind: str) -> None:
    """A subresource body (Scale, Binding) that names another kind is refused."""
    if isinstance(body, dict) and body.get("kind") not in (None, kind):
        raise BadRequest(f"the body of the request is a {body['kind']}, not a {kind}")


def dry_run(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    if any(v != "All" for v in values):
        raise BadRequest(f'dryRun: Unsupported value: {values[0]!r}: supported values: "All"')
    return bool(values)


async def delete_options(request: web.Request) -> tuple[str | None, int | None]:
    options: dict[str, Any] = {}
    if request.can_read_body:
        data = await request.read()
        if request.content_type == protobuf.MEDIA_TYPE:
            options = protobuf.decode_body(data)
            expect_kind(options, "DeleteOptions")
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
