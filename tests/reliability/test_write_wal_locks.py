"""A second store opened in the same process (the HTTP front beside the control plane, as in
`kubesim serve`) must not drop the first one's SQLite locks: a process that then opens and closes
the store would think it the only user, checkpoint and delete the WAL, and every later commit of
the first process would be invisible to everyone else (acknowledged, then lost)."""

from __future__ import annotations

import subprocess
import sys

from kubesim.store.base import JournalEntry, Put
from kubesim.store.sqlite import SqliteStore

READ = (
    "import sys\n"
    "from kubesim.store.sqlite import SqliteStore\n"
    "s = SqliteStore(sys.argv[1])\n"
    "print(s.current_revision())\n"
    "s.close()\n"
)


def other_process_sees(path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", READ, str(path)], capture_output=True, text=True, check=True
    )
    return int(out.stdout)


def test_a_second_store_in_process_keeps_the_first_ones_writes_visible(tmp_path):
    path = tmp_path / "store.db"
    first = SqliteStore(str(path))
    first.txn(
        [Put("/registry/configmaps/default/a", b'{"metadata":{}}', 0)], [JournalEntry("command")]
    )
    second = SqliteStore(str(path))  # reads the file's header before SQLite opens it
    second.close()
    assert other_process_sees(path) == first.current_revision()  # opens and closes the store
    assert (tmp_path / "store.db-wal").exists()  # the other process left the WAL in place
    result = first.txn([Put("/registry/configmaps/default/b", b'{"metadata":{}}', 0)], [])
    assert other_process_sees(path) == result.revision
    first.close()
