"""The `kubesim` command: the typer app, its command groups, and the one error boundary.

`main()` is the console script. It accepts `--store LOCATION` (a file path or an etcd:// URL,
checked when a command first opens the store) anywhere on the command line (kubectl
users put global flags after the verb), runs the app, and turns every KubesimError into one line
on stderr (plus `Hint: ...`) and exit code 1 (2 for usage errors). An unexpected exception prints
a traceback only when KUBESIM_DEBUG=1.
"""

from __future__ import annotations

import os
import sys

import typer

from kubesim.cli import context
from kubesim.model.errors import ApiError, KubesimError

app = typer.Typer(
    name="kubesim",
    help="Kubernetes as a CQRS system, made visible: apply commands, watch the events, "
    "the projections and their staleness.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _global(
    store: str = typer.Option(
        None,
        "--store",
        envvar="KUBESIM_STORE",
        metavar="LOCATION",
        help="The store: a file (default ./.kubesim/store.db) or etcd://HOST:PORT[,HOST:PORT...] "
        "(also KUBESIM_STORE).",
    ),
) -> None:
    if store:
        os.environ["KUBESIM_STORE"] = store


_registered = False


def _register() -> None:
    """Add the command groups once (main() may run many times in one process, as in tests)."""
    global _registered
    if _registered:
        return
    _registered = True
    from kubesim.cli import (
        admin,
        apply,
        controlplane,
        delete,
        demo,
        get,
        history,
        lag,
        lesson,
        mutate,
        replace,
        replay,
        rollout,
        watch,
    )

    for module in (
        apply,
        replace,
        get,
        delete,
        mutate,
        rollout,
        controlplane,
        watch,
        lag,
        history,
        admin,
        lesson,
        demo,
        replay,
    ):
        module.register(app)


def _click_types() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(usage-error types, abort types): typer >= 0.22 vendors click as typer._click, whose
    exceptions are not click's; older typer raises click's own."""
    import importlib

    errors: list[type] = []
    aborts: list[type] = [typer.Abort]
    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        errors.append(module.ClickException)
        if hasattr(module, "Abort"):
            aborts.append(module.Abort)
    return tuple(errors), tuple(aborts)


def _extract_store(argv: list[str]) -> list[str]:
    """Take `--store LOCATION` / `--store=LOCATION` from anywhere in argv into KUBESIM_STORE."""
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--store" and i + 1 < len(argv):
            os.environ["KUBESIM_STORE"] = argv[i + 1]
            i += 2
            continue
        if arg.startswith("--store="):
            os.environ["KUBESIM_STORE"] = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    return rest


def format_error(e: KubesimError) -> str:
    text = str(e)
    if not isinstance(e, ApiError) and not text.lower().startswith("error"):
        text = "error: " + text
    return text


def main(argv: list[str] | None = None) -> None:
    args = _extract_store(list(sys.argv[1:] if argv is None else argv))
    _register()
    code = 0
    try:
        rv = app(args=args, prog_name="kubesim", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except KubesimError as e:
        context.err(format_error(e))
        if e.hint:
            context.err(f"Hint: {e.hint}")
        code = e.exit_code
    except SystemExit as e:  # typer.Exit inside commands
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except KeyboardInterrupt:
        code = 130
    except Exception as e:  # noqa: BLE001 - the one boundary
        usage_errors, aborts = _click_types()
        if isinstance(e, usage_errors):
            e.show()
            code = e.exit_code
        elif isinstance(e, aborts):
            context.err("Aborted.")
            code = 1
        elif os.environ.get("KUBESIM_DEBUG") == "1":
            raise
        else:
            context.err(f"error: internal error: {type(e).__name__}: {e}")
            context.err("Hint: run again with KUBESIM_DEBUG=1 to see the traceback, and report it")
            code = 1
    finally:
        context.close()
    sys.stdout.flush()
    raise SystemExit(code)
