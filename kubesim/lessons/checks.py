"""Declarative checks: what a step asks for, read from the store (objects, events) and the journal.

A step's `check` is a list of one-key mappings; every item must pass. Checks look at what
happened, never at what was typed, so a learner who gets there another way passes too. Counting
checks take `equals`, `at_least` or `at_most` (default: at_least 1). Journal and event checks
count only what happened since the step began (its Mark), unless `since: lesson`.

    object:     {kind: Deployment, name: web, namespace: default}          the object exists
    absent:     {kind: Deployment, name: web}                              it does not
    field:      {kind: Deployment, name: web, path: status.observedGeneration, equals: 2}
                (also at_least / at_most for numbers, exists: false for a missing field)
    count:      {kind: Pod, selector: app=web, where: {status.phase: Running}, equals: 3}
    event:      {type: ADDED, kind: Pod, name: web-*}      an event in the watch stream
    command:    {actor: user, verb: apply, outcome: rejected, kind: Deployment}
    conditional_write: {actor: user, kind: Deployment, name: web}   a write that carried a
                resourceVersion (so the API server compared it) and succeeded
    last_applied: {kind: ConfigMap, name: web-config, has: [metadata.resourceVersion],
                lacks: [metadata.uid]}      paths in the live object's last-applied annotation
    behind:     {consumer: kube-controller-manager, at_least: 1}   unseen events of its kinds
    reconciled: {consumer: kube-controller-manager/deployment, key: default/web, trigger: relist}
                (events_at_least: 2: one reconcile for several queued events)
    delivered:  {consumer: kube-scheduler, kind: Service, type: ADDED, equals: 0, duplicate: true}
    relist:     {consumer: kube-controller-manager, reason: restart}
    journal:    {type: compaction}                        any journal entry type, by its fields
    projection: {consumer: kube-scheduler, has: [Pod, Node], lacks: [Deployment]}  its cache's kinds
    latency:    {consumer: kube-controller-manager, at_least: 1.0}   its --latency, seconds
    lists:      {consumer: kube-controller-manager*, at_least: 14}  LIST requests (one per kind)
    reads_per_write: {at_least: 3}   the summary's reads:writes for the last run
    owned:      {kind: Pod, owner: {kind: ReplicaSet, name: web-*}, has: [spec.nodeName], equals: 3}
                objects whose controller ownerReference names a live owner (its uid)
    generation: {kind: Deployment, name: web, observed: false}   observedGeneration < generation
    every:      {kind: Backup, match: {status.lastSchedule: spec.schedule}, at_least: 2}
                each such object has each path equal to the other path of the same object
    relist_covers: {reason: restart, kind: Pod, selector: app=web}   a LIST since the step read
                at least as many objects as there are such objects now

`evaluate(check, ctx)` returns a Result (passed, one line saying what it saw). Names may end in
`*` (a prefix). Called by the runner, watch mode and the linter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubesim.api.server import ApiServer
from kubesim.client.staleness import last_run, unseen
from kubesim.model.errors import KubesimError
from kubesim.model.kinds import Kind
from kubesim.model.labels import matches, parse_selector
from kubesim.model.objects import loads
from kubesim.store.base import JournalEntry, Store


class UnknownKind(KubesimError):
    """A check names a kind the store does not serve (yet): the check fails, it does not crash."""


@dataclass(frozen=True)
class Mark:
    """Where a step began: the last journal seq and the store revision at that moment."""

    seq: int = 0
    revision: int = 0

    def to_json(self) -> dict[str, int]:
        return {"seq": self.seq, "revision": self.revision}

    @classmethod
    def from_json(cls, data: dict | None) -> Mark:
        data = data or {}
        return cls(int(data.get("seq", 0)), int(data.get("revision", 0)))


@dataclass(frozen=True)
class Result:
    passed: bool
    message: str


@dataclass
class CheckContext:
    store: Store
    api: ApiServer
    step_mark: Mark
    lesson_mark: Mark

    def since(self, spec: dict) -> Mark:
        return self.lesson_mark if spec.get("since") == "lesson" else self.step_mark

    def journal(self, spec: dict, types: list[str]) -> list[JournalEntry]:
        return self.store.journal(types=types, since_seq=self.since(spec).seq)

    def kind(self, name: str) -> Kind:
        try:
            return self.api.registry().for_kind(name)
        except KubesimError:
            raise UnknownKind(
                f"kind {name} is not known to the API server yet (is its CRD applied?)"
            ) from None


def current_mark(store: Store) -> Mark:
    last = store.journal(limit=None)
    return Mark(last[-1].seq if last else 0, store.current_revision())


def evaluate(check: dict[str, Any], ctx: CheckContext) -> Result:
    ((name, spec),) = check.items()
    fn = CHECKS.get(name)
    if fn is None:
        raise KubesimError(f'unknown check "{name}"; checks are: ' + ", ".join(sorted(CHECKS)))
    try:
        return fn(spec or {}, ctx)
    except UnknownKind as e:
        return Result(False, str(e))


def evaluate_all(checks: list[dict[str, Any]], ctx: CheckContext) -> list[Result]:
    return [evaluate(c, ctx) for c in checks]


# ------------------------------------------------------------------------------- helpers
def _name_matches(pattern: str | None, name: str) -> bool:
    if not pattern:
        return True
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    return name == pattern


def _count_ok(spec: dict, n: int) -> tuple[bool, str]:
    if "equals" in spec:
        return n == int(spec["equals"]), f"exactly {spec['equals']}"
    if "at_most" in spec:
        return n <= int(spec["at_most"]), f"at most {spec['at_most']}"
    want = int(spec.get("at_least", 1))
    return n >= want, f"at least {want}"


def _describe(spec: dict, keys: tuple[str, ...]) -> str:
    return " ".join(str(spec[k]) for k in keys if spec.get(k) not in (None, ""))


def _get_path(obj: Any, path: str) -> tuple[bool, Any]:
    """A dotted path: `status.observedGeneration`, `spec.containers[0].image`."""
    cur = obj
    for part in path.strip(".").replace("]", "").split("."):
        name, _, index = part.partition("[")
        if name:
            if not isinstance(cur, dict) or name not in cur:
                return False, None
            cur = cur[name]
        if index:
            if not isinstance(cur, list) or int(index) >= len(cur):
                return False, None
            cur = cur[int(index)]
    return True, cur


def _objects(spec: dict, ctx: CheckContext) -> list[dict]:
    kind = ctx.kind(spec["kind"])
    ns = spec.get("namespace", "default") if kind.namespaced else None
    if spec.get("all_namespaces"):
        ns = None
    selector = parse_selector(spec["selector"]) if spec.get("selector") else None
    items, _ = ctx.api.list(kind, ns)
    out = []
    for o in items:
        md = o["metadata"]
        if not _name_matches(spec.get("name"), md["name"]):
            continue
        if selector is not None and not matches(selector, md.get("labels")):
            continue
        if all(_get_path(o, p) == (True, v) for p, v in (spec.get("where") or {}).items()):
            out.append(o)
    return out


def _what(spec: dict) -> str:
    ns = f" in {spec['namespace']}" if spec.get("namespace") else ""
    return f"{spec['kind']} {spec.get('name', '')}".rstrip() + ns


# ------------------------------------------------------------------------------- state checks
def check_object(spec: dict, ctx: CheckContext) -> Result:
    found = _objects(spec, ctx)
    if found:
        return Result(True, f"{_what(spec)} exists")
    return Result(False, f"{_what(spec)} does not exist")


def check_absent(spec: dict, ctx: CheckContext) -> Result:
    found = _objects(spec, ctx)
    if not found:
        return Result(True, f"{_what(spec)} does not exist")
    return Result(False, f"{_what(spec)} still exists")


def check_field(spec: dict, ctx: CheckContext) -> Result:
    found = _objects(spec, ctx)
    path = spec["path"]
    if not found:
        return Result(False, f"{_what(spec)} does not exist (wanted its {path})")
    present, value = _get_path(found[0], path)
    shown = value if present else "(not set)"
    if spec.get("exists") is False:
        return Result(not present, f"{_what(spec)}: {path} is {shown}")
    if "equals" in spec:
        ok = present and value == spec["equals"]
        return Result(
            ok, f"{_what(spec)}: {path} is {shown}" + ("" if ok else f", wanted {spec['equals']}")
        )
    if "equals_field" in spec:
        other_present, other = _get_path(found[0], spec["equals_field"])
        ok = present and other_present and value == other
        return Result(
            ok,
            f"{_what(spec)}: {path} is {shown}, "
            f"{spec['equals_field']} is {other if other_present else '(not set)'}",
        )
    numeric = value if present and isinstance(value, int | float) else None
    if "at_least" in spec:
        ok = numeric is not None and numeric >= spec["at_least"]
        return Result(ok, f"{_what(spec)}: {path} is {shown}, wanted at least {spec['at_least']}")
    if "at_most" in spec:
        ok = numeric is not None and numeric <= spec["at_most"]
        return Result(ok, f"{_what(spec)}: {path} is {shown}, wanted at most {spec['at_most']}")
    return Result(present, f"{_what(spec)}: {path} is {shown}")


def check_count(spec: dict, ctx: CheckContext) -> Result:
    found = _objects(spec, ctx)
    ok, wanted = _count_ok(spec, len(found))
    sel = f" matching {spec['selector']}" if spec.get("selector") else ""
    where = "".join(f", {k}={v}" for k, v in (spec.get("where") or {}).items())
    return Result(ok, f"{len(found)} {spec['kind']}(s){sel}{where} (wanted {wanted})")


# ------------------------------------------------------------------------------- history checks
def check_event(spec: dict, ctx: CheckContext) -> Result:
    """Events in the watch stream (the store's history) after the mark's revision."""
    prefix = ctx.kind(spec["kind"]).prefix() if spec.get("kind") else "/registry/"
    start = max(ctx.since(spec).revision + 1, ctx.store.compact_revision(), 1)
    n = 0
    for ev in ctx.store.events(start, prefix):
        etype = "DELETED" if ev.type == "DELETE" else ("ADDED" if ev.version == 1 else "MODIFIED")
        if spec.get("type") and spec["type"] != etype:
            continue
        if not _name_matches(spec.get("name"), ev.key.rsplit("/", 1)[-1]):
            continue
        n += 1
    ok, wanted = _count_ok(spec, n)
    what = _describe(spec, ("type", "kind", "name"))
    return Result(
        ok, f"events {what or 'of any kind'}: {n} since this step began (wanted {wanted})"
    )


def _entry_kind(e: JournalEntry) -> str:
    return str((e.data or {}).get("kind") or "")


def check_command(spec: dict, ctx: CheckContext) -> Result:
    n = 0
    for e in ctx.journal(spec, ["command"]):
        if not _name_matches(spec.get("actor"), e.actor):
            continue
        if spec.get("verb") and e.verb != spec["verb"]:
            continue
        if spec.get("outcome") and e.outcome != spec["outcome"]:
            continue
        if spec.get("kind") and _entry_kind(e) != spec["kind"]:
            continue
        if not _name_matches(spec.get("name"), str((e.data or {}).get("name") or "")):
            continue
        n += 1
    ok, wanted = _count_ok(spec, n)
    what = _describe(spec, ("actor", "verb", "kind", "name"))
    outcome = f" -> {spec['outcome']}" if spec.get("outcome") else ""
    return Result(ok, f"commands {what}{outcome}: {n} since this step began (wanted {wanted})")


#: command outcomes that wrote (a refused or no-op command did not)
WRITTEN = {"created", "configured", "scaled", "replaced", "labeled", "deleted"}


def check_conditional_write(spec: dict, ctx: CheckContext) -> Result:
    """Successful writes whose request carried a resourceVersion (the journal records it), so
    the API server compared it with the stored one: read-modify-write under optimistic
    concurrency. A patch without one (a plain scale or apply) does not count."""
    n = 0
    for e in ctx.journal(spec, ["command"]):
        data = e.data or {}
        if not _name_matches(spec.get("actor"), e.actor) or e.outcome not in WRITTEN:
            continue
        if spec.get("kind") and _entry_kind(e) != spec["kind"]:
            continue
        if not _name_matches(spec.get("name"), str(data.get("name") or "")):
            continue
        if data.get("resourceVersion"):
            n += 1
    ok, wanted = _count_ok(spec, n)
    what = _describe(spec, ("actor", "kind", "name"))
    return Result(
        ok,
        f"writes {what} that carried a resourceVersion: {n} since this step began "
        f"(wanted {wanted})",
    )


def check_last_applied(spec: dict, ctx: CheckContext) -> Result:
    """Paths present (`has`) or absent (`lacks`) in the live object's
    kubectl.kubernetes.io/last-applied-configuration: what the last applied manifest said."""
    found = _objects(spec, ctx)
    if not found:
        return Result(False, f"{_what(spec)} does not exist")
    annotations = found[0]["metadata"].get("annotations") or {}
    text = annotations.get("kubectl.kubernetes.io/last-applied-configuration")
    if not text:
        return Result(False, f"{_what(spec)} was not created or configured by apply")
    applied = loads(text)
    problems = [f"has no {p}" for p in spec.get("has") or [] if not _get_path(applied, p)[0]]
    problems += [f"still has {p}" for p in spec.get("lacks") or [] if _get_path(applied, p)[0]]
    if problems:
        return Result(False, f"the manifest last applied to {_what(spec)} {', '.join(problems)}")
    return Result(True, f"the manifest last applied to {_what(spec)} is as wanted")


def check_reconciled(spec: dict, ctx: CheckContext) -> Result:
    n = 0
    for e in ctx.journal(spec, ["reconcile"]):
        if not _name_matches(spec.get("consumer"), e.actor):
            continue
        if not _name_matches(spec.get("key"), e.target):
            continue
        if spec.get("outcome") and not e.outcome.startswith(spec["outcome"]):
            continue
        triggers = [str(t) for t in (e.data or {}).get("triggers") or []]
        if spec.get("trigger") and not any(t.startswith(spec["trigger"]) for t in triggers):
            continue
        events = sum(1 for t in (e.data or {}).get("triggers") or [] if isinstance(t, int))
        if events < int(spec.get("events_at_least", 0)):
            continue  # not one reconcile for that many queued events (the workqueue's merge)
        n += 1
    ok, wanted = _count_ok(spec, n)
    what = _describe(spec, ("consumer", "key"))
    what += f" triggered by {spec['trigger']}" if spec.get("trigger") else ""
    if spec.get("events_at_least"):
        what += f" for {spec['events_at_least']}+ events at once"
    what += f" -> {spec['outcome']}" if spec.get("outcome") else ""
    return Result(ok, f"reconciles {what}: {n} since this step began (wanted {wanted})")


def check_delivered(spec: dict, ctx: CheckContext) -> Result:
    prefix = ctx.kind(spec["kind"]).prefix() if spec.get("kind") else ""
    n = 0
    for e in ctx.journal(spec, ["delivery"]):
        if not _name_matches(spec.get("consumer"), e.actor):
            continue
        if prefix and not e.target.startswith(prefix):
            continue
        if not _name_matches(spec.get("name"), e.target.rsplit("/", 1)[-1]):
            continue
        if spec.get("duplicate") and e.outcome != "duplicate":
            continue
        if spec.get("type") and e.verb != spec["type"]:
            continue
        n += 1
    ok, wanted = _count_ok(spec, n)
    dup = "duplicate " if spec.get("duplicate") else ""
    dup += f"{spec['type']} " if spec.get("type") else ""
    what = f"{_describe(spec, ('kind', 'name')) or 'events'} to {spec.get('consumer', 'anyone')}"
    return Result(ok, f"{dup}deliveries of {what}: {n} since this step began (wanted {wanted})")


def check_relist(spec: dict, ctx: CheckContext) -> Result:
    n = 0
    for e in ctx.journal(spec, ["relist"]):
        if not _name_matches(spec.get("consumer"), e.actor):
            continue
        if spec.get("reason") and e.outcome != spec["reason"]:
            continue
        if int((e.data or {}).get("objects", 0)) < int(spec.get("objects_at_least", 0)):
            continue
        n += 1
    ok, wanted = _count_ok(spec, n)
    what = _describe(spec, ("consumer",)) + (f" ({spec['reason']})" if spec.get("reason") else "")
    return Result(ok, f"relists {what}: {n} since this step began (wanted {wanted})")


def check_lists(spec: dict, ctx: CheckContext) -> Result:
    """LIST requests of the consumers matching `consumer` since the step began (one per kind
    per relist: a process that shares its informers LISTs each kind once)."""
    n = sum(
        int((e.data or {}).get("lists", 0))
        for e in ctx.journal(spec, ["relist"])
        if _name_matches(spec.get("consumer"), e.actor)
    )
    ok, wanted = _count_ok(spec, n)
    what = _describe(spec, ("consumer",))
    return Result(ok, f"LIST requests of {what}: {n} since this step began (wanted {wanted})")


def check_journal(spec: dict, ctx: CheckContext) -> Result:
    fields = ("actor", "verb", "target", "outcome")
    n = sum(
        1
        for e in ctx.journal(spec, [spec["type"]])
        if all(not spec.get(f) or getattr(e, f) == spec[f] for f in fields)
    )
    ok, wanted = _count_ok(spec, n)
    what = _describe(spec, ("type", *fields))
    return Result(ok, f"journal {what}: {n} since this step began (wanted {wanted})")


def check_behind(spec: dict, ctx: CheckContext) -> Result:
    """Events of the kinds a consumer watches that its projection has not received (as `lag`)."""
    name = spec["consumer"]
    unseen = behind(ctx.store, name)
    if unseen is None:
        return Result(False, f"{name} has not run against this store yet")
    ok, wanted = _count_ok(spec, unseen)
    return Result(ok, f"{name} is {unseen} event(s) behind the store (wanted {wanted})")


def behind(store: Store, consumer: str) -> int | None:
    """Revisions of its kinds `consumer` has not received (kubesim.client.staleness, as `lag`
    counts them), in the latest control plane run; None if it has not run."""
    run = last_run(store)
    watch = run.watch(consumer) if run is not None else None
    if run is None or watch is None:
        return None
    return unseen(store, watch, run.seen.get(consumer, 0)).events


def _started(spec: dict, ctx: CheckContext) -> dict[str, Any] | Result:
    """What the consumer `spec["consumer"]` watched when the control plane last started since
    the step began (its start entry), or the failing Result that says why there is nothing."""
    starts = [e for e in ctx.journal(spec, ["controlplane"]) if e.verb == "start"]
    if not starts:
        return Result(False, "no control plane has started since this step began")
    watch = ((starts[-1].data or {}).get("consumers") or {}).get(spec["consumer"])
    if watch is None:
        return Result(False, f"no consumer named {spec['consumer']} ran")
    return watch


def check_projection(spec: dict, ctx: CheckContext) -> Result:
    """What a consumer's read model holds: the kinds its informers list and watch, as journaled
    when the control plane last started (since this step began)."""
    name = spec["consumer"]
    watch = _started(spec, ctx)
    if isinstance(watch, Result):
        return watch
    prefixes = watch.get("prefixes", [])
    problems = []
    for kind in spec.get("has") or []:
        if ctx.kind(kind).prefix() not in prefixes:
            problems.append(f"has no {kind}")
    for kind in spec.get("lacks") or []:
        if ctx.kind(kind).prefix() in prefixes:
            problems.append(f"caches {kind}")
    wanted = ", ".join(
        [*(f"+{k}" for k in spec.get("has") or []), *(f"-{k}" for k in spec.get("lacks") or [])]
    )
    if problems:
        return Result(False, f"{name}'s read model {', '.join(problems)} (wanted {wanted})")
    return Result(True, f"{name}'s read model: {wanted}")


def check_latency(spec: dict, ctx: CheckContext) -> Result:
    """The watch latency a consumer ran with (`--latency`, in seconds), as journaled when the
    control plane last started since this step began."""
    name = spec["consumer"]
    watch = _started(spec, ctx)
    if isinstance(watch, Result):
        return watch
    latency = float(watch.get("latency") or 0.0)
    wanted = float(spec.get("at_least", 0.0))
    return Result(
        latency >= wanted,
        f"{name}'s watch latency: {latency * 1000:.0f} ms (wanted at least {wanted * 1000:.0f} ms)",
    )


def check_reads_per_write(spec: dict, ctx: CheckContext) -> Result:
    """The summary's reads:writes figure for the last control plane run since the step began:
    objects LISTed, watch events delivered and objects read live past the informers, against
    the writes the control plane made (each took one revision: the revisions from its start to
    its stop, when no command of the user's lands while it runs, as in `kubesim reconcile`)."""
    entries = ctx.journal(spec, ["delivery", "relist", "reconcile", "controlplane"])
    starts = [i for i, e in enumerate(entries) if e.type == "controlplane" and e.verb == "start"]
    if not starts:
        return Result(False, "no control plane has started since this step began")
    run = entries[starts[-1] :]
    stop = next((e for e in run if e.type == "controlplane" and e.verb == "stop"), None)
    reads = sum(1 for e in run if e.type == "delivery")
    reads += sum(int((e.data or {}).get("objects", 0)) for e in run if e.type == "relist")
    reads += sum(int((e.data or {}).get("reads", 0)) for e in run if e.type == "reconcile")
    end = stop.revision if stop is not None else ctx.store.current_revision()
    writes = end - run[0].revision
    if writes <= 0:
        return Result(False, "the control plane wrote nothing since the step began")
    ratio = reads / writes
    want = float(spec.get("at_least", 1))
    return Result(
        ratio >= want,
        f"{reads} reads (LIST items, watch events delivered, live reads) for {writes} writes: "
        f"{ratio:.1f} reads per write (wanted at least {want:g})",
    )


# ------------------------------------------------------------------------------- derived checks
# These read what a step asks for from the objects themselves (owner references, generations,
# one field against another, what a LIST had to read), so they name no controller and no count
# the step text does not state.
def _owner_uids(owner: dict, namespace: str | None, ctx: CheckContext) -> set[str]:
    spec = {"kind": owner["kind"], "name": owner.get("name")}
    if namespace:
        spec["namespace"] = namespace
    return {o["metadata"].get("uid") for o in _objects(spec, ctx)}


def _controlled_by(obj: dict, owner_kind: str, uids: set[str]) -> bool:
    refs = obj["metadata"].get("ownerReferences") or []
    return any(
        r.get("controller") and r.get("kind") == owner_kind and r.get("uid") in uids for r in refs
    )


def check_owned(spec: dict, ctx: CheckContext) -> Result:
    """Objects whose controller ownerReference points at a live owner (same uid): what a
    controller created, however long it ran. `has` lists paths that must be set."""
    owner = spec["owner"]
    uids = _owner_uids(owner, spec.get("namespace", "default"), ctx)
    found = [
        o
        for o in _objects(spec, ctx)
        if _controlled_by(o, owner["kind"], uids)
        and all(_get_path(o, p)[0] for p in spec.get("has") or [])
    ]
    ok, wanted = _count_ok(spec, len(found))
    owner_name = f"{owner['kind']} {owner.get('name', '')}".rstrip()
    has = "".join(f", {p} set" for p in spec.get("has") or [])
    where = "".join(f", {k}={v}" for k, v in (spec.get("where") or {}).items())
    return Result(
        ok,
        f"{len(found)} {spec['kind']}(s) controlled by {owner_name}{has}{where} (wanted {wanted})",
    )


def check_generation(spec: dict, ctx: CheckContext) -> Result:
    """`observed: true`: status.observedGeneration has caught up with metadata.generation (the
    controller acted on the latest spec); `observed: false`: it is behind (a spec change that no
    controller has acted on yet)."""
    found = _objects(spec, ctx)
    if not found:
        return Result(False, f"{_what(spec)} does not exist")
    md, status = found[0]["metadata"], found[0].get("status") or {}
    generation, observed = md.get("generation", 0), status.get("observedGeneration")
    caught_up = observed is not None and observed >= generation
    seen = "(not set)" if observed is None else observed
    shown = f"generation {generation}, observedGeneration {seen}"
    want = bool(spec.get("observed", True))
    wanted = (
        ""
        if caught_up == want
        else (" (wanted observed)" if want else " (wanted a spec change not observed yet)")
    )
    return Result(caught_up == want, f"{_what(spec)}: {shown}{wanted}")


def check_every(spec: dict, ctx: CheckContext) -> Result:
    """Every object of a kind has each `match` path equal to another path of the same object
    (status.lastSchedule: spec.schedule); counting takes the objects there are."""
    found = _objects(spec, ctx)
    pairs = (spec.get("match") or {}).items()
    wrong = []
    for o in found:
        for path, other in pairs:
            got, want = _get_path(o, path), _get_path(o, other)
            if not got[0] or got != want:
                shown = got[1] if got[0] else "(not set)"
                wrong.append(f"{o['metadata']['name']}: {path} is {shown}, {other} is {want[1]}")
    ok, wanted = _count_ok(spec, len(found))
    if wrong:
        return Result(False, "; ".join(wrong))
    said = ", ".join(f"{a} = {b}" for a, b in pairs)
    return Result(ok, f"{len(found)} {spec['kind']}(s) with {said} (wanted {wanted})")


def check_relist_covers(spec: dict, ctx: CheckContext) -> Result:
    """A LIST (relist, with `reason`) since the step began that read at least as many objects
    as there are now objects of `kind` matching `selector`: the rebuild paid for all of them."""
    needed = len(_objects(spec, ctx))
    sizes = [
        int((e.data or {}).get("objects", 0))
        for e in ctx.journal(spec, ["relist"])
        if not spec.get("reason") or e.outcome == spec["reason"]
    ]
    biggest = max(sizes, default=0)
    reason = f" ({spec['reason']})" if spec.get("reason") else ""
    sel = f" matching {spec['selector']}" if spec.get("selector") else ""
    if not sizes:
        return Result(False, f"no relist{reason} since this step began")
    return Result(
        needed > 0 and biggest >= needed,
        f"largest relist{reason} since this step began: {biggest} objects; "
        f"{needed} {spec['kind']}(s){sel} exist",
    )


CHECKS: dict[str, Callable[[dict, CheckContext], Result]] = {
    "object": check_object,
    "absent": check_absent,
    "field": check_field,
    "count": check_count,
    "event": check_event,
    "command": check_command,
    "conditional_write": check_conditional_write,
    "last_applied": check_last_applied,
    "reconciled": check_reconciled,
    "delivered": check_delivered,
    "relist": check_relist,
    "journal": check_journal,
    "behind": check_behind,
    "projection": check_projection,
    "latency": check_latency,
    "lists": check_lists,
    "reads_per_write": check_reads_per_write,
    "owned": check_owned,
    "generation": check_generation,
    "every": check_every,
    "relist_covers": check_relist_covers,
}
