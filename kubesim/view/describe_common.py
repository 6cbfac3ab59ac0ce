"""The building blocks of kubectl describe: the prefix writer, label and annotation blocks, the
Events table and the generic (unstructured) tree used for CRDs and custom resources.

A `Writer` collects text the way describe.go's PrefixWriter does (two spaces per level, cells
separated by tabs); `Writer.text()` aligns it with Go's tabwriter (minwidth 0, padding 2).
Called by kubesim.view.describe and its describe_*.py siblings.
"""

from __future__ import annotations

import re

from kubesim.view.humanize import since
from kubesim.view.table_text import tabwrite

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140


class Writer:
    """describe.go's prefixWriter over a tabwriter."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def write(self, level: int, text: str) -> None:
        self._parts.append("  " * level + text)

    def line(self, text: str) -> None:
        """WriteLine: the text and a newline, no indentation."""
        self._parts.append(text + "\n")

    def text(self) -> str:
        return tabwrite("".join(self._parts))


def labels_multiline(w: Writer, title: str, labels: dict | None, indent: str = "") -> None:
    """printLabelsMultilineWithIndent: `Labels:\\tapp=web` then one `\\tk=v` per further label."""
    w.write(0, f"{indent}{title}:\t")
    if not labels:
        w.line("<none>")
        return
    for i, key in enumerate(sorted(labels)):
        if i:
            w.write(0, f"{indent}\t")
        w.write(0, f"{key}={labels[key]}\n")


def annotations_multiline(w: Writer, title: str, annotations: dict | None) -> None:
    """printAnnotationsMultiline: last-applied-configuration is skipped, long values wrapped."""
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k != LAST_APPLIED)
    if not keys:
        w.line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = str(annotations[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                if len(part) > MAX_ANNOTATION_LEN - 2:
                    part = part[: MAX_ANNOTATION_LEN - 2] + "..."
                w.write(0, f"\t  {part}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _event_first(ev: dict, now: float) -> str:
    if ev.get("eventTime"):
        return since(ev["eventTime"], now)
    return since(ev.get("firstTimestamp"), now)


def describe_events(w: Writer, events: list[dict], now: float) -> None:
    """DescribeEvents: `Events:\\t<none>`, or the Type/Reason/Age/From/Message table sorted by
    lastTimestamp, with `(xN over T)` for repeated events."""
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for ev in sorted(events, key=lambda e: e.get("lastTimestamp") or ""):
        first = _event_first(ev, now)
        series = ev.get("series")
        if series:
            interval = (
                f"{since(series.get('lastObservedTime'), now)} "
                f"(x{series.get('count', 0)} over {first})"
            )
        elif (ev.get("count") or 0) > 1:
            interval = f"{since(ev.get('lastTimestamp'), now)} (x{ev['count']} over {first})"
        else:
            interval = first
        source = (ev.get("source") or {}).get("component") or ev.get("reportingComponent", "")
        message = (ev.get("message") or "").strip()
        w.write(
            1, f"{ev.get('type', '')}\t{ev.get('reason', '')}\t{interval}\t{source}\t{message}\n"
        )


_ACRONYMS = {"API", "URL", "UID", "OSB", "GUID"}
_NOT_LETTER = re.compile(r"[^A-Za-z\-]")


def _camel_split(field: str) -> list[str]:
    """fatih/camelcase.Split: runs of one character class, `PDFLoader` -> `PDF`, `Loader`."""
    runs: list[list[str]] = []
    last = 0
    for ch in field:
        cls = 1 if ch.islower() else 2 if ch.isupper() else 3 if ch.isdigit() else 4
        if cls == last:
            runs[-1].append(ch)
        else:
            runs.append([ch])
        last = cls
    for i in range(len(runs) - 1):
        if runs[i][0].isupper() and runs[i + 1][0].islower():
            runs[i + 1].insert(0, runs[i].pop())
    return ["".join(r) for r in runs if r]


def smart_label(field: str) -> str:
    """smartLabelFor: `apiVersion` -> `API Version`, `creationTimestamp` -> `Creation Timestamp`."""
    if _NOT_LETTER.search(field):
        return field
    parts = []
    for part in _camel_split(field):
        if part == "_":
            continue
        parts.append(part.upper() if part.upper() in _ACRONYMS else part[:1].upper() + part[1:])
    return " ".join(parts)


def go_value(value: object) -> str:
    """fmt's %v of a JSON value decoded by Go (unstructured)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def unstructured(w: Writer, level: int, content: dict, prefix: str, skip: set[str]) -> None:
    """printUnstructuredContent: sorted fields; maps and lists become indented sub-trees."""
    for field in sorted(content):
        value = content[field]
        path = f"{prefix}.{field}"
        if path in skip:
            continue
        if isinstance(value, dict):
            w.write(level, f"{smart_label(field)}:\n")
            unstructured(w, level + 1, value, path, skip)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    unstructured(w, level + 1, child, path, skip)
                else:
                    w.write(level + 1, f"{go_value(child)}\n")
        else:
            w.write(level, f"{smart_label(field)}:\t{go_value(value)}\n")


def describe_generic(obj: dict, now: float, events: list[dict]) -> str:
    """genericDescriber: what kubectl prints for kinds without a describer (CRDs, CRs)."""
    w = Writer()
    meta = obj.get("metadata") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    skip = {
        ".metadata.managedFields",
        ".metadata.name",
        ".metadata.namespace",
        ".metadata.labels",
        ".metadata.annotations",
    }
    unstructured(w, 0, obj, "", skip)
    describe_events(w, events, now)
    return w.text()
