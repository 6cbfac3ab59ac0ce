"""`kubesim reset` and a running `kubesim up`: the store is never deleted under a control plane.

- reset refuses while an `up` holds the store (one line naming its pid, exit 1, nothing removed);
  `--force` stops it (SIGTERM: it ends as on Ctrl-C, journals its stop) and then deletes;
- a pid file left by a killed `up` (a stale one) blocks nothing;
- a second `up` on the same store is refused;
- an `up` whose store file is removed or replaced under it says so and exits 1, and never
  recreates or goes on writing the file.
The processes are real: `python -m kubesim up` in a subprocess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubesim.cli import planelock
from kubesim.model.errors import StoreReplaced
from kubesim.store.sqlite import SqliteStore
from tests.cli.conftest import configmap, write


@pytest.fixture
def applied(run, tmp_path, store_path) -> Path:
    code, _, err = run("apply", "-f", str(write(tmp_path, "cm.yaml", configmap("cm", a="1"))))
    assert code == 0, err
    return store_path


def spawn_up(store: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "KUBESIM_DEBUG"}
    env.update(KUBESIM_STORE=str(store), NO_COLOR="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubesim", "up", "--plain", "--speed", "10"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    end = time.monotonic() + 30
    while planelock.holder(store) != proc.pid:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, "kubesim up did not start"
        time.sleep(0.05)
    return proc


def files(store: Path) -> list[str]:
    return sorted(p.name for p in store.parent.iterdir() if p.name.startswith(store.name))


def test_reset_refuses_while_a_control_plane_holds_the_store(run, applied):
    before = files(applied)
    with planelock.hold(applied):
        code, out, err = run("reset", "--yes")
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"error: a control plane (kubesim up, pid {os.getpid()}) is running against {applied}: "
        "stop it first (Ctrl-C in its terminal), or use `kubesim reset --force` to stop it "
        "and reset"
    ]
    assert files(applied) == before and planelock.holder(applied) is None
    assert run("get", "configmap", "cm")[0] == 0  # nothing removed


def test_a_stale_pid_file_blocks_nothing(run, applied):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    planelock.pid_file(applied).write_text(str(dead.pid))
    assert planelock.holder(applied) is None
    code, out, err = run("reset", "--yes")
    assert code == 0, err
    assert out == f"store {applied} deleted\n" and files(applied) == []


def test_a_live_unrelated_pid_in_a_stale_file_blocks_nothing(run, applied):
    planelock.pid_file(applied).write_text(str(os.getpid()))  # alive, but holds no lock
    code, _, err = run("reset", "--yes")
    assert code == 0, err
    assert files(applied) == []


def test_a_second_up_is_refused(run, applied):
    with planelock.hold(applied):
        code, out, err = run("up", "--plain", "--for", "1s")
    assert code == 1
    assert err.splitlines()[-1] == (
        f"error: a control plane (kubesim up, pid {os.getpid()}) is already running against "
        f"{applied}: one control plane per store"
    )


def test_reset_force_stops_up_then_deletes(run, applied):
    up = spawn_up(applied)
    try:
        code, out, err = run("reset", "--yes", "--force")
        assert code == 0, err
        assert out.splitlines() == [
            f"stopped the control plane (kubesim up, pid {up.pid}) running against {applied}",
            f"store {applied} deleted",
        ]
        up_out, up_err = up.communicate(timeout=30)
    finally:
        up.kill()
    assert up.returncode == 0, up_err
    assert "control plane stopped: SIGTERM" in up_err
    assert files(applied) == []  # up wrote its last words before reset deleted: nothing after


def test_up_stops_when_its_store_is_removed(applied):
    up = spawn_up(applied)
    try:
        for name in files(applied):
            if name != applied.name + ".controlplane":
                (applied.parent / name).unlink()
        _, err = up.communicate(timeout=30)
    finally:
        up.kill()
    assert up.returncode == 1
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        f"error: the store file {applied} was removed while this process had it open (by "
        "`kubesim reset` or by hand): nothing written since then can be seen; the control "
        "plane stops (start `kubesim up` again)"
    )
    assert files(applied) == []  # not recreated, pid file gone


def test_a_replaced_store_file_is_noticed(tmp_path):
    path, other = tmp_path / "store.db", tmp_path / "other.db"
    store = SqliteStore(path)
    store.check_identity()  # unchanged: nothing to say
    SqliteStore(other).close()
    shutil.move(other, path)
    with pytest.raises(StoreReplaced, match="was replaced by another file"):
        store.check_identity()
    path.unlink()
    with pytest.raises(StoreReplaced, match="was removed"):
        store.check_identity()
    store.close()


def test_the_live_view_stops_when_its_store_is_removed(applied):
    """On a terminal (a pty): the view gives the terminal back, then the one error line."""
    import pty  # POSIX, as the live view's terminal handling is
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: `kubesim up` on a terminal
        os.environ.update(KUBESIM_STORE=str(applied), NO_COLOR="1")
        os.environ.pop("KUBESIM_DEBUG", None)
        os.execv(sys.executable, [sys.executable, "-m", "kubesim", "up"])
    out, code, removed = b"", None, False
    end = time.monotonic() + 30
    while code is None and time.monotonic() < end:
        if not removed and planelock.holder(applied) == pid:
            time.sleep(0.3)  # a few frames drawn
            for name in ("store.db", "store.db-wal", "store.db-shm"):
                (applied.parent / name).unlink(missing_ok=True)
            removed = True
        if select.select([fd], [], [], 0.05)[0]:
            try:
                out += os.read(fd, 65536)
            except OSError:
                pass
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
    if code is None:
        os.kill(pid, 9)
    os.close(fd)
    assert removed and code == 1, out[-500:]
    screen_left = out.rindex(b"\x1b[?1049l")  # the alternate screen is left first
    tail = out[screen_left:].decode().replace("\r\n", "\n")
    assert tail.endswith(
        f"error: the store file {applied} was removed while this process had it open (by "
        "`kubesim reset` or by hand): nothing written since then can be seen; the control "
        "plane stops (start `kubesim up` again)\n"
    )
    assert "Traceback" not in tail and files(applied) == []
