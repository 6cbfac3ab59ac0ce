"""Fixtures for `kubesim serve` tests: the HTTP front on a free loopback port over a temporary
store, a kubeconfig for it, plain HTTP helpers, and `settle()`, which runs the control plane on
the virtual clock (seeded) over the same store until it settles, as `kubesim reconcile` does.
The front is real (a socket, its thread, its watch cache); only the control plane's time is
virtual, so no test sleeps to wait for controllers."""

from __future__ import annotations

import http.client
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kubesim.api.server import ApiServer
from kubesim.serve.app import Front
from kubesim.serve.front import FrontServer
from kubesim.serve.kubeconfig import kubeconfig_text
from kubesim.sim.clock import VirtualClock
from kubesim.sim.controlplane import ControlPlane, SimConfig
from kubesim.sim.runner import run_virtual
from kubesim.store.base import Store
from tests.cli.conftest import run, store_path  # noqa: F401 - the CLI tests' fixtures, shared
from tests.stores import Stores, open_spec

T0 = 1_767_225_600.0
KUBECTL = shutil.which("kubectl")


@dataclass
class Served:
    server: FrontServer
    #: the store file (the sqlite backend); `spec` names the store on either backend
    store: Path
    kubeconfig: Path
    #: the last control plane settle() started (its journal start is the latest run)
    plane: ControlPlane | None = None
    spec: str = ""

    def open_store(self) -> Store:
        """Another connection to the front's store, as another process would open it."""
        return open_spec(self.spec or str(self.store))

    @property
    def port(self) -> int:
        return self.server.port

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """One request; (status, decoded JSON body, headers)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        hdrs = {"Content-Type": "application/json", "User-Agent": "pytest/1.0", **(headers or {})}
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        payload = resp.read()
        conn.close()
        return resp.status, json.loads(payload) if payload.strip() else {}, dict(resp.getheaders())

    def watch(self, path: str, headers: dict[str, str] | None = None) -> WatchStream:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", path, headers={"User-Agent": "pytest-watch/1.0", **(headers or {})})
        return WatchStream(conn, conn.getresponse())

    def settle(self, seed: int = 1, stop: bool = True) -> ControlPlane:
        """Run the control plane over the store until it settles (virtual time), then make the
        front read what it wrote. `stop=False`: journal no stop, as of a control plane that
        still runs (`kubesim serve`)."""
        if self.plane is not None:
            self.plane.store.close()
        plane = ControlPlane(self.open_store(), VirtualClock(T0), SimConfig(seed=seed))
        plane.start()
        run_virtual(plane, idle=60.0)
        if stop:
            plane.record_stop()
        self.plane = plane
        self.server.poke()
        return plane


class WatchStream:
    def __init__(self, conn: http.client.HTTPConnection, resp: http.client.HTTPResponse) -> None:
        self.conn, self.resp = conn, resp
        self.status = resp.status
        self.headers = dict(resp.getheaders())

    def next(self) -> dict[str, Any]:
        """The next event (waits on the socket, up to the connection's timeout)."""
        line = self.resp.readline()
        if not line:
            raise EOFError("the watch ended")
        return json.loads(line)

    def until(self, predicate, limit: int = 200) -> list[dict[str, Any]]:
        """Events up to and including the first that satisfies `predicate`."""
        seen = []
        for _ in range(limit):
            ev = self.next()
            seen.append(ev)
            if predicate(ev):
                return seen
        raise AssertionError(f"no matching event in {limit}: {seen[-3:]}")

    def close(self) -> None:
        self.conn.close()


def _serve(tmp_path: Path, spec: str) -> Iterator[Served]:
    front = Front(lambda: ApiServer(open_spec(spec)), bookmark_interval=0.2)
    with FrontServer(front, "127.0.0.1", 0) as server:
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(kubeconfig_text(server.url))
        s = Served(server, tmp_path / "store.db", kubeconfig, spec=spec)
        yield s
        if s.plane is not None:
            s.plane.store.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The front over a store file."""
    yield from _serve(tmp_path, str(tmp_path / "store.db"))


@pytest.fixture
def served_etcd(tmp_path: Path, etcd_server) -> Iterator[Served]:
    """The front over a real etcd (a keyspace of its own); skipped only without an etcd binary."""
    yield from _serve(tmp_path, Stores("etcd", tmp_path, etcd_server.location).spec("served"))
