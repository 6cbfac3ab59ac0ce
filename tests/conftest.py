"""Fixtures shared by every test package: a real etcd for the etcd store backend.

`etcd_server` (session-scoped) starts Debian's `etcd` on free loopback ports with a temporary
data dir and stops it by its PID at the end; tests that need it are skipped only when no etcd
binary is installed (.ci/run installs one, so CI always runs them). `etcd_store` gives each
call a store under a namespace of its own: an empty keyspace whose revisions are etcd's.
`stores` runs a test on each backend (tests/stores.py): the etcd run is skipped as above.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator

import pytest

from tests.etcd import EtcdServer
from tests.stores import Stores

_namespaces = itertools.count(1)


@pytest.fixture(scope="session")
def etcd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdServer]:
    binary = shutil.which("etcd")
    if binary is None:
        pytest.skip("no etcd binary on PATH (apt-get install etcd-server): etcd backend untested")
    server = EtcdServer(binary, tmp_path_factory.mktemp("etcd"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def etcd_store(etcd_server: EtcdServer) -> Iterator[Callable[[], object]]:
    """A callable opening a fresh, empty EtcdStore each time (closed at the end of the test)."""
    from kubesim.store.etcd import EtcdStore

    opened: list[EtcdStore] = []

    def make() -> EtcdStore:
        opened.append(EtcdStore(etcd_server.location, namespace=f"/test-{next(_namespaces)}"))
        return opened[-1]

    yield make
    for store in opened:
        store.close()


@pytest.fixture(params=["sqlite", "etcd"])
def stores(request: pytest.FixtureRequest, tmp_path) -> Iterator[Stores]:
    """Stores of one backend, by name (see tests/stores.py); the test runs once per backend."""
    location = None
    if request.param == "etcd":
        location = request.getfixturevalue("etcd_server").location
    opened = Stores(request.param, tmp_path, location)
    yield opened
    opened.close()
