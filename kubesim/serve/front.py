"""Running the HTTP front: on its own thread and event loop, beside the control plane.

`FrontServer(front, host, port).start()` binds the socket (so a port in use is one clear error
before anything else starts), serves on a daemon thread, and `stop()` ends open watches and
waits for the thread. `kubesim serve` runs the control plane in the main thread meanwhile, as
`up` does; tests start a FrontServer on a free loopback port. Called by kubesim/cli/serve.py
and the tests.
"""

from __future__ import annotations

import asyncio
import socket
import threading

from aiohttp import web

from kubesim.model.errors import KubesimError
from kubesim.serve.app import Front


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


class FrontServer:
    def __init__(self, front: Front, host: str = "127.0.0.1", port: int = 6443) -> None:
        self.front = front
        self.host = host
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="kubesim-front", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._runner: web.AppRunner | None = None
        self._sock: socket.socket | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> FrontServer:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as e:
            sock.close()
            raise KubesimError(
                f"cannot listen on {self.host}:{self.port}: {e.strerror or e}",
                hint="choose another port with --port",
            ) from e
        sock.listen(512)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self.front.address = f"{self.host}:{self.port}"
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as e:  # noqa: BLE001 - reported to the starting thread
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._shutdown())
        self._loop.close()

    async def _serve(self) -> None:
        self._runner = web.AppRunner(
            self.front.application(), handle_signals=False, access_log=None, shutdown_timeout=2.0
        )
        await self._runner.setup()
        assert self._sock is not None
        await web.SockSite(self._runner, self._sock).start()

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def poke(self) -> None:
        """The store changed: the watch cache reads it now (from any thread)."""
        cache = self.front.cache
        if cache is not None:
            self._loop.call_soon_threadsafe(cache.poke)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def __enter__(self) -> FrontServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
