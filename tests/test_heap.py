"""The pose pass's processes keep large buffers out of glibc's heap (a fixed mmap threshold).

Each check runs in a fresh Python process, since the setting holds for a whole process. After
a 4 MiB block is allocated and freed, glibc's dynamic threshold has risen past 4 MiB; whether
the next 4 MiB request is mapped on its own shows in ``mallinfo2().hblkhd`` (bytes mapped).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from formcheck.capture import heap

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "side_bodyweight_squat_2reps.mp4"
glibc_only = pytest.mark.skipif(heap.glibc_version() is None, reason="glibc's malloc only")

# Runs ``setup`` (statements that set ``applied``), then reports whether a 4 MiB request,
# after one was freed, is mapped on its own and handed back on free.
PROBE = """
import ctypes, json
libc = ctypes.CDLL("libc.so.6")
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]
libc.mallinfo2.restype = Info
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
applied = None
{setup}
size = 4 << 20
libc.free(libc.malloc(size))  # a mapped block freed: the dynamic threshold rises past it
before = libc.mallinfo2().hblkhd
block = libc.malloc(size)
mapped = libc.mallinfo2().hblkhd - before
libc.free(block)
back = libc.mallinfo2().hblkhd - before
print(json.dumps({{"applied": applied, "mapped": mapped, "back": back}}))
"""
FIX = "from formcheck.capture import heap\napplied = heap.fix_mmap_threshold()"
# The first half second of the sample clip through the model, as every chunk of a pass runs.
CHUNK = """
from formcheck.capture import pose_pass
from formcheck.capture.video import TimeSpan, probe_video
info = probe_video({path!r})
job = pose_pass._Job(
    path={path!r}, width=info.width, max_side=640,
    span=TimeSpan(start_s=None, stop_s=0.5, origin_s=0.0, every=1), keep_from_s=0.0,
    sample_step=10**6, fps=info.fps, search=False, mask_x=None, person_visibility=0.5,
    min_height=0.1, capacity=32,
)
applied = pose_pass._run_chunk(job, lambda done: None).rows.head.n
"""


def _probe(setup: str, threshold_env: str | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    if threshold_env is not None:
        env["MALLOC_MMAP_THRESHOLD_"] = threshold_env
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(setup=setup)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


@glibc_only
def test_a_fixed_threshold_maps_a_large_block_the_dynamic_one_puts_in_the_heap() -> None:
    dynamic = _probe("")
    assert dynamic["mapped"] == 0  # glibc's default: the second block comes from the heap
    fixed = _probe(FIX)
    assert fixed["applied"] is True
    assert fixed["mapped"] >= 4 << 20  # a mapping of its own ...
    assert fixed["back"] == 0  # ... handed back to the system on free


@glibc_only
def test_the_environment_setting_wins() -> None:
    got = _probe(FIX, threshold_env=str(8 << 20))
    assert got["applied"] is False and got["mapped"] == 0  # 4 MiB < the user's 8 MiB


@glibc_only
@pytest.mark.clips
def test_a_pose_chunk_leaves_its_process_mapping_large_blocks() -> None:
    got = _probe(CHUNK.format(path=str(SAMPLE)))
    assert got["applied"] > 0  # frames were inferred
    assert got["mapped"] >= 4 << 20 and got["back"] == 0
