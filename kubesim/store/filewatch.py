"""The file store's change notifier: a watchfiles thread on the store file's directory.

SQLite commits land in the store's `-wal` file first (and in the store file at a checkpoint), so
a change to either means some process may have committed. The thread watches the directory
(debounce tuned down to a few ms) and fires for those two names only. Made by
`SqliteStore.changes`; read by `kubesim up` (sim/runner.py), `kubesim watch` / `get -w`
(cli/watch.py) and lesson watch mode (lessons/watchmode.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from kubesim.store.base import ChangeNotifier


class FileChangeNotifier(ChangeNotifier):
    """Fires when the store file at `path` or its -wal changes. If watching fails, it stops
    quietly: callers also poll slowly."""

    def __init__(self, path: str | Path, wake: Callable[[], None] | None = None) -> None:
        super().__init__(wake)
        self.path = Path(path).resolve()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def names(self) -> set[str]:
        """The file names whose change means a commit: the store file and its -wal."""
        return {self.path.name, self.path.name + "-wal"}

    def _run(self) -> None:
        from watchfiles import watch

        names = self.names()
        try:
            for changes in watch(
                self.path.parent,
                debounce=5,
                step=5,
                stop_event=self._stop,
                rust_timeout=500,
                yield_on_timeout=True,
            ):
                if any(Path(p).name in names for _, p in changes):
                    self.notify()
        except Exception:  # noqa: BLE001 - the slow poll still works without the watcher
            return
