"""kubectl's client-side apply as pure functions: the three-way patch, and the server applying it.

The three-way patch is the change from the live object to the manifest *without deletions*, plus
the deletions from last-applied to the manifest. So a field only someone else set is kept, a field
dropped from the manifest is removed, and a field the manifest sets wins over a live change (after
`kubectl scale` to 5, re-applying a manifest that says 3 sends `replicas: 3`).

Built-in kinds use a strategic merge patch (apimachinery's pkg/util/strategicpatch:
`kubesim.api.strategicdiff`, `strategicapply`, `strategiclists`); custom resources and CRDs, which
kubectl's scheme does not know, a JSON merge patch (`kubesim.api.jsonmerge`). The port keeps Go's
quirks where they change the outcome: which patch is empty (kubectl prints `unchanged` and sends
nothing exactly then), and the order of merged lists.

Called by `kubesim.api.apply` (three_way_patch, and apply_patch as the PATCH handler).
"""

from __future__ import annotations

from kubesim.api import jsonmerge
from kubesim.api.goval import MergeError
from kubesim.api.mergekeys import root_type, uses_strategic_merge
from kubesim.api.strategicapply import CLIENT, SERVER, merge_map
from kubesim.api.strategicdiff import Diff, diff_maps
from kubesim.model.kinds import Kind
from kubesim.model.objects import deepcopy

__all__ = ["MergeError", "apply_patch", "three_way_patch"]


def three_way_patch(original: dict | None, modified: dict, current: dict, kind: Kind) -> dict:
    """The patch kubectl sends for `kubectl apply` ({} when it would send nothing).

    original: last-applied (parsed from the live object's annotation), or None;
    modified: the manifest carrying its new last-applied annotation; current: the live object.
    """
    original = deepcopy(original or {})
    modified = deepcopy(modified)
    current = deepcopy(current)
    if not uses_strategic_merge(kind):
        return jsonmerge.three_way(original, modified, current)
    typ = root_type(kind)
    delta = diff_maps(current, modified, typ, Diff(set_element_order=True, ignore_deletions=True))
    deletions = diff_maps(
        original, modified, typ, Diff(set_element_order=True, ignore_changes=True)
    )
    return deepcopy(merge_map(deletions, delta, typ, CLIENT))


def apply_patch(current: dict, patch: dict, kind: Kind) -> dict:
    """The server side of PATCH: the new object (a new dict; `current` is left alone)."""
    current = deepcopy(current)
    patch = deepcopy(patch)
    if not uses_strategic_merge(kind):
        return jsonmerge.merge_docs(current, patch)
    return deepcopy(merge_map(current, patch, root_type(kind), SERVER))
