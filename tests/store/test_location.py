"""Store locations: what `--store` may name, and which backend each one opens.

A file path opens the SQLite store; `etcd://HOST:PORT[,HOST:PORT]` goes to the etcd backend
(kubesim.store.etcd, stood in for here by a fake module, so that the dispatch is tested without
an etcd); anything else that looks like a URL is refused in one line.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

import kubesim.store
from kubesim.model.errors import StoreError
from kubesim.store import (
    check_store_file,
    control_plane_lock,
    open_store,
    parse_location,
    remove_store,
)
from kubesim.store.location import USAGE
from kubesim.store.planelock import FileControlPlaneLock
from kubesim.store.sqlite import SqliteStore


@pytest.mark.parametrize(
    ("text", "endpoints"),
    [
        ("etcd://127.0.0.1:2379", ("127.0.0.1:2379",)),
        ("etcd://a.example:2379,b.example:22379", ("a.example:2379", "b.example:22379")),
        ("etcd://10.0.0.1:2379, 10.0.0.2:2379", ("10.0.0.1:2379", "10.0.0.2:2379")),
        ("etcd://localhost", ("localhost:2379",)),  # etcd's client port, as etcdctl assumes
        ("etcd://[::1]:2379", ("[::1]:2379",)),
        ("ETCD://h:02379", ("h:2379",)),
    ],
)
def test_etcd_locations(text: str, endpoints: tuple[str, ...]) -> None:
    loc = parse_location(text)
    assert (loc.scheme, loc.path, loc.endpoints, loc.is_file) == ("etcd", None, endpoints, False)
    assert str(loc) == text  # messages name it as the user typed it


@pytest.mark.parametrize("text", [".kubesim/store.db", "/tmp/x/store.db", "store", "a:b/c.db"])
def test_anything_without_a_scheme_is_a_file(text: str) -> None:
    loc = parse_location(text)
    assert loc.is_file and loc.path == Path(text) and str(loc) == str(Path(text))


def test_a_path_object_is_always_a_file() -> None:
    loc = parse_location(Path("etcd://x"))  # a directory named `etcd:`, oddly, but a file
    assert loc.is_file and loc.endpoints == ()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("etcd://", "no endpoint"),
        ("etcd://host:notaport", 'port "notaport" is not a number from 1 to 65535'),
        ("etcd://host:0", 'port "0" is not a number from 1 to 65535'),
        ("etcd://host:65536", 'port "65536" is not a number from 1 to 65535'),
        ("etcd://host:²", 'port "²" is not a number from 1 to 65535'),
        ("etcd://h:2379,", "an endpoint is empty"),
        ("etcd://h:2379,,g:2379", "an endpoint is empty"),
        ("etcd://:2379", '"" is not a host name or address'),
        ("etcd://bad_host:2379", '"bad_host" is not a host name or address'),
        ("etcd://h:2379/prefix", '"h:2379/prefix" is not HOST:PORT'),
        ("etcd://user@h:2379", '"user@h:2379" is not HOST:PORT'),
        ("etcd://[::1]x", '"[::1]x" is not HOST:PORT'),
        ("postgres://x", 'unknown scheme "postgres"'),
        ("http://127.0.0.1:2379", 'unknown scheme "http"'),
        ("", ""),
    ],
)
def test_malformed_locations_are_one_line(text: str, reason: str) -> None:
    with pytest.raises(StoreError) as e:
        parse_location(text)
    wanted = f'invalid store location "{text}": {reason}; {USAGE}' if reason else None
    assert str(e.value) == (wanted or f'invalid store location "": {USAGE}')
    assert "\n" not in str(e.value)


class FakeEtcdStore(SqliteStore):
    """Stands in for kubesim.store.etcd.EtcdStore: records how it was opened."""

    opened: list[tuple[tuple[str, ...], bool]] = []

    def __init__(self, endpoints: tuple[str, ...], create: bool = True) -> None:
        super().__init__(None, create=create)
        self.opened.append((endpoints, create))

    def clear(self) -> bool:
        return True


@pytest.fixture
def fake_etcd(monkeypatch: pytest.MonkeyPatch) -> type[FakeEtcdStore]:
    module = types.ModuleType("kubesim.store.etcd")
    module.EtcdStore = FakeEtcdStore  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kubesim.store.etcd", module)
    monkeypatch.setattr(kubesim.store, "etcd", module, raising=False)
    FakeEtcdStore.opened = []
    return FakeEtcdStore


@pytest.fixture
def no_etcd(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a kubesim without the etcd backend module."""
    monkeypatch.setitem(sys.modules, "kubesim.store.etcd", None)
    monkeypatch.delattr(kubesim.store, "etcd", raising=False)


def test_open_store_dispatches_etcd_locations(fake_etcd: type[FakeEtcdStore]) -> None:
    with open_store("etcd://a:1,b:2", create=False) as store:
        assert isinstance(store, FakeEtcdStore)
    assert fake_etcd.opened == [(("a:1", "b:2"), False)]


def test_open_store_opens_a_file_otherwise(tmp_path: Path, fake_etcd) -> None:
    with open_store(str(tmp_path / "s.db")) as store:
        assert type(store) is SqliteStore and store.path == tmp_path / "s.db"
    assert fake_etcd.opened == []


def test_reset_helpers_on_etcd_touch_no_file(tmp_path: Path, fake_etcd, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    check_store_file("etcd://a:1")  # nothing to check: no file
    assert remove_store("etcd://a:1") is True  # Store.clear() of the backend
    assert list(tmp_path.iterdir()) == []


def test_control_plane_lock_comes_from_the_backend(fake_etcd, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot record which process runs its control plane"):
        with control_plane_lock("etcd://a:1"):
            pass  # the base class's answer: the fake backend has no lock of its own
    with control_plane_lock(tmp_path / "s.db") as lock:
        assert isinstance(lock, FileControlPlaneLock)
    assert not (tmp_path / "s.db").exists()  # a file store's lock opens no store


def test_without_the_etcd_backend(no_etcd: None) -> None:
    for call in (
        lambda: open_store("etcd://a:1"),
        lambda: remove_store("etcd://a:1"),
        lambda: control_plane_lock("etcd://a:1").__enter__(),
    ):
        with pytest.raises(StoreError) as e:
            call()
        assert str(e.value) == "etcd store backend not available in this kubesim"
