"""kubesim.view.output against kubectl v1.32: every expected text below was printed by the real
kubectl (`kubectl label --local -f OBJ.json x=y --overwrite -o json|yaml`) for the object given."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kubesim.view.output import as_list, name_line, to_json, to_yaml

OBJ = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {
        "name": "demo",
        "namespace": "default",
        "labels": {"app.kubernetes.io/name": "web", "x": "y"},
        "creationTimestamp": "2024-01-01T10:00:00Z",
    },
    "data": {
        "html": "<b>&</b>",
        "uni": "héllo ☃ 日本",
        "emoji": "😀",
        "empty": "",
        "bool": "true",
        "yes": "yes",
        "octal": "0755",
        "float": "1.5",
        "null": "null",
        "time": "12:30",
        "date": "2024-01-01",
        "colon": "a: b",
        "hash": "a #b",
        "star": "*x",
        "dash": "-",
        "lead": " lead",
        "tab": "a\tb",
        "quote": "it's",
        "ml": "line1\nline2\n",
        "ml_strip": "line1\nline2",
        "ml_indent": "  a\nb\n",
        "ml_keep": "a\n\n",
        "ml_trailing_space": "a \nb",
        "long": " ".join(["word"] * 19),
        "url": "http://example.com/a?b=c#d",
        "image": "nginx:1.25",
        "ip": "10.0.0.1",
        "ctl": "a\x01b\u2028",
    },
    "spec": {
        "replicas": 3,
        "f": 1.5,
        "big": 1e20,
        "small": 1e-07,
        "whole": 2.0,
        "m": 1234567.5,
        "t": True,
        "nil": None,
        "emptyList": [],
        "emptyMap": {},
        "list": [1, "two", {"b": 1, "a": [1, 2]}, ["x"]],
        "order": {"a10": 1, "a9": 1, "a1": 1, "b": 1, "B": 1, "a-b": 1, "a_b": 1, "Z": 1},
    },
}

OBJ_JSON = (
    "{\n"
    '    "apiVersion": "v1",\n'
    '    "data": {\n'
    '        "bool": "true",\n'
    '        "colon": "a: b",\n'
    '        "ctl": "a\\u0001b\\u2028",\n'
    '        "dash": "-",\n'
    '        "date": "2024-01-01",\n'
    '        "emoji": "😀",\n'
    '        "empty": "",\n'
    '        "float": "1.5",\n'
    '        "hash": "a #b",\n'
    '        "html": "\\u003cb\\u003e\\u0026\\u003c/b\\u003e",\n'
    '        "image": "nginx:1.25",\n'
    '        "ip": "10.0.0.1",\n'
    '        "lead": " lead",\n'
    '        "long": "word word word word word word word word word word'
    ' word word word word word word word word word",\n'
    '        "ml": "line1\\nline2\\n",\n'
    '        "ml_indent": "  a\\nb\\n",\n'
    '        "ml_keep": "a\\n\\n",\n'
    '        "ml_strip": "line1\\nline2",\n'
    '        "ml_trailing_space": "a \\nb",\n'
    '        "null": "null",\n'
    '        "octal": "0755",\n'
    '        "quote": "it\'s",\n'
    '        "star": "*x",\n'
    '        "tab": "a\\tb",\n'
    '        "time": "12:30",\n'
    '        "uni": "héllo ☃ 日本",\n'
    '        "url": "http://example.com/a?b=c#d",\n'
    '        "yes": "yes"\n'
    "    },\n"
    '    "kind": "ConfigMap",\n'
    '    "metadata": {\n'
    '        "creationTimestamp": "2024-01-01T10:00:00Z",\n'
    '        "labels": {\n'
    '            "app.kubernetes.io/name": "web",\n'
    '            "x": "y"\n'
    "        },\n"
    '        "name": "demo",\n'
    '        "namespace": "default"\n'
    "    },\n"
    '    "spec": {\n'
    '        "big": 100000000000000000000,\n'
    '        "emptyList": [],\n'
    '        "emptyMap": {},\n'
    '        "f": 1.5,\n'
    '        "list": [\n'
    "            1,\n"
    '            "two",\n'
    "            {\n"
    '                "a": [\n'
    "                    1,\n"
    "                    2\n"
    "                ],\n"
    '                "b": 1\n'
    "            },\n"
    "            [\n"
    '                "x"\n'
    "            ]\n"
    "        ],\n"
    '        "m": 1234567.5,\n'
    '        "nil": null,\n'
    '        "order": {\n'
    '            "B": 1,\n'
    '            "Z": 1,\n'
    '            "a-b": 1,\n'
    '            "a1": 1,\n'
    '            "a10": 1,\n'
    '            "a9": 1,\n'
    '            "a_b": 1,\n'
    '            "b": 1\n'
    "        },\n"
    '        "replicas": 3,\n'
    '        "small": 1e-7,\n'
    '        "t": true,\n'
    '        "whole": 2\n'
    "    }\n"
    "}\n"
)

# kubectl's YAML printer refuses the control characters of data.ctl, so OBJ_YAML is OBJ without it
OBJ_YAML = (
    "apiVersion: v1\n"
    "data:\n"
    '  bool: "true"\n'
    "  colon: 'a: b'\n"
    "  dash: '-'\n"
    '  date: "2024-01-01"\n'
    '  emoji: "\\U0001F600"\n'
    '  empty: ""\n'
    '  float: "1.5"\n'
    "  hash: 'a #b'\n"
    "  html: <b>&</b>\n"
    "  image: nginx:1.25\n"
    "  ip: 10.0.0.1\n"
    "  lead: ' lead'\n"
    "  long: word word word word word word word word word word word word word word word\n"
    "    word word word word\n"
    "  ml: |\n"
    "    line1\n"
    "    line2\n"
    "  ml_indent: |2\n"
    "      a\n"
    "    b\n"
    "  ml_keep: |+\n"
    "    a\n"
    "\n"
    "  ml_strip: |-\n"
    "    line1\n"
    "    line2\n"
    '  ml_trailing_space: "a \\nb"\n'
    '  "null": "null"\n'
    '  octal: "0755"\n'
    "  quote: it's\n"
    "  star: '*x'\n"
    '  tab: "a\\tb"\n'
    '  time: "12:30"\n'
    "  uni: héllo ☃ 日本\n"
    "  url: http://example.com/a?b=c#d\n"
    '  "yes": "yes"\n'
    "kind: ConfigMap\n"
    "metadata:\n"
    '  creationTimestamp: "2024-01-01T10:00:00Z"\n'
    "  labels:\n"
    "    app.kubernetes.io/name: web\n"
    '    x: "y"\n'
    "  name: demo\n"
    "  namespace: default\n"
    "spec:\n"
    "  big: 1e+20\n"
    "  emptyList: []\n"
    "  emptyMap: {}\n"
    "  f: 1.5\n"
    "  list:\n"
    "  - 1\n"
    "  - two\n"
    "  - a:\n"
    "    - 1\n"
    "    - 2\n"
    "    b: 1\n"
    "  - - x\n"
    "  m: 1.2345675e+06\n"
    "  nil: null\n"
    "  order:\n"
    "    B: 1\n"
    "    Z: 1\n"
    "    a-b: 1\n"
    "    a_b: 1\n"
    "    a1: 1\n"
    "    a9: 1\n"
    "    a10: 1\n"
    "    b: 1\n"
    "  replicas: 3\n"
    "  small: 1e-07\n"
    "  t: true\n"
    "  whole: 2\n"
)

# (string value, what follows `  v:` in kubectl -o yaml of {"data": {"v": value}})
VALUES = [
    ("", ' ""\n'),
    ("true", ' "true"\n'),
    ("True", ' "True"\n'),
    ("yes", ' "yes"\n'),
    ("y", ' "y"\n'),
    ("n", ' "n"\n'),
    ("on", ' "on"\n'),
    ("Off", ' "Off"\n'),
    ("~", ' "~"\n'),
    ("null", ' "null"\n'),
    ("0755", ' "0755"\n'),
    ("08", ' "08"\n'),
    ("1.5", ' "1.5"\n'),
    ("1e3", ' "1e3"\n'),
    ("1e400", " 1e400\n"),
    ("1_000", ' "1_000"\n'),
    ("0o17", ' "0o17"\n'),
    ("0b101", ' "0b101"\n'),
    ("0x1F", ' "0x1F"\n'),
    ("-12", ' "-12"\n'),
    ("+12", ' "+12"\n'),
    ("9223372036854775808", ' "9223372036854775808"\n'),
    ("12:30", ' "12:30"\n'),
    ("190:20:30", ' "190:20:30"\n'),
    ("1:70", " 1:70\n"),
    ("2024-01-01", ' "2024-01-01"\n'),
    ("2024-1-1", ' "2024-1-1"\n'),
    ("2024-02-30", " 2024-02-30\n"),
    ("2024-01-01T10:00:00Z", ' "2024-01-01T10:00:00Z"\n'),
    ("2024-01-01 10:00:00", ' "2024-01-01 10:00:00"\n'),
    ("2024-01-01T10:00:00", " 2024-01-01T10:00:00\n"),
    (".5", ' ".5"\n'),
    (".inf", ' ".inf"\n'),
    (".", " .\n"),
    ("-", " '-'\n"),
    ("- x", " '- x'\n"),
    ("-x", " -x\n"),
    ("? x", " '? x'\n"),
    (":x", " :x\n"),
    ("x:", " 'x:'\n"),
    ("a: b", " 'a: b'\n"),
    ("a:b", " a:b\n"),
    ("a #b", " 'a #b'\n"),
    ("a#b", " a#b\n"),
    ("#a", " '#a'\n"),
    ("*x", " '*x'\n"),
    ("&x", " '&x'\n"),
    ("!x", " '!x'\n"),
    ("%x", " '%x'\n"),
    ("@x", " '@x'\n"),
    ("`x", " '`x'\n"),
    ("|x", " '|x'\n"),
    (">x", " '>x'\n"),
    ("'x", " '''x'\n"),
    ('"x', " '\"x'\n"),
    ("{a}", " '{a}'\n"),
    ("[a]", " '[a]'\n"),
    ("a,b", " a,b\n"),
    (",a", " ',a'\n"),
    ("---", " '---'\n"),
    ("...", " '...'\n"),
    (" ", " ' '\n"),
    (" lead", " ' lead'\n"),
    ("trail ", " 'trail '\n"),
    ("back\\slash", " back\\slash\n"),
    ("it's", " it's\n"),
    ('say "hi"', ' say "hi"\n'),
    ("a\tb", ' "a\\tb"\n'),
    ("a\xa0b", " a\xa0b\n"),
    ("x\ufeff", ' "x\\uFEFF"\n'),
    ("😀", ' "\\U0001F600"\n'),
    ("<<", " <<\n"),
    ("=", " =\n"),
    ("nan", " nan\n"),
    ("Infinity", " Infinity\n"),
    ("line1\nline2\n", " |\n    line1\n    line2\n"),
    ("line1\nline2", " |-\n    line1\n    line2\n"),
    ("  a\nb\n", " |2\n      a\n    b\n"),
    ("a \nb", ' "a \\nb"\n'),
    ("a\nb  \n", ' "a\\nb  \\n"\n'),
    ("a\n\n", " |+\n    a\n\n"),
    ("\n", " |2+\n\n"),
    ("a\r\nb", ' "a\\r\\nb"\n'),
    ("\na", " |2-\n\n    a\n"),
    (
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b",
        (
            " aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
            "    b\n"
        ),
    ),
    (
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b",
        (
            " aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "\n    b\n"
        ),
    ),
    (
        (
            "word word word word word word word word word word word word word word word word wo"
            "rd word word word word word word word word word word word word word"
        ),
        (
            " word word word word word word word word word word word word word word word word\n"
            "    word word word word word word word word word word word word word word\n"
        ),
    ),
    (
        (
            "word word word word word word word word word word word word word word word word wo"
            "rd word word word word word word word word word word word word word\nsecond"
        ),
        (
            " |-\n    word word word word word word word word word word word word word word wor"
            "d word word word word word word word word word word word word word word word\n    "
            "second\n"
        ),
    ),
    (
        (
            "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
            "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
        ),
        (
            " kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
            "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n"
        ),
    ),
]

# (string key, the `data:` block of kubectl -o yaml of {"data": {key: "v"}})
KEYS = [
    ("", '  "": v\n'),
    ("true", '  "true": v\n'),
    ("1", '  "1": v\n'),
    ("a b", "  a b: v\n"),
    ("a: b", "  'a: b': v\n"),
    ("-", "  '-': v\n"),
    (
        (
            "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
            "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
        ),
        (
            "  ? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
            "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : v\n"
        ),
    ),
    ("x\ny", "  ? |-\n    x\n    y\n  : v\n"),
]

NUMBERS = {
    "int": 3,
    "neg": -7,
    "float": 1.5,
    "whole": 2.0,
    "big": 1e20,
    "big19": 1e19,
    "e21": 1e21,
    "small": 1e-06,
    "smaller": 1e-07,
    "tiny": 1.5e-10,
    "m": 1234567.5,
    "m2": 123456.5,
    "neg0": -0.0,
    "third": 0.3333333333333333,
    "huge": 1.7976931348623157e308,
    "x": 0.1,
    "z": 1.2345678901234567e19,
    "bigint": 12345678901234567890,
    "e5": 1e-05,
}

NUMBERS_JSON = (
    '        "big": 100000000000000000000,\n'
    '        "big19": 10000000000000000000,\n'
    '        "bigint": 12345678901234567000,\n'
    '        "e21": 1e+21,\n'
    '        "e5": 0.00001,\n'
    '        "float": 1.5,\n'
    '        "huge": 1.7976931348623157e+308,\n'
    '        "int": 3,\n'
    '        "m": 1234567.5,\n'
    '        "m2": 123456.5,\n'
    '        "neg": -7,\n'
    '        "neg0": -0,\n'
    '        "small": 0.000001,\n'
    '        "smaller": 1e-7,\n'
    '        "third": 0.3333333333333333,\n'
    '        "tiny": 1.5e-10,\n'
    '        "whole": 2,\n'
    '        "x": 0.1,\n'
    '        "z": 12345678901234567000'
)

NUMBERS_YAML = (
    "  big: 1e+20\n"
    "  big19: 10000000000000000000\n"
    "  bigint: 12345678901234567000\n"
    "  e5: 1e-05\n"
    "  e21: 1e+21\n"
    "  float: 1.5\n"
    "  huge: 1.7976931348623157e+308\n"
    "  int: 3\n"
    "  m: 1.2345675e+06\n"
    "  m2: 123456.5\n"
    "  neg: -7\n"
    "  neg0: 0\n"
    "  small: 1e-06\n"
    "  smaller: 1e-07\n"
    "  third: 0.3333333333333333\n"
    "  tiny: 1.5e-10\n"
    "  whole: 2\n"
    "  x: 0.1\n"
    "  z: 12345678901234567000\n"
)


def test_json_matches_kubectl() -> None:
    assert to_json(OBJ) == OBJ_JSON


def test_yaml_matches_kubectl() -> None:
    obj = dict(OBJ, data={k: v for k, v in OBJ["data"].items() if k != "ctl"})
    assert to_yaml(obj) == OBJ_YAML


@pytest.mark.parametrize(("value", "expected"), VALUES)
def test_yaml_string_styles_match_kubectl(value: str, expected: str) -> None:
    assert to_yaml({"data": {"v": value}}) == "data:\n  v:" + expected


@pytest.mark.parametrize(("key", "expected"), KEYS)
def test_yaml_keys_match_kubectl(key: str, expected: str) -> None:
    assert to_yaml({"data": {key: "v"}}) == "data:\n" + expected


def test_numbers_match_kubectl() -> None:
    # JSON: Go float64 formatting; integers beyond int64 become float64 as in Go's decoder
    assert to_json({"spec": NUMBERS}) == '{\n    "spec": {\n' + NUMBERS_JSON + "\n    }\n}\n"
    # YAML: the JSON text read back by go-yaml, so whole floats print as ints
    assert to_yaml({"spec": NUMBERS}) == "spec:\n" + NUMBERS_YAML


def test_yaml_key_order_is_go_yamls_natural_order() -> None:
    keys = ["a10", "a9", "a1", "b", "B", "a-b", "a_b", "Z", "x2y10", "x2y9", "a~", "aZ"]
    text = to_yaml({k: 1 for k in keys})
    # from kubectl -o yaml: digits compare as numbers, letters sort after other characters
    assert [line.split(":")[0] for line in text.splitlines()] == [
        "B",
        "Z",
        "a-b",
        "a_b",
        "a~",
        "a1",
        "a9",
        "a10",
        "aZ",
        "b",
        "x2y9",
        "x2y10",
    ]


def test_as_list_is_what_kubectl_get_prints() -> None:
    # kubectl get configmaps -o json with no objects
    empty = (
        '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n'
        '    "metadata": {\n        "resourceVersion": ""\n    }\n}\n'
    )
    assert to_json(as_list([], "42")) == empty
    listed = as_list([{"kind": "ConfigMap"}], "42")
    assert to_yaml(listed) == (
        'apiVersion: v1\nitems:\n- kind: ConfigMap\nkind: List\nmetadata:\n  resourceVersion: ""\n'
    )


def test_name_line() -> None:
    assert name_line("deployment.apps", "web") == "deployment.apps/web"
    assert name_line("configmap", "demo") == "configmap/demo"


def test_importing_output_does_not_import_yaml() -> None:
    code = "import sys, kubesim.view.output as o; o.to_json({}); print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
