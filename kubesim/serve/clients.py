"""Who is asking: a client's name, and its reads as a consumer's journal entries.

A client is named by the identity its kubeconfig context gives, as kube-apiserver names a user:
impersonation first (`Impersonate-User`: kubectl sends the context's `as`), else the user its
credentials authenticate (kubesim has no authentication: a bearer token is the user's name, as a
static token file mapping each token to a user of that name would; the Python client and kopf,
which do not impersonate, send the context's `token`). `kubesim kubeconfig --as NAME` writes both.
A client without either is named by its User-Agent's product: `kubectl`, `kopf`,
`kubernetes-python` (the official client's `OpenAPI-Generator`). The name is the actor of its
commands, and, once it watches, the name of a consumer like the control plane's processes:
- a LIST of a collection is journaled as a `relist` (revision, objects), as a reflector's LIST;
- a watch start as a `client` entry (verb `watch`; data: the kinds and key prefixes it watches,
  journaled like a process's informers), from the resourceVersion it watches from;
- each event written to it as a `delivery`.
`kubesim.client.staleness.last_run` adds these consumers to the latest run, so `lag`, the live
view, lesson checks and replay see a learner's own client beside kube-controller-manager.
Called by `app`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from kubesim.model.kinds import Kind
from kubesim.store.base import JournalEntry

#: User-Agent products with a better-known name
_PRODUCTS = {"openapi-generator": "kubernetes-python", "python-requests": "python"}


def client_name(headers: Mapping[str, str]) -> str:
    """The consumer name of a request's client."""
    user = headers.get("Impersonate-User", "").strip()
    if user:
        return _clean(user)
    scheme, _, token = headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return _clean(token.strip())
    agent = headers.get("User-Agent", "").strip()
    product = agent.split("/", 1)[0].split(" ", 1)[0].lower()
    product = re.sub(r"[\d.]+$", "", product)  # kubectl1.32.4/v1.32.4 (the dispatcher's name)
    return _PRODUCTS.get(product) or _clean(product) or "http-client"


def _clean(name: str) -> str:
    return re.sub(r"[^a-z0-9.:@_-]+", "-", name.lower()).strip("-")[:63]


def watch_entry(
    client: str, kind: Kind, prefix: str, revision: int, now: float, selectors: dict[str, str]
) -> JournalEntry:
    data = {"kinds": [kind.kind], "prefixes": [prefix], **{k: v for k, v in selectors.items() if v}}
    return JournalEntry("client", client, "watch", prefix, "started", revision, now, data)


def relist_entry(
    client: str, kind: Kind, prefix: str, revision: int, objects: int, now: float
) -> JournalEntry:
    data = {"objects": objects, "lists": 1, "kinds": [kind.kind]}
    return JournalEntry("relist", client, "list", prefix, "list", revision, now, data)


def delivery_entries(
    client: str, events: list[tuple[str, int, str]], now: float
) -> list[JournalEntry]:
    return [
        JournalEntry("delivery", client, etype, key, "", revision, now)
        for etype, revision, key in events
    ]
