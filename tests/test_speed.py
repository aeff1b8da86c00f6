"""The speed levers of the pose pass (issue 13), and no process left behind.

Accuracy: the default pass runs the model on every frame, split into time chunks in
parallel when the clip is long enough and the split is predicted to pay (placed from the
clip's keyframes); decimation above ``analysis_fps`` is opt-in. Both keep every frame and the
rep count of a real clip. The chunks stay within the tolerance stated from the single
graph's own noise floor (``scripts/compare_pose_levers.py``: pooled 95th percentiles of the
per-rep angle and rep-boundary differences); decimation's angles can move beyond it.
Processes: ``formcheck analyze``, and a pose pass run as chunks in child processes, each run
in their own process group; after a normal exit, Ctrl-C, or a SIGKILL of the main process
the group is empty within a few seconds.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from formcheck.capture import pose
from formcheck.capture.pose_pass import (
    POSE_CORES_ENV,
    PassResult,
    fill_skipped,
    pass_cores,
    plan_pass,
)
from formcheck.pipeline import analyze_track
from formcheck.result import VideoInfo

from .clipgen import read_frames, shared_clip, write_clip

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "compare_pose_levers", REPO / "scripts" / "compare_pose_levers.py"
)
assert _spec is not None and _spec.loader is not None
levers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(levers)
pytestmark = pytest.mark.clips


def _info(fps: float, duration_s: float) -> VideoInfo:
    return VideoInfo(
        path="x.mp4",
        sha256="0" * 64,
        fps=fps,
        frames=round(fps * duration_s),
        duration_s=duration_s,
        width=1920,
        height=1080,
        rotation=0,
        codec="h264",
        variable_frame_rate=False,
    )


def test_plan_splits_only_long_clips_and_decimates_only_fast_ones() -> None:
    values = {**pose.load_pose_settings().values(), "parallel_min_chunk_s": 6.0}
    values["analysis_fps"] = 30.0
    assert plan_pass(_info(30, 8), values, cores=2).chunks == 1
    long = plan_pass(_info(30, 20), values, cores=2)
    # Keyframes on every frame: no decode-only lead-in, but the second chunk also infers its
    # 1 s overlap, so the balance point is half a second past the middle.
    assert long.chunks == 2 and long.bounds[1] == pytest.approx(10.5, abs=0.01)
    assert plan_pass(_info(30, 60), values, cores=1).chunks == 1
    assert plan_pass(_info(30, 20), values, cores=2).every == 1
    assert plan_pass(_info(59.94, 20), values, cores=2).every == 2
    assert plan_pass(_info(240, 20), values, cores=2).every == 8


def test_plan_places_chunks_by_the_keyframes() -> None:
    values = pose.load_pose_settings().values()
    info = _info(30, 20)
    # A keyframe a second before the middle: the second chunk starts its overlap right on it.
    on_key = plan_pass(info, values, cores=2, keyframes_s=[0.0, 9.5])
    assert on_key.bounds[1] == pytest.approx(10.5, abs=0.01)
    # Only the first frame is a keyframe: the later chunk decodes from 0 without inferring,
    # so the first chunk grows to balance that lead-in.
    lead_in = plan_pass(info, values, cores=2, keyframes_s=[0.0])
    assert 11.0 < lead_in.bounds[1] < 14.0
    # The same clip at 8K: decoding is dearer, the lead-in costs more than a second graph
    # saves, and the pass stays one graph.
    big = VideoInfo(**{**info.__dict__, "width": 3840 * 2, "height": 2160 * 2})
    assert plan_pass(big, values, cores=2, keyframes_s=[0.0]).chunks == 1
    assert plan_pass(big, values, cores=2, keyframes_s=[0.0, 9.5]).chunks == 2


def test_default_pass_splits_a_set_but_not_a_single_rep_and_keeps_every_frame() -> None:
    # Decimation moves angles beyond tolerance (see pose_settings.toml), so a default analysis
    # runs the model on every frame even at 60 fps; a set long enough splits on two cores.
    values = pose.load_pose_settings().values()
    plan = plan_pass(_info(60, 600), values, cores=2)
    assert (plan.chunks, plan.every) == (2, 1)
    assert plan_pass(_info(30, 5), values, cores=2).chunks == 1


def test_a_batch_worker_runs_one_graph_per_clip(monkeypatch: pytest.MonkeyPatch) -> None:
    # Batch workers already fill the cores; a worker splitting its clip would compete with them.
    from formcheck.batch.local import warm_up

    monkeypatch.setenv(POSE_CORES_ENV, "")  # restored after the test; warm_up overwrites it
    values = pose.load_pose_settings().values()
    if pass_cores() > 1:
        assert plan_pass(_info(30, 600), values).chunks == 2
    warm_up()
    assert pass_cores() == 1
    assert plan_pass(_info(30, 600), values).chunks == 1


def test_skipped_frames_are_interpolated_and_absence_is_kept() -> None:
    # Frames 0, 2, 4, 6 were inferred; a person at 0-4, none at 6. The hip x moves 0 -> 40.
    nan = np.full((33, 2), np.nan)
    run = PassResult(
        image_xy=np.stack([np.full((33, 2), x) for x in (0.0, 20.0, 40.0)] + [nan]),
        world_xyz=np.zeros((4, 33, 3)),
        visibility=np.array([np.ones(33)] * 3 + [np.zeros(33)]),
        present=np.array([True, True, True, False]),
        times_s=np.array([0, 2, 4, 6]) / 60,
        profile=np.ones((4, 2, 11)),
        all_times_s=np.arange(7) / 60,
    )
    full = fill_skipped(run)
    assert full.present.tolist() == [True] * 5 + [False, False]
    assert [float(a[0, 0]) for a in full.image_xy[:5]] == [0, 10, 20, 30, 40]
    assert np.isnan(full.image_xy[5]).all() and float(full.visibility[5][0]) == 0.0


def _tracks(clip: Path, fast_settings: dict[str, float]) -> tuple:
    info, fast, w1 = pose.estimate_track(
        clip, use_cache=False, settings=pose.load_pose_settings(**fast_settings)
    )
    _, plain, w2 = pose.estimate_track(
        clip, use_cache=False, settings=pose.load_pose_settings(**levers.PLAIN)
    )
    assert fast.n_frames == plain.n_frames
    assert np.allclose(fast.times_s, plain.times_s)
    return (
        fast,
        plain,
        analyze_track(fast, info, warnings_in=w1),
        analyze_track(plain, info, warnings_in=w2),
    )


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: the pass is one graph")
def test_chunks_stay_within_the_stated_tolerance() -> None:
    # 17 s front squat, 10 reps: two 6 s+ chunks on two cores. Against one graph over every
    # frame: the same reps, and the pooled 95th percentiles inside the tolerance.
    clip = shared_clip("front_bodyweight_squat_10reps_correct.mp4")
    fast, plain, a, b = _tracks(clip, {"parallel_min_chunk_s": 6.0})
    assert "2 chunk(s)" in fast.history[0] and "1 chunk(s)" in plain.history[0]
    assert not np.array_equal(fast.image_xy, plain.image_xy, equal_nan=True)  # two paths
    assert len(a.reps) == len(b.reps) == 10
    stats = levers.pooled([levers.paired(a, b)])
    assert levers.within(stats), stats


def test_parallel_chunks_keep_every_frame_and_the_reps() -> None:
    # 8.5 s side-view barbell squat, 3 reps; chunks of at least 2.8 s give one per core (two). The
    # first chunk is the single graph on the same frames, so it must match it exactly;
    # later chunks restart the tracker on their own path.
    clip = shared_clip("side_barbell_squat_3reps.mp4")
    fast, plain, a, b = _tracks(clip, {"parallel_min_chunk_s": 2.8})
    assert "2 chunk(s)" in fast.history[0]
    first = fast.times_s < 4.0
    assert np.array_equal(fast.image_xy[first], plain.image_xy[first], equal_nan=True)
    assert len(a.reps) == len(b.reps) == 3
    assert fast.back_profile is not None and fast.back_profile.shape == (fast.n_frames, 2, 11)


def test_decimated_60fps_keeps_every_frame_and_the_reps(tmp_path: Path) -> None:
    # The 8-rep side squat (24 fps) as a 60 fps clip: each source frame shown for 2-3
    # output frames by time, so motion keeps its real speed.
    src = shared_clip("side_bodyweight_squat_8reps.mp4")
    frames = list(read_frames(src, limit=192))  # 8 s
    picks = [frames[min(len(frames) - 1, int(i * 24 / 60))] for i in range(480)]
    clip = write_clip(tmp_path / "squat60.mp4", picks, rate=60)
    fast, _, a, b = _tracks(clip, {"analysis_fps": 30.0})
    assert "every 2 frame(s)" in fast.history[0]
    assert fast.present.mean() > 0.95
    assert len(a.reps) == len(b.reps) >= 3
    diffs = levers.differences(a, b)
    assert diffs["s"] <= 2 / 30, diffs  # rep times within two 30 fps frames


def _group(pgid: int) -> list[int]:
    """Return the live (not zombie) processes whose process group is ``pgid``."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def _wait_empty(pgid: int, timeout_s: float = 10.0) -> list[int]:
    end = time.monotonic() + timeout_s
    while (left := _group(pgid)) and time.monotonic() < end:
        time.sleep(0.1)
    return left


def _default_sigint() -> None:
    # A terminal's foreground job has Ctrl-C at its default; a test run started in the
    # background of a script inherits it ignored, and Python then keeps it ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(clip: Path, tmp_path: Path, kind: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    if kind == "cli":
        cmd = [sys.executable, "-m", "formcheck", "analyze", str(clip), "--no-cache"]
        cmd += ["--json", str(tmp_path / "out.json")]
    else:
        code = (
            "import sys; from formcheck.capture import pose; "
            "pose.estimate_track(sys.argv[1], use_cache=False, "
            "settings=pose.load_pose_settings(parallel_min_chunk_s=3.0)); "
            "open(sys.argv[2], 'w').write('done')"
        )
        cmd = [sys.executable, "-c", code, str(clip), str(tmp_path / "out.json")]
    return subprocess.Popen(
        cmd,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_default_sigint,
    )


def _wait_until_busy(proc: subprocess.Popen[bytes], kind: str, timeout_s: float = 60.0) -> None:
    """Wait until the pose children run (chunked) or the CLI is well into its run."""
    end = time.monotonic() + timeout_s
    need = 2 if kind == "chunked" else 1  # at least one pose child beside the main process
    while len(_group(proc.pid)) < need:
        assert proc.poll() is None and time.monotonic() < end, "the pose children never started"
        time.sleep(0.05)
    time.sleep(3.0 if kind == "cli" else 0.5)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("kind", ["cli", "chunked"])
@pytest.mark.parametrize("how", ["exit", "ctrl-c", "kill"])
def test_no_process_is_left_behind(how: str, kind: str, tmp_path: Path) -> None:
    clip = shared_clip("side_bodyweight_squat_8reps.mp4")  # 14.5 s
    proc = _start(clip, tmp_path, kind)
    _wait_until_busy(proc, kind)
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends the foreground group
    elif how == "kill":
        proc.kill()  # the main process crashes hard; its children must not outlive it
    code = proc.wait(timeout=300)
    assert _wait_empty(proc.pid) == []
    if how == "exit":
        assert code == 0 and (tmp_path / "out.json").exists()
    else:
        assert code != 0
