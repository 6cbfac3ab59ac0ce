"""Checked numbers on the command line: 64-bit integers, finite numbers in range, durations.

Every numeric option goes through one of these as click parses it, before the command runs, so a
nonsense value (`--replicas 18446744073709551616`, `--speed nan`, `--nodes -1`, `--for -1s`) gets
one line in pflag's words, naming the flag (`invalid argument "-1" for "--nodes" flag: must be
greater than or equal to 0`), exit 2, and the store is never opened. `int_option`,
`float_option` and `duration_option` build the typer options; `integer`, `number` and `duration`
check a value that arrives inside other text (`--latency NAME=MS`, `--restart NAME@1s`).
`check_output` does the same for a path an option will write (`--copy DIR`, `--svg FILE`), before
any work. `store_location` checks `--store` / KUBESIM_STORE (a file path or etcd://HOST:PORT,...):
a malformed one is one line, exit 1. Used by the command modules of kubesim.cli.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import typer

from kubesim.model.errors import KubesimError, UsageError
from kubesim.store.location import StoreLocation, parse_location

INT64 = (-(2**63), 2**63 - 1)
#: Go's time.Duration is int64 nanoseconds: about 292 years
MAX_DURATION_SECONDS = INT64[1] / 1e9
DURATION_HINT = "use e.g. 500ms, 30s, 2m, 1h"
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def invalid(text: Any, flag: str, reason: str, hint: str | None = None) -> UsageError:
    """pflag's error for a value a flag cannot take."""
    return UsageError(f'invalid argument "{_shown(text)}" for "{flag}" flag: {reason}', hint=hint)


def _shown(text: Any) -> str:
    """The value as typed, shortened when it is very long (a 5,000-digit number stays one line)."""
    s = str(text)
    return s if len(s) <= 40 else f"{s[:20]}...{s[-8:]} ({len(s)} characters)"


def integer(text: Any, flag: str, minimum: int | None = None) -> int:
    """strconv.ParseInt(text, 10, 64), then at least `minimum`."""
    s = str(text)
    if not _INTEGER.fullmatch(s):
        raise invalid(s, flag, f'strconv.ParseInt: parsing "{_shown(s)}": invalid syntax')
    # more than 19 significant digits never fits in 64 bits (and int() refuses 4,300 and more)
    if len(s.lstrip("+-").lstrip("0")) > 19 or not INT64[0] <= int(s) <= INT64[1]:
        raise invalid(s, flag, f'strconv.ParseInt: parsing "{_shown(s)}": value out of range')
    value = int(s)
    if minimum is not None and value < minimum:
        raise invalid(s, flag, f"must be greater than or equal to {minimum}")
    return value


def number(
    text: Any,
    flag: str,
    *,
    minimum: float = 0.0,
    above: bool = False,
    maximum: float | None = None,
    shown: str | None = None,
) -> float:
    """A finite number, at least `minimum` (greater than it when `above`), at most `maximum`.
    `shown` is the argument as typed when the number is only part of it (`NAME=MS`)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        reason = f'strconv.ParseFloat: parsing "{_shown(text)}": invalid syntax'
        raise invalid(text if shown is None else shown, flag, reason) from None
    if maximum is not None:
        wanted = f"a finite number between {minimum:g} and {maximum:g}"
    else:
        wanted = f"a finite number greater than {'' if above else 'or equal to '}{minimum:g}"
    low = value <= minimum if above else value < minimum
    if not math.isfinite(value) or low or (maximum is not None and value > maximum):
        raise invalid(text if shown is None else shown, flag, "must be " + wanted)
    return value


def duration(text: Any, flag: str) -> float:
    """A Go-style duration (`500ms`, `30s`, `2m`, `1h`, plain seconds) in seconds: finite, not
    negative, and no longer than a Go time.Duration holds."""
    s = str(text).strip()
    match = _DURATION.fullmatch(s)
    if match:
        seconds = float(match.group(1)) * _UNIT[match.group(2) or "s"]
        if seconds <= MAX_DURATION_SECONDS:
            return seconds
    elif s.startswith("-") and _DURATION.fullmatch(s[1:]):
        raise invalid(text, flag, "a duration must not be negative", DURATION_HINT)
    raise invalid(text, flag, f'time: invalid duration "{_shown(text)}"', DURATION_HINT)


def check_output(path: str | Path, flag: str, *, directory: bool) -> None:
    """Refuse a path `flag` will write (a directory when `directory`, else a file) that cannot
    be: a dangling symbolic link, a file where a directory goes or the reverse, or a missing
    parent (nothing is created on the way, as `cp -r` and `mkdir` without -p do not)."""
    p = Path(path)
    reason = None
    if p.is_symlink() and not p.exists():
        reason = f"it is a symbolic link to {os.readlink(p)}, which is missing"
    elif p.exists():
        if directory and not p.is_dir():
            reason = "it exists and is not a directory"
        elif not directory and p.is_dir():
            reason = "it is a directory"
    elif not p.parent.is_dir():
        state = "is not a directory" if p.parent.exists() else "does not exist"
        reason = f"the directory {p.parent} {state}"
    if reason:
        raise KubesimError(f"{flag} {path}: {reason}")


def int_option(default: Any, *names: str, minimum: int | None = None, **kwargs: Any) -> Any:
    """A typer option holding a 64-bit integer (at least `minimum`), checked as it is parsed."""
    flag = names[0]
    return typer.Option(
        default,
        *names,
        parser=lambda text: integer(text, flag, minimum),
        metavar=kwargs.pop("metavar", "INTEGER"),
        **kwargs,
    )


def float_option(
    default: Any,
    *names: str,
    minimum: float = 0.0,
    above: bool = False,
    maximum: float | None = None,
    **kwargs: Any,
) -> Any:
    """A typer option holding a finite number in range, checked as it is parsed."""
    flag = names[0]
    return typer.Option(
        default,
        *names,
        parser=lambda text: number(text, flag, minimum=minimum, above=above, maximum=maximum),
        metavar=kwargs.pop("metavar", "FLOAT"),
        **kwargs,
    )


def duration_option(default: Any, *names: str, **kwargs: Any) -> Any:
    """A typer option holding a duration, as seconds (None when not given and no default)."""
    flag = names[0]
    return typer.Option(
        default,
        *names,
        parser=lambda text: duration(text, flag),
        metavar=kwargs.pop("metavar", "DURATION"),
        **kwargs,
    )


def store_location(text: str) -> StoreLocation:
    """The store `--store` / KUBESIM_STORE names: a file path, or etcd://HOST:PORT[,HOST:PORT...]
    (etcd's port 2379 when one is left out). Anything else that looks like a URL (`etcd://`,
    `etcd://host:notaport`, `postgres://x`) is a StoreError: one line, exit 1."""
    return parse_location(text)
