"""The etcd store's control-plane lock: a key held by a lease, naming the host and pid of `up`.

Made by EtcdStore.control_plane_lock; used through kubesim.store.control_plane_lock by `kubesim
up` (hold), `kubesim reset` (holder, stop, clear_stale) and `rollout status` (holder).

`hold()` grants a lease of LEASE_TTL_S seconds, creates NAMESPACE/kubesim/control-plane with it
in one txn that fails if the key exists (so one `up` per store, whichever machine it runs on),
and keeps the lease alive from a thread; on exit it deletes the key and revokes the lease. An
`up` that dies without letting go loses the key when its lease expires, LEASE_TTL_S seconds
later; on the machine it ran on, a pid that no longer runs never counts even before that.
`stop()` signals only an `up` on this machine: another machine's is stopped there.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import orjson

from kubesim.model.errors import StoreError
from kubesim.store.base import STOP_TIMEOUT_S, ControlPlaneLock, stop_local
from kubesim.store.etcdhttp import b64, unb64

if TYPE_CHECKING:
    from kubesim.store.etcd import EtcdStore

#: seconds a dead `up`'s key outlives it (the lease's TTL); it is renewed every third of it
LEASE_TTL_S = 10


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: it exists
    return True


class EtcdControlPlaneLock(ControlPlaneLock):
    def __init__(self, store: EtcdStore, key: bytes) -> None:
        self._store = store
        self._http = store.gateway
        self._key = key
        self.where = store.where
        self.host = socket.gethostname()

    def _record(self) -> tuple[dict[str, Any], int] | None:
        """The holder's record ({"host", "pid"}) and the key's mod_revision, or None."""
        kvs = self._http.post("/v3/kv/range", {"key": b64(self._key)}).get("kvs")
        if not kvs:
            return None
        try:
            record = orjson.loads(unb64(kvs[0].get("value")))
        except ValueError:
            record = {}
        if not isinstance(record, dict):
            record = {}
        return record, int(kvs[0]["mod_revision"])

    def _dead_here(self, record: dict[str, Any]) -> bool:
        pid = record.get("pid")
        return record.get("host") == self.host and isinstance(pid, int) and not _alive(pid)

    def holder(self) -> int | None:
        found = self._record()
        if found is None or self._dead_here(found[0]):
            return None
        pid = found[0].get("pid")
        return pid if isinstance(pid, int) else 0

    def describe(self, pid: int) -> str:
        """ "pid N", and the host when it is another machine's."""
        found = self._record()
        host = found[0].get("host") if found else None
        return f"pid {pid}" if host in (None, self.host) else f"pid {pid} on {host}"

    @contextmanager
    def hold(self) -> Iterator[None]:
        lease = self._http.post("/v3/lease/grant", {"TTL": LEASE_TTL_S})["ID"]
        value = orjson.dumps({"host": self.host, "pid": os.getpid()})
        put = {"request_put": {"key": b64(self._key), "value": b64(value), "lease": lease}}
        try:
            while True:
                missing = {"key": b64(self._key), "target": "CREATE", "create_revision": 0}
                if self._http.post("/v3/kv/txn", {"compare": [missing], "success": [put]}).get(
                    "succeeded"
                ):
                    break
                found = self._record()
                if found is not None and not self._dead_here(found[0]):
                    pid = found[0].get("pid")
                    raise self.held_error(pid if isinstance(pid, int) else 0)
                if found is not None:
                    self._delete(found[1])  # a dead `up` of this machine: forget it, again
        except BaseException:
            self._revoke(lease)
            raise
        done = threading.Event()
        keeper = threading.Thread(
            target=self._keep_alive, args=(lease, done), name="etcd-lease", daemon=True
        )
        keeper.start()
        try:
            yield
        finally:
            done.set()
            keeper.join(timeout=2)
            self._revoke(lease)  # deletes the key the lease holds

    def _keep_alive(self, lease: str, done: threading.Event) -> None:
        while not done.wait(LEASE_TTL_S / 3):
            try:
                self._http.post("/v3/lease/keepalive", {"ID": lease})
            except StoreError:
                continue  # etcd unreachable for a moment: the next renewal may make it

    def _revoke(self, lease: str) -> None:
        try:
            self._http.post("/v3/lease/revoke", {"ID": lease})
        except StoreError:
            pass  # expired already, or etcd is gone: the lease ends by itself

    def _delete(self, mod_revision: int) -> None:
        same = {"key": b64(self._key), "target": "MOD", "mod_revision": mod_revision}
        delete = {"request_delete_range": {"key": b64(self._key)}}
        self._http.post("/v3/kv/txn", {"compare": [same], "success": [delete]})

    def stop(self, pid: int, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM for an `up` of this machine (stop_local); another machine's is stopped there
        (a pid read from another machine is never signalled here)."""
        found = self._record()
        if found is not None and found[0].get("host") not in (None, self.host):
            raise StoreError(
                f"the control plane of {self.where} (kubesim up, pid {pid}) runs on "
                f"{found[0]['host']}: stop it there"
            )
        stop_local(self, pid, timeout)

    def clear_stale(self) -> None:
        found = self._record()
        if found is not None and self._dead_here(found[0]):
            self._delete(found[1])
