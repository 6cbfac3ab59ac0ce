"""Resource quantities (`500m`, `64Mi`, `1.5`, `2e3`) parsed as resource.ParseQuantity does.

`parse_quantity(text)` gives an exact `Fraction` or raises `QuantityError` with the real message
(the decoder reports it: `... cannot be handled as a Pod: quantities must match the regular
expression ...`). Used by the type checks and by the requests <= limits rule.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
NUMERIC = "unable to parse numeric part of quantity"
SUFFIX = "unable to parse quantity's suffix"

_FORMAT = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_EXPONENT = re.compile(r"^[eE]([-+]?[0-9]+)$")


class QuantityError(ValueError):
    """The quantity does not parse; `str()` is resource.ParseQuantity's message."""


@lru_cache(maxsize=1024)
def parse_quantity(text: str) -> Fraction:
    text = text.strip() if isinstance(text, str) else text
    if not isinstance(text, str) or not text:
        raise QuantityError(FORMAT_WRONG)
    m = _FORMAT.match(text)
    if not m:
        raise QuantityError(FORMAT_WRONG)
    number, suffix = m.groups()
    if number.count(".") > 1 or number.strip("+-") in ("", "."):
        raise QuantityError(NUMERIC)
    try:
        value = Fraction(number)
    except ValueError as e:
        raise QuantityError(NUMERIC) from e
    if suffix in _BINARY:
        return value * 1024 ** _BINARY[suffix]
    if suffix in _DECIMAL:
        return value * Fraction(10) ** _DECIMAL[suffix]
    exp = _EXPONENT.match(suffix)
    if not exp:
        raise QuantityError(SUFFIX)
    digits = exp.group(1).lstrip("+-").lstrip("0")
    if len(digits) > 19 or not -(2**63) <= int(exp.group(1)) < 2**63:
        raise QuantityError(SUFFIX)  # strconv.ParseInt(exponent, 10, 64) fails
    exponent = (int(exp.group(1)) + 2**31) % 2**32 - 2**31  # Go's int32(parsed)
    return _scaled(value, exponent, len(number))


def _scaled(value: Fraction, exponent: int, width: int) -> Fraction:
    """value * 10**exponent, where `value` has at most `width` digits. An exponent so large (or
    small) that the result is beyond any int64 (or below a nano-unit) is not computed (10**2e9
    takes minutes): it gives the largest int64 (or the smallest unit, 1n), as ParseQuantity caps
    and rounds amounts it cannot hold."""
    if value == 0:
        return value
    sign = 1 if value > 0 else -1
    if exponent > width + 20:
        return Fraction(sign * (2**63 - 1))
    if exponent < -(width + 20):
        return Fraction(sign, 10**9)
    return value * Fraction(10) ** exponent


def quantity_of(value: object) -> Fraction:
    """A JSON value of a quantity field: a string or a bare number."""
    if isinstance(value, bool):
        raise QuantityError(FORMAT_WRONG)
    if isinstance(value, int | float):
        return parse_quantity(repr(value) if isinstance(value, float) else str(value))
    return parse_quantity(value)  # type: ignore[arg-type]
