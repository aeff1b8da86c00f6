"""Issue 15 items 6 and 8: Ctrl-C mid pose pass, and valid 1- and 2-frame videos."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from formcheck.capture.video import iter_frames, probe_video

from .conftest import REPO, SAMPLE, run_cli, tiny_clip

pytestmark = pytest.mark.clips


def _session_members(leader: int) -> dict[int, int]:
    """Return ``{pid: parent pid}`` of every live process in the session ``leader`` started."""
    members = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[3]) == leader and stat[0] != "Z":  # fields: state, ppid, pgrp, session
            members[int(entry)] = int(stat[1])
    return members


def _importing(leader: int) -> bool:
    # The CLI is importing its modules (numpy is loaded, the pose model is not yet).
    try:
        maps = Path(f"/proc/{leader}/maps").read_bytes()
    except OSError:
        return False
    return b"numpy" in maps and b"mediapipe" not in maps


def _inferring(leader: int) -> bool:
    # The pose model is loaded in the CLI process (the pose pass decodes in a thread of it
    # and starts no process for a one-chunk clip).
    try:
        return b"mediapipe" in Path(f"/proc/{leader}/maps").read_bytes()
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("stage", [_importing, _inferring], ids=["importing", "inferring"])
def test_ctrl_c_during_the_pose_pass(tmp_path: Path, stage) -> None:
    cache, out_dir = tmp_path / "cache", tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "analyze", str(SAMPLE), "--cache-dir", str(cache),
         "--out", str(out_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        start_new_session=True,
        # As in a terminal: Ctrl-C at its default even when the test run inherited it ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    reached = False
    while not reached and time.monotonic() < deadline:
        time.sleep(0.05)
        reached = stage(proc.pid)
    assert reached, f"the stage {stage.__name__} was never reached"
    if stage is _inferring:
        time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends to the foreground group
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in stdout + stderr
    assert stderr.strip().splitlines() == ["stopped (Ctrl-C) before finishing"]
    deadline = time.monotonic() + 10
    while _session_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _session_members(proc.pid) == {}, "a child process outlived the CLI"
    assert not out_dir.exists() and not cache.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("frames", [1, 2])
def test_one_and_two_frame_videos_are_valid(tmp_path: Path, frames: int) -> None:
    clip = tiny_clip(tmp_path / f"{frames}.mp4", frames)
    info = probe_video(clip)
    assert info.frames == frames and (info.width, info.height) == (48, 64)
    assert len(list(iter_frames(clip))) == frames
    # The whole CLI: a flat grey clip has nobody in it, which is what it must say.
    out = run_cli("analyze", str(clip), "--no-cache")
    assert out.code == 2 and "NoPersonError" in out.text and "Corrupt" not in out.text
