"""The plain output fits its width: the stage log of `kubesim reconcile` and `up --plain`, its
summary, and the blocks of `kubesim replay --auto` without a terminal. At 80 columns no line is
longer than 80 (compact forms, then an ellipsis). A consumer is named one way in every line of
the log (`kcm/replicaset`), whatever the line's length, after a line per process that spells
the short names out."""

from __future__ import annotations

import io
import os

import pytest

from kubesim.replay.blocks import block
from kubesim.replay.state import Timeline
from kubesim.sim.controlplane import SimConfig
from kubesim.sim.log import StageLog, fit, plain_width, revisions
from kubesim.sim.summary import summary_lines
from kubesim.view import plain
from tests.sim.conftest import apply_yaml, deployment


def _run(make_plane, width: int, verbose: bool = True) -> tuple[list[str], list[str], object]:
    plane = make_plane(SimConfig(seed=1, check_mutation=True), start=False)
    lines: list[str] = []
    StageLog(plane, lines.append, verbose=verbose, width=width)
    apply_yaml(plane, deployment(3))
    plane.start()
    assert plane.run_until_settled()
    return lines, summary_lines(plane, 1.0, 0.1, True, width=width), plane


@pytest.mark.parametrize("width", [60, 80, 99])
def test_narrow_lines_fit(make_plane, width):
    lines, summary, _ = _run(make_plane, width)
    assert len(lines) > 50
    for line in lines + summary:
        assert len(line) <= width, line
    text = "\n".join(lines)
    assert " rs/web-" in text and " po/web-" in text  # kubectl's short kinds
    assert "default/" not in text  # the default namespace is left out
    if width >= 80:
        assert "-> wrote r" in text and "by relist@" in text


def test_at_80_columns_the_learner_keeps_actor_triggers_and_outcome(make_plane):
    lines, summary, _ = _run(make_plane, 80)
    assert any("(triggered by relist@" in line for line in lines)
    reconciles = [line for line in lines if line.split()[2:3] == ["reconcile"]]
    assert reconciles and all(" -> " in line for line in reconciles)
    assert any("kcm = kube-controller-manager, 5 controllers" in line for line in lines)
    events = [line for line in lines if " event " in line]
    assert any(line.endswith("-> kcm, kube-scheduler") for line in events)
    table = summary[summary.index("") + 1 :] if "" in summary else summary
    assert any(line.startswith("kube-controller-manager ") for line in table)
    assert any("RELISTS" in line for line in summary)


@pytest.mark.parametrize("width", [80, 100, 120])
def test_one_name_per_consumer_in_every_line(make_plane, width):
    lines, summary, plane = _run(make_plane, width)
    for line in lines + summary:
        assert len(line) <= width, line
    text = "\n".join(lines)
    assert "reconcile kcm/deployment web (triggered by" in " ".join(text.split())
    assert " kcm/replicaset create " in text
    assert "kube-controller-manager/" not in text
    if width >= 100:  # full headers where they fit
        assert any(line.startswith("CONSUMER ") and "PROJECTION" in line for line in summary)
        assert any(line.startswith("CONTROLLER ") and "RECONCILES" in line for line in summary)
    for c in plane.consumers:  # processes in full; controllers in full where they fit
        assert any(line.startswith(c.name + " ") for line in summary)
    controllers = summary[summary.index(next(x for x in summary if x.startswith("CONTROLLER"))) :]
    assert any(line.startswith("kube-controller-manager/replicaset ") for line in controllers)


def test_from_140_columns_the_original_forms(make_plane):
    lines, _, _ = _run(make_plane, 160, verbose=False)
    text = "\n".join(lines)
    assert "event      ADDED replicasets default/web-" in text
    assert " -> kcm, kube-scheduler" in text  # one delivery per process, not per controller
    assert "reconcile  kcm/deployment default/web (triggered by" in text


def test_fit_tries_shorter_forms_then_cuts_the_name():
    forms = [("deployment-controller ", "web-6c455b6594", " -> no-op")]
    forms.append(("deployment ", "web-6c455b6594", " -> no-op"))
    assert fit(80, forms) == "deployment-controller web-6c455b6594 -> no-op"
    assert fit(30, forms) == "deployment web-6c455… -> no-op"
    assert len(fit(12, forms)) == 12 and fit(12, forms).endswith("…")
    assert revisions([11, 12, 13, 15, "retry"], ranges=True) == "r11-r13, r15, retry"
    assert revisions([11, 12, 13]) == "r11, r12, r13"


def test_plain_width_is_100_in_a_pipe_and_the_terminal_s_on_one(monkeypatch):
    assert plain_width(io.StringIO()) == 100

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(
        plain.shutil, "get_terminal_size", lambda fallback: os.terminal_size((72, 24))
    )
    assert plain_width(Tty()) == 72


def test_replay_blocks_fit(make_plane, tmp_path):
    path = tmp_path / "replay.db"
    plane = make_plane(SimConfig(seed=1, check_mutation=True), start=False, path=path)
    apply_yaml(plane, deployment(3))
    plane.start()
    plane.run_until_settled()
    plane.flush()
    plane.record_stop()
    timeline = Timeline(plane.store)
    revs = list(range(2, plane.store.current_revision() + 1))
    narrow = "".join(block(timeline.frame(r), width=80) for r in revs)
    wide = "".join(block(timeline.frame(r), width=100) for r in revs)
    assert all(len(line) <= 80 for line in narrow.splitlines())
    assert all(len(line) <= 100 for line in wide.splitlines())
    assert " rs/web-" in narrow and "on its way:" in narrow
    assert "projection  kube-controller-manager" in narrow and "replicaset/web-" in wide


def test_one_reads_writes_figure_in_summary_view_check_and_replay(make_plane, tmp_path):
    """The summary, the live view's header, a lesson's reads_per_write check and a replay frame
    of the run's last revision give the same reads and writes."""
    from kubesim.api.delete import delete
    from kubesim.lessons.checks import CheckContext, Mark, check_reads_per_write
    from kubesim.model.kinds import builtin
    from kubesim.replay.state import Timeline
    from kubesim.sim.snapshot import StageTracker, snapshot
    from kubesim.sim.summary import api_reads_and_writes

    first = make_plane(SimConfig(seed=2, check_mutation=True), path=tmp_path / "fig.db")
    apply_yaml(first, deployment(4))
    assert first.run_until_settled()
    first.record_stop()
    # a cascading delete, then a new run: the garbage collector reads owners live, past its
    # informers, and those reads count too
    delete(first.api, builtin("Deployment"), "default", "web", propagation="Background")
    mark = Mark(0, first.store.current_revision())
    plane = make_plane(
        SimConfig(seed=2, check_mutation=True), start=False, path=tmp_path / "fig.db"
    )
    tracker = StageTracker(plane)
    plane.start()
    assert plane.run_until_settled()
    assert plane.totals.live_reads > 0
    reads, writes = api_reads_and_writes(plane)
    assert reads > writes > 0
    header = snapshot(plane, tracker).header
    assert (header.reads, header.writes) == (reads, writes)
    summary = "\n".join(summary_lines(plane, 1.0, 0.1, True))
    assert f"reads:writes {reads / writes:.1f}:1" in summary
    plane.record_stop()
    result = check_reads_per_write({}, CheckContext(plane.store, plane.api, mark, mark))
    assert (
        result.message.startswith(f"{reads} reads (") and f"for {writes} writes" in result.message
    )
    frame = Timeline(plane.store).frame(plane.store.current_revision())
    assert (frame.header.reads, frame.header.writes) == (reads, writes)
