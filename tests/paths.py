"""Where the tests find their data: the corpus of real manifests nobody on this project wrote
(unmodified kubernetes/website examples, CC BY 4.0: see its SOURCE.md), shipped inside tests/ so
that `pytest` works in a plain clone."""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).parent / "corpus" / "kubernetes-website-examples"
