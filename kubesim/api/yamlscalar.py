"""YAML scalars typed as go-yaml v2 types them, which is how kubectl reads every manifest.

`resolve` turns the text of a scalar and its tag into a value (bools are only the YAML 1.1 words
go-yaml knows, `0x`/`0o`/leading-zero integers, `.inf`, base64 `!!binary`, timestamps kept as
strings); `go_float32_key` is the string a float map key becomes. `YamlError`, the one error of
YAML decoding, lives here because typing is the first thing that raises it. Used by
`kubesim.api.yamlread`, which builds documents from the parse events.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from typing import Any

STR, BINARY = "tag:yaml.org,2002:str", "tag:yaml.org,2002:binary"
INT, FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
BOOL, NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"
TIMESTAMP, MERGE = "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"
RESOLVABLE = {STR, INT, FLOAT, BOOL, NULL, TIMESTAMP}
_PREFIX = "tag:yaml.org,2002:"

_WORDS: dict[str, tuple[str, Any]] = {}
for _tag, _value, _words in (
    (BOOL, True, "y Y yes Yes YES true True TRUE on On ON"),
    (BOOL, False, "n N no No NO false False FALSE off Off OFF"),
    (NULL, None, "~ null Null NULL"),
    (FLOAT, math.nan, ".nan .NaN .NAN"),
    (FLOAT, math.inf, ".inf .Inf .INF +.inf +.Inf +.INF"),
    (FLOAT, -math.inf, "-.inf -.Inf -.INF"),
):
    for _word in _words.split():
        _WORDS[_word] = (_tag, _value)
_WORDS[""] = (NULL, None)
_HINT = {**dict.fromkeys("+-0123456789", "D"), **dict.fromkeys("yYnNtTfFoO~", "M"), ".": "."}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")  # strconv.ParseFloat on text starting "."
_DIGITS = {16: re.compile(r"[0-9a-fA-F]+"), 10: re.compile(r"[0-9]+"), 8: re.compile(r"[0-7]+"),
           2: re.compile(r"[01]+")}  # fmt: skip
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d\d?)-(\d\d?)"
    r"(?:([Tt])(\d\d?):(\d\d?):(\d\d?)(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)"
    r"|( )(\d\d?):(\d\d?):(\d\d?)(?:\.\d+)?)?"
)


class YamlError(Exception):
    """The document cannot be decoded; the message is one line in go-yaml's words."""


def short(tag: str) -> str:
    """A tag as go-yaml prints it in messages (`!!int`)."""
    return "!!" + tag[len(_PREFIX) :] if tag.startswith(_PREFIX) else tag


def resolve(tag: str | None, value: str, plain: bool) -> tuple[str, Any]:
    """go-yaml v2's scalar typing: (resolved tag, Python value); timestamps stay strings."""
    if tag is None:
        if not plain:
            return STR, value
        tag = ""
    elif tag == BINARY:
        try:
            data = base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)
        except (binascii.Error, ValueError):
            raise YamlError("yaml: !!binary value contains invalid base64 data") from None
        return STR, data.decode("utf-8", "replace")
    if tag and tag not in RESOLVABLE:
        return tag, value  # "!" and unknown tags: the text, as a string
    rtag, out = _resolve_text(tag, value)
    if tag in ("", rtag, STR):
        return rtag, (value if rtag == TIMESTAMP else out)
    if tag == FLOAT and rtag == INT:
        return FLOAT, float(out)
    raise YamlError(f"yaml: cannot decode {short(rtag)} `{value}` as a {short(tag)}")


def _resolve_text(tag: str, value: str) -> tuple[str, Any]:
    hint = _HINT.get(value[0], "") if value else "N"
    if not hint or tag == STR:
        return STR, value
    if value in _WORDS:
        return _WORDS[value]
    if hint == "." and _GO_FLOAT.fullmatch(value):
        return FLOAT, float(value)
    if hint == "D":
        if tag in ("", TIMESTAMP) and _is_timestamp(value):
            return TIMESTAMP, value
        plain = value.replace("_", "")
        number = _go_parse_int(plain)
        if number is not None and (-(2**63) <= number < 2**64):
            if number >= 2**63 and plain[0] == "+":
                number = None  # ParseUint refuses a sign
            else:
                return INT, number
        if _YAML_FLOAT.fullmatch(plain):
            result = float(plain)
            if not math.isinf(result):  # strconv.ParseFloat fails on overflow: left a string
                return FLOAT, result
    return STR, value


def _go_parse_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, ...) syntax (0x, 0o, 0b, leading-0 octal), without range checks
    beyond this: more than 64 significant digits never fits in 64 bits (not even in base 2), so
    such a number is None at once (Python's int() refuses 4,300 digits and more)."""
    sign = -1 if text[:1] == "-" else 1
    body = text[1:] if text[:1] in "+-" else text
    base = 10
    if len(body) > 1 and body[0] == "0":
        base, body = {"x": (16, body[2:]), "o": (8, body[2:]), "b": (2, body[2:])}.get(
            body[1].lower(), (8, body[1:])
        )
    if not _DIGITS[base].fullmatch(body) or len(body.lstrip("0")) > 64:
        return None
    return sign * int(body, base)


def _is_timestamp(text: str) -> bool:
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        return False
    year, month, day = (int(g) for g in match.group(1, 2, 3))
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31]  # fmt: skip
    if not (1 <= month <= 12 and 1 <= day <= days[month - 1]):
        return False
    clock = match.group(5, 6, 7) if match.group(4) else match.group(9, 10, 11)
    if clock[0] is None:
        return True
    hour, minute, second = (int(g) for g in clock)
    return hour < 24 and minute < 60 and second < 60


def _float32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def go_float32_key(value: float) -> str:
    """strconv.FormatFloat(value, 'g', -1, 32), with go-yaml's names for infinities and NaN."""
    if math.isnan(value):
        return ".nan"
    try:
        single = _float32(value)
    except OverflowError:
        single = math.copysign(math.inf, value)
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    if single == 0:
        return "-0" if math.copysign(1, single) < 0 else "0"
    for precision in range(1, 10):
        text = f"{abs(single):.{precision - 1}e}"
        if _float32(float(text)) == abs(single):
            break
    mantissa, exponent_text = text.split("e")
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    exponent = int(exponent_text)
    sign = "-" if single < 0 else ""
    if exponent < -4 or exponent >= 6:
        frac = "." + digits[1:] if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{frac}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    point = exponent + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"
