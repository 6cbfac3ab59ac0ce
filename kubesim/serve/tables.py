"""Server-side printing: a list or an object as a `meta.k8s.io/v1` Table.

kubectl asks for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` and prints the Table's
column definitions (upper-cased; those of priority 1 only with `-o wide`) and each row's cells; it
adds NAMESPACE and LABELS itself from each row's object, a PartialObjectMetadata. The cells are
the ones `kubesim get` prints (kubesim.view.tables), so the two can never disagree. Called by `app`
for GET, LIST and each watch event.
"""

from __future__ import annotations

import time
from typing import Any

from kubesim.model.kinds import Kind
from kubesim.view.tables import columns, row_function

#: the column names kube-apiserver's printers use (kubectl shows them upper-cased)
_NAMES = {
    "UP-TO-DATE": "Up-to-date",
    "PORT(S)": "Port(s)",
    "CLUSTER-IP": "Cluster-IP",
    "EXTERNAL-IP": "External-IP",
    "INTERNAL-IP": "Internal-IP",
    "IP": "IP",
    "OS-IMAGE": "OS-Image",
}

ACCEPT_TABLE = "as=table"


def wants_table(accept: str) -> bool:
    """Whether the Accept header asks for a Table (kubectl get does; -o json/yaml does not)."""
    first = accept.lower().replace(" ", "").split(",")[0]
    return ACCEPT_TABLE in first and "g=meta.k8s.io" in first


def _column_name(header: str) -> str:
    return _NAMES.get(header) or header.title()


def column_definitions(kind: Kind) -> list[dict[str, Any]]:
    printer = list(kind.printer_columns) or None
    narrow = columns(kind, False, printer)
    out = []
    for header in columns(kind, True, printer):
        definition: dict[str, Any] = {
            "name": _column_name(header),
            "type": "string",
            "format": "name" if header == "NAME" else "",
            "description": "",
            "priority": 0 if header in narrow else 1,
        }
        out.append(definition)
    return out


def partial_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata") or {},
    }


def table(
    kind: Kind,
    objects: list[dict[str, Any]],
    resource_version: str,
    *,
    include_object: str = "PartialObjectMetadata",
    headers: bool = True,
    now: float | None = None,
    list_meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The Table of `objects` (`headers=False`: no column definitions, as in watch events after
    the first)."""
    now = time.time() if now is None else now
    row = row_function(kind, list(kind.printer_columns) or None)
    rows = []
    for obj in objects:
        entry: dict[str, Any] = {"cells": row(obj, now, True)}
        if include_object == "Object":
            entry["object"] = obj
        elif include_object != "None":
            entry["object"] = partial_metadata(obj)
        rows.append(entry)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version, **(list_meta or {})},
        "columnDefinitions": column_definitions(kind) if headers else [],
        "rows": rows,
    }
