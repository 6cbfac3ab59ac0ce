"""The one exception hierarchy of kubesim.

Every error a user can see is a `KubesimError`; the CLI's error boundary (cli/app.py) prints its
`str()` as one line (plus an optional hint) and exits with `exit_code`. API errors carry the
Kubernetes `Status` shape (code, reason, details) so that a later HTTP front can return them as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class KubesimError(Exception):
    """Base of every error kubesim reports to a user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(KubesimError):
    """The command line itself is wrong (exit code 2, as kubectl and typer use)."""

    exit_code = 2


class InputError(KubesimError):
    """A manifest could not be read or decoded: names the file and, where known, the document."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        document: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.source = source
        self.document = document
        self.detail = message
        super().__init__(_locate(message, source, document), hint=hint)


def _locate(message: str, source: str | None, document: int | None) -> str:
    if source is None:
        return message
    where = f'"{source}"' if document is None else f'"{source}" (document {document})'
    return f"error parsing {where}: {message}"


class StoreError(KubesimError):
    """The store file cannot be used (not a kubesim store, newer schema, unreadable)."""


class StoreCorrupt(StoreError):
    """The store file is damaged (SQLite reports a malformed page, or a stored value does not
    decode). `kubesim reset` removes it."""

    def __init__(self, where: str, detail: str) -> None:
        self.where = where
        super().__init__(
            f"the store {where} is corrupt ({detail}); remove it with `kubesim reset --yes` "
            "(its objects and history are lost) or restore a copy"
        )


class StoreReplaced(StoreError):
    """The file a long-running process opened was removed or replaced behind its back."""


class Compacted(StoreError):
    """A read or watch asked for a revision older than the compaction floor (etcd ErrCompacted)."""

    def __init__(self, revision: int, compact_revision: int) -> None:
        self.revision = revision
        self.compact_revision = compact_revision
        super().__init__(
            f"mvcc: required revision has been compacted (asked for revision {revision}; "
            f"the oldest revision still kept is {compact_revision})"
        )


class FutureRevision(StoreError):
    """A read asked for a revision the store has not reached (etcd ErrFutureRev)."""

    def __init__(self, revision: int, current: int) -> None:
        self.revision = revision
        self.current = current
        super().__init__(
            f"mvcc: required revision is a future revision (asked for {revision}; "
            f"the store is at revision {current})"
        )


@dataclass(frozen=True)
class FieldError:
    """One cause of an Invalid error, formatted as apimachinery's field.Error."""

    type: str  # Required, Invalid, Unsupported, Forbidden, TooLong, Duplicate, NotFound
    field: str
    value: Any = None
    detail: str = ""
    supported: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        kind = {
            "Required": "Required value",
            "Invalid": "Invalid value",
            "Unsupported": "Unsupported value",
            "Forbidden": "Forbidden",
            "TooLong": "Too long",
            "TooMany": "Too many",
            "Duplicate": "Duplicate value",
            "NotFound": "Not found",
        }[self.type]
        text = f"{self.field}: {kind}"
        if self.type in ("Invalid", "Unsupported", "Duplicate", "NotFound", "TooMany"):
            text += f": {format_value(self.value)}"
        if self.type == "Unsupported" and self.supported:
            text += ": supported values: " + ", ".join(f'"{s}"' for s in self.supported)
        if self.detail:
            text += f": {self.detail}"
        return text

    def cause(self) -> dict[str, Any]:
        """The StatusCause of an Invalid error (reason FieldValueRequired, ...)."""
        reason = "FieldValue" + ("NotSupported" if self.type == "Unsupported" else self.type)
        return {"reason": reason, "message": str(self).split(": ", 1)[1], "field": self.field}


def format_value(value: Any) -> str:
    """Render a value the way apimachinery's field errors do (%#v for Go values)."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


class ApiError(KubesimError):
    """An error the API server returns, in the shape of a Kubernetes `Status`."""

    code = 500
    reason = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.details = details or {}

    def status(self) -> dict[str, Any]:
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "details": self.details,
            "code": self.code,
        }

    def kubectl_text(self, context: str = "") -> str:
        """The line kubectl prints: `Error from server (Reason): [context: ]message`."""
        return f"Error from server ({self.reason}): {context}{self.message}"

    def __str__(self) -> str:
        return self.kubectl_text()


class BadRequest(ApiError):
    code = 400
    reason = "BadRequest"


class Forbidden(ApiError):
    code = 403
    reason = "Forbidden"


class NotFound(ApiError):
    code = 404
    reason = "NotFound"


class MethodNotAllowed(ApiError):
    code = 405
    reason = "MethodNotAllowed"


class AlreadyExists(ApiError):
    code = 409
    reason = "AlreadyExists"


class Conflict(ApiError):
    code = 409
    reason = "Conflict"


class Expired(ApiError):
    code = 410
    reason = "Expired"


class Timeout(ApiError):
    """504: the request ran past kube-apiserver's request timeout (60 s by default)."""

    code = 504
    reason = "Timeout"


class Invalid(ApiError):
    """422: `The Deployment "web" is invalid: <field errors>` (kubectl prints it without prefix)."""

    code = 422
    reason = "Invalid"

    def __init__(self, kind: str, name: str, errors: list[FieldError], group: str = "") -> None:
        self.errors = list(errors)
        joined = str(errors[0]) if len(errors) == 1 else "[" + ", ".join(map(str, errors)) + "]"
        self.joined = joined
        super().__init__(
            f'The {kind} "{name}" is invalid: {joined}',
            details={
                "name": name,
                "group": group,
                "kind": kind,
                "causes": [e.cause() for e in errors],
            },
        )

    def kubectl_text(self, context: str = "") -> str:
        return f"{context}{self.message}" if context else self.message

    def status(self) -> dict[str, Any]:
        """The server's Status says `Deployment.apps "web" is invalid: ...` (errors.NewInvalid
        with the qualified kind); kubectl rebuilds its `The Deployment "web"` line from details."""
        d = self.details
        qualified = f"{d['kind']}.{d['group']}" if d["group"] else d["kind"]
        message = f'{qualified} "{d["name"]}" is invalid: {self.joined}'
        return {**super().status(), "message": message}


class UnsupportedKind(KubesimError):
    """A kind kubesim does not simulate (StatefulSet, Job, ...)."""
