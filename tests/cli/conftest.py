"""Run the real entry point, `kubesim.cli.app.main(argv)`, in-process against a temporary store.

`main()` holds the one error boundary and always ends with SystemExit(code), so the tests go
through exactly what a user's shell does. `run(*argv, stdin=b"...")` returns (code, out, err).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kubesim.cli.app import main
from kubesim.store.sqlite import SqliteStore
from tests.paths import CORPUS  # noqa: F401 - the CLI tests import it from here

ESC = "\x1b"
REPO = Path(__file__).resolve().parents[2]

Runner = Callable[..., tuple[int, str, str]]


class _Stdin(io.TextIOWrapper):
    def isatty(self) -> bool:
        return False


def invoke(capsys: pytest.CaptureFixture[str], argv: list[str], stdin: bytes | None) -> tuple:
    """main(argv) with captured streams; stdin is a non-TTY stream holding `stdin` bytes."""
    capsys.readouterr()  # drop whatever an earlier call left
    saved = sys.stdin
    sys.stdin = _Stdin(io.BytesIO(stdin or b""), encoding="utf-8")
    try:
        with pytest.raises(SystemExit) as exc:
            main(list(argv))
    finally:
        sys.stdin = saved
    code = exc.value.code
    out, err = capsys.readouterr()
    return (code if isinstance(code, int) else (0 if code is None else 1)), out, err


@pytest.fixture
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh store file for this test, and a clean environment for the CLI."""
    path = tmp_path / "store.db"
    monkeypatch.setenv("KUBESIM_STORE", str(path))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("KUBESIM_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture
def run(store_path: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    """`run("apply", "-f", path, stdin=None) -> (code, stdout, stderr)`, no traceback allowed."""

    def _run(*argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        code, out, err = invoke(capsys, [str(a) for a in argv], stdin)
        assert "Traceback" not in err and "Traceback" not in out, err
        assert ESC not in out and ESC not in err, (out, err)
        return code, out, err

    return _run


@pytest.fixture
def store(store_path: Path):
    """Open the test's store file to look at what a command wrote (call after the command)."""
    opened: list[SqliteStore] = []

    def _open() -> SqliteStore:
        s = SqliteStore(str(store_path))
        opened.append(s)
        return s

    yield _open
    for s in opened:
        s.close()


def revision(store_path: Path) -> int:
    """The store's current revision (1 before the first command: nothing bootstrapped yet)."""
    if not os.path.exists(store_path):
        return 0
    with SqliteStore(str(store_path)) as s:
        return s.current_revision()


def commands(store_path: Path) -> list[Any]:
    with SqliteStore(str(store_path)) as s:
        return s.journal(types=["command"])


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: {image}
"""


def deployment(replicas: int = 3, image: str = "nginx:1.27") -> str:
    return DEPLOYMENT.format(replicas=replicas, image=image)


def configmap(name: str, namespace: str | None = None, **data: str) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {name}"]
    if namespace:
        lines.append(f"  namespace: {namespace}")
    if data:
        lines.append("data:")
        lines += [f"  {k}: {v!r}" for k, v in data.items()]
    return "\n".join(lines) + "\n"
