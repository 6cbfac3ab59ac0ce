"""Where a store is: a file path, or `etcd://HOST:PORT[,HOST:PORT...]`.

`parse_location(text)` turns what `--store` / KUBESIM_STORE holds into a StoreLocation, or
raises StoreError in one line when the text can name no store (`etcd://` without an endpoint,
`etcd://host:notaport`, an unknown scheme such as `postgres://x`). Anything without a
`SCHEME://` prefix is a file path, as before. Called by kubesim.store (open_store, remove_store,
check_store_file, control_plane_lock) and by the CLI's option check (cli/options.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kubesim.model.errors import StoreError

#: etcd's client port, when an endpoint names none (as etcdctl assumes)
ETCD_DEFAULT_PORT = 2379
SCHEMES = ("etcd",)
USAGE = "a store is a file path or etcd://HOST:PORT[,HOST:PORT...]"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")
_IPV6 = re.compile(r"^\[[0-9A-Fa-f:.]+\]$")
_PORT = re.compile(r"[0-9]{1,5}")


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """A parsed store location: `path` for a file store, else `scheme` and `endpoints`."""

    text: str
    scheme: str = "file"
    path: Path | None = None
    #: "host:port" each (an IPv6 host in brackets), in the order given
    endpoints: tuple[str, ...] = ()

    @property
    def is_file(self) -> bool:
        return self.path is not None

    def __str__(self) -> str:
        """How messages name it: the path of a file store, the URL as given otherwise."""
        return self.text if self.path is None else str(self.path)


def parse_location(text: str | Path | StoreLocation) -> StoreLocation:
    """The location `text` names; StoreError (one line) if it can name no store. A Path is
    always a file."""
    if isinstance(text, StoreLocation):
        return text
    if isinstance(text, Path):
        return StoreLocation(str(text), path=text)
    raw = str(text)
    match = _SCHEME.match(raw)
    if match is None:
        if not raw:
            raise StoreError(f'invalid store location "": {USAGE}')
        return StoreLocation(raw, path=Path(raw))
    scheme = match.group(1).lower()
    if scheme not in SCHEMES:
        raise StoreError(f'invalid store location "{raw}": unknown scheme "{scheme}"; {USAGE}')
    rest = raw[match.end() :]
    endpoints = tuple(_endpoint(raw, part) for part in rest.split(","))
    return StoreLocation(raw, scheme=scheme, endpoints=endpoints)


def _endpoint(raw: str, part: str) -> str:
    """One `HOST[:PORT]` of an etcd location, as `host:port` (etcd's port by default)."""

    def bad(reason: str) -> StoreError:
        return StoreError(f'invalid store location "{raw}": {reason}; {USAGE}')

    part = part.strip()
    port: str | None
    if not part:
        raise bad("an endpoint is empty" if "," in raw else "no endpoint")
    if "/" in part or "@" in part or "?" in part or "#" in part:
        raise bad(f'"{part}" is not HOST:PORT')
    if part.startswith("["):
        host, _, port = part.partition("]")
        host += "]"
        if port and not port.startswith(":"):
            raise bad(f'"{part}" is not HOST:PORT')
        port = port[1:] if port else None
    else:
        host, sep, port = part.rpartition(":")
        if not sep:
            host, port = part, None
    if not (_HOST.match(host) or _IPV6.match(host)):
        raise bad(f'"{host}" is not a host name or address')
    if port is None:
        return f"{host}:{ETCD_DEFAULT_PORT}"
    if not _PORT.fullmatch(port) or not 1 <= int(port) <= 65535:
        raise bad(f'port "{port}" is not a number from 1 to 65535')
    return f"{host}:{int(port)}"
