"""User controllers: loading a file, the example configmap-mirror, idempotence, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubesim.api.delete import delete
from kubesim.controllers.user import load_user_controller
from kubesim.model.errors import KubesimError
from kubesim.model.kinds import builtin
from kubesim.model.objects import deepcopy
from kubesim.sim.controlplane import SimConfig
from kubesim.sim.faults import Faults

EXAMPLE = str(Path(__file__).parents[2] / "examples" / "controllers" / "configmap_mirror.py")
CONFIGMAP = builtin("ConfigMap")


def source(name="settings", mirror="true", data=None):
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "labels": {"mirror": mirror}},
        "data": data or {"GREETING": "hello"},
    }


def configmaps(plane):
    return {o["metadata"]["name"]: o for o in plane.api.list(CONFIGMAP, "default")[0]}


def settle(plane):
    plane.poll()
    plane.run_until_settled()


def test_loads_the_example():
    controller = load_user_controller(EXAMPLE)
    assert controller.name == "configmap-mirror"
    assert [spec.kind for spec in controller.informers()] == ["ConfigMap"]


def test_mirrors_a_labelled_configmap(make_plane):
    plane = make_plane(controllers=[load_user_controller(EXAMPLE)])
    plane.api.create(source())
    plane.api.create(source("plain", mirror="false"))
    settle(plane)
    cms = configmaps(plane)
    assert "plain-mirror" not in cms
    mirror = cms["settings-mirror"]
    assert mirror["data"] == {"GREETING": "hello"}
    assert mirror["metadata"]["ownerReferences"][0]["uid"] == cms["settings"]["metadata"]["uid"]

    changed = deepcopy(cms["settings"])
    changed["data"] = {"GREETING": "bonjour"}
    plane.api.update(changed)
    settle(plane)
    assert configmaps(plane)["settings-mirror"]["data"] == {"GREETING": "bonjour"}

    drifted = deepcopy(configmaps(plane)["settings-mirror"])
    drifted["data"] = {"GREETING": "edited by hand"}
    plane.api.update(drifted)  # the mirror's event wakes its owner up: the drift is undone
    settle(plane)
    assert configmaps(plane)["settings-mirror"]["data"] == {"GREETING": "bonjour"}

    delete(plane.api, CONFIGMAP, "default", "settings")  # the GC follows the ownerReference
    settle(plane)
    assert sorted(configmaps(plane)) == ["plain"]


def test_idempotent_under_duplicate_deliveries(make_plane):
    plane = make_plane(
        SimConfig(seed=7, check_mutation=True, faults=Faults(duplicate_rate=0.5)),
        controllers=[load_user_controller(EXAMPLE)],
    )
    plane.api.create(source("a"))
    plane.api.create(source("b", data={"x": "1"}))
    settle(plane)
    for _ in range(3):  # more events, more duplicates, more reconciles
        cm = deepcopy(configmaps(plane)["a"])
        cm["metadata"].setdefault("annotations", {})["touched"] = str(plane.clock.now())
        plane.api.update(cm)
        settle(plane)
    assert plane.consumer("configmap-mirror").stats.duplicates > 0
    consumer = plane.controller("configmap-mirror")
    assert consumer.stats.reconciles > consumer.client.stats.writes
    mirrors = sorted(n for n in configmaps(plane) if "mirror" in n)
    assert mirrors == ["a-mirror", "b-mirror"]
    assert [line for _, line in consumer.controller.logs] == [
        "created default/a-mirror",
        "created default/b-mirror",
    ]


def test_user_code_errors_are_retried_not_fatal(make_plane, tmp_path):
    path = tmp_path / "flaky.py"
    path.write_text(
        'WATCHES = ["ConfigMap"]\n'
        "calls = []\n"
        "def reconcile(ctx, key):\n"
        "    calls.append(key)\n"
        "    if len([c for c in calls if c == key]) == 1:\n"
        "        raise RuntimeError('first try fails')\n"
        "    ctx.log('ok ' + key)\n"
    )
    controller = load_user_controller(str(path))
    assert controller.name == "flaky"
    plane = make_plane(controllers=[controller])
    plane.api.create(source("x"))
    settle(plane)
    consumer = plane.controller("flaky")
    assert consumer.stats.errors >= 1
    assert any(line == "ok default/x" for _, line in controller.logs)


@pytest.mark.parametrize(
    "text, message",
    [
        ("WATCHES = ['ConfigMap']\ndef reconcile(ctx, key)\n    pass\n", "syntax error at line 2"),
        ("WATCHES = ['ConfigMap']\n", "has no reconcile(ctx, key) function"),
        ("WATCHES = ['ConfigMap']\ndef reconcile(key):\n    pass\n", "must take two arguments"),
        ("def reconcile(ctx, key):\n    pass\n", "WATCHES must be a non-empty list of kinds"),
        (
            "WATCHES = ['Gadget']\ndef reconcile(ctx, key):\n    pass\n",
            'WATCHES names kind "Gadget", which kubesim does not know',
        ),
        (
            "WATCHES = ['configmap']\ndef reconcile(ctx, key):\n    pass\n",
            'kinds are spelled like "ConfigMap"',
        ),
        ("import no_such_module_here\n", "ModuleNotFoundError"),
        (
            "WATCHES = ['Pod']\nNAME = 'Bad Name'\ndef reconcile(ctx, key):\n    pass\n",
            "NAME must be a lowercase name",
        ),
    ],
)
def test_bad_files_give_one_clear_line(tmp_path, text, message):
    path = tmp_path / "broken.py"
    path.write_text(text)
    with pytest.raises(KubesimError) as err:
        load_user_controller(str(path))
    line = str(err.value)
    assert message in line and str(path) in line and "\n" not in line


def test_missing_file(tmp_path):
    with pytest.raises(KubesimError, match="no such file"):
        load_user_controller(str(tmp_path / "nope.py"))


def test_custom_kinds_can_be_allowed(tmp_path):
    path = tmp_path / "backups.py"
    path.write_text("WATCHES = ['Backup', 'Pod']\ndef reconcile(ctx, key):\n    pass\n")
    controller = load_user_controller(str(path), kinds=["Backup", "Pod"])
    assert controller.watches == ["Backup", "Pod"]


def test_the_non_idempotent_mistake_multiplies_copies(make_plane, tmp_path):
    """The version lesson 8 starts from: creating on every reconcile, with generateName."""
    path = tmp_path / "mirror_bad.py"
    path.write_text(
        "WATCHES = ['ConfigMap']\n"
        "def reconcile(ctx, key):\n"
        "    namespace, name = key.split('/', 1)\n"
        "    source = ctx.lister('ConfigMap').get(namespace, name)\n"
        "    if source and (source['metadata'].get('labels') or {}).get('mirror') == 'true':\n"
        "        ctx.client.create({'apiVersion': 'v1', 'kind': 'ConfigMap',\n"
        "            'metadata': {'generateName': name + '-mirror-', 'namespace': namespace},\n"
        "            'data': source.get('data') or {}})\n"
    )
    plane = make_plane(
        SimConfig(seed=7, check_mutation=True, faults=Faults(duplicate_rate=0.5)),
        controllers=[load_user_controller(str(path))],
    )
    plane.api.create(source("a"))
    settle(plane)
    for i in range(3):
        cm = deepcopy(configmaps(plane)["a"])
        cm["data"] = {"GREETING": f"v{i}"}
        plane.api.update(cm)
        settle(plane)
    copies = [n for n in configmaps(plane) if n.startswith("a-mirror-")]
    assert len(copies) >= 4  # one per event at least, duplicates add more


def test_a_key_that_always_fails_is_dropped(make_plane, tmp_path):
    path = tmp_path / "broken_logic.py"
    path.write_text("WATCHES = ['ConfigMap']\ndef reconcile(ctx, key):\n    1 / 0\n")
    controller = load_user_controller(str(path))
    plane = make_plane(controllers=[controller])
    plane.api.create(source("x"))
    plane.poll()
    assert plane.run_until_settled()  # it ends: the key is dropped after the retries
    assert plane.controller("broken_logic").stats.errors == 15
    assert controller.logs[-1][1] == "dropping default/x out of the queue after 15 retries"
