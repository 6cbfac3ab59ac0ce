"""Constructors of field errors, named as apimachinery's field package names them.

`required(path)`, `invalid(path, value, detail)`, `not_supported(path, value, values)`, ...
build `kubesim.model.errors.FieldError`s; `key(path, k)` and `index(path, i)` spell paths as
field.Path does (`data[key]`, `containers[0]`). Used by every validator module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubesim.model.errors import FieldError

IS_NEGATIVE = "must be greater than or equal to 0"
IMMUTABLE = "field is immutable"


def child(path: str, *names: str) -> str:
    for name in names:
        path = f"{path}.{name}" if path else name
    return path


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def key(path: str, k: str) -> str:
    return f"{path}[{k}]"


def required(path: str, detail: str = "") -> FieldError:
    return FieldError("Required", path, None, detail)


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError("Invalid", path, value, detail)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError("Forbidden", path, None, detail)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError("Duplicate", path, value)


def not_supported(path: str, value: Any, values: Iterable[str]) -> FieldError:
    return FieldError("Unsupported", path, value, "", tuple(values))


def too_long(path: str, max_length: int) -> FieldError:
    unit = "byte" if max_length == 1 else "bytes"
    return FieldError("TooLong", path, None, f"may not be more than {max_length} {unit}")


def too_many(path: str, actual: int, max_items: int) -> FieldError:
    return FieldError("TooMany", path, actual, f"must have at most {max_items} items")


def nonnegative(value: Any, path: str) -> list[FieldError]:
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [invalid(path, value, IS_NEGATIVE)]
    return []


def immutable(new: Any, old: Any, path: str) -> list[FieldError]:
    return [] if new == old else [invalid(path, new, IMMUTABLE)]
