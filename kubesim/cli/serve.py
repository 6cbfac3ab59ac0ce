"""`kubesim serve` and `kubesim kubeconfig`: real clients against the simulated cluster.

`serve` runs the HTTP front (kubesim.serve) on `--address:--port`, and, unless
`--no-control-plane`, the control plane and its live view exactly as `up` does (same options).
It binds to loopback by default; another address must be given explicitly and is warned about
(kubesim has no authentication). `kubeconfig` prints or writes a kubeconfig whose context
`kubesim` points at it; `--as NAME` names the client in kubesim's journal and view.
"""

from __future__ import annotations

import inspect
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from kubesim.cli import context
from kubesim.cli.controlplane import run_up, up_command
from kubesim.cli.options import check_output, int_option
from kubesim.model.errors import StoreReplaced, UsageError

if TYPE_CHECKING:
    from kubesim.serve.front import FrontServer

DEFAULT_PORT = 6443

PORT = int_option(
    DEFAULT_PORT, "--port", minimum=0, help="The port to listen on (0: any free port)."
)
ADDRESS = typer.Option(
    "127.0.0.1",
    "--address",
    help="The address to listen on. Anything but loopback exposes the store, unauthenticated.",
)


def register(app: typer.Typer) -> None:
    app.command(
        "serve",
        help="Serve the Kubernetes API over HTTP for kubectl, client libraries and operators, "
        "and run the control plane as `up` does."
        "\n\nExample: kubesim serve, then: kubesim kubeconfig --write kubeconfig; "
        "kubectl --kubeconfig kubeconfig apply -f web.yaml",
    )(serve_command)
    app.command(
        "kubeconfig",
        help="Print (or --write) a kubeconfig for `kubesim serve` (context kubesim)."
        "\n\nExample: kubesim kubeconfig --write kubeconfig",
    )(kubeconfig_command)


def _check_port(port: int) -> None:
    if port > 65535:
        raise UsageError(f'invalid argument "{port}" for "--port" flag: must be 0 to 65535')


def _start_front(address: str, port: int, wake: Callable[[], None] | None) -> FrontServer:
    from kubesim.api.server import ApiServer
    from kubesim.serve.app import Front
    from kubesim.serve.front import FrontServer, is_loopback
    from kubesim.store import open_store

    store = context.store_location()
    server = FrontServer(Front(lambda: ApiServer(open_store(store)), on_write=wake), address, port)
    server.start()
    if not is_loopback(address):
        context.note(
            f"warning: serving on {address}: anyone who can reach it can read and change this "
            "store (kubesim has no authentication)"
        )
    context.note(
        f"serving the Kubernetes API at {server.url} (store {store}); for kubectl: "
        f"kubesim kubeconfig --port {server.port} --write kubeconfig && "
        "export KUBECONFIG=$PWD/kubeconfig"
    )
    return server


def serve_command(
    port: int = PORT,
    address: str = ADDRESS,
    control_plane: bool = typer.Option(
        True,
        "--control-plane/--no-control-plane",
        help="Also run the control plane and its view (as `up`), or only the API front.",
    ),
    **up_options: Any,
) -> None:
    """Every request through the front is a command in the journal (actor: the client's name),
    and every client that watches is a consumer with its own projection."""
    _check_port(port)
    if not control_plane:
        _serve_only(address, port, up_options["for_"])
        return
    run_up(serve=lambda wake: _start_front(address, port, wake), **up_options)


# `serve` runs the control plane as `up` does, with every option of `up`: its signature (what
# typer reads) is its own options followed by up's, so the two commands cannot drift apart
serve_command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        *list(inspect.signature(serve_command, eval_str=True).parameters.values())[:-1],
        *inspect.signature(up_command, eval_str=True).parameters.values(),
    ]
)


#: how often the front alone checks that its store is still the one it opened
IDENTITY_CHECK_S = 0.5


def _serve_only(address: str, port: int, duration: float | None) -> None:
    """The front alone, until Ctrl-C, SIGTERM or --for (another process runs `up`). If the store
    is removed or replaced (`kubesim reset`), it stops, as `up` does, rather than go on
    answering from a store nobody else can see."""
    location = context.store_location()
    if location.path is not None:
        context.check_store_path(location.path)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    store = context.api().store
    server = _start_front(address, port, None)
    end = time.monotonic() + duration if duration is not None else float("inf")
    try:
        while not stop.is_set() and time.monotonic() < end:
            store.check_identity()
            stop.wait(min(IDENTITY_CHECK_S, max(0.0, end - time.monotonic())))
    except KeyboardInterrupt:
        pass
    except StoreReplaced as e:
        raise StoreReplaced(f"{e}; kubesim serve stops (start it again)") from e
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)


def kubeconfig_command(
    port: int = PORT,
    address: str = typer.Option("127.0.0.1", "--address", help="The address `serve` listens on."),
    as_: str = typer.Option(
        "", "--as", help="The client's name in kubesim's journal and view (Impersonate-User)."
    ),
    write: str = typer.Option(None, "--write", metavar="PATH", help="Write it to PATH instead."),
) -> None:
    from kubesim.serve.kubeconfig import kubeconfig_text

    _check_port(port)
    host = f"[{address}]" if ":" in address else address
    text = kubeconfig_text(f"http://{host}:{port}", as_)
    if not write:
        sys.stdout.write(text)
        return
    check_output(write, "--write", directory=False)
    Path(write).write_text(text, encoding="utf-8")
    context.note(
        f"wrote {write} (context kubesim); use it with: export KUBECONFIG={Path(write).resolve()}"
    )
