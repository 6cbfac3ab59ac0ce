"""etcd's revisions as the Store contract names them: the current revision, the compaction
floor (which etcd does not report: it is the lowest revision a range can read, searched once per
compaction), and etcd's errors for a read in the past or the future as kubesim's Compacted and
FutureRevision. Used by kubesim/store/etcd.py.
"""

from __future__ import annotations

from kubesim.model.errors import Compacted, FutureRevision, StoreError
from kubesim.store.etcdhttp import EtcdError, Gateway, b64

_COMPACTED = "required revision has been compacted"
_FUTURE = "required revision is a future revision"


class Revisions:
    """Revisions read through `http` with a count-only range of `probe_key` (any key)."""

    def __init__(self, http: Gateway, probe_key: bytes) -> None:
        self._http = http
        self._probe = b64(probe_key)
        self.floor = 0  # etcd's compaction floor, as last seen (it only rises)

    def current(self) -> int:
        answer = self._http.post("/v3/kv/range", {"key": self._probe, "count_only": True})
        return int(answer["header"]["revision"])

    def status(self) -> tuple[int, int]:
        """(current revision, compaction floor) in one request when the floor has not moved."""
        try:
            answer = self._http.post(
                "/v3/kv/range",
                {"key": self._probe, "count_only": True, "revision": max(self.floor, 1)},
            )
        except EtcdError as e:
            if _COMPACTED not in str(e):
                raise
            current = self.current()
            return current, self._search_floor(current)
        return int(answer["header"]["revision"]), self.floor

    def _search_floor(self, current: int) -> int:
        lo, hi = self.floor + 1, current
        while lo < hi:
            mid = (lo + hi) // 2
            try:
                self._http.post(
                    "/v3/kv/range", {"key": self._probe, "count_only": True, "revision": mid}
                )
            except EtcdError as e:
                if _COMPACTED not in str(e):
                    raise
                lo = mid + 1
            else:
                hi = mid
        self.floor = max(self.floor, lo)
        return self.floor

    def past(self, e: EtcdError, revision: int) -> StoreError:
        """etcd's error for a read at `revision` as kubesim's."""
        if _COMPACTED in str(e):
            return Compacted(revision, self.status()[1])
        if _FUTURE in str(e):
            return FutureRevision(revision, self.current())
        return e

    def compact(self, revision: int) -> None:
        try:
            self._http.post("/v3/kv/compaction", {"revision": revision})
        except EtcdError as e:
            raise self.past(e, revision) from None
        self.floor = max(self.floor, revision)
