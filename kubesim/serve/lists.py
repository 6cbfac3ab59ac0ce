"""LIST: a collection at one revision, with label and field selectors and `limit`/`continue`
pages of that same revision (a continue token below the compaction floor is 410 Expired), as a
list or a server-side Table. A client's LIST is its projection's start, journaled as a relist
under its name (kubesim.serve.clients). Used by `resources`.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from kubesim.model import fieldselectors as selectors
from kubesim.model.errors import BadRequest, Compacted, Expired
from kubesim.model.kinds import Kind
from kubesim.model.labels import parse_selector
from kubesim.serve import tables
from kubesim.serve.bodies import reply
from kubesim.serve.clients import relist_entry

if TYPE_CHECKING:
    from kubesim.serve.app import Front


async def list_objects(
    front: Front, request: web.Request, kind: Kind, namespace: str
) -> web.Response:
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
        return reply(tables.table(kind, items, str(rv), include_object=include, list_meta=meta))
    return reply(
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
