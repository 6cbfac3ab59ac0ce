"""Printing objects as data (-o json|yaml|name|jsonpath=...) for every command that can.

Data formats print nothing but the data, exactly as kubectl does; several objects print as a
`List`. Called by apply, get and the other commands with `-o`.
"""

from __future__ import annotations

import sys
from typing import Any

from kubesim.model.errors import KubesimError

DATA_FORMATS = ("json", "yaml", "name")


def print_objects(
    objects: list[dict[str, Any]], fmt: str, *, force_list: bool, names: list[str] | None = None
) -> None:
    from kubesim.view import output

    if fmt == "name":
        for line in names or []:
            sys.stdout.write(line + "\n")
        return
    data: Any = output.as_list(objects) if force_list or len(objects) != 1 else objects[0]
    if fmt == "json":
        sys.stdout.write(output.to_json(data))
    elif fmt == "yaml":
        sys.stdout.write(output.to_yaml(data))
    elif fmt.startswith("jsonpath="):
        from kubesim.view.jsonpath import render

        text = render(fmt.split("=", 1)[1], data)
        sys.stdout.write(text)
    else:
        raise KubesimError(
            f'unable to match a printer suitable for the output format "{fmt}", allowed '
            "formats are: json,jsonpath,name,wide,yaml"
        )
