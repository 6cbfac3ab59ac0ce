"""A store that counts the calls made to it, for tests of how many store reads a path makes.

`Counted(store)` passes every call through to `store` and counts it in `calls` by method and,
for the methods that take a key or a prefix first, by that key or prefix.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from kubesim.store.base import Store


class Counted:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.calls: Counter[tuple[str, str | None]] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.store, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            first = args[0] if args and isinstance(args[0], str) else None
            self.calls[(name, first)] += 1
            return attr(*args, **kwargs)

        return call

    def count(self, name: str, first: str | None = None) -> int:
        """Calls of `name` (with that key or prefix first, if given)."""
        return sum(
            n for (m, f), n in self.calls.items() if m == name and (first is None or f == first)
        )
