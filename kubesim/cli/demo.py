"""`kubesim demo`: a narrated, autonomous scenario (placeholder until demo.py lands)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
