"""Go's `%#v` renderings of the values that real field errors print.

apimachinery formats an Invalid value with `%#v` when it is not a string, number or bool, so a
selector prints as `v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, ...}` and labels as
`map[string]string{"app":"x"}`. `GoValue` carries such a pre-rendered text through `FieldError`
(whose formatter prints `str()` of values it does not know). Used by the validators.
"""

from __future__ import annotations

from typing import Any


class GoValue:
    """A value already rendered the way Go prints it; `str()` gives the text unchanged."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"GoValue({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoValue) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def string_map(value: dict[str, Any] | None) -> str:
    """`map[string]string{"a":"1", "b":"2"}`; a nil map is `map[string]string(nil)`."""
    if value is None:
        return "map[string]string(nil)"
    inner = ", ".join(f"{go_quote(k)}:{go_quote(str(v))}" for k, v in sorted(value.items()))
    return "map[string]string{" + inner + "}"


def string_slice(value: list[str] | None) -> str:
    if value is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(str(v)) for v in value) + "}"


def label_selector(sel: dict[str, Any] | None) -> GoValue:
    """A metav1.LabelSelector as `%#v` prints it (the value of selector errors)."""
    sel = sel or {}
    exprs = sel.get("matchExpressions")
    if exprs is None:
        expr_text = "[]v1.LabelSelectorRequirement(nil)"
    else:
        items = [
            f"v1.LabelSelectorRequirement{{Key:{go_quote(str(e.get('key', '')))}, "
            f"Operator:{go_quote(str(e.get('operator', '')))}, "
            f"Values:{string_slice(e.get('values'))}}}"
            for e in exprs
        ]
        expr_text = "[]v1.LabelSelectorRequirement{" + ", ".join(items) + "}"
    labels = sel.get("matchLabels")
    return GoValue(
        f"v1.LabelSelector{{MatchLabels:{string_map(labels)}, MatchExpressions:{expr_text}}}"
    )


def int_or_string(value: Any) -> GoValue:
    """An intstr.IntOrString as `%#v` prints it: Type 0 is an int, 1 a string."""
    if isinstance(value, str):
        return GoValue(f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{go_quote(value)}}}")
    number = int(value or 0)
    return GoValue(f'intstr.IntOrString{{Type:0, IntVal:{number}, StrVal:""}}')
