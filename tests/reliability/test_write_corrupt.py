"""A store file with corrupted pages: every command says so in one line naming the file, and
`kubesim reset` removes it.

SQLite keeps no checksums, so bytes overwritten in the middle of the file surface in three ways:
"database disk image is malformed", text that is not UTF-8, and stored values that no longer
decode. Each must read `error: the store FILE is corrupt (...)`, never a traceback or an
"internal error". The store is a real one (applied, scaled, reconciled through the CLI), closed
(so its WAL is checkpointed into the file) and then damaged byte by byte.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from kubesim.data import manifests_dir

COMMANDS = [
    ["get", "pods"],
    ["get", "deployment", "web", "-o", "yaml"],
    ["apply", "-f", str(manifests_dir() / "web-deployment.yaml")],
    ["reconcile", "-q"],
    ["history"],
    ["scale", "deployment/web", "--replicas", "2"],
    ["describe", "deployment", "web"],
    ["diff", "deployment/web"],
    ["why", "deployment/web"],
    ["replay", "--from", "1", "--to", "20", "--auto", "--speed", "1000"],
    ["delete", "configmap", "web-config"],
]


@pytest.fixture(scope="module")
def good_store(tmp_path_factory) -> bytes:
    """The bytes of a store with history: three objects, ten scales, reconciled."""
    path = tmp_path_factory.mktemp("good") / "store.db"
    mp = pytest.MonkeyPatch()
    mp.setenv("KUBESIM_STORE", str(path))
    capsys = _Capture()
    try:
        for name in ("web-deployment.yaml", "web-service.yaml", "web-configmap.yaml"):
            assert capsys.run(["apply", "-f", str(manifests_dir() / name)])[0] == 0
        for i in range(10):
            assert capsys.run(["scale", "deployment/web", "--replicas", str(i % 4 + 1)])[0] == 0
        assert capsys.run(["reconcile", "-q"])[0] == 0
    finally:
        mp.undo()
    assert not Path(str(path) + "-wal").exists()  # checkpointed: every page is in the file
    return path.read_bytes()


class _Capture:
    """main() with its streams captured, for a module-scoped fixture (no capsys there)."""

    def run(self, argv: list[str]) -> tuple[int, str, str]:
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            from kubesim.cli.app import main

            try:
                main(argv)
            except SystemExit as e:
                return int(e.code or 0), out.getvalue(), err.getvalue()
        return 0, out.getvalue(), err.getvalue()


def scramble(data: bytes, seed: int, chunks: int = 8) -> bytes:
    """Overwrite `chunks` runs of 64 random bytes past the first page (the header stays)."""
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(chunks):
        at = rng.randrange(2048, len(out) - 64)
        out[at : at + 64] = bytes(rng.randrange(256) for _ in range(64))
    return bytes(out)


def assert_clean(code: int, err: str, store: Path) -> bool:
    """Exit 0, or 1 with one line; True when that line says the store is corrupt."""
    assert "Traceback" not in err and "internal error" not in err, err
    assert code in (0, 1), err
    if code == 0:
        return False
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error"), err
    if "is corrupt" not in lines[0]:
        return False
    assert f"the store {store} is corrupt (" in lines[0]
    assert lines[0].endswith(
        "remove it with `kubesim reset --yes` (its objects and history are lost) or restore a copy"
    )
    return True


def test_commands_on_randomly_corrupted_pages(run, store_path, good_store):
    reports = 0
    for seed in range(1, 7):
        store_path.write_bytes(scramble(good_store, seed))
        for argv in COMMANDS:
            code, _, err = run(*argv)
            reports += assert_clean(code, err, store_path)
        code, out, err = run("reset", "--yes")
        assert code == 0, err
        assert out == f"store {store_path} deleted\n"
        assert not any(store_path.parent.glob("store.db*"))
    assert reports >= 10  # the damage was seen, and said clearly (about 20 with these seeds)


def test_a_damaged_value_names_its_key(run, store_path, good_store):
    data = bytearray(good_store)
    at = data.find(b'"kind":"Deployment"')
    while at >= 0:  # every stored version of the Deployment
        data[at : at + 8] = b"\xff" * 8
        at = data.find(b'"kind":"Deployment"', at + 1)
    store_path.write_bytes(bytes(data))
    code, out, err = run("get", "deployment", "web")
    assert code == 1 and out == ""
    assert err.startswith(
        f"error: the store {store_path} is corrupt (the value of "
        "/registry/deployments/default/web at revision "
    )
    assert assert_clean(code, err, store_path)
    for argv in (["scale", "deployment/web", "--replicas", "3"], ["diff", "deployment/web"]):
        code, _, err = run(*argv)
        assert assert_clean(code, err, store_path), (argv, err)


def test_a_damaged_btree_page_is_malformed(run, store_path, good_store):
    data = bytearray(good_store)
    for page in range(2, len(data) // 2048):  # every page header but the first
        data[page * 2048 : page * 2048 + 12] = b"\x55" * 12
    store_path.write_bytes(bytes(data))
    for argv in COMMANDS:
        code, _, err = run(*argv)
        assert assert_clean(code, err, store_path), (argv, err)
    assert run("reset", "--yes")[0] == 0 and not store_path.exists()


@pytest.mark.parametrize("offset", [16, 28, 44, 56], ids=lambda o: f"header-byte-{o}")
def test_a_damaged_header_field_is_corrupt(run, store_path, good_store, offset):
    """Page size, page count, file format, schema cookie: kubesim's marks (magic, application
    id) intact, the rest unreadable."""
    data = bytearray(good_store)
    data[offset : offset + 4] = b"\xde\xad\xbe\xef"
    store_path.write_bytes(bytes(data))
    code, _, err = run("get", "pods")
    assert assert_clean(code, err, store_path), err
    assert run("reset", "--yes")[0] == 0 and not store_path.exists()


def test_reset_still_refuses_a_file_that_is_not_a_store(run, store_path, tmp_path):
    store_path.write_bytes(b"my notes, not a database\n" * 10)
    code, _, err = run("reset", "--yes")
    assert code == 1
    assert err == f"error: {store_path} is not a kubesim store (it is not an SQLite database)\n"
    assert store_path.read_bytes().startswith(b"my notes")


def test_reset_refuses_what_is_not_a_regular_file(run, store_path, monkeypatch):
    fifo = store_path.parent / "fifo"
    os.mkfifo(fifo)  # reading it would block: it must not be read, nor removed
    monkeypatch.setenv("KUBESIM_STORE", str(fifo))
    code, _, err = run("reset", "--yes")
    assert code == 1
    assert err == f"error: {fifo} is not a kubesim store (it is not a regular file)\n"
    assert fifo.exists()


def test_reset_removes_an_empty_store_file(run, store_path):
    store_path.write_bytes(b"")  # a store whose creation was interrupted
    assert run("reset", "--yes")[:2] == (0, f"store {store_path} deleted\n")
    assert not store_path.exists()
