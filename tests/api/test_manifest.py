"""Tests for kubesim.api.manifest: reading manifests as kubectl does and refusing bad input.

Expected values marked "kubectl" were produced by the real kubectl v1.32 offline with
`kubectl label --local -f FILE foo=bar -o json` (same resource builder and YAML decoder as apply).
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubesim.api.manifest import (
    MAX_DOCUMENT_BYTES,
    MAX_FILE_BYTES,
    Document,
    load_documents,
    read_manifests,
)
from kubesim.model.errors import InputError
from tests.paths import CORPUS

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n"


def load(text: str | bytes, source: str = "t.yaml") -> list[Document | InputError]:
    data = text.encode() if isinstance(text, str) else text
    return list(load_documents(data, source))


def one(text: str | bytes) -> Document:
    (result,) = load(text)
    assert isinstance(result, Document), str(result)
    orjson.dumps(result.obj)
    return result


def error(text: str | bytes, source: str = "t.yaml") -> InputError:
    (result,) = load(text, source)
    assert isinstance(result, InputError), result
    return result


# --- scalar typing: each line of `data:` with what kubectl produced ---------------------------

KUBECTL_TYPING = {
    "ts: 2024-01-01": ("ts", "2024-01-01"),
    "ts2: 2001-12-14t21:59:43.10-05:00": ("ts2", "2001-12-14t21:59:43.10-05:00"),
    "ts3: 2001-12-14 21:59:43.10": ("ts3", "2001-12-14 21:59:43.10"),
    "b: yes": ("b", True),
    "b: Y": ("b", True),
    "b: on": ("b", True),
    "b: Off": ("b", False),
    "b: n": ("b", False),
    "b: NO": ("b", False),
    "oct: 0755": ("oct", 493),
    "oct2: 0o755": ("oct2", 493),
    "oct3: 0_755": ("oct3", 493),
    "hex: 0x1F": ("hex", 31),
    "und2: 0x_1_f": ("und2", 31),
    "bin: 0b101": ("bin", 5),
    "bin2: -0b11": ("bin2", -3),
    "und: 1_000": ("und", 1000),
    "sexa: 1:20": ("sexa", "1:20"),
    "f1: 1.0": ("f1", 1),
    "f2: 1e3": ("f2", 1000),
    "f3: 1.5": ("f3", 1.5),
    "f4: 08": ("f4", 8),
    "f5: 1e21": ("f5", 1e21),
    "f6: .5": ("f6", 0.5),
    "f7: +12": ("f7", 12),
    "nl: ~": ("nl", None),
    "nl: Null": ("nl", None),
    "nl:": ("nl", None),
    "big: 9223372036854775807": ("big", 9223372036854775807),
    "big2: 9223372036854775808": ("big2", 9.223372036854776e18),
    "big3: 18446744073709551616": ("big3", 1.8446744073709552e19),
    "big4: 99999999999999999999": ("big4", 1e20),
    "big5: -9223372036854775809": ("big5", -9.223372036854776e18),
    "huge: 1e400": ("huge", "1e400"),
    "neg: -0": ("neg", 0),
    "bang: ! 123": ("bang", "123"),
    "strt: !!str 123": ("strt", "123"),
    'intt: !!int "42"': ("intt", 42),
    "floatt: !!float 1": ("floatt", 1),
    'boolt: !!bool "yes"': ("boolt", True),
    "bin64: !!binary aGVsbG8=": ("bin64", "hello"),
    "unk: !foo 12": ("unk", "12"),
    'tilde: "~"': ("tilde", "~"),
    "dot: .": ("dot", "."),
    "plus: +": ("plus", "+"),
    "e: 1e": ("e", "1e"),
    "ver: 1.2.3": ("ver", "1.2.3"),
    "colon: a:b": ("colon", "a:b"),
    "hexbad: 0xZZ": ("hexbad", "0xZZ"),
    'quoted: "yes"': ("quoted", "yes"),
    "1: one": ("1", "one"),
    "1.5: x": ("1.5", "x"),
    "1e6: x": ("1e+06", "x"),
    "0.1: x": ("0.1", "x"),
    "3.14159265358979: x": ("3.1415927", "x"),
    "-0.00001: x": ("-1e-05", "x"),
    "123456.7: x": ("123456.7", "x"),
    "1e21: x": ("1e+21", "x"),
    "-0.0: x": ("-0", "x"),
    "100.0: x": ("100", "x"),
    "on: x": ("true", "x"),
    "no: x": ("false", "x"),
}


@pytest.mark.parametrize("line", list(KUBECTL_TYPING))
def test_scalars_are_typed_as_kubectl_types_them(line: str) -> None:
    key, expected = KUBECTL_TYPING[line]
    data = one(HEAD + "  " + line + "\n").obj["data"]
    assert list(data) == [key]
    assert data[key] == expected
    assert type(data[key]) is type(expected)


def test_keys_that_resolve_alike_collapse_and_warn() -> None:
    doc = one(HEAD + "  y: 1\n  True: 2\n")
    assert doc.obj["data"] == {"true": 2}
    assert doc.warnings == ['duplicate key "true" at line 7: the last value wins, as kubectl does']


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "!!float .Inf"])
def test_infinity_and_nan_are_refused(value: str) -> None:
    err = error(HEAD + f"  a: {value}\n")
    assert "json: unsupported value" in str(err)
    assert "line 6" in str(err)


def test_mismatched_explicit_tag_is_refused_in_go_yaml_words() -> None:
    err = error(HEAD + "  a: !!int abc\n")
    assert str(err).endswith("yaml: cannot decode !!str `abc` as a !!int")  # kubectl


def test_invalid_base64_in_binary_is_refused() -> None:
    assert "invalid base64" in str(error(HEAD + "  a: !!binary 'not base64!'\n"))


@pytest.mark.parametrize("key", ["~", "null"])
def test_null_mapping_key_is_refused(key: str) -> None:
    assert "unsupported map key of type: <nil>" in str(error(HEAD + f"  {key}: a\n"))


def test_collection_as_mapping_key_is_refused() -> None:
    assert "invalid map key" in str(error(HEAD + "  ? [a, b]\n  : c\n"))


# --- anchors, aliases and merge keys ----------------------------------------------------------


def test_merge_keys_follow_go_yaml_v2() -> None:
    doc = one(HEAD + "  a: 1\n  <<: {a: 2, b: 3}\n  c: &x {d: 1}\n  e:\n"
              "    <<: [*x, {d: 2, f: 3}]\n    g: 1\n")  # fmt: skip
    assert doc.obj["data"] == {"a": 2, "b": 3, "c": {"d": 1}, "e": {"d": 1, "f": 3, "g": 1}}
    assert doc.warnings == [
        'merge key "<<" at line 7 replaces key "a" set at line 6: go-yaml v2 lets the merged '
        "value win, as kubectl does"
    ]


def test_quoted_merge_key_is_a_plain_key() -> None:
    assert one(HEAD + '  "<<": {a: 1}\n').obj["data"] == {"<<": {"a": 1}}


def test_merge_of_a_scalar_is_refused() -> None:
    assert "map merge requires map" in str(error(HEAD + "  <<: 3\n"))


def test_anchors_may_be_redefined_and_aliases_are_copies() -> None:
    doc = one(HEAD + "  a: &v {k: 1}\n  b: &v {k: 2}\n  c: *v\n  d: *v\n")
    assert doc.obj["data"] == {"a": {"k": 1}, "b": {"k": 2}, "c": {"k": 2}, "d": {"k": 2}}
    assert doc.obj["data"]["c"] is not doc.obj["data"]["d"]


def test_unknown_and_recursive_anchors_are_refused() -> None:
    assert "unknown anchor 'nope' referenced" in str(error(HEAD + "  a: *nope\n"))
    assert "anchor 'a' value contains itself" in str(error(HEAD + "  a: &a [*a]\n"))


def billion_laughs() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


def test_billion_laughs_is_refused_quickly() -> None:
    data = billion_laughs()
    assert len(data) == 342
    start = time.perf_counter()
    err = error(data)
    assert time.perf_counter() - start < 1.0
    assert str(err).endswith("yaml: document contains excessive aliasing")  # kubectl


def test_moderate_aliasing_is_allowed() -> None:
    doc = one(HEAD + "  base: &b {x: 1}\n" + "".join(f"  k{i}: *b\n" for i in range(50)))
    assert doc.obj["data"]["k49"] == {"x": 1}


# --- refusals ---------------------------------------------------------------------------------


def test_invalid_yaml_names_line_and_column() -> None:
    err = error(HEAD + "  a: b\n c: d\n")
    assert err.source == "t.yaml" and err.document == 1
    assert str(err) == (
        'error parsing "t.yaml" (document 1): error converting YAML to JSON: '
        "yaml: line 7, column 2: did not find expected key"
    )


def test_line_numbers_count_from_the_start_of_the_file() -> None:
    error_list = load(HEAD + "---\n" + HEAD + "  a: b\n c: d\n")
    assert isinstance(error_list[0], Document)
    err = error_list[1]
    assert isinstance(err, InputError) and err.document == 2
    assert "line 13, column 2" in str(err)


@pytest.mark.parametrize(
    ("text", "found"),
    [("- a\n- b\n", "a list"), ("hello\n", "a string"), ("3\n", "a number"), ('""\n', "a string")],
)
def test_document_that_is_not_a_mapping_is_refused(text: str, found: str) -> None:
    assert str(error(text)).endswith(f"found {found}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metadata: {name: x}\n", "error validating data: [apiVersion not set, kind not set]"),
        ("kind: ConfigMap\n", "error validating data: apiVersion not set"),
        ("apiVersion: v1\n", "error validating data: kind not set"),
        ("apiVersion: 1\nkind: ConfigMap\n", "error validating data: apiVersion isn't string type"),
        ("apiVersion: v1\nkind: yes\n", "error validating data: kind isn't string type"),
        ("apiVersion: a/b/c\nkind: X\n", "unexpected GroupVersion string: a/b/c"),
    ],
)
def test_apiversion_and_kind_must_be_strings(text: str, message: str) -> None:
    assert str(error(text)).endswith(message)


def test_python_tags_are_refused_not_executed() -> None:
    err = error(HEAD + '  a: !!python/object/apply:os.system ["echo hi"]\n')
    assert "tag !!python/object/apply:os.system is refused" in str(err)


def test_unknown_tags_are_ignored_with_a_warning() -> None:
    doc = one(HEAD + "  a: !custom [1]\n")
    assert doc.obj["data"] == {"a": [1]}
    assert doc.warnings == ["tag !custom at line 6 is ignored, as kubectl does"]


def test_bytes_that_are_not_utf8_are_refused_and_bom_is_fine() -> None:
    err = error(HEAD.encode() + b'  a: "\xff\xfe"\n')
    assert "invalid UTF-8 byte 0xff at line 6, column 7" in str(err)
    assert "kubectl would silently replace it" in str(err)
    assert one(b"\xef\xbb\xbf" + HEAD.encode() + b"  a: b\n").obj["data"] == {"a": "b"}


def test_control_characters_are_refused() -> None:
    err = error(HEAD + "  a: b\x00\n")
    assert "line 6: control characters are not allowed (#x0000)" in str(err)


def test_size_limits() -> None:
    big = HEAD + "  a: " + "x" * MAX_DOCUMENT_BYTES + "\n"
    results = load(big + "---\n" + HEAD)
    assert isinstance(results[0], InputError) and "larger than 3 MiB" in str(results[0])
    assert isinstance(results[1], Document) and results[1].index == 2
    assert "larger than 32 MiB" in str(error(b"#" * (MAX_FILE_BYTES + 1)))


def test_separator_with_content_is_refused_and_reading_goes_on() -> None:
    results = load(HEAD + "--- {a: 1}\n" + HEAD)
    assert [type(r) for r in results] == [Document, InputError, Document]
    assert str(results[1]).endswith("invalid Yaml document separator: {a: 1}")  # kubectl
    assert [r.index for r in results if isinstance(r, Document)] == [1, 3]


def test_duplicate_key_is_applied_last_wins_with_a_warning() -> None:
    doc = one("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\nspec:\n"
              "  replicas: 1\n  replicas: 3\n")  # fmt: skip
    assert doc.obj["spec"] == {"replicas": 3}
    assert doc.warnings == [
        'duplicate key "replicas" at line 7: the last value wins, as kubectl does'
    ]


def test_content_after_document_end_marker_is_ignored_with_a_warning() -> None:
    doc = one(HEAD + "...\nfoo: bar\n")
    assert "foo" not in doc.obj
    assert doc.warnings == [
        "content after the document end marker `...` is ignored, as kubectl does"
    ]


# --- streams, JSON, lists, empty documents ----------------------------------------------------


def test_good_and_bad_documents_are_all_yielded_in_order() -> None:
    results = load(HEAD + "---\nkind: Pod\n---\n" + HEAD.replace("x", "z"))
    assert [type(r) for r in results] == [Document, InputError, Document]
    assert results[1].document == 2 and str(results[1]).startswith('error parsing "t.yaml"')
    assert results[2].obj["metadata"]["name"] == "z" and results[2].index == 3


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n", "---\n", "---\n---\n", "~\n",
                                  "# c\n---\nnull\n...\n"])  # fmt: skip
def test_empty_documents_yield_nothing(text: str) -> None:
    assert load(text) == []


def test_json_stream_is_read_as_go_json_reads_it() -> None:
    text = (
        '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"},'
        ' "data": {"k": 1.0, "k": 2e3}}\n {"apiVersion": "v1", "kind": "ConfigMap",'
        ' "metadata": {"name": "b"}}'
    )
    first, second = load(text, "t.json")
    assert first.obj["data"] == {"k": 2000} and second.index == 2  # kubectl
    assert first.warnings == ['duplicate key "k": the last value wins, as kubectl does']


def test_a_file_starting_with_a_brace_is_json_as_in_kubectl() -> None:
    err = error('{"apiVersion": "v1", "kind": "ConfigMap", metadata: {name: x}}\n')
    assert "json: line 1, column 43" in str(err)
    assert "NaN" not in str(one('{"apiVersion": "v1", "kind": "X", "a": [1]}').obj)
    assert "json:" in str(error('{"apiVersion": "v1", "kind": "X", "a": NaN}'))


def test_json_document_inside_a_yaml_stream() -> None:
    results = load(
        HEAD + '---\n{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}\n'
    )
    assert [r.obj["kind"] for r in results] == ["ConfigMap", "Namespace"]


def test_list_is_expanded_into_its_items() -> None:
    text = (
        HEAD + "---\napiVersion: v1\nkind: List\nitems:\n"
        "- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n"
        "- {metadata: {name: b}}\n"
        "- {apiVersion: v1, kind: List, items: []}\n"
        "- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n"
    )
    results = load(text)
    assert [type(r) for r in results] == [Document, Document, InputError, InputError, Document]
    assert [r.index if isinstance(r, Document) else r.document for r in results] == [1, 2, 2, 2, 2]
    assert str(results[2]).endswith(
        "items[1]: error validating data: [apiVersion not set, kind not set]"
    )
    assert "items[2]: a list inside a list" in str(results[3])
    assert results[4].obj["metadata"]["name"] == "c"


def test_items_that_is_not_a_list_is_refused() -> None:
    assert "items must be a list" in str(error("apiVersion: v1\nkind: List\nitems: 3\n"))


# --- paths ------------------------------------------------------------------------------------


def test_missing_path_in_kubectl_words() -> None:
    (err,) = read_manifests(["nope.yaml"])
    assert isinstance(err, InputError) and str(err) == 'the path "nope.yaml" does not exist'


def test_directory_order_extensions_and_recursion(tmp_path: Path) -> None:
    for name in ["b.yaml", "a.json", "c.yml", "notes.txt", "sub/d.yaml"]:
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(HEAD.replace("name: x", f"name: {path.stem}"))
    flat = [d.source for d in read_manifests([str(tmp_path)])]
    assert flat == [str(tmp_path / n) for n in ["a.json", "b.yaml", "c.yml"]]
    deep = [Path(d.source).name for d in read_manifests([str(tmp_path)], recursive=True)]
    assert deep == ["a.json", "b.yaml", "c.yml", "d.yaml"]
    given_file = list(read_manifests([str(tmp_path / "notes.txt")]))
    assert [d.obj["metadata"]["name"] for d in given_file] == ["notes"]


def test_stdin_is_dash_and_named_stdin() -> None:
    (doc,) = read_manifests(["-"], stdin=io.BytesIO(HEAD.encode()))
    assert isinstance(doc, Document) and doc.source == "STDIN" and doc.index == 1


# --- the corpus of real manifests -------------------------------------------------------------


def corpus_root() -> Path:
    if not (CORPUS / "INDEX.tsv").is_file():
        pytest.fail(f"corpus not found at {CORPUS}")
    return CORPUS


def test_every_corpus_file_loads_with_its_document_count() -> None:
    root = corpus_root()
    rows = [line.split("\t") for line in (root / "INDEX.tsv").read_text().splitlines()[1:]]
    assert rows
    for path, kinds, count, _ in rows:
        results = list(read_manifests([str(root / path)]))
        errors = [str(r) for r in results if isinstance(r, InputError)]
        assert errors == [], path
        assert len(results) == int(count), path
        assert [r.obj["kind"] for r in results] == kinds.split(","), path
        for result in results:
            orjson.dumps(result.obj)


# --- robustness: nothing read may crash or escape JSON ----------------------------------------


CHARACTERS = list("ab:-&*!<>{}[],'\"|#~.01yn \n\t?%@`\x00\xff")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(CHARACTERS), max_size=80))
def test_arbitrary_text_never_raises_and_stays_jsonable(text: str) -> None:
    for result in load("apiVersion: v1\nkind: X\n" + text):
        assert isinstance(result, Document | InputError)
        if isinstance(result, Document):
            orjson.dumps(result.obj)
