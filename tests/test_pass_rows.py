"""How a pose pass's rows travel and are joined (issue 13, memory flat with length).

A child process sends its chunk's rows as raw blocks of bounded size, never a pickled copy
of the whole chunk (that copy, the pickle and its bytes in the parent were alive while the
other chunk's graph still ran). Joining writes each float64 array once at its final size,
with the same bytes as converting each chunk and concatenating.
"""

from __future__ import annotations

import pickle
import threading
from pathlib import Path

import numpy as np
import pytest

from formcheck.capture import pose_pass
from formcheck.capture.pass_rows import (
    BLOCK_BYTES,
    ChunkRows,
    RowsHead,
    join_rows,
    receive_rows,
    send_rows,
)
from formcheck.capture.video import TimeSpan, probe_video

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "side_bodyweight_squat_2reps.mp4"


def _rows(n: int, t0: float, seed: int) -> ChunkRows:
    """Return ``n`` rows of float32 outputs at 30 fps from ``t0`` s; every 7th frame empty."""
    rng = np.random.default_rng(seed)
    rows = ChunkRows.empty(RowsHead(n=n, pixels=(1920.0, 1080.0), scale=3.0))
    rows.norm[:] = rng.random(rows.norm.shape, dtype=np.float32)
    rows.world[:] = rng.standard_normal(rows.world.shape, dtype=np.float32)
    rows.profile[:] = rng.integers(0, 640, rows.profile.shape).astype(np.float32)
    rows.present[:] = np.arange(n) % 7 != 0
    rows.norm[~rows.present] = np.nan
    rows.profile[~rows.present] = np.nan
    rows.times_s[:] = t0 + np.arange(n) / 30
    return rows


def _converted_then_concatenated(parts: list[ChunkRows], starts: list[float]) -> dict:
    """Return the pass arrays the way the pickled chunks were built: per chunk, then joined."""
    out: dict[str, list[np.ndarray]] = {}
    for part, t0 in zip(parts, starts, strict=True):
        k = 0 if t0 == -np.inf else int(np.searchsorted(part.times_s, t0))
        norm = part.norm.astype(np.float64)
        got = {
            "image_xy": norm[:, :, :2] * np.array(part.head.pixels),
            "world_xyz": part.world.astype(np.float64),
            "visibility": norm[:, :, 2].copy(),
            "present": part.present.copy(),
            "times_s": part.times_s.copy(),
            "profile": part.profile.astype(np.float64) * part.head.scale,
        }
        for name, values in got.items():
            out.setdefault(name, []).append(values[k:])
    return {name: np.concatenate(values) for name, values in out.items()}


def test_joined_arrays_are_the_bytes_of_converting_each_chunk() -> None:
    # Two chunks of 10 s at 30 fps; the second starts 1 s before its boundary at 10 s.
    parts = [_rows(300, 0.0, 1), _rows(330, 9.0, 2)]
    starts = [-np.inf, 10.0]
    joined = join_rows(parts, starts)
    expected = _converted_then_concatenated(parts, starts)
    assert len(joined["times_s"]) == 300 + 300
    for name, values in expected.items():
        assert joined[name].dtype == values.dtype and joined[name].shape == values.shape
        assert joined[name].tobytes() == values.tobytes(), name


def test_rows_arrive_whole_through_a_pipe_in_bounded_raw_blocks() -> None:
    ctx = pose_pass._context()
    recv, send = ctx.Pipe(duplex=False)
    rows = _rows(3000, 0.0, 3)  # about 2.7 MB: several blocks per landmark array
    names = ("norm", "world", "profile", "present", "times_s")
    for read in ("rows", "raw"):
        sender = threading.Thread(target=send_rows, args=(send, rows))
        sender.start()
        if read == "rows":
            got = receive_rows(recv, rows.head)
            for name in names:
                assert getattr(got, name).tobytes() == getattr(rows, name).tobytes(), name
        else:
            total, sizes = sum(getattr(rows, n).nbytes for n in names), []
            while sum(sizes) < total:
                sizes.append(len(recv.recv_bytes()))
            assert max(sizes) <= BLOCK_BYTES and sum(sizes) == total and len(sizes) > 5
        sender.join()


@pytest.mark.clips
def test_a_child_sends_its_chunk_without_pickling_the_rows() -> None:
    # A real child process runs the model on the sample clip and sends its chunk; reading
    # the pipe's messages by hand shows one small pickle, then raw blocks of the rows.
    info = probe_video(SAMPLE)
    job = pose_pass._Job(
        path=str(SAMPLE),
        width=info.width,
        max_side=640,
        span=TimeSpan(start_s=None, stop_s=None, origin_s=0.0, every=1),
        keep_from_s=0.0,
        sample_step=10**6,
        fps=info.fps,
        search=False,
        mask_x=None,
        person_visibility=0.5,
        min_height=0.1,
        capacity=16,  # smaller than the clip: the recorder grows by doubling
    )
    ctx = pose_pass._context()
    recv, send = ctx.Pipe(duplex=False)
    counter = ctx.Value("q", 0, lock=False)
    proc = ctx.Process(target=pose_pass._child, args=(job, counter, send, 0), daemon=True)
    proc.start()
    send.close()
    try:
        first = recv.recv_bytes()
        kind, chunk = pickle.loads(first)
        n = chunk.head.n
        assert kind == "ok" and chunk.rows is None and n == len(chunk.all_times_s) > 16
        assert len(first) < 16 * n  # the frame times (8 B each) and a few small objects
        row_bytes = 4 * (33 * 3 * 2 + 2 * 11) + 1 + 8
        sizes = []
        while sum(sizes) < n * row_bytes:
            sizes.append(len(recv.recv_bytes()))
        assert sum(sizes) == n * row_bytes and max(sizes) <= BLOCK_BYTES
        with pytest.raises(EOFError):  # nothing else follows: the child closed its end
            recv.recv_bytes()
    finally:
        proc.join(timeout=30)
    assert proc.exitcode == 0
