"""Fitting names and lines into a width: what every plain-text and panel renderer shares.

`plain_width` is the columns plain output may use (the terminal's on a terminal, PIPE_WIDTH in
a pipe, so that what is piped or tested does not depend on a window), `cut` ends a line that is
too long in an ellipsis, `short_consumer` shortens a process name (`kcm`) and `short_target`
names an object with kubectl's short kind (`rs/web-6c455b6594`), for where space demands them.
Called by the stage panels (kubesim.view.stages_panels) and replay's plain blocks
(kubesim.replay.blocks); the stage log of the control plane (kubesim.sim.log) has the same rules.
"""

from __future__ import annotations

import shutil
import sys
from typing import Any

from kubesim.model.kinds import BUILTIN_KINDS

#: the width of plain output that is not a terminal (a pipe, a file, the tests)
PIPE_WIDTH = 100
#: narrower terminals still get this many columns (lines there wrap)
MIN_WIDTH = 40
ELLIPSIS = "…"
#: kind -> kubectl's short name (`Deployment` -> `deploy`), else the singular
SHORT_KINDS = {k.kind: (k.short_names[0] if k.short_names else k.singular) for k in BUILTIN_KINDS}


def short_kinds(kinds: Any) -> str:
    """`Deployment, Pod` -> `deploy,po`: a consumer's kinds by kubectl's short names, sorted."""
    return ",".join(sorted(SHORT_KINDS.get(k, k.lower()) for k in kinds))


def plain_width(stream: Any = None) -> int:
    """The columns plain output may use: the terminal's width when `stream` (stdout) is one,
    else PIPE_WIDTH."""
    stream = stream if stream is not None else sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        return PIPE_WIDTH
    return max(MIN_WIDTH, shutil.get_terminal_size((PIPE_WIDTH, 24)).columns)


def cut(text: str, width: int) -> str:
    """`text`, ending in an ellipsis if it is longer than `width`."""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + ELLIPSIS


#: the short name people use for kube-controller-manager
SHORT_PROCESSES = {"kube-controller-manager": "kcm"}


def short_consumer(name: str) -> str:
    """`kube-controller-manager/replicaset` -> `kcm/replicaset`, for where space demands it."""
    process, sep, controller = name.partition("/")
    return SHORT_PROCESSES.get(process, process) + sep + controller


def short_target(kind: str, namespace: str, name: str) -> str:
    """`rs/web-6c455b6594`: kubectl's short kind, the namespace only if it is not default."""
    ns = f"{namespace}/" if namespace and namespace != "default" else ""
    return f"{SHORT_KINDS.get(kind, kind.lower())}/{ns}{name}"
