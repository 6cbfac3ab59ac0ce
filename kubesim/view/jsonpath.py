"""kubectl's `-o jsonpath=TEMPLATE`: a port of k8s.io/client-go/util/jsonpath (v1.32).

A template is text with `{...}` actions: fields `.a.b` (`\\.` escapes a dot), `[0]`, `[-1]`,
`[1:3]`, `[::2]`, `[*]`, unions `[0,2]` and `['a','b']`, `.*`, recursive descent `..name`,
filters `[?(@.type=="Ready")]` (`==`, `!=`, `<`, `<=`, `>`, `>=`, or bare existence), string
literals `{"\\n"}`, and `{range ...}...{end}`. The parser and the evaluator follow client-go's
code path for path, quirks included (`['a.b']` is two fields, as in kubectl); where Go would range
over a map in random order this port uses sorted keys. Results of one action are joined by spaces;
maps and lists print as compact JSON, other values as Go's fmt prints them.

Errors read as kubectl prints them. `allow_missing_keys` is True by default, as in `kubectl get`
(`--allow-missing-template-keys=true`). Called by kubesim.cli.output for `-o jsonpath=...`.
"""

from __future__ import annotations

import re
from typing import Any

from kubesim.model.errors import KubesimError
from kubesim.view.output import compact_json, go_float

_EOF = ""
_DICT_KEY_RE = re.compile(r"'([^']*)'\Z")
_SLICE_RE = re.compile(r"(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?\Z")
_FILTER_RE = re.compile(r"([^!<>=]+)([!<>=]+)(.+?)\Z")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


class JSONPathError(KubesimError):
    """A template that does not parse, or fails on the object it is given."""


class _ParseError(Exception):
    pass


class _EvalError(Exception):
    pass


# --- parsing ---------------------------------------------------------------------------------
# Nodes are tuples: ("list", [nodes]), ("text", s), ("field", name), ("array", params),
# ("filter", left, right, op), ("int"|"float"|"bool", value), ("wildcard",), ("recursive",),
# ("union", [lists]), ("ident", name). A list node is ("list", nodes).


def _is_terminator(r: str) -> bool:
    return r in (_EOF, " ", "\t", "\r", "\n", ".", ",", "[", "]", "$", "@", "{", "}")


def _is_alphanumeric(r: str) -> bool:
    return r == "_" or r.isalpha() or r.isdecimal()


class _Parser:
    def __init__(self, text: str) -> None:
        self.input = text
        self.pos = 0
        self.start = 0
        self.root: list[Any] = []

    def parse(self) -> list[Any]:
        self._parse_text(self.root)
        return self.root

    # Go's lexer helpers
    def _next(self) -> str:
        if self.pos >= len(self.input):
            self.pos += 1  # as Go's width-0 eof keeps backup() symmetric
            return _EOF
        r = self.input[self.pos]
        self.pos += 1
        return r

    def _peek(self) -> str:
        return self.input[self.pos] if self.pos < len(self.input) else _EOF

    def _backup(self) -> None:
        self.pos -= 1

    def _consume(self) -> str:
        value = self.input[self.start : self.pos]
        self.start = self.pos
        return value

    def _parse_text(self, cur: list[Any]) -> None:
        while True:
            if self.input.startswith("{", self.pos):
                if self.pos > self.start:
                    cur.append(("text", self._consume()))
                self.pos += 1
                self._consume()
                node: list[Any] = []
                cur.append(("list", node))
                self._parse_inside_action(node)
                return
            if self.pos >= len(self.input):
                break
            self.pos += 1
        if self.pos > self.start:
            cur.append(("text", self._consume()))

    def _parse_inside_action(self, cur: list[Any]) -> None:
        while True:
            rest = self.input[self.pos :]
            if rest.startswith("}"):
                self.pos += 1
                self._consume()
                self._parse_text(self.root)
                return
            if rest.startswith("[?("):
                self._parse_filter(cur)
                continue
            if rest.startswith(".."):
                self._parse_recursive(cur)
                continue
            r = self._next()
            if r == _EOF or r in "\r\n":
                raise _ParseError("unclosed action")
            if r in " @$":
                self._consume()
            elif r == "[":
                self._parse_array(cur)
            elif r in "\"'":
                self._parse_quote(cur, r)
            elif r == ".":
                self._parse_field(cur)
            elif r in "+-" or r.isdecimal():
                self._backup()
                self._parse_number(cur)
            elif _is_alphanumeric(r):
                self._backup()
                self._parse_identifier(cur)
            else:
                raise _ParseError(f"unrecognized character in action: {_go_rune(r)}")

    def _parse_identifier(self, cur: list[Any]) -> None:
        while not _is_terminator(self._next()):
            pass
        self._backup()
        value = self._consume()
        if value in ("true", "false"):
            cur.append(("bool", value == "true"))
        else:
            cur.append(("ident", value))

    def _parse_number(self, cur: list[Any]) -> None:
        if self._peek() in ("+", "-"):
            self._next()
        while True:
            r = self._next()
            if r != "." and not r.isdecimal():
                self._backup()
                break
        value = self._consume()
        if re.fullmatch(r"[+-]?[0-9]+", value):
            cur.append(("int", int(value)))
        elif re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)", value):
            cur.append(("float", _LiteralFloat(value)))
        else:
            raise _ParseError(f"cannot parse number {value}")

    def _parse_recursive(self, cur: list[Any]) -> None:
        if cur and cur[-1][0] == "recursive":
            raise _ParseError("invalid multiple recursive descent")
        self.pos += 2
        self._consume()
        cur.append(("recursive",))
        if _is_alphanumeric(self._peek()):
            self._parse_field(cur)

    def _parse_field(self, cur: list[Any]) -> None:
        self._consume()
        while True:
            r = self._next()
            if r == "\\":
                self._next()
            elif _is_terminator(r):
                self._backup()
                break
        value = self._consume()
        if value == "*":
            cur.append(("wildcard",))
        else:
            cur.append(("field", value.replace("\\", "")))

    def _parse_quote(self, cur: list[Any], end: str) -> None:
        while True:
            r = self._next()
            if r == _EOF or r == "\n":
                raise _ParseError("unterminated quoted string")
            if r == "\\":
                if self._next() in (_EOF, "\n"):
                    raise _ParseError("unterminated quoted string")
            elif r == end:
                break
        value = self._consume()
        try:
            cur.append(("text", _unquote(value)))
        except ValueError:
            raise _ParseError(f"unquote string {value} error invalid syntax") from None

    def _parse_array(self, cur: list[Any]) -> None:
        while True:
            r = self._next()
            if r == _EOF or r == "\n":
                raise _ParseError("unterminated array")
            if r == "]":
                break
        text = self._consume()[1:-1]
        if text == "*":
            text = ":"
        parts = text.split(",")
        if len(parts) > 1:
            cur.append(("union", [_parse_action(f"[{p.strip(' ')}]") for p in parts]))
            return
        m = _DICT_KEY_RE.match(text)
        if m:
            cur.extend(_parse_action("." + m[1])[1])
            return
        m = _SLICE_RE.match(text)
        if not m:
            raise _ParseError(f"invalid array index {text}")
        # params: [known, value, derived] for start, end, step
        params: list[list[Any]] = [[False, 0, False], [False, 0, False], [False, 0, False]]
        for i in range(3):
            v = m[i + 1] or ""
            if v != "":
                if i > 0:
                    v = v[1:]
                if i > 0 and v == "":
                    params[i][0] = False
                else:
                    # strconv.Atoi: 64-bit (and Python's int() never sees 4,300 digits)
                    if not re.fullmatch(r"[+-]?[0-9]+", v) or not -(2**63) <= _int(v) < 2**63:
                        raise _ParseError(f"array index {v} is not a number")
                    params[i][0], params[i][1] = True, int(v)
            elif i == 1:
                params[1] = [True, params[0][1] + 1, True]
        cur.append(("array", params))

    def _parse_filter(self, cur: list[Any]) -> None:
        self.pos += 3
        self._consume()
        begin = end = False
        pair = ""
        while True:
            r = self._next()
            if r == _EOF or r == "\n":
                raise _ParseError("unterminated filter")
            if r in "\"'":
                if not begin:
                    begin, pair = True, r
                    continue
                if self.input[self.pos - 2] != "\\" and r == pair:
                    end = True
            elif r == ")" and begin == end:
                break
        if self._next() != "]":
            raise _ParseError("unclosed array expect ]")
        text = self._consume()[:-2]
        m = _FILTER_RE.match(text)
        if m is None:
            cur.append(("filter", _parse_action(text), ("list", []), "exists"))
        else:
            cur.append(("filter", _parse_action(m[1]), _parse_action(m[3]), m[2]))


def _parse_action(text: str) -> tuple[str, list[Any]]:
    """client-go parseAction: the first list node of `{text}`."""
    return _Parser("{" + text + "}").parse()[0]


def _unquote(s: str) -> str:
    """Go's jsonpath UnquoteExtend: a "..." or '...' literal with Go's escapes."""
    if len(s) < 2 or s[0] != s[-1] or s[0] not in "\"'":
        raise ValueError(s)
    quote, body = s[0], s[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == quote:
            raise ValueError(s)
        if c != "\\":
            out.append(c)
            i += 1
            continue
        i += 1
        if i >= len(body):
            raise ValueError(s)
        c = body[i]
        i += 1
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif c == quote:
            out.append(c)
        elif c in "xuU":
            n = {"x": 2, "u": 4, "U": 8}[c]
            digits = body[i : i + n]
            if len(digits) != n or not re.fullmatch(r"[0-9a-fA-F]+", digits):
                raise ValueError(s)
            out.append(chr(int(digits, 16)))
            i += n
        elif "0" <= c <= "7":
            digits = body[i - 1 : i + 2]
            if not re.fullmatch(r"[0-7]{3}", digits) or int(digits, 8) > 255:
                raise ValueError(s)
            out.append(chr(int(digits, 8)))
            i += 2
        else:
            raise ValueError(s)
    return "".join(out)


# --- evaluating ------------------------------------------------------------------------------


def _go_type(v: Any) -> str:
    if isinstance(v, dict):
        return "map[string]interface {}"
    if isinstance(v, list | tuple):
        return "[]interface {}"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "int64" if _as_int(v) is not None else "float64"
    if isinstance(v, str):
        return "string"
    return "interface {}"


def _as_int(f: float) -> int | None:
    """A float Go would hold as int64 (its JSON text has no fraction), else None."""
    if f.is_integer() and -(2**63) <= f < 2**63:
        return int(f)
    return None


class _LiteralFloat(float):
    """A float written in a template: a float64 in Go even when it is whole, unlike data."""


def _norm(v: Any) -> Any:
    if isinstance(v, float) and not isinstance(v, _LiteralFloat):
        i = _as_int(v)
        return v if i is None else i
    return v


def _children(v: Any) -> list[Any]:
    if isinstance(v, dict):
        return [v[k] for k in sorted(v)]
    if isinstance(v, list | tuple):
        return list(v)
    if isinstance(v, str):
        return list(v.encode())
    return []


class _Evaluator:
    def __init__(self, allow_missing_keys: bool) -> None:
        self.allow_missing = allow_missing_keys
        self.in_range = 0
        self.begin_range = 0
        self.end_range = 0
        self.last_end: Any = None

    def find_results(self, data: Any, nodes: list[Any]) -> list[list[Any]]:
        full: list[list[Any]] = []
        cur = [data]
        i = 0
        while i < len(nodes):
            node = nodes[i]
            results = self.walk(cur, node)
            if self.end_range > 0 and self.end_range <= self.in_range:
                self.end_range -= 1
                self.last_end = node
                break
            if self.begin_range > 0:
                self.begin_range -= 1
                self.in_range += 1
                rest = nodes[i + 1 :]
                if results:
                    for value in results:
                        full.extend(self.find_results(value, rest))
                else:
                    self.find_results(None, rest)
                self.in_range -= 1
                for k in range(i + 1, len(nodes)):
                    if nodes[k] is self.last_end:
                        i = k
                        break
                i += 1
                continue
            full.append(results)
            i += 1
        return full

    def walk(self, values: list[Any], node: tuple) -> list[Any]:
        kind = node[0]
        if kind == "list":
            for child in node[1]:
                values = self.walk(values, child)
            return values
        if kind == "text":
            return [node[1]]
        if kind in ("int", "float", "bool"):
            return [node[1] for _ in values]
        return getattr(self, "_eval_" + kind)(values, node)

    def _eval_ident(self, values: list[Any], node: tuple) -> list[Any]:
        name = node[1]
        if name == "range":
            self.begin_range += 1
            return values
        if name == "end":
            if self.in_range > 0:
                self.end_range += 1
                return []
            raise _EvalError("not in range, nothing to end")
        raise _EvalError(f"unrecognized identifier {name}")

    def _eval_field(self, values: list[Any], node: tuple) -> list[Any]:
        results = []
        for v in values:
            if isinstance(v, dict) and node[1] in v:
                results.append(v[node[1]])
        if not results and values and not self.allow_missing:
            raise _EvalError(f"{node[1]} is not found")
        return results

    def _eval_array(self, values: list[Any], node: tuple) -> list[Any]:
        result: list[Any] = []
        for v in values:
            if v is None:
                continue
            if not isinstance(v, list | tuple):
                raise _EvalError(f"{_go_type(v)} is not array or slice")
            (k0, start, _), (k1, end, derived), (k2, step, _) = node[1]
            n = len(v)
            if not k0:
                start = 0
            if start < 0:
                start += n
            if not k1:
                end = n
            if end < 0 or (end == 0 and derived):
                end += n
            if end == start:
                return result
            if start >= n or start < 0:
                raise _EvalError(f"array index out of bounds: index {start}, length {n}")
            if end > n or end < 0:
                raise _EvalError(f"array index out of bounds: index {end - 1}, length {n}")
            if start > end:
                raise _EvalError(f"starting index {start} is greater than ending index {end}")
            if k2 and step <= 0:
                raise _EvalError("step must be > 0")
            result.extend(v[start : end : step if k2 else 1])
        return result

    def _eval_wildcard(self, values: list[Any], node: tuple) -> list[Any]:
        results: list[Any] = []
        for v in values:
            results.extend(_children(v))
        return results

    def _eval_recursive(self, values: list[Any], node: tuple) -> list[Any]:
        result: list[Any] = []
        for v in values:
            children = _children(v)
            if children:
                result.append(v)
                result.extend(self._eval_recursive(children, node))
        return result

    def _eval_union(self, values: list[Any], node: tuple) -> list[Any]:
        result: list[Any] = []
        for part in node[1]:
            result.extend(self.walk(values, part))
        return result

    def _eval_filter(self, values: list[Any], node: tuple) -> list[Any]:
        _, left_node, right_node, op = node
        results: list[Any] = []
        for v in values:
            if not isinstance(v, list | tuple):
                raise _EvalError(f"{go_v(v)} is not array or slice and cannot be filtered")
            for item in v:
                try:
                    lefts = self.walk([item], left_node)
                    err = None
                except _EvalError as e:
                    lefts, err = [], e
                if op == "exists":
                    if lefts:
                        results.append(item)
                    continue
                if err is not None:
                    raise err
                if not lefts:
                    continue
                if len(lefts) > 1:
                    raise _EvalError("can only compare one element at a time")
                rights = self.walk([item], right_node)
                if not rights:
                    continue
                if len(rights) > 1:
                    raise _EvalError("can only compare one element at a time")
                if _compare(op, lefts[0], rights[0]):
                    results.append(item)
        return results


def _basic_kind(v: Any) -> str:
    v = _norm(v)
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    raise _EvalError("invalid type for comparison")


def _compare(op: str, left: Any, right: Any) -> bool:
    """text/template's eq/ne/lt/le/gt/ge as client-go's forked copy implements them."""
    kl, kr = _basic_kind(left), _basic_kind(right)
    if op not in ("==", "!=", "<", ">", "<=", ">="):
        raise _EvalError(f"unrecognized filter operator {op}")
    if kl != kr:
        raise _EvalError("incompatible types for comparison")
    a, b = _norm(left), _norm(right)
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if kl == "bool":
        raise _EvalError("invalid type for comparison")
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


# --- printing --------------------------------------------------------------------------------


def _text(v: Any) -> str:
    if isinstance(v, dict | list | tuple):
        return compact_json(v)
    if v is None:
        return "null"
    return go_v(v)


def go_v(v: Any) -> str:
    """Go's `fmt.Sprint` (%v) of a JSON value held in interface{}."""
    v = _norm(v)
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_v(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list | tuple):
        return "[" + " ".join(go_v(x) for x in v) + "]"
    return str(v)


def go_sharp_v(v: Any) -> str:
    """Go's `%#v` of a JSON value held in interface{}, as kubectl's jsonpath errors print it."""
    v = _norm(v)
    if v is None:
        return "interface {}(nil)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, str):
        return go_quote(v)
    if isinstance(v, dict):
        inner = ", ".join(f"{go_quote(str(k))}:{go_sharp_v(v[k])}" for k in sorted(v))
        return "map[string]interface {}{" + inner + "}"
    if isinstance(v, list | tuple):
        return "[]interface {}{" + ", ".join(go_sharp_v(x) for x in v) + "}"
    return str(v)


_QUOTE_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(s: str) -> str:
    """Go's strconv.Quote."""
    out = ['"']
    for c in s:
        if c in _QUOTE_ESCAPES:
            out.append(_QUOTE_ESCAPES[c])
        elif c == " " or (c.isprintable() and c not in "\u00ad"):
            out.append(c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\x{ord(c):02x}")
        elif ord(c) < 0x10000:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    out.append('"')
    return "".join(out)


def _go_rune(r: str) -> str:
    """Go's %#U of a rune: U+007B '{'."""
    return f"U+{ord(r):04X} '{r}'" if r.isprintable() else f"U+{ord(r):04X}"


def render(template: str, data: Any, *, allow_missing_keys: bool = True) -> str:
    """What `kubectl ... -o jsonpath=TEMPLATE` prints for data (no newline is added).

    Raises JSONPathError with kubectl's message when the template does not parse or fails."""
    try:
        root = _Parser(template).parse()
    except _ParseError as e:
        raise JSONPathError(f"error: error parsing jsonpath {template}, {e}") from None
    try:
        results = _Evaluator(allow_missing_keys).find_results(data, root)
    except _EvalError as e:
        raise JSONPathError(
            f"error: error executing jsonpath {go_quote(template)}: Error executing template: "
            f"{e}. Printing more information for debugging the template:\n"
            f"\ttemplate was:\n\t\t{template}\n"
            f"\tobject given to jsonpath engine was:\n\t\t{go_sharp_v(data)}\n\n"
        ) from None
    return "".join(" ".join(_text(v) for v in values) for values in results)


def _int(digits: str) -> int:
    """An index of up to 19 significant digits; a longer one as a value no int64 holds."""
    return int(digits) if len(digits.lstrip("+-").lstrip("0")) <= 19 else 2**63
