"""A small synchronous etcd v3 client over etcd's gRPC-JSON gateway (plain HTTP/1.1, keep-alive).

Called by kubesim/store/etcd.py only. No dependency beyond the standard library: etcd serves
its v3 API as JSON on the client port (/v3/kv/range, /v3/kv/txn, /v3/kv/compaction,
/v3/watch, ...), keys and values base64, 64-bit integers as strings, fields at their default
value (false, 0, "PUT") left out.

Measured on one machine against etcd 3.4 (see benchmarks/bench_store_backends.py for the store
figures): 1,340 sequential puts/s (aetcd, asyncio over gRPC: 1,240/s), 3,800/s with 64
connections in flight (aetcd, 64 in flight: 4,150/s), 12,700 puts/s as 64 puts per txn, watch
event p50 0.8 ms; the Store contract is synchronous, so the gateway it is.

A request is one `send` of the request line, headers and JSON body together, and the answer is
read by its Content-Length (chunked and Connection: close understood too): http.client sends
headers and body in two writes and parses headers with the email package, ~0.1 ms a request of
Python work that the gateway's small answers do not need. Watch streams, long-lived, keep
http.client.

Several endpoints: requests go to the first that answers; on a refused or broken connection the
next is tried, and when none answers the error names them all, in one line.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from kubesim.model.errors import StoreError

#: seconds to wait for etcd to connect or answer one request
TIMEOUT_S = 10.0
_CONNECTION_ERRORS = (OSError, http.client.HTTPException, ValueError)
_MAX_LINE = 65536


def b64(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode("ascii")


def unb64(text: str | None) -> bytes:
    return base64.b64decode(text) if text else b""


def key_end(prefix: bytes) -> bytes:
    """etcd's range_end for every key starting with `prefix` (b"\\0": no upper bound)."""
    end = bytearray(prefix)
    while end:
        if end[-1] < 0xFF:
            end[-1] += 1
            return bytes(end)
        end.pop()
    return b"\0"


def host_port(endpoint: str) -> tuple[str, int]:
    """A "host:port" endpoint (kubesim.store.location's form; IPv6 in brackets) as (host, port)."""
    host, _, port = endpoint.rpartition(":")
    return host.strip("[]"), int(port)


class EtcdError(StoreError):
    """An error etcd itself returned (its message, e.g. "etcdserver: mvcc: ...")."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class Gateway:
    """Requests to the first answering endpoint of `endpoints`, over one kept-alive connection.
    Thread-safe (one lock per client: requests are serialised, as a connection is)."""

    def __init__(self, endpoints: Sequence[str], where: str) -> None:
        self.endpoints = [host_port(e) for e in endpoints]
        self.where = where
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        self._current = 0  # index of the endpoint in use

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One request; the decoded answer, EtcdError for an error etcd returned."""
        data = orjson.dumps(body)
        with self._lock:
            answer = self._send(path, data)
        if "error" in answer or ("code" in answer and "message" in answer):
            message = answer.get("error") or answer.get("message") or "unknown error"
            raise EtcdError(message, int(answer.get("code", 0)))
        return answer

    def _send(self, path: str, data: bytes) -> dict[str, Any]:
        reasons: dict[tuple[str, int], str] = {}
        n = len(self.endpoints)
        for attempt in range(n + 1):  # the endpoint in use twice: a kept-alive connection may
            # have been closed by etcd since the last request
            conn = self._conn
            try:
                if conn is None:
                    host, port = self.endpoints[self._current]
                    conn = self._conn = Connection(host, port)
                status, raw = conn.post(path, data)
                if conn.closed:  # the server said Connection: close
                    self._conn = None
            except _CONNECTION_ERRORS as e:
                if conn is not None:
                    conn.close()
                self._conn = None
                reasons[self.endpoints[self._current]] = _reason(e)
                if attempt or not isinstance(e, http.client.RemoteDisconnected | BrokenPipeError):
                    self._current = (self._current + 1) % n
                continue
            try:
                answer = orjson.loads(raw)
            except ValueError:
                answer = None
            if not isinstance(answer, dict):
                raise StoreError(
                    f"etcd at {self.where} answered {path} with something that is not JSON "
                    f"(HTTP {status}): is this etcd's client port?"
                )
            return answer
        said = "; ".join(
            f"{h}:{p}: {why}" for (h, p), why in sorted(reasons.items(), key=self._order)
        )
        raise StoreError(f"cannot reach etcd at {self.where} ({said})")

    def _order(self, item: tuple[tuple[str, int], str]) -> int:
        return self.endpoints.index(item[0])

    def watch(self, request: dict[str, Any]) -> WatchStream:
        """Open a watch stream (its own connection) on the first answering endpoint."""
        reasons = []
        for i in range(len(self.endpoints)):
            host, port = self.endpoints[(self._current + i) % len(self.endpoints)]
            try:
                return WatchStream(host, port, request)
            except _CONNECTION_ERRORS as e:
                reasons.append(f"{host}:{port}: {_reason(e)}")
        raise StoreError(f"cannot reach etcd at {self.where} ({'; '.join(reasons)})")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class Connection:
    """One kept-alive HTTP/1.1 connection for requests and their answers, in turn (see the
    module docstring). Raises OSError or http.client's exceptions when the connection fails."""

    def __init__(self, host: str, port: int) -> None:
        self._sock = socket.create_connection((host, port), timeout=TIMEOUT_S)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._file = self._sock.makefile("rb")
        self._headers = f"Host: {host}:{port}\r\nContent-Type: application/json\r\n".encode()
        self.closed = False

    def post(self, path: str, data: bytes) -> tuple[int, bytes]:
        """(HTTP status, body) of one POST."""
        head = b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n" % (
            path.encode(),
            self._headers,
            len(data),
        )
        self._sock.sendall(head + data)
        line = self._file.readline(_MAX_LINE)
        if not line:
            raise http.client.RemoteDisconnected("the server closed the connection")
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
            raise http.client.BadStatusLine(line.decode("latin-1").strip())
        status = int(parts[1])
        length, chunked, close = None, False, False
        while True:
            line = self._file.readline(_MAX_LINE)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if chunked:
            body = self._chunks()
        elif length is not None:
            body = self._exactly(length)
        else:  # no length: the body runs to the end of the connection
            body, close = self._file.read(), True
        if close:
            self.close()
        return status, body

    def _exactly(self, n: int) -> bytes:
        body = self._file.read(n)
        if len(body) != n:
            raise http.client.IncompleteRead(body, n - len(body))
        return body

    def _chunks(self) -> bytes:
        out: list[bytes] = []
        while True:
            size = int(self._file.readline(_MAX_LINE).split(b";")[0], 16)
            if size == 0:
                while self._file.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(out)
            out.append(self._exactly(size))
            self._file.readline(_MAX_LINE)  # the CRLF after the chunk

    def close(self) -> None:
        self.closed = True
        self._file.close()
        self._sock.close()


class WatchStream:
    """One /v3/watch stream: iterate over its responses (each a dict: "created", "events",
    "compact_revision", "header"); `close()` from any thread ends the iteration."""

    def __init__(self, host: str, port: int, request: dict[str, Any]) -> None:
        self._conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
        self._conn.request("POST", "/v3/watch", json.dumps({"create_request": request}).encode())
        self._response = self._conn.getresponse()
        sock = self._conn.sock
        if sock is not None:
            sock.settimeout(None)  # a watch waits as long as nothing happens
        self._closed = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            while not self._closed:
                try:
                    line = self._response.readline()
                except (*_CONNECTION_ERRORS, ValueError, AttributeError):
                    return  # closed (AttributeError: by close() while readline ran)
                if not line:
                    return
                message = json.loads(line)
                if "error" in message:
                    raise EtcdError(str(message["error"].get("message", message)), 0)
                yield message.get("result", message)
        finally:
            self._closed = True
            self._conn.close()

    def close(self) -> None:
        """End the stream: from another thread, the reader's next read returns and the reader
        closes the connection; without a reader, close it here."""
        reading = not self._closed
        self._closed = True
        sock = self._conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if not reading:
            self._conn.close()


def _reason(e: BaseException) -> str:
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    if isinstance(e, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e) or type(e).__name__
