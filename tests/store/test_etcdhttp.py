"""The etcd gateway client's own HTTP/1.1 (kubesim/store/etcdhttp.py Connection): one kept-alive
connection for many requests, each request one send; answers by Content-Length, chunked, or up
to a Connection: close, after which the next request opens a new connection. Against a small
HTTP server in a thread that records what it received, so the framing is checked byte for byte."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from kubesim.store.etcdhttp import Gateway


class Server:
    """Answers each request with the next of `answers` (raw bytes after the status line)."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.connections = 0
        self.requests: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.answers:
            conn, _ = self.sock.accept()
            self.connections += 1
            with conn, conn.makefile("rb") as f:
                while self.answers:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        line = f.readline()
                        if not line:
                            break
                        head += line
                    if not head:
                        break
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    self.requests.append(head + f.read(length))
                    answer = self.answers.pop(0)
                    conn.sendall(b"HTTP/1.1 200 OK\r\n" + answer)
                    if b"Connection: close" in answer:
                        break


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server(
        [
            b'Content-Length: 12\r\n\r\n{"n": "one"}',
            b'Transfer-Encoding: chunked\r\n\r\n5\r\n{"n":\r\n8\r\n "two"}\r\n0\r\n\r\n',
            b'Connection: close\r\nContent-Length: 14\r\n\r\n{"n": "three"}',
            b'Content-Length: 13\r\n\r\n{"n": "four"}',
        ]
    )
    yield s
    s.sock.close()


def test_requests_share_a_connection_until_the_server_closes_it(server: Server) -> None:
    gateway = Gateway([f"127.0.0.1:{server.port}"], "test")
    answers = [gateway.post("/v3/kv/range", {"key": "AA==", "i": i})["n"] for i in range(4)]
    gateway.close()
    assert answers == ["one", "two", "three", "four"]
    assert server.connections == 2  # the third answer said Connection: close
    first = server.requests[0]
    assert first.startswith(b"POST /v3/kv/range HTTP/1.1\r\n")
    assert b"Content-Type: application/json\r\n" in first
    assert first.endswith(b'\r\n\r\n{"key":"AA==","i":0}')
