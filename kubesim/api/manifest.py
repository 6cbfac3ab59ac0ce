"""Read manifest files the way `kubectl apply -f` does, and refuse bad input with one clear line.

The command side (`kubesim apply`, `delete -f`, lessons) calls `read_manifests` with the paths of
`-f` (or `load_documents` with bytes it already holds). Each good document comes out as a
`Document` (a JSON-able dict with string apiVersion and kind); each bad one as an `InputError`
naming the file and the document number, so the caller can apply the good ones and report the bad.
Nothing read yields nothing: the caller then says `error: no objects passed to apply`.

What kubectl does and kubesim copies: `-` is stdin (source "STDIN"); a directory holds the files
ending .json, .yaml, .yml in name order, subdirectories only with recursive=True; a file whose
first non-space byte is `{` is a JSON stream, anything else YAML split on lines starting with
`---`; YAML is typed as sigs.k8s.io/yaml does (`yamlread`); empty, comment-only and null documents
are skipped; a document with an `items` list (`kind: List`) yields its items. Documents are
numbered from 1 in their file, counting every `---` section, empty ones included.

Limits and deliberate differences: a document may hold at most 3 MiB (the API server's request
body limit) and a file at most 32 MiB; bytes that are not UTF-8 are refused (kubectl replaces them
silently); a UTF-8 byte order mark is fine.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kubesim.api.yamlread import YamlError, decode_yaml
from kubesim.model.errors import InputError

MAX_DOCUMENT_BYTES = 3 * 1024 * 1024
MAX_FILE_BYTES = 32 * 1024 * 1024
EXTENSIONS = (".json", ".yaml", ".yml")
_BOM = b"\xef\xbb\xbf"
_INT64 = 2**63
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Document:
    source: str  # path as given / file path within a directory, or "STDIN"
    index: int  # 1-based document number within its file (kind: List items get the List's index)
    obj: dict[str, Any]  # JSON-able dict, as kubectl would send it
    warnings: list[str] = field(default_factory=list)


def read_manifests(
    paths: list[str], recursive: bool = False, stdin: typing.BinaryIO | None = None
) -> Iterator[Document | InputError]:
    """Every document of every path in order; a path that cannot be read is one InputError."""
    for path in paths:
        if path == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read(MAX_FILE_BYTES + 1)
            yield from load_documents(data, "STDIN")
        elif path.startswith(("http://", "https://")):
            yield InputError(f'reading manifests from a URL is not supported by kubesim: "{path}"')
        elif not os.path.lexists(path):
            yield InputError(f'the path "{path}" does not exist')
        elif os.path.isdir(path):
            yield from _read_directory(path, recursive)
        else:
            yield from _read_file(path)


def _read_directory(root: str, recursive: bool) -> Iterator[Document | InputError]:
    """filepath.Walk order: names sorted, depth first, symlinked directories not followed."""
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError as exc:
        yield InputError(f"open {root}: {_reason(exc)}")
        return
    for entry in entries:
        path = os.path.normpath(os.path.join(root, entry.name))
        if entry.is_dir(follow_symlinks=False):
            if recursive:
                yield from _read_directory(path, recursive)
        elif entry.name.endswith(EXTENSIONS):
            yield from _read_file(path)


def _read_file(path: str) -> Iterator[Document | InputError]:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        yield InputError(f"open {path}: {_reason(exc)}")
        return
    yield from load_documents(data, path)


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def load_documents(data: bytes, source: str) -> Iterator[Document | InputError]:
    """Decode a file's bytes into Documents and InputErrors (one per bad document), in order."""
    if len(data) > MAX_FILE_BYTES:
        yield InputError(f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB", source=source)
        return
    if data.lstrip(b" \t\n\r\v\f").startswith(b"{"):
        sections = _json_values(data, source)
    else:
        sections = _yaml_values(data.removeprefix(_BOM), source)
    for item in sections:
        if isinstance(item, InputError):
            yield item
        else:
            yield from _documents(source, *item)


def _yaml_values(data: bytes, source: str) -> Iterator[tuple[int, Any, list[str]] | InputError]:
    for index, first_line, chunk, separator_error in _split_yaml(data):
        if separator_error:
            yield InputError(separator_error, source=source, document=index)
            continue
        if len(chunk) > MAX_DOCUMENT_BYTES:
            yield InputError(_too_large(), source=source, document=index)
            continue
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield InputError(_not_utf8(chunk, exc, first_line), source=source, document=index)
            continue
        try:
            value, warnings = decode_yaml(text, first_line)
        except YamlError as exc:
            yield InputError(f"error converting YAML to JSON: {exc}", source=source, document=index)
            continue
        except RecursionError:
            yield InputError("the document is nested too deeply", source=source, document=index)
            continue
        yield index, value, warnings


def _split_yaml(data: bytes) -> Iterator[tuple[int, int, bytes, str]]:
    """apimachinery's YAMLReader: a line starting with `---` ends a section; only a comment may
    follow the dashes. Yields (document number, first line, bytes, separator error or "")."""
    index, start, buffer = 0, 1, bytearray()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if line.startswith(b"---"):
            rest = line[3:].strip()
            if rest and not rest.startswith(b"#"):
                if buffer:
                    index += 1
                    yield index, start, bytes(buffer), ""
                index += 1
                shown = rest.decode("utf-8", "replace")
                yield index, number, b"", f"invalid Yaml document separator: {shown}"
                buffer, start = bytearray(), number + 1
                continue
            if buffer:
                index += 1
                yield index, start, bytes(buffer), ""
            buffer, start = bytearray(), number + 1
            continue
        buffer += line + b"\n"
    if buffer:
        yield index + 1, start, bytes(buffer), ""


def _json_values(data: bytes, source: str) -> Iterator[tuple[int, Any, list[str]] | InputError]:
    """A stream of JSON values, as Go's json.Decoder reads them (kubectl's JSON path)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield InputError(_not_utf8(data, exc, 1), source=source)
        return
    warnings: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                warnings.append(f'duplicate key "{key}": the last value wins, as kubectl does')
            out[key] = value
        return out

    def constant(name: str) -> None:
        raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")

    decoder = json.JSONDecoder(
        object_pairs_hook=pairs, parse_constant=constant, parse_int=_json_int
    )
    position, index = 0, 0
    while True:
        while position < len(text) and text[position] in " \t\n\r":
            position += 1
        if position >= len(text):
            return
        index += 1
        warnings = []
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}, column {exc.colno}"
            yield InputError(f"json: {where}: {exc.msg}", source=source, document=index)
            return
        except (ValueError, RecursionError) as exc:
            message = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
            yield InputError(f"json: {message}", source=source, document=index)
            return
        if len(text[position:end].encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
            yield InputError(_too_large(), source=source, document=index)
        else:
            yield index, value, warnings
        position = end


def _json_int(text: str) -> int:
    """A JSON integer. Go reads one outside int64 as a float64 (`_jsonable` does that) and
    refuses one beyond float64, in its words; Python's int() never sees 4,300 digits or more."""
    if len(text) > 20 and math.isinf(float(text)):
        shown = f"{text[:20]}...{text[-8:]} ({len(text)} digits)"
        raise ValueError(f'strconv.ParseFloat: parsing "{shown}": value out of range')
    return int(text)


def _documents(source: str, index: int, value: Any, warnings: list[str]) -> Iterator[Any]:
    """Check one decoded value and yield its Document(s) or InputError(s)."""
    if value is None:
        return  # empty, comment-only or null document: skipped, as kubectl does
    try:
        value = _jsonable(value)
    except ValueError as exc:
        yield InputError(str(exc), source=source, document=index)
        return
    if not isinstance(value, dict):
        yield InputError(_not_mapping(value), source=source, document=index)
        return
    items = value.get("items")
    if items is None:
        yield _checked(source, index, value, warnings, "")
        return
    if not isinstance(items, list):
        found = _type_name(items)
        yield InputError(f"items must be a list of objects, found {found}", source=source,
                         document=index)  # fmt: skip
        return
    for position, item in enumerate(items):
        where = f"items[{position}]: "
        if not isinstance(item, dict):
            yield InputError(where + _not_mapping(item), source=source, document=index)
        elif item.get("items") is not None:
            yield InputError(where + "a list inside a list is not supported, as in kubectl",
                             source=source, document=index)  # fmt: skip
        else:
            yield _checked(source, index, item, list(warnings), where)


def _checked(
    source: str, index: int, obj: dict[str, Any], warnings: list[str], where: str
) -> Document | InputError:
    """kubectl's getObjectKind check: apiVersion and kind must be set, and strings."""
    problems = []
    for name in ("apiVersion", "kind"):
        value = obj.get(name)
        if value is None or value == "":
            problems.append(f"{name} not set")
        elif not isinstance(value, str):
            problems.append(f"{name} isn't string type")
        elif name == "apiVersion" and value.count("/") > 1:
            problems.append(f"unexpected GroupVersion string: {value}")
    if problems:
        joined = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
        return InputError(f"{where}error validating data: {joined}", source=source, document=index)
    return Document(source=source, index=index, obj=obj, warnings=warnings)


def _jsonable(value: Any) -> Any:
    """Numbers as kubectl's JSON round trip leaves them: a float Go prints as an integer that fits
    int64 becomes an int, other integers outside int64 become floats; lone surrogates become
    U+FFFD as Go's encoder writes them."""
    if isinstance(value, dict):
        return {_jsonable(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"json: unsupported value: {value} (JSON has no infinity or NaN)")
        if value.is_integer() and abs(value) < 1e21:
            number = int(Decimal(repr(value)))  # Go prints the shortest digits, zero padded
            return number if -_INT64 <= number < _INT64 else value
        return value
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    raise ValueError(f"unsupported value of type {type(value).__name__}")


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {str: "a string", list: "a list", dict: "a mapping"}.get(type(value), "null")


def _not_mapping(value: Any) -> str:
    return f"expected a mapping (an object with apiVersion and kind), found {_type_name(value)}"


def _too_large() -> str:
    return (
        f"the document is larger than {MAX_DOCUMENT_BYTES // 2**20} MiB "
        "(the API server's request size limit)"
    )


def _not_utf8(data: bytes, exc: UnicodeDecodeError, first_line: int) -> str:
    before = data[: exc.start]
    line = first_line + before.count(b"\n")
    column = exc.start - (before.rfind(b"\n") + 1) + 1
    return (
        f"invalid UTF-8 byte 0x{data[exc.start]:02x} at line {line}, column {column}: kubesim "
        "refuses text that is not UTF-8 (kubectl would silently replace it)"
    )
