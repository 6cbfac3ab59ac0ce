"""Compare rendered text with a checked-in snapshot in tests/view/snapshots/.

Set KUBESIM_UPDATE_SNAPSHOTS=1 to rewrite the files (then read the diff before committing)."""

from __future__ import annotations

import os
from pathlib import Path

SNAPSHOTS = Path(__file__).parent / "snapshots"


def assert_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("KUBESIM_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text)
    assert path.exists(), f"missing snapshot {path}"
    assert text == path.read_text(), f"output differs from {path}"
