"""User controllers: a Python file that says what it watches and how it reconciles.

`load_user_controller(path)` turns the file into a consumer of the control plane, next to the
built-in controllers, with its own informers, workqueue and client. The file declares:

    WATCHES = ["ConfigMap"]        # the kinds it watches (its informers); the first is primary
    NAME = "configmap-mirror"      # optional: the consumer's name (default: the file's stem)
    WORKERS = 1                    # optional: concurrent reconciles

    def reconcile(ctx, key):       # key: "<namespace>/<name>" of a primary object
        ...                        # return None when done, or seconds after which to run again

`ctx` gives:
    ctx.lister(kind).get(ns, name)   an object from the controller's cache, or None
    ctx.lister(kind).list(ns)        the cached objects (all namespaces without ns)
                                     objects from the cache are shared: never change them in place,
                                     copy first (ctx.deepcopy(obj))
    ctx.kind(kind)                   the Kind that client.patch and client.delete take
    ctx.client.create(obj)           writes, through the API server, as this controller
    ctx.client.update(obj)
    ctx.client.patch(kind, ns, name, mutate)   mutate(live copy) -> the object to store
    ctx.client.delete(kind, ns, name)
    ctx.record_event(obj, "Normal", reason, message)
    ctx.now()                        the control plane's (virtual) time, in seconds
    ctx.log(message)                 a line in the controller's log
    ctx.name, ctx.rng                its name; the seeded random generator

What queues a key: an add, update or delete of a primary object queues its own key; an object of
any watched kind whose controller ownerReference names a primary-kind object queues that owner's
key. An exception from reconcile (an API error included) retries the key with back-off, as a
controller's error return does (the error starts with the line of the user's file it came
from, `mirror.py:12: KeyError: 'name'`, in the reconcile's journal outcome and the log);
after 15 retries the key is dropped (until its next event), as the built-in controllers'
maxRetries does, so a broken reconcile cannot keep the plane busy.

A file that cannot be loaded (missing, syntax error, no reconcile, bad WATCHES, a kind kubesim
does not know) raises KubesimError with one line naming the file. Called by the CLI
(`--controller FILE`) and lessons; the control plane runs the result like any Controller.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from kubesim.client.informer import DeletedFinalStateUnknown, Handler, Lister, object_of
from kubesim.controllers.base import Controller, ControllerContext, InformerSpec, Requeue
from kubesim.model.errors import ApiError, KubesimError
from kubesim.model.kinds import BUILTIN, Kind
from kubesim.model.objects import cache_key, controller_ref, deepcopy

Object = dict[str, Any]
#: retries of a failing key before it is dropped (the built-in controllers' maxRetries)
MAX_RETRIES = 15
Reconcile = Callable[["UserContext", str], "float | None"]


class UserContext:
    """What a user's reconcile sees: its listers, its client, events, time and a log."""

    def __init__(self, controller: UserController, ctx: ControllerContext) -> None:
        self._ctx = ctx
        self._controller = controller
        self.name = ctx.name
        self.client = ctx.client
        self.rng = ctx.rng
        self.record_event = ctx.record_event
        self.now = ctx.now
        self.deepcopy = deepcopy

    def lister(self, kind: str) -> Lister:
        if kind not in self._ctx.informers:
            raise KubesimError(
                f'controller {self.name} does not watch "{kind}"; add it to WATCHES to read it'
            )
        return self._ctx.lister(kind)

    def kind(self, kind: str) -> Kind:
        return self._ctx.kinds(kind)

    def log(self, message: str) -> None:
        self._controller.logs.append((self._ctx.now(), str(message)))


class UserController(Controller):
    """A controller made from a user's file (see the module docstring)."""

    def __init__(
        self, path: str, name: str, watches: list[str], reconcile_fn: Reconcile, workers: int = 1
    ) -> None:
        self.path = path
        self.name = name
        self.watches = watches
        self.primary = watches[0]
        self.workers = workers
        self._reconcile = reconcile_fn
        #: (time, message) lines from ctx.log
        self.logs: list[tuple[float, str]] = []
        self._failures: dict[str, int] = {}

    def informers(self) -> list[InformerSpec]:
        return [InformerSpec(kind) for kind in self.watches]

    def setup(self, ctx: ControllerContext) -> None:
        super().setup(ctx)
        self.user_ctx = UserContext(self, ctx)
        self._primary_namespaced = ctx.kinds(self.primary).namespaced
        for kind in self.watches:
            ctx.handle(
                kind,
                Handler(
                    on_add=lambda obj, k=kind: self._enqueue(k, obj),
                    on_update=lambda old, new, k=kind: self._enqueue(k, new, old),
                    on_delete=lambda obj, k=kind: self._enqueue(k, obj),
                ),
            )

    def _enqueue(
        self, kind: str, obj: Object | DeletedFinalStateUnknown, old: Object | None = None
    ) -> None:
        obj = object_of(obj)
        if kind == self.primary:
            self.ctx.enqueue(cache_key(obj))
        for o in (obj, old):
            ref = controller_ref(o) if o is not None else None
            if ref and ref.get("kind") == self.primary and ref.get("name"):
                namespace = (o.get("metadata") or {}).get("namespace")
                self.ctx.enqueue(
                    f"{namespace}/{ref['name']}"
                    if namespace and self._primary_namespaced
                    else ref["name"]
                )

    def reconcile(self, key: str) -> float | None:
        try:
            result = self._reconcile(self.user_ctx, key)
            if result is not None and (
                isinstance(result, bool) or not isinstance(result, int | float) or result < 0
            ):
                raise Requeue(f"reconcile returned {result!r}: return None, or seconds to wait")
        except Exception as e:  # an API error, or a bug in the user's code: retry, never crash
            failures = self._failures.get(key, 0) + 1
            error = f"{self._where(e)}{type(e).__name__}: {e}"
            self.user_ctx.log(f"reconcile {key} failed: {error}")
            if failures > MAX_RETRIES:
                self._failures.pop(key, None)
                self.user_ctx.log(f"dropping {key} out of the queue after {MAX_RETRIES} retries")
                return None
            self._failures[key] = failures
            if isinstance(e, ApiError | Requeue):
                raise
            raise Requeue(error) from e
        self._failures.pop(key, None)
        return None if result is None else float(result)

    def _where(self, e: BaseException) -> str:
        """`mirror.py:12: `: the last line of the user's file the exception went through
        (kubesim's own frames are not the learner's business), or "" if none."""
        import traceback

        mine = Path(self.path).resolve()
        frames = [
            f for f in traceback.extract_tb(e.__traceback__) if Path(f.filename).resolve() == mine
        ]
        if not frames:
            return ""
        return f"{self.path}:{frames[-1].lineno}: "


def load_user_controller(path: str, kinds: Iterable[str] | None = None) -> UserController:
    """Load a user controller from a Python file; `kinds`: the kind names it may watch
    (default: kubesim's built-in kinds; pass the registry's to allow custom resources)."""
    file = Path(path)
    if not file.is_file():
        raise KubesimError(f"cannot load controller {path}: no such file")
    module = _import(file, path)
    fn = getattr(module, "reconcile", None)
    if not callable(fn):
        raise KubesimError(f"controller {path} has no reconcile(ctx, key) function")
    try:
        inspect.signature(fn).bind(None, None)
    except (TypeError, ValueError):
        raise KubesimError(
            f"controller {path}: reconcile must take two arguments, reconcile(ctx, key)"
        ) from None
    watches = getattr(module, "WATCHES", None)
    if (
        not isinstance(watches, list | tuple)
        or not watches
        or not all(isinstance(k, str) and k for k in watches)
    ):
        raise KubesimError(
            f"controller {path}: WATCHES must be a non-empty list of kinds, "
            'e.g. WATCHES = ["ConfigMap"]'
        )
    known = sorted(set(kinds) if kinds is not None else set(BUILTIN.supported_kinds()))
    for kind in watches:
        if kind not in known:
            raise KubesimError(f"controller {path}: {_unknown_kind(kind, known)}")
    name = getattr(module, "NAME", file.stem)
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9]([-a-z0-9_.]*[a-z0-9])?", name):
        raise KubesimError(
            f"controller {path}: NAME must be a lowercase name like "
            f'"configmap-mirror", not {name!r}'
        )
    workers = getattr(module, "WORKERS", 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise KubesimError(f"controller {path}: WORKERS must be a positive integer")
    return UserController(path, name, list(dict.fromkeys(watches)), fn, workers)


def _import(file: Path, path: str) -> ModuleType:
    module_name = "kubesim_user_" + re.sub(r"\W", "_", file.stem)
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise KubesimError(f"cannot load controller {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        sys.modules.pop(module_name, None)
        raise KubesimError(
            f"cannot load controller {path}: syntax error at line {e.lineno}: {e.msg}"
        ) from None
    except Exception as e:
        sys.modules.pop(module_name, None)
        raise KubesimError(f"cannot load controller {path}: {type(e).__name__}: {e}") from None
    return module


def _unknown_kind(kind: str, known: list[str]) -> str:
    found = BUILTIN.try_for_resource(kind)
    if found is not None and found.kind in known:
        return f'WATCHES names "{kind}"; kinds are spelled like "{found.kind}"'
    return f'WATCHES names kind "{kind}", which kubesim does not know (known: {", ".join(known)})'
