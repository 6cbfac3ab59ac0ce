"""Stores of either backend for tests that run on both (the store contract's neighbours: the
reliability suite's crash and watch checks). See tests/conftest.py's `stores` fixture.

A test opens a store by name (`stores.open("store")`); opening the same name again gives
another connection to the same store, as another process would have. `stores.spec(name)` is a
string a subprocess opens with `open_spec`: a file path, or `etcd://HOST:PORT|NAMESPACE`.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from kubesim.store.base import Store

_tags = itertools.count(1)


def open_spec(spec: str) -> Store:
    if spec.startswith("etcd://"):
        from kubesim.store.etcd import EtcdStore

        location, _, namespace = spec.partition("|")
        return EtcdStore(location, namespace=namespace)
    from kubesim.store.sqlite import SqliteStore

    return SqliteStore(spec)


class Stores:
    def __init__(self, backend: str, tmp_path: Path, etcd_location: str | None = None) -> None:
        self.backend = backend
        self._dir = tmp_path
        self._etcd = etcd_location
        self._tag = next(_tags)
        self._opened: list[Store] = []

    def spec(self, name: str = "store") -> str:
        if self.backend == "etcd":
            return f"{self._etcd}|/stores-{self._tag}-{name}"
        return str(self._dir / f"{name}.db")

    def open(self, name: str = "store") -> Store:
        store = open_spec(self.spec(name))
        self._opened.append(store)
        return store

    def close(self) -> None:
        for store in self._opened:
            store.close()
