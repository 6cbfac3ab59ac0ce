"""kubesim.view.jsonpath against kubectl v1.32: every expected text below was printed by the real
kubectl (`kubectl label --local -f OBJ.json x=y --overwrite -o jsonpath=TEMPLATE`) for OBJ."""

from __future__ import annotations

import json

import pytest

from kubesim.model.errors import KubesimError
from kubesim.view.jsonpath import render

OBJ = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {
        "name": "demo",
        "labels": {"app.kubernetes.io/name": "web", "x": "y"},
        "annotations": {"a.b/c": "<d>"},
    },
    "data": {"k": "v"},
    "spec": {
        "replicas": 3,
        "f": 1.5,
        "big": 1e20,
        "whole": 2.0,
        "t": True,
        "nil": None,
        "empty": "",
        "list": [1, "two", {"three": 3}],
        "conditions": [
            {"type": "Ready", "status": "True", "n": 1},
            {"type": "Synced", "status": "False", "n": 2},
            {"type": "Other", "n": 3},
        ],
        "containers": [
            {
                "name": "a",
                "image": "nginx",
                "ports": [{"containerPort": 80}, {"containerPort": 443}],
            },
            {"name": "b", "image": "redis"},
        ],
    },
}

# (template, what kubectl printed) with kubectl's default --allow-missing-template-keys=true
CASES = [
    ("{.metadata.name}", "demo"),
    (
        "{.spec}",
        (
            '{"big":100000000000000000000,"conditions":[{"n":1,"status":"True","type":"Ready"},'
            '{"n":2,"status":"False","type":"Synced"},{"n":3,"type":"Other"}],"containers":[{"i'
            'mage":"nginx","name":"a","ports":[{"containerPort":80},{"containerPort":443}]},{"i'
            'mage":"redis","name":"b"}],"empty":"","f":1.5,"list":[1,"two",{"three":3}],"nil":n'
            'ull,"replicas":3,"t":true,"whole":2}'
        ),
    ),
    ("{.spec.list}", '[1,"two",{"three":3}]'),
    (
        "{.spec.f} {.spec.big} {.spec.whole} {.spec.t} [{.spec.nil}] [{.spec.empty}]",
        "1.5 1e+20 2 true [null] []",
    ),
    ("{.spec.nope}", ""),
    ("{.metadata.labels.app\\.kubernetes\\.io/name}", "web"),
    ("{.metadata.labels['app.kubernetes.io/name']}", ""),
    ("{.spec.containers[*].name}", "a b"),
    ("{.spec.containers[-1].name}", "b"),
    ("{.spec.containers[0:1].name}", "a"),
    ('{range .spec.containers[*]}{.name}{"\\t"}{.image}{"\\n"}{end}', "a\tnginx\nb\tredis\n"),
    ('{.spec.conditions[?(@.type=="Ready")].status}', "True"),
    ("{.spec.conditions[?(@.n>1)].type}", "Synced Other"),
    ("{.spec.conditions[?(@.status)].type}", "Ready Synced"),
    ("{.spec.containers[*].ports[*].containerPort}", "80 443"),
    (".metadata.name", ".metadata.name"),
    ("{.}", ""),
    ("{.spec.list[*]}", '1 two {"three":3}'),
    ("{.spec.list[0,2]}", '1 {"three":3}'),
    ('{.spec.replicas}{"x"}{@.kind}{$.apiVersion}', "3xConfigMapv1"),
    ("{.metadata.annotations}", '{"a.b/c":"\\u003cd\\u003e"}'),
    ("{.spec.list[1:]}", 'two {"three":3}'),
    ("{.spec.list[::2]}", '1 {"three":3}'),
    ("{.spec.list[:2]}", "1 two"),
    ("{.spec.list[1:1]}", ""),
    ("{.metadata.name.x}", ""),
    ("{.spec.nil[0]}", ""),
    ("{range .spec.nope[*]}x{end}", ""),
    ('{.spec.conditions[?(@.status!="True")].type}', "Synced"),
    ("{.spec.conditions[?(@.type=='Ready')].n}", "1"),
    ("{.spec.conditions[?(@.n<=2)].type}", "Ready Synced"),
    ('{.spec.conditions[?(@.type<"R")].type}', "Other"),
    ('{.spec.conditions[?(@.nope=="x")].type}', ""),
    ('{.spec.conditions[?(@.status=="True")].type}', "Ready"),
    ('{"a"} {.kind}', "a ConfigMap"),
    ("{ .kind }", "ConfigMap"),
    ("{.data.*}", "v"),
    ("{.spec.containers[*]['name','image']}", "a b nginx redis"),
    ("{.spec.containers[0,1].name}", "a b"),
    ("{.spec.t}{.spec.f}", "true1.5"),
    ("{.spec.list[*].three}", "3"),
    (
        "{range .spec.containers[*]}[{.name}]{range .ports[*]}<{.containerPort}>{end}{end}",
        "[a]<80><443>[b]",
    ),
    ('{range .spec.containers[*]}{.ports[*].containerPort}{";"}{end}', "80 443;;"),
    ("{range .spec.containers[*]}{.name}", "ab"),
    ("{.kind}}", "ConfigMap}"),
    ("{'a\\tb'}", "a\tb"),
    ('{"\\u00e9\\x41"}', "éA"),
    ('{.spec.list[0]}{"\\n"}', "1\n"),
    ("{true}", "true"),
    ("{1}", "1"),
    ('{.spec.conditions[?(@.type=="Ready")]}', '{"n":1,"status":"True","type":"Ready"}'),
    ("{.spec.conditions[?(@..n==1)].type}", "Ready"),
    ("{.spec.list[-1:]}", '{"three":3}'),
    ("{.spec.list[1:-1]}", "two"),
    (
        "{$}",
        (
            '{"apiVersion":"v1","data":{"k":"v"},"kind":"ConfigMap","metadata":{"annotations":{'
            '"a.b/c":"\\u003cd\\u003e"},"labels":{"app.kubernetes.io/name":"web","x":"y"},"name'
            '":"demo"},"spec":{"big":100000000000000000000,"conditions":[{"n":1,"status":"True"'
            ',"type":"Ready"},{"n":2,"status":"False","type":"Synced"},{"n":3,"type":"Other"}],'
            '"containers":[{"image":"nginx","name":"a","ports":[{"containerPort":80},{"containe'
            'rPort":443}]},{"image":"redis","name":"b"}],"empty":"","f":1.5,"list":[1,"two",{"t'
            'hree":3}],"nil":null,"replicas":3,"t":true,"whole":2}}'
        ),
    ),
    ("{.kind}{.nope}{.kind}", "ConfigMapConfigMap"),
    ("{@.spec.replicas}", "3"),
    ("{.spec.conditions[?(@.t==true)].type}", ""),
    ("{.spec.f.x}", ""),
    ("{...a}", ""),
    ('{range .spec.containers[*]}{range .ports[*]}{.containerPort}{end}{"/"}{end}', "80443//"),
    ('{.spec.containers[?(@.name=="a")].ports[0].containerPort}', "80"),
    ("{.spec.list[?(@)]}", '1 two {"three":3}'),
    ('{range .spec.list[*]}{@}{","}{end}', '1,two,{"three":3},'),
]

# (kind, template, message) from the first line kubectl printed on stderr (exit code 1)
ERRORS = [
    ("exec", "{.spec.containers[5].name}", "array index out of bounds: index 5, length 2"),
    ("exec", "{.spec.conditions[?(@.n==1.5)].type}", "incompatible types for comparison"),
    ("exec", "{.spec.conditions[?(@.type==1)].type}", "incompatible types for comparison"),
    ("parse", "{.spec.a[}", "unterminated array"),
    ("parse", "{.spec", "unclosed action"),
    ("exec", "{end}", "not in range, nothing to end"),
    ("exec", "{.spec.list[-5]}", "array index out of bounds: index -2, length 3"),
    ("exec", "{.spec.list[2:1]}", "starting index 2 is greater than ending index 1"),
    ("exec", "{.spec.list[0:5]}", "array index out of bounds: index 4, length 3"),
    ("exec", "{.spec.list[::0]}", "step must be > 0"),
    ("exec", "{.spec.replicas[0]}", "int64 is not array or slice"),
    ("exec", "{.spec.f[0]}", "float64 is not array or slice"),
    ("exec", "{.metadata[0]}", "map[string]interface {} is not array or slice"),
    ("exec", "{.metadata.name[0]}", "string is not array or slice"),
    (
        "exec",
        "{.spec[?(@.x)]}",
        (
            "map[big:1e+20 conditions:[map[n:1 status:True type:Ready] map[n:2 status:False typ"
            "e:Synced] map[n:3 type:Other]] containers:[map[image:nginx name:a ports:[map[conta"
            "inerPort:80] map[containerPort:443]]] map[image:redis name:b]] empty: f:1.5 list:["
            "1 two map[three:3]] nil:<nil> replicas:3 t:true whole:2] is not array or slice and"
            " cannot be filtered"
        ),
    ),
    ("exec", "{foo}", "unrecognized identifier foo"),
    ("parse", "{.spec.list[x]}", "invalid array index x"),
    ("parse", '{.spec.containers[*]["name"]}', 'invalid array index "name"'),
    ("parse", "x{.kind", "unclosed action"),
    ("parse", "{{.kind}", "unrecognized character in action: U+007B '{'"),
    ("exec", "{.spec.conditions[?(@.n>=true)].type}", "incompatible types for comparison"),
    ("parse", "{.spec.conditions[?(@.n=~1)].type}", "unrecognized character in action: U+007E '~'"),
    ("exec", "{.spec.conditions[*].n[?(@>1)]}", "1 is not array or slice and cannot be filtered"),
    ("exec", "{.spec.conditions[?(@.n>1.0)].type}", "incompatible types for comparison"),
    ("parse", "{.spec.list[a:b]}", "invalid array index a:b"),
    ("parse", '{.spec.conditions[?(@.type=="Ready"].type}', "unterminated filter"),
    ("parse", '{.spec.conditions[?(@.type=="Ready")}', "unclosed array expect ]"),
    ("parse", '{"unterminated}', "unterminated quoted string"),
    ("parse", '{"bad \\q"}', 'unquote string "bad \\q" error invalid syntax'),
    ("parse", "{.kind\t}", "unrecognized character in action: U+0009"),
]

MISSING_KEY_ERROR = (
    'error: error executing jsonpath "{.spec.nope}": Error executing template: nope is '
    "not found. Printing more information for debugging the template:\n\ttemplate was:"
    "\n\t\t{.spec.nope}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interfa"
    'ce {}{"apiVersion":"v1", "data":map[string]interface {}{"k":"v"}, "kind":"ConfigMa'
    'p", "metadata":map[string]interface {}{"annotations":map[string]interface {}{"a.b/'
    'c":"<d>"}, "labels":map[string]interface {}{"app.kubernetes.io/name":"web", "x":"y'
    '"}, "name":"demo"}, "spec":map[string]interface {}{"big":1e+20, "conditions":[]int'
    'erface {}{map[string]interface {}{"n":1, "status":"True", "type":"Ready"}, map[str'
    'ing]interface {}{"n":2, "status":"False", "type":"Synced"}, map[string]interface {'
    '}{"n":3, "type":"Other"}}, "containers":[]interface {}{map[string]interface {}{"im'
    'age":"nginx", "name":"a", "ports":[]interface {}{map[string]interface {}{"containe'
    'rPort":80}, map[string]interface {}{"containerPort":443}}}, map[string]interface {'
    '}{"image":"redis", "name":"b"}}, "empty":"", "f":1.5, "list":[]interface {}{1, "tw'
    'o", map[string]interface {}{"three":3}}, "nil":interface {}(nil), "replicas":3, "t'
    '":true, "whole":2}}\n\n\n'
)


@pytest.mark.parametrize(("template", "expected"), CASES)
def test_output_matches_kubectl(template: str, expected: str) -> None:
    assert render(template, OBJ) == expected


@pytest.mark.parametrize(("kind", "template", "message"), ERRORS)
def test_errors_match_kubectl(kind: str, template: str, message: str) -> None:
    if kind == "parse":
        first_line = f"error: error parsing jsonpath {template}, {message}"
    else:
        first_line = (
            f"error: error executing jsonpath {json.dumps(template)}: Error executing template: "
            f"{message}. Printing more information for debugging the template:"
        )
    with pytest.raises(KubesimError) as info:
        render(template, OBJ)
    assert str(info.value).split("\n")[0] == first_line


def test_missing_key_is_an_error_only_when_not_allowed() -> None:
    assert render("{.spec.nope}", OBJ) == ""
    with pytest.raises(KubesimError) as info:
        render("{.spec.nope}", OBJ, allow_missing_keys=False)
    # the whole text, with the object as Go's %#v; the CLI's error boundary adds one newline
    assert str(info.value) + "\n" == MISSING_KEY_ERROR


def test_missing_keys_not_allowed() -> None:
    # as kubectl --allow-missing-template-keys=false prints
    assert render("{.spec.list[*].three}", OBJ, allow_missing_keys=False) == "3"
    for template, missing in [
        ("{range .spec.nope[*]}x{end}", "nope"),
        ('{.spec.conditions[?(@.status=="True")].type}', "status"),
        ("{.}", ""),
    ]:
        with pytest.raises(KubesimError, match=f"template: {missing} is not found\\."):
            render(template, OBJ, allow_missing_keys=False)


def test_list_object() -> None:
    items = [{"metadata": {"name": n}, "spec": {"replicas": r}} for n, r in (("a", 1), ("b", 2))]
    lst = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
    assert render("{.items[*].metadata.name}", lst) == "a b"
    tmpl = '{range .items[*]}{.metadata.name}={.spec.replicas}{"\\n"}{end}'
    assert render(tmpl, lst) == "a=1\nb=2\n"
    assert render("{.items[?(@.spec.replicas>1)].metadata.name}", lst) == "b"


def test_whole_floats_are_ints_as_after_a_json_round_trip() -> None:
    data = {"a": 2.0, "b": 0.5, "c": [3.0]}
    assert render("{.a} {.b} {.c}", data) == "2 0.5 [3]"
    assert render("{.c[?(@==3)]}", data) == "3"
