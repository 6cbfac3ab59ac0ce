"""The marker of a kubesim store in etcd: creating it, refusing what kubesim cannot read, and
noticing that it was removed or replaced.

Called by kubesim/store/etcd.py only. NAMESPACE/kubesim/schema holds {"magic": "kubesim-store",
"schema_version": N}; it is created (with the journal's sequence key at 0) by the first process
that opens the store, in one txn that fails if it exists. Its create_revision and the cluster id
etcd answers with are the store's identity (what a file's device and inode are to the file
store): `kubesim reset` deletes the marker, a new store gets another create_revision.
"""

from __future__ import annotations

from typing import NamedTuple

import orjson

from kubesim.model.errors import StoreError, StoreReplaced
from kubesim.store.etcdhttp import Gateway, b64, unb64

#: the layout of kubesim's keys in etcd; a store written by a newer layout is refused
SCHEMA_VERSION = 1
MAGIC = "kubesim-store"


class Identity(NamedTuple):
    cluster_id: str
    create_revision: int
    #: the revision the marker was written at: the store's, when it was new and empty
    created: int


def open_marker(gateway: Gateway, key: bytes, seq_key: bytes, where: str, create: bool) -> Identity:
    """Create the marker if asked and absent; StoreError for none, a foreign one or a newer one."""
    if create:
        marker = orjson.dumps({"magic": MAGIC, "schema_version": SCHEMA_VERSION})
        missing = {"key": b64(key), "target": "CREATE", "result": "EQUAL", "create_revision": 0}
        puts = [(key, marker), (seq_key, b"0")]
        success = [{"request_put": {"key": b64(k), "value": b64(v)}} for k, v in puts]
        gateway.post("/v3/kv/txn", {"compare": [missing], "success": success})
    answer = gateway.post("/v3/kv/range", {"key": b64(key)})
    kvs = answer.get("kvs")
    if not kvs:
        raise StoreError(f"no kubesim store in etcd at {where}")
    try:
        meta = orjson.loads(unb64(kvs[0].get("value")))
        version = meta["schema_version"] if meta.get("magic") == MAGIC else None
    except (ValueError, TypeError, AttributeError, KeyError):
        version = None
    if not isinstance(version, int):
        raise StoreError(f"the kubesim keys in etcd at {where} are not a kubesim store")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the kubesim store in etcd at {where} was written by a newer kubesim (store schema "
            f"version {version}; this kubesim reads up to version {SCHEMA_VERSION}): upgrade "
            "kubesim to use it"
        )
    kv = kvs[0]
    return Identity(
        answer["header"]["cluster_id"], int(kv["create_revision"]), int(kv["mod_revision"])
    )


def check_identity(gateway: Gateway, key: bytes, where: str, identity: Identity) -> None:
    """StoreReplaced when the marker was removed (`kubesim reset`) or re-created, or the
    endpoints now lead to another etcd cluster."""
    answer = gateway.post("/v3/kv/range", {"key": b64(key)})
    kvs = answer.get("kvs")
    if answer["header"]["cluster_id"] != identity.cluster_id:
        raise StoreReplaced(
            f"etcd at {where} is another etcd cluster than when this process opened it"
        )
    if not kvs:
        raise StoreReplaced(
            f"the kubesim store in etcd at {where} was removed while this process had it open "
            "(by `kubesim reset` or by hand): nothing written since then can be seen"
        )
    if int(kvs[0]["create_revision"]) != identity.create_revision:
        raise StoreReplaced(
            f"the kubesim store in etcd at {where} was replaced by a new one while this process "
            "had it open (by `kubesim reset` or by hand)"
        )
