"""The informer cache: indexes stay consistent with the objects, selectors agree with brute force,
Replace reports the right deltas, and the mutation check catches in-place changes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubesim.client.cache import Indexer, MutationError
from kubesim.model.labels import NOTHING, matches, parse_selector, selector_from_spec
from kubesim.model.objects import cache_key, controller_ref, labels_of, namespace_of


def pod(
    name: str,
    ns: str = "default",
    labels: dict[str, str] | None = None,
    owners: list[tuple[str, bool]] = (),
    rv: int = 1,
    node: str = "",
) -> dict:
    meta: dict = {"name": name, "resourceVersion": str(rv)}
    if ns:
        meta["namespace"] = ns
    if labels is not None:
        meta["labels"] = labels
    if owners:
        meta["ownerReferences"] = [
            {"kind": "ReplicaSet", "name": uid, "uid": uid, "controller": c} for uid, c in owners
        ]
    return {"kind": "Pod", "metadata": meta, "spec": {"nodeName": node}}


def keys(objs: list[dict]) -> list[str]:
    return [cache_key(o) for o in objs]


def test_keys_namespace_and_cluster_scoped() -> None:
    ix = Indexer()
    ix.add(pod("web", "default"))
    ix.add({"kind": "Node", "metadata": {"name": "node-1"}})
    assert ix.list_keys() == ["default/web", "node-1"]
    assert ix.get("node-1")["kind"] == "Node"
    assert "default/web" in ix and len(ix) == 2


def test_objects_are_stored_and_returned_as_given() -> None:
    ix = Indexer()
    obj = pod("web")
    ix.add(obj)
    assert ix.get("default/web") is obj
    assert ix.list()[0] is obj


def test_update_moves_the_object_between_index_entries() -> None:
    ix = Indexer()
    ix.add(pod("p", labels={"app": "a"}, owners=[("rs-1", True), ("x", False)]))
    old = ix.update(pod("p", labels={"app": "b"}, owners=[("rs-2", True)], rv=5))
    assert labels_of(old) == {"app": "a"}
    assert ix.by_controller("rs-1") == [] and ix.by_owner("x") == []
    assert keys(ix.by_controller("rs-2")) == ["default/p"]
    assert ix.by_selector("default", parse_selector("app=a")) == []
    assert keys(ix.by_selector("default", parse_selector("app=b"))) == ["default/p"]
    assert ix.resource_version == 5


def test_delete_by_key_or_object() -> None:
    ix = Indexer()
    a, b = pod("a", owners=[("rs", True)]), pod("b", owners=[("rs", True)])
    ix.add(a)
    ix.add(b)
    assert ix.delete("default/a") is a
    assert ix.delete(pod("b")) is b
    assert ix.delete("default/zzz") is None
    assert ix.by_controller("rs") == [] and ix.list_namespace("default") == []


def test_by_owner_includes_non_controller_refs() -> None:
    ix = Indexer()
    ix.add(pod("a", owners=[("rs", True)]))
    ix.add(pod("b", owners=[("rs", False)]))
    assert keys(ix.by_controller("rs")) == ["default/a"]
    assert keys(ix.by_owner("rs")) == ["default/a", "default/b"]


def test_custom_index_function() -> None:
    def by_node(obj: dict) -> list[str]:
        return [obj["spec"]["nodeName"]] if obj["spec"]["nodeName"] else []

    ix = Indexer(indexers={"node": by_node})
    ix.add(pod("a", node="n1"))
    ix.add(pod("b", node="n2"))
    ix.update(pod("a", node="n2"))
    assert keys(ix.by_index("node", "n2")) == ["default/b", "default/a"]
    assert ix.by_index("node", "n1") == []
    with pytest.raises(KeyError):
        ix.by_index("nope", "x")


def test_nil_selector_matches_nothing_and_empty_matches_all() -> None:
    ix = Indexer()
    ix.add(pod("a", labels={"app": "x"}))
    ix.add(pod("b", ns="other"))
    assert ix.by_selector("", NOTHING) == []
    assert keys(ix.by_selector(None, ())) == ["default/a", "other/b"]
    assert keys(ix.by_selector("other", selector_from_spec({}))) == ["other/b"]


# -- property-based: any sequence of writes leaves indexes equal to a brute-force recomputation --

NAMES = st.sampled_from(["a", "b", "c", "d"])
NAMESPACES = st.sampled_from(["", "default", "prod"])
LABELS = st.dictionaries(
    st.sampled_from(["app", "tier", "env"]), st.sampled_from(["x", "y", "z"]), max_size=3
)
OWNERS = st.lists(st.tuples(st.sampled_from(["u1", "u2", "u3"]), st.booleans()), max_size=2)
POD = st.builds(pod, NAMES, NAMESPACES, LABELS, OWNERS, st.integers(1, 50))
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("update"), POD),
        st.tuples(st.just("delete"), POD),
        st.tuples(st.just("replace"), st.lists(POD, max_size=5)),
    ),
    max_size=25,
)
SELECTORS = st.sampled_from(
    [
        "",
        "app=x",
        "app=x,tier=y",
        "app in (x,y)",
        "app in (x,y),env=z",
        "app!=x",
        "tier",
        "!tier",
        "app=x,!env",
        "env notin (z),tier in (x)",
    ]
)


def owner_refs(obj: dict) -> list[dict]:
    return obj["metadata"].get("ownerReferences", [])


def check_consistent(ix: Indexer, model: dict[str, dict]) -> None:
    assert ix.list_keys() == list(model)
    objs = list(model.values())
    for ns in ["default", "prod"]:
        assert ix.list_namespace(ns) == [o for o in objs if namespace_of(o) == ns]
    for uid in ["u1", "u2", "u3"]:
        ctrl = [o for o in objs if (controller_ref(o) or {}).get("uid") == uid]
        assert sorted(keys(ix.by_controller(uid))) == sorted(keys(ctrl))
        owned = [o for o in objs if any(r["uid"] == uid for r in owner_refs(o))]
        assert sorted(keys(ix.by_owner(uid))) == sorted(keys(owned))


@settings(max_examples=150, deadline=None)
@given(OPS, st.lists(st.tuples(st.sampled_from(["", "default", "prod"]), SELECTORS), max_size=4))
def test_indexes_match_brute_force_after_any_writes(ops, queries) -> None:
    ix = Indexer(check_mutation=True)
    model: dict[str, dict] = {}
    for op, arg in ops:
        if op == "update":
            ix.update(arg)
            model[cache_key(arg)] = arg
        elif op == "delete":
            ix.delete(arg)
            model.pop(cache_key(arg), None)
        else:
            ix.replace(arg, 7)
            model = {cache_key(o): o for o in arg}
        check_consistent(ix, model)
    for ns, text in queries:
        sel = parse_selector(text)
        want = [o for o in model.values() if (not ns or namespace_of(o) == ns)]
        want = [o for o in want if matches(sel, labels_of(o))]
        assert sorted(keys(ix.by_selector(ns, sel))) == sorted(keys(want))
    ix.verify_unmutated()


# -- Replace -------------------------------------------------------------------------------------


def test_replace_reports_added_updated_deleted() -> None:
    ix = Indexer()
    old_a, old_b = pod("a", rv=1), pod("b", rv=2)
    ix.replace([old_a, old_b], 2)
    new_b, new_c = pod("b", rv=3), pod("c", rv=4)
    deltas = ix.replace([new_b, new_c], "10")
    assert deltas.added == ["default/c"]
    assert deltas.updated == [("default/b", old_b)]
    assert deltas.deleted == [("default/a", old_a)]
    assert ix.list() == [new_b, new_c]
    assert ix.last_sync_resource_version == "10"
    assert ix.resource_version == 10


def test_replace_into_empty_cache_adds_everything_and_rebuilds_indexes() -> None:
    ix = Indexer()
    ix.add(pod("stale", labels={"app": "x"}, owners=[("rs", True)]))
    objs = [pod(f"p{i}", labels={"app": "x"}, owners=[("rs", True)], rv=i) for i in range(1, 4)]
    deltas = Indexer().replace(objs, 3)
    assert deltas.added == ["default/p1", "default/p2", "default/p3"]
    assert deltas.updated == [] and deltas.deleted == []
    ix.replace(objs, 3)
    assert keys(ix.by_controller("rs")) == ["default/p1", "default/p2", "default/p3"]
    assert keys(ix.by_selector("default", parse_selector("app=x"))) == keys(objs)


def test_replace_with_a_key_listed_twice_keeps_the_last() -> None:
    ix = Indexer()
    first, last = pod("a", labels={"v": "1"}), pod("a", labels={"v": "2"})
    deltas = ix.replace([first, last], 1)
    assert deltas.added == ["default/a"]
    assert ix.get("default/a") is last
    assert ix.by_selector("", parse_selector("v=1")) == []


# -- mutation check ------------------------------------------------------------------------------


def test_verify_unmutated_catches_an_in_place_change() -> None:
    ix = Indexer(check_mutation=True)
    ix.add(pod("web", labels={"app": "x"}))
    ix.verify_unmutated()
    ix.get("default/web")["metadata"]["labels"]["app"] = "changed"
    with pytest.raises(MutationError, match="default/web"):
        ix.verify_unmutated()


def test_mutation_is_reported_even_after_the_object_left_the_cache() -> None:
    ix = Indexer(check_mutation=True)
    ix.replace([pod("a"), pod("b")], 1)
    ix.get("default/a")["spec"]["nodeName"] = "sneaky"
    ix.get("default/b")["status"] = {"phase": "Running"}
    ix.delete("default/a")
    ix.replace([], 2)
    with pytest.raises(MutationError, match="default/a, default/b"):
        ix.verify_unmutated()


def test_verify_unmutated_needs_the_debug_mode() -> None:
    with pytest.raises(RuntimeError):
        Indexer().verify_unmutated()
