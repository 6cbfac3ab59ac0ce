"""Where the sample manifests and the lessons are, installed or from a source checkout.

A wheel carries them as kubesim/_data/{manifests,lessons} (setup.py copies them in); a source
checkout or an editable install has them at the repository's top level. Called by the CLI
(`kubesim manifests`) and by the lesson engine.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    return _PACKAGE / "_data" / name


def manifests_dir() -> Path:
    return _find("manifests")


def lessons_dir() -> Path:
    return _find("lessons")
