"""Frames of the four-stage view for fixed states, as plain text (80x24 compact, 150x40 wide),
compared with checked-in snapshots (tests/view/snapshots/stages_*.txt)."""

from __future__ import annotations

from kubesim.view.keys import KeyDispatcher, decode
from kubesim.view.stages import export_svg, render_text
from kubesim.view.state import (
    ChainStep,
    CommandRow,
    Counts,
    DeploymentRow,
    EventRow,
    Follow,
    GenerationRow,
    Header,
    ProjectionRow,
    StageState,
    StalenessRow,
)
from tests.view.snapshot import assert_snapshot

CONSUMERS = [
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet-node-1",
    "kubelet-node-2",
    "kubelet-node-3",
    "backup-operator",
    "configmap-mirror",
    "kubectl",
]
DEPLOY = "/registry/deployments/default/web"
WATCHES = {
    "kube-controller-manager": "cm,deploy,ep,ns,po,rs,svc",
    "kube-scheduler": "no,ns,po,rs,svc",
    "kubelet-node-1": "no,po",
    "kubelet-node-2": "no,po",
    "kubelet-node-3": "no,po",
}


def state(follow: bool = False, faults: bool = False, paused: bool = False) -> StageState:
    s = StageState()
    s.header = Header(
        revision=42,
        clock=3.25,
        speed=1.0,
        paused=paused,
        reads=191,
        writes=36,
        faults=["duplicate delivery 50%", "latency kube-scheduler +2000ms"] if faults else [],
    )
    s.commands = [
        CommandRow(
            "user",
            "apply",
            "ConfigMap",
            "default",
            "web-config",
            "created",
            9,
            "/registry/configmaps/default/web-config",
        ),
        CommandRow(
            "user", "apply", "Deployment", "default", "web", "created", 10, DEPLOY, followed=follow
        ),
        CommandRow(
            "user",
            "apply",
            "Service",
            "default",
            "web",
            "created",
            11,
            "/registry/services/specs/default/web",
        ),
        CommandRow(
            "kube-controller-manager/deployment",
            "create",
            "ReplicaSet",
            "default",
            "web-6c455b6594",
            "created",
            12,
            "",
        ),
        CommandRow(
            "kube-controller-manager/deployment",
            "update-status",
            "Deployment",
            "default",
            "web",
            "configured",
            14,
            DEPLOY,
            followed=follow,
        ),
        CommandRow(
            "kube-controller-manager/replicaset",
            "create",
            "Pod",
            "default",
            "web-6c455b6594-x7k2p",
            "created",
            19,
            "",
        ),
        CommandRow(
            "kube-controller-manager/replicaset",
            "update-status",
            "ReplicaSet",
            "default",
            "web-6c455b6594",
            "conflict",
            20,
            "",
        ),
    ]
    s.events = [
        EventRow(
            10,
            "ADDED",
            "Deployment",
            "default",
            "web",
            DEPLOY,
            ["kube-controller-manager"],
            [],
            followed=follow,
        ),
        EventRow(
            12,
            "ADDED",
            "ReplicaSet",
            "default",
            "web-6c455b6594",
            "",
            ["kube-controller-manager"],
            ["kube-scheduler"],
        ),
        EventRow(
            14,
            "MODIFIED",
            "Deployment",
            "default",
            "web",
            "",
            ["kube-controller-manager"],
            ["kubectl"],
            followed=follow,
        ),
        EventRow(
            19,
            "ADDED",
            "Pod",
            "default",
            "web-6c455b6594-x7k2p",
            "",
            [],
            ["kube-controller-manager", "kube-scheduler", "configmap-mirror"],
        ),
        EventRow(21, "DELETED", "ConfigMap", "default", "old", "", [], []),
    ]
    for i, c in enumerate(CONSUMERS):
        s.projections.append(
            ProjectionRow(
                c,
                14 + i,
                3 + i,
                i % 3,
                "default/web" if i < 2 else "",
                "wrote" if i == 0 else ("no-op" if i == 1 else ""),
                1 + (i == 2),
                4,
                0.4,
                followed=follow and i == 0,
                watches=WATCHES.get(c, "cm"),
            )
        )
        s.staleness.append(
            StalenessRow(c, (i * 3) % 7, 0.01 * ((i * 3) % 7), followed=follow and i == 0)
        )
    s.deployments = [DeploymentRow("web", 3, 1, 0)]
    s.generations = [GenerationRow("Deployment", "web", 2, 1)]
    s.counts = Counts(commands=37, events=36, deliveries=100, reconciles=63, events_per_second=12.0)
    if follow:
        s.follow = Follow(
            "Deployment",
            "default",
            "web",
            DEPLOY,
            [
                ChainStep("command", "user apply Deployment default/web -> created r10", 10),
                ChainStep("event", "r10 ADDED deployments default/web", 10),
                ChainStep("delivery", "kube-controller-manager @0.010s", 10),
                ChainStep(
                    "reconcile",
                    "kube-controller-manager/deployment default/web -> wrote r12, r13, r14",
                    14,
                ),
                ChainStep(
                    "command",
                    "kcm/deployment create ReplicaSet default/web-6c455b6594 -> created r12",
                    12,
                ),
            ],
        )
    return s


def test_compact_80x24():
    assert_snapshot("stages_compact.txt", render_text(state(), 80, 24))


def test_compact_follow_and_faults():
    assert_snapshot(
        "stages_compact_follow.txt",
        render_text(state(follow=True, faults=True, paused=True), 80, 24),
    )


def test_wide_150x40():
    assert_snapshot("stages_wide.txt", render_text(state(faults=True), 150, 40))


def test_wide_follow():
    assert_snapshot("stages_wide_follow.txt", render_text(state(follow=True), 180, 44))


def test_every_frame_has_exactly_the_size_asked():
    for width, height in ((80, 24), (100, 30), (120, 30), (200, 60)):
        lines = render_text(state(follow=True, faults=True), width, height).splitlines()
        assert len(lines) == height
        assert max(len(line) for line in lines) <= width


def test_summarises_many_events():
    """Thousands of events: the panels show counts and the latest rows, nothing more."""
    s = state()
    s.events = [
        EventRow(r, "MODIFIED", "Pod", "default", f"p{r}", "", ["kube-scheduler"], [])
        for r in range(1, 61)
    ]
    s.counts = Counts(
        commands=9000, events=12345, deliveries=50000, reconciles=9000, events_per_second=1980
    )
    text = render_text(s, 80, 24)
    assert "12,345 events · 1,980/s" in text
    assert "r60" in text and "r50 " not in text


def test_help_and_prompt():
    s = state()
    s.show_help = True
    s.prompt = "restart which consumer? 1-8, esc cancels"
    text = render_text(s, 100, 40)
    assert "restart a process" in text and "Staleness" in text
    # who watches what: each process and the kinds of its one cache
    assert "kube-controller-manager    cm,deploy,ep,ns,po,rs,svc" in text
    assert text.splitlines()[-1].startswith("restart which consumer?")


def test_no_escape_codes_in_text_and_svg_is_svg():
    assert "\x1b" not in render_text(state(follow=True), 80, 24)
    svg = export_svg(state(), 80, 24)
    assert svg.startswith("<svg") and "Staleness" in svg


def test_decode_keys():
    assert decode(b" n\x1b[Cq+-?\x1b") == ["space", "n", "right", "q", "+", "-", "?", "escape"]


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def consumers(self) -> list[str]:
        return CONSUMERS

    def __getattr__(self, name: str):
        return lambda *args: self.calls.append((name, *args))


def test_dispatch_keys():
    rec = Recorder()
    keys = KeyDispatcher(rec)
    for key in [
        "space",
        "n",
        "right",
        "+",
        "-",
        "r",
        "3",
        "l",
        "escape",
        "l",
        "1",
        "f",
        "d",
        "s",
        "q",
    ]:
        keys.press(key)
    assert rec.calls == [
        ("toggle_pause",),
        ("step",),
        ("step",),
        ("speed", 2.0),
        ("speed", 0.5),
        ("restart", "kubelet-node-1"),
        ("toggle_latency", "kube-controller-manager"),
        ("follow_next",),
        ("toggle_duplicates",),
        ("save_svg",),
        ("quit",),
    ]
    keys.press("r")
    assert keys.prompt.startswith("restart which consumer? 1-8")


CAPTION = (
    "3/5  Scale it\n"
    "A new command: 5 replicas. Only the Deployment changes in the write\n"
    "model; the controllers project that change down the same chain.\n"
    "$ kubesim scale deployment/web --replicas=5  → deployment.apps/web scaled (r37)"
)


def test_caption_compact_80x24():
    s = state()
    s.caption = CAPTION
    assert_snapshot("stages_compact_caption.txt", render_text(s, 80, 24))


def test_caption_wide_and_sizes():
    s = state()
    s.caption = CAPTION
    text = render_text(s, 150, 40)
    assert "╭─ 3/5  Scale it" in text and "$ kubesim scale deployment/web" in text
    for width, height in ((80, 24), (120, 40), (200, 60)):
        lines = render_text(s, width, height).splitlines()
        assert len(lines) == height
        assert max(len(line) for line in lines) <= width
    s.caption = "\n".join(["title", *[f"line {i}" for i in range(10)]])
    compact = render_text(s, 80, 24)
    assert "line 3" in compact and "line 4" not in compact


def _cells(renderable, width: int) -> list[list[tuple[str, str]]]:
    """Each cell of a rendering: its character and the escape codes of its style."""
    from rich.color import ColorSystem
    from rich.console import Console

    console = Console(width=width, force_terminal=True, color_system="truecolor", _environ={})
    lines = console.render_lines(renderable, console.options.update_width(width), pad=True)
    return [
        [
            (ch, seg.style._make_ansi_codes(ColorSystem.TRUECOLOR) if seg.style else "")
            for seg in line
            for ch in seg.text
        ]
        for line in lines
    ]


def test_grid_lays_out_like_a_rich_table():
    """Grid is a cheaper rich Table (no box, padding (0, 1), expand, no_wrap, ellipsis): the
    same widths, ellipses and styles, from roomy down to squeezed below the columns' sum."""
    from rich.table import Table
    from rich.text import Text

    from kubesim.view.grid import Col, Grid

    cols = [
        Col("", width=1),
        Col("#", right=True),
        Col("NAME", max_width=12),
        Col("REV", width=5),
        Col("WHAT", ratio=1),
        Col("N", right=True),
    ]
    rows = [
        ["▶", "1", "deployment-controller", "r12", Text("created", style="green"), "3"],
        [" ", "22", "x", "r123456", Text.assemble(("✓a ", "green"), ("…b", "bold")), "40000 "],
        [" ", "3", "名前の長いもの", "r1", "a fairly long text for the ratio column", ""],
    ]
    for header in (True, False):
        for some in (rows, rows[:1], []):
            table = Table(box=None, padding=(0, 1), pad_edge=False, expand=True, show_header=header)
            table.header_style = "bold"
            for c in cols:
                table.add_column(
                    c.header,
                    no_wrap=True,
                    overflow="ellipsis",
                    width=c.width,
                    max_width=c.max_width,
                    ratio=c.ratio,
                    justify="right" if c.right else "left",
                )
            styles = ["bold reverse", None, "dim"]
            for i, r in enumerate(some):
                table.add_row(*r, style=styles[i])
            grid = Grid(cols, [(r, styles[i]) for i, r in enumerate(some)], header)
            for width in (120, 70, 45, 30, 18, 9):
                assert _cells(grid, width) == _cells(table, width), (header, len(some), width)
