"""kubectl get tables: column sets, cell contents and tabwriter spacing, against snapshots."""

from __future__ import annotations

import pytest

from kubesim.model.kinds import Kind, builtin
from kubesim.view.humanize import human_duration
from kubesim.view.table_text import align_rows, tabwrite
from kubesim.view.tables import columns, format_table, join_tables, no_resources
from tests.view import fixtures as f
from tests.view.snapshot import assert_snapshot

NOW = f.NOW
WIDGET = Kind("Widget", "example.com", "v1", "widgets", "widget", True, served_versions=("v1",))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (59, "59s"),
        (119, "119s"),
        (120, "2m"),
        (125, "2m5s"),
        (599, "9m59s"),
        (600, "10m"),
        (8399, "139m"),
        (10799, "179m"),
        (10800, "3h"),
        (12000, "3h20m"),
        (28800, "8h"),
        (47 * 3600, "47h"),
        (48 * 3600, "2d"),
        (76 * 3600, "3d4h"),
        (8 * 86400, "8d"),
        (729 * 86400, "729d"),
        (730 * 86400, "2y"),
        (732 * 86400, "2y2d"),
        (8 * 365 * 86400, "8y"),
    ],
)
def test_human_duration(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_tabwriter_pads_to_widest_plus_three_with_min_six_and_leaves_last_cell() -> None:
    text = align_rows([["NAME", "AGE", "X"], ["a", "5m", "last-cell-unpadded"]])
    assert text == "NAME   AGE   X\na      5m    last-cell-unpadded\n"
    assert align_rows([["A", "B"], ["1", "2"]]) == "A     B\n1     2\n"


def test_tabwrite_column_blocks_end_at_a_line_with_fewer_cells() -> None:
    text = tabwrite("Name:\tweb\nNamespace:\tdefault\nPod Template:\n  Labels:\tapp=web\n")
    assert text == "Name:       web\nNamespace:  default\nPod Template:\n  Labels:  app=web\n"


def test_pods_and_wide_columns() -> None:
    pending = f.pod("zz9qq", "node-2", "", "172.18.0.3", ready=False)
    assert_snapshot("get_pods.txt", format_table(builtin("Pod"), [*f.pods(), pending], NOW))
    assert_snapshot("get_pods_wide.txt", format_table(builtin("Pod"), f.pods(), NOW, wide=True))


def test_workloads_services_nodes_and_others() -> None:
    nodes = [f.node("node-1", "172.18.0.2", control_plane=True), f.node("node-2", "172.18.0.3")]
    namespaces = [f.namespace(n) for n in ("default", "kube-node-lease", "kube-public")]
    text = "".join(
        [
            format_table(builtin("Deployment"), [f.deployment()], NOW),
            format_table(builtin("Deployment"), [f.deployment()], NOW, wide=True),
            format_table(builtin("ReplicaSet"), [f.replicaset()], NOW),
            format_table(builtin("ReplicaSet"), [f.replicaset()], NOW, wide=True),
            format_table(builtin("Service"), [f.kubernetes_service(), f.service()], NOW, wide=True),
            format_table(builtin("Node"), nodes, NOW),
            format_table(builtin("Node"), nodes, NOW, wide=True),
            format_table(builtin("Namespace"), namespaces, NOW),
            format_table(builtin("ConfigMap"), [f.configmap()], NOW),
            format_table(builtin("Endpoints"), [f.endpoints()], NOW),
            format_table(builtin("Event"), f.pod_events(), NOW),
            format_table(builtin("CustomResourceDefinition"), [f.CRD], NOW),
        ]
    )
    assert_snapshot("get_kinds.txt", text)


def test_get_all_prints_kind_prefixed_names_with_blank_lines_between_kinds() -> None:
    tables = [
        format_table(builtin("Pod"), f.pods(), NOW, with_kind_prefix=True),
        format_table(
            builtin("Service"), [f.kubernetes_service(), f.service()], NOW, with_kind_prefix=True
        ),
        format_table(builtin("Deployment"), [f.deployment()], NOW, with_kind_prefix=True),
        format_table(builtin("ReplicaSet"), [f.replicaset()], NOW, with_kind_prefix=True),
    ]
    assert_snapshot("get_all.txt", join_tables(tables))


def test_namespace_and_labels_columns() -> None:
    text = format_table(
        builtin("Deployment"), [f.deployment()], NOW, with_namespace=True, show_labels=True
    )
    assert text.splitlines() == [
        "NAMESPACE   NAME   READY   UP-TO-DATE   AVAILABLE   AGE    LABELS",
        "default     web    3/3     3            3           140m   app=web",
    ]
    cm = format_table(builtin("ConfigMap"), [f.configmap()], NOW, show_labels=True)
    assert cm.splitlines()[1].endswith("<none>")


def test_no_headers_and_no_objects() -> None:
    text = format_table(builtin("Pod"), f.pods(), NOW, no_headers=True)
    assert not text.startswith("NAME") and len(text.splitlines()) == 3
    assert format_table(builtin("Pod"), [], NOW) == ""
    assert no_resources("default") == "No resources found in default namespace.\n"
    assert no_resources(None) == "No resources found\n"


def test_custom_resource_columns() -> None:
    widgets = [f.widget(), f.widget("plain", color=None)]
    text = format_table(WIDGET, widgets, NOW, printer_columns=f.WIDGET_COLUMNS)
    text += format_table(WIDGET, widgets, NOW, printer_columns=f.WIDGET_COLUMNS, wide=True)
    text += format_table(WIDGET, widgets, NOW)
    assert_snapshot("get_widgets.txt", text)
    assert columns(WIDGET, False) == ["NAME", "AGE"]


def _pod_with(state: dict, **extra) -> dict:
    pod = f.pod("aaaaa", "node-1", "10.244.1.9", "172.18.0.2")
    pod["status"]["containerStatuses"][0].update(state)
    pod["status"].update(extra.get("status", {}))
    pod["metadata"].update(extra.get("metadata", {}))
    return pod


def _status_cells(pod: dict) -> list[str]:
    return format_table(builtin("Pod"), [pod], NOW, no_headers=True).split()[1:4]


def test_pod_status_reasons() -> None:
    crash = _pod_with(
        {
            "ready": False,
            "restartCount": 4,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2025-03-01T11:58:00Z"}},
        }
    )
    assert _status_cells(crash) == ["0/1", "CrashLoopBackOff", "4"]
    assert "4 (2m ago)" in format_table(builtin("Pod"), [crash], NOW)
    done = _pod_with(
        {"ready": False, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
        status={"phase": "Succeeded"},
    )
    assert _status_cells(done) == ["0/1", "Completed", "0"]
    deleting = _pod_with({}, metadata={"deletionTimestamp": "2025-03-01T11:59:50Z"})
    assert _status_cells(deleting) == ["1/1", "Terminating", "0"]
    init = _pod_with(
        {"ready": False, "state": {"waiting": {"reason": "PodInitializing"}}},
        status={
            "phase": "Pending",
            "conditions": [],
            "initContainerStatuses": [
                {"name": "setup", "ready": False, "restartCount": 0, "state": {"running": {}}}
            ],
        },
    )
    init["spec"]["initContainers"] = [{"name": "setup", "image": "busybox"}]
    assert _status_cells(init) == ["0/1", "Init:0/1", "0"]
    unscheduled = _pod_with({}, status={"phase": "Pending", "containerStatuses": []})
    assert _status_cells(unscheduled) == ["0/1", "Pending", "0"]


def test_formats_a_thousand_pods() -> None:
    pods = []
    for i in range(1000):
        pod = f.pod(f"{i:05d}", f"node-{i % 3}", f"10.244.{i // 250}.{i % 250}", "172.18.0.2")
        pods.append(pod)
    text = format_table(builtin("Pod"), pods, NOW)
    lines = text.splitlines()
    assert len(lines) == 1001
    assert len({len(line) for line in lines[1:]}) == 1
