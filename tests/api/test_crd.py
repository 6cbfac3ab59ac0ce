"""Custom resources: Kind from a CRD, schema validation wording, defaults and pruning."""

from __future__ import annotations

import pytest
import yaml

from kubesim.api.crd import apply_schema_defaults, kinds_from_crd, prune, validate_custom
from kubesim.api.defaults import apply_defaults
from kubesim.api.validation import check_types, validate_create
from kubesim.model.errors import BadRequest
from kubesim.model.kinds import builtin
from tests.paths import CORPUS

SHIRTS = CORPUS / "customresourcedefinition"

SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["size"],
            "properties": {
                "size": {"type": "integer", "minimum": 1},
                "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
                "name": {"type": "string", "maxLength": 3},
                "port": {"x-kubernetes-int-or-string": True},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            },
        }
    },
}
CRD = {
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Cluster",
        "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
        "versions": [
            {"name": "v1beta1", "served": True, "storage": False},
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": SCHEMA},
                "subresources": {"status": {}},
            },
        ],
    },
}


def widget(**spec):
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": spec,
    }


def test_kind_from_crd():
    kind = kinds_from_crd(CRD)
    assert (kind.kind, kind.group, kind.version, kind.plural) == (
        "Widget",
        "example.com",
        "v1",
        "widgets",
    )
    assert kind.singular == "widget" and kind.short_names == ("wd",)
    assert not kind.namespaced and kind.has_generation
    assert kind.status_subresource and not kind.scale_subresource
    assert kind.served_versions == ("v1beta1", "v1")
    assert kind.schema == SCHEMA


def test_type_error_wording():
    kind = kinds_from_crd(CRD)
    errs = validate_custom(kind, widget(size="big"))
    assert [str(e) for e in errs] == [
        'spec.size: Invalid value: "big": spec.size in body must be of type integer: "string"'
    ]


def test_required_enum_minimum_and_max_length():
    kind = kinds_from_crd(CRD)
    assert [str(e) for e in validate_custom(kind, widget())] == ["spec.size: Required value"]
    errs = validate_custom(kind, widget(size=0, color="green", name="long"))
    assert [str(e) for e in errs] == [
        'spec.color: Unsupported value: "green": supported values: "red", "blue"',
        "spec.name: Too long: may not be more than 3 bytes",
        "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1",
    ]


def test_int_or_string():
    kind = kinds_from_crd(CRD)
    assert validate_custom(kind, widget(size=1, port="http")) == []
    assert validate_custom(kind, widget(size=1, port=8080)) == []


def test_schema_defaults():
    kind = kinds_from_crd(CRD)
    obj = widget(size=1)
    apply_schema_defaults(kind, obj)
    assert obj["spec"]["color"] == "red"


def test_pruning_and_strict_unknown_fields():
    kind = kinds_from_crd(CRD)
    obj = widget(size=1, colour="red", extra={"anything": 1})
    obj["status"] = {"x": 1}
    with pytest.raises(BadRequest) as e:
        check_types(kind, obj)
    assert e.value.message == (
        'Widget in version "v1" cannot be handled as a Widget: strict decoding error: '
        'unknown field "spec.colour", unknown field "status"'
    )
    assert prune(kind, obj) == ["spec.colour", "status"]
    assert obj["spec"] == {"size": 1, "extra": {"anything": 1}}


def test_object_meta_checked_for_custom_resources():
    kind = kinds_from_crd(CRD)
    obj = widget(size=1)
    obj["metadata"]["name"] = "W"
    assert str(validate_custom(kind, obj)[0]).startswith('metadata.name: Invalid value: "W"')


def test_shirt_crd_of_the_corpus():
    crd = yaml.safe_load((SHIRTS / "shirt-resource-definition.yaml").read_text())
    crd_kind = builtin("CustomResourceDefinition")
    check_types(crd_kind, crd)
    apply_defaults(crd_kind, crd)
    assert validate_create(crd_kind, crd) == []
    kind = kinds_from_crd(crd)
    assert (kind.kind, kind.group, kind.version, kind.namespaced) == (
        "Shirt",
        "stable.example.com",
        "v1",
        True,
    )
    shirts = list(yaml.safe_load_all((SHIRTS / "shirt-resources.yaml").read_text()))
    assert len(shirts) == 3
    for shirt in shirts:
        shirt["metadata"]["namespace"] = "default"
        check_types(kind, shirt)
        apply_schema_defaults(kind, shirt)
        assert validate_create(kind, shirt) == []


def test_crd_name_must_match_names_and_group():
    crd = {**CRD, "metadata": {"name": "widget.example.com"}}
    apply_defaults(builtin("CustomResourceDefinition"), crd)
    errs = validate_create(builtin("CustomResourceDefinition"), crd)
    assert [str(e) for e in errs] == [
        'metadata.name: Invalid value: "widget.example.com": must be '
        'spec.names.plural+"."+spec.group'
    ]
