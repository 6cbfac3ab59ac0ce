"""Value formatting shared by kubectl-style tables and describe: ages, timestamps, label sets.

`human_duration` is apimachinery's duration.HumanDuration (the AGE column), `age` turns an RFC 3339
creationTimestamp into it, `rfc1123z` is Go's time.RFC1123Z layout that describe prints, and
`format_labels` is labels.FormatLabels. Called by kubesim.view.tables and kubesim.view.describe.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH_CACHE: dict[str, float] = {}


def human_duration(seconds: float) -> str:
    """duration.HumanDuration: `59s`, `119s`, `2m5s`, `15m`, `3h20m`, `10h`, `3d4h`, `3y2d`."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        rest = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if rest == 0 else f"{years}y{rest}d"
    return f"{hours // 24 // 365}y"


def parse_time(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 stamp (`2026-11-25T12:24:21Z`, fractions allowed)."""
    cached = _EPOCH_CACHE.get(text)
    if cached is None:
        cached = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        if len(_EPOCH_CACHE) < 10_000:
            _EPOCH_CACHE[text] = cached
    return cached


def since(stamp: str | None, now: float) -> str:
    """translateTimestampSince: HumanDuration of now - stamp, `<unknown>` without a stamp."""
    if not stamp:
        return "<unknown>"
    return human_duration(now - parse_time(stamp))


def age(obj: Mapping, now: float) -> str:
    """The AGE cell of an object: time since metadata.creationTimestamp."""
    return since((obj.get("metadata") or {}).get("creationTimestamp"), now)


def rfc1123z(stamp: str | None) -> str:
    """Go's time.RFC1123Z in UTC (`Mon, 02 Jan 2006 15:04:05 +0000`); the zero time when unset."""
    if not stamp:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    t = datetime.fromtimestamp(parse_time(stamp), UTC)
    return (
        f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} +0000"
    )


def format_labels(labels: Mapping[str, str] | None) -> str:
    """labels.FormatLabels: `a=1,b=2` sorted by key, `<none>` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))
