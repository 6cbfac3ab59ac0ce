"""The lessons on the process model (4, 7, 8, 10, 11) refuse the obvious shortcut: each test
does the step almost right, or not at all, and expects NOT YET from `lesson check`."""

from __future__ import annotations

import shlex

import pytest

from kubesim.lessons.format import lesson_dirs, load_lesson
from kubesim.lessons.runner import Workspace


@pytest.fixture
def lesson(cli, monkeypatch):
    """Start lesson N in its workspace; `do(cmd)` runs a kubesim command there, `step_done()`
    runs the current step's own commands and moves on, `check()` is `lesson check`."""

    class Lesson:
        def __init__(self, number: int) -> None:
            path = next(p for p in lesson_dirs() if p.name.startswith(f"{number:02d}-"))
            self.lesson = load_lesson(path)
            code, out, err = cli("lesson", "start", str(number))
            assert code == 0, out + err
            monkeypatch.chdir(Workspace.of(self.lesson).dir)
            self.step = 1

        def do(self, command: str) -> str:
            code, out, err = cli(*shlex.split(command)[1:])
            assert code == 0, out + err
            return out

        def check(self) -> str:
            return cli("lesson", "check")[1]

        def step_done(self) -> None:
            for command in self.lesson.steps[self.step - 1].run:
                self.do(command)
            assert "NOT YET" not in self.check()
            cli("lesson", "next")
            self.step += 1

    return Lesson


def test_l4_one_list_per_process_not_a_partial_run(lesson):
    l4 = lesson(4)
    l4.do("kubesim reconcile --no-shared-informers")  # every controller its own informers
    assert "NOT YET" in l4.check()


def test_l4_the_event_must_reach_the_processes(lesson):
    l4 = lesson(4)
    l4.step_done()
    l4.do("kubesim set image deployment/web nginx=nginx:1.28")  # the command, no read side
    assert "NOT YET" in l4.check()


def test_l7_needs_the_slow_watch(lesson):
    l7 = lesson(7)
    l7.do("kubesim scale deployment/web --replicas=5")
    l7.do("kubesim reconcile --steps 3")  # stopped early, but no latency: not a slow watch
    assert "NOT YET" in l7.check()


def test_l7_conflict_needs_the_stale_cache(lesson):
    l7 = lesson(7)
    l7.step_done()
    l7.do("kubesim reconcile")  # caught up without the latency: no stale write
    assert "NOT YET" in l7.check()


def test_l8_merge_needs_a_run(lesson):
    l8 = lesson(8)
    l8.step_done()
    l8.step_done()
    l8.do("kubesim apply -f web.yaml")  # no control plane: nothing queued, nothing merged
    assert "NOT YET" in l8.check()


@pytest.mark.parametrize(
    "body",
    [
        "    return None\n",  # a controller that does nothing
        # idempotent, but the copy carries no data
        "    namespace, name = key.split('/', 1)\n"
        "    src = ctx.lister('ConfigMap').get(namespace, name)\n"
        "    if src is None or (src['metadata'].get('labels') or {}).get('mirror') != 'true':\n"
        "        return None\n"
        "    if ctx.lister('ConfigMap').get(namespace, name + '-mirror') is None:\n"
        "        ctx.client.create({'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {\n"
        "            'name': name + '-mirror', 'namespace': namespace,\n"
        "            'labels': {'mirror-of': name}}})\n",
    ],
)
def test_l8_the_mirror_must_carry_the_data(lesson, body):
    l8 = lesson(8)
    for _ in range(3):
        l8.step_done()
    with open("mirror.py", "w") as f:
        f.write(
            'WATCHES = ["ConfigMap"]\nNAME = "configmap-mirror"\n\n\ndef reconcile(ctx, key):\n'
        )
        f.write(body)
    for command in l8.lesson.steps[3].run:
        l8.do(command)
    assert "NOT YET" in l8.check()


def test_l10_a_second_run_is_not_a_restart(lesson):
    l10 = lesson(10)
    l10.step_done()
    l10.do("kubesim reconcile --controller mirror.py")
    l10.do("kubesim reconcile --controller mirror.py")  # 240 no-ops, but no restart
    assert "NOT YET" in l10.check()


def test_l11_sharing_must_be_switched_off(lesson):
    l11 = lesson(11)
    l11.step_done()
    l11.step_done()
    l11.do("kubesim scale deployment/web --replicas=3")
    l11.do("kubesim reconcile")  # shared, as by default: 7 LISTs, not 14
    assert "NOT YET" in l11.check()
