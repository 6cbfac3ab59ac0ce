"""The HTTP front as an aiohttp application: routing, errors, discovery, and the store thread.

`Front` owns one `ApiServer` on its own store connection, used from one thread (the front's
command bus: requests are handled in order, as one kube-apiserver writes through one etcd
client), the watch cache, and the aiohttp application. Every reply carries Content-Length except
watch streams; every error is a `Status` object with reason and code, and one failing request
never stops the server. Resource requests go to `resources` and `watchstream`.
Used by `front` (the server thread) and the tests.
"""

from __future__ import annotations

import asyncio
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from aiohttp import web

from kubesim.api.server import CRD, ApiServer
from kubesim.model.errors import (
    ApiError,
    BadRequest,
    InputError,
    KubesimError,
    NotFound,
    UnsupportedKind,
)
from kubesim.model.kinds import Kind
from kubesim.model.objects import dumps
from kubesim.serve import discovery, openapi, routes
from kubesim.serve.clients import client_name
from kubesim.serve.watchcache import WatchCache
from kubesim.store.base import JournalEntry

T = TypeVar("T")

#: kube-apiserver's limit on a request body (3 MiB)
MAX_BODY = 3 * 1024 * 1024


class RequestEntityTooLarge(ApiError):
    code = 413
    reason = "RequestEntityTooLarge"


class InternalError(ApiError):
    code = 500
    reason = "InternalError"


def _find_kind(kinds: list[Kind], group: str, version: str, resource: str) -> Kind | None:
    for k in kinds:
        if (
            k.group == group
            and k.plural == resource
            and version in (k.served_versions or (k.version,))
        ):
            return k
    return None


def json_response(obj: Any, status: int = 200, warnings: list[str] | None = None) -> web.Response:
    """`obj` as JSON (with Content-Length), and a `Warning` header per warning."""
    response = web.Response(body=dumps(obj), status=status, content_type="application/json")
    for warning in warnings or ():
        response.headers.add("Warning", warning)
    return response


def status_response(error: ApiError) -> web.Response:
    return json_response(error.status(), error.code)


class Front:
    """The state of one `kubesim serve`: its API server, watch cache and clients."""

    def __init__(
        self,
        open_api: Callable[[], ApiServer],
        *,
        address: str = "127.0.0.1:6443",
        on_write: Callable[[], None] | None = None,
        bookmark_interval: float = 60.0,
    ) -> None:
        self._open_api = open_api
        self.address = address
        self.on_write = on_write
        self.bookmark_interval = bookmark_interval
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="kubesim-front-store")
        self._api: ApiServer | None = None
        self.cache: WatchCache | None = None
        self._tasks: list[asyncio.Task] = []
        self._notifier: Any = None
        #: journal entries waiting for the next append, each with the future of its request
        self._journal_queue: list[tuple[list[JournalEntry], asyncio.Future]] = []
        self._journal_task: asyncio.Task | None = None
        #: the kinds last read from the store (None: read them on the next request)
        self._kinds: list[Kind] | None = None

    @property
    def api(self) -> ApiServer:
        """The API server (opened on the store thread when the application starts)."""
        assert self._api is not None, "the front has not started"
        return self._api

    # ------------------------------------------------------------------------ store thread
    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` on the store thread (the ApiServer and its connection live there)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(fn, *args, **kwargs))

    async def journal(self, entries: list[JournalEntry]) -> None:
        """Append the journal entries of a client's reads (a LIST, a watch's start, the events
        written to a watch). Entries queued while an append runs go into the next one together:
        a write that reaches N watches costs one transaction for their N deliveries, not N.
        Returns once `entries` are in the journal."""
        done = asyncio.get_running_loop().create_future()
        self._journal_queue.append((entries, done))
        if self._journal_task is None or self._journal_task.done():
            self._journal_task = asyncio.create_task(self._append_journal())
        await done

    async def _append_journal(self) -> None:
        while self._journal_queue:
            batch, self._journal_queue = self._journal_queue, []
            try:
                await self.call(self.api.store.append_journal, [e for es, _ in batch for e in es])
            except Exception as e:  # noqa: BLE001 - each waiting request gets the error
                for _, done in batch:
                    if not done.done():
                        done.set_exception(e)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    def wrote(self) -> None:
        """After a write: the watch cache reads it now, and the control plane wakes."""
        if self.cache is not None:
            self.cache.poke()
        if self.on_write is not None:
            self.on_write()

    async def kinds(self) -> list[Kind]:
        """Every kind served now, built-in and from CRDs, read from the store."""
        kinds = (await self.call(self.api.registry)).kinds
        self._kinds = kinds
        return kinds

    def forget_kinds(self) -> None:
        """A CRD changed: the next request reads the kinds from the store again."""
        self._kinds = None

    async def kind_of(self, group: str, version: str, resource: str) -> Kind:
        """The kind a request's path names. Requests use the kinds last read (reading the CRDs
        on every request cost a trip to the store thread each); a CRD written through this front
        or seen by the watch cache makes the front read them again, and so does a path that
        names no known kind (a CRD another process has just created)."""
        if self._kinds is not None:
            found = _find_kind(self._kinds, group, version, resource)
            if found is not None:
                return found
        found = _find_kind(await self.kinds(), group, version, resource)
        if found is None:
            raise routes.not_served()
        return found

    def now(self) -> float:
        return time.time()

    # ------------------------------------------------------------------------ lifecycle
    async def startup(self, app: web.Application) -> None:
        self._api = api = await self.call(self._open_api)

        async def read(after: int):
            events, progress = await self.call(
                lambda: api.watch_progress(api.registry().kinds, after)
            )
            # a CRD changed (perhaps by another process). Forgotten here, on the loop's thread,
            # after any read of the kinds that finished before this one has been kept.
            if any((ev.kind.group, ev.kind.kind) == (CRD.group, CRD.kind) for ev in events):
                self.forget_kinds()
            return events, progress

        self.cache = cache = WatchCache(read, lambda: self.call(api.store.current_revision))
        await cache.start()
        self._tasks.append(asyncio.create_task(cache.run()))
        # writes of other processes (and of the control plane beside us) wake the cache at once
        loop = asyncio.get_running_loop()

        def wake() -> None:
            loop.call_soon_threadsafe(cache.poke)

        self._notifier = api.store.changes(wake)
        self._notifier.start()

    async def cleanup(self, app: web.Application) -> None:
        if self._notifier is not None:
            self._notifier.stop()
        for task in self._tasks:  # the watches were closed at shutdown (_close_watches)
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._journal_task is not None:
            await asyncio.gather(self._journal_task, return_exceptions=True)
        if self._api is not None:
            await self.call(self._api.store.close)
        self.executor.shutdown(wait=True)

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY, middlewares=[self._errors])
        app.on_startup.append(self.startup)
        app.on_shutdown.append(self._close_watches)
        app.on_cleanup.append(self.cleanup)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app

    async def _close_watches(self, app: web.Application) -> None:
        if self.cache is not None:
            self.cache.stop()

    # ------------------------------------------------------------------------ requests
    @web.middleware
    async def _errors(self, request: web.Request, handler: Callable[..., Awaitable[Any]]):
        try:
            return await handler(request)
        except ApiError as e:
            return status_response(e)
        except UnsupportedKind as e:
            return status_response(NotFound(str(e)))
        except (InputError, KubesimError) as e:
            if isinstance(e, KubesimError) and type(e).__name__.startswith("Store"):
                return status_response(InternalError(str(e)))
            return status_response(BadRequest(str(e)))
        except web.HTTPRequestEntityTooLarge:
            return status_response(
                RequestEntityTooLarge(f"Request entity too large: limit is {MAX_BODY}")
            )
        except web.HTTPException as e:
            return json_response(
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Failure",
                    "message": e.reason,
                    "reason": e.reason.replace(" ", ""),
                    "code": e.status,
                },
                e.status,
            )
        except (asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception as e:  # noqa: BLE001 - one request's failure never stops the server
            traceback.print_exc(file=sys.stderr)
            return status_response(InternalError(f"an error on the server: {e}"))

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok")
        if request.method != "GET" and not path.startswith(("/api/", "/apis/")):
            raise web.HTTPMethodNotAllowed(request.method, ["GET"])
        if path == "/version":
            return json_response(discovery.VERSION)
        if path == "/api":
            return json_response(discovery.api_versions(self.address))
        if path == "/apis":
            return json_response(discovery.api_group_list(await self.kinds()))
        if path.startswith("/openapi/v3"):
            return await self._openapi(path)
        parts = path.split("/")[1:]
        if request.method == "GET" and (
            parts == ["api", "v1"] or (parts[0] == "apis" and len(parts) <= 3)
        ):
            return await self._discovery(parts)
        from kubesim.serve.resources import handle

        return await handle(self, request, path)

    async def _discovery(self, parts: list[str]) -> web.Response:
        kinds = await self.kinds()
        if parts == ["api", "v1"]:
            found = discovery.resource_list(kinds, "", "v1")
        elif len(parts) == 2:
            found = discovery.api_group(kinds, parts[1])
        else:
            found = discovery.resource_list(kinds, parts[1], parts[2])
        if found is None:
            raise routes.not_served()
        return json_response(found)

    async def _openapi(self, path: str) -> web.Response:
        kinds = await self.kinds()
        if path == "/openapi/v3":
            return json_response(openapi.root(kinds))
        parts = path.split("/")[3:]
        doc = None
        if parts == ["api", "v1"]:
            doc = openapi.document(kinds, "", "v1")
        elif len(parts) == 3 and parts[0] == "apis":
            doc = openapi.document(kinds, parts[1], parts[2])
        if doc is None:
            raise routes.not_served()
        return json_response(doc)

    def client(self, request: web.Request) -> str:
        return client_name(request.headers)
