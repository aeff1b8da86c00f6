"""The same footage gives the same analysis whatever codec and container carry it.

A real clip is re-encoded at test time (never committed) to HEVC with B-frames, a short GOP
and a 1/90000 time base (what phone and desktop re-encoders write), and to VP9 in WebM
(1/1000 time base); each copy goes through the whole pipeline and must give the same reps,
faults, view and lift as the original H.264 file, with per-rep numbers within a stated
tolerance.

The tolerances are what the pose model's own response to compression artefacts costs, as
measured on re-encodes of shared clips (issue 12): BlazePose moves a landmark by a median
0.5 % and a 95th percentile 2 % of the leg length between two encodes of the same frames,
which moves a rep's edges by up to 2 frames and its depth by up to 3 deg. Angles read at
one frame of fast motion (the knee at the bottom, the elbows) move more and are not
compared.

A clip trimmed without re-encoding keeps packets before its edit list's start; they are
decoded as references but never shown, and the probe counts and times only the shown ones.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest

from formcheck.capture.video import FrameStream, probe_video
from formcheck.pipeline import analyze_video
from formcheck.result import Analysis

from .clipgen import shared_clip

CLIP = "side_bodyweight_squat_8reps.mp4"  # 640x360, 23.98 fps, 347 frames, 8 reps
FRAME_TOLERANCE = 2  # rep start / bottom / end, frames
SECONDS_TOLERANCE = 0.1  # descent, pause, ascent and rep duration
#: Per-rep metrics compared, with the largest difference allowed between two encodes.
METRIC_TOLERANCE = {
    "depth_thigh_deg": 4.0,
    "depth": 0.03,
    "trunk_lean_max_deg": 3.0,
    "hip_min_deg": 5.0,
    "descent_s": SECONDS_TOLERANCE,
    "ascent_s": SECONDS_TOLERANCE,
    "duration_s": SECONDS_TOLERANCE,
}
CODECS = {
    # name: (suffix, codec, container time base, encoder options)
    "hevc": (
        ".mp4",
        "libx265",
        Fraction(1, 90000),
        {"preset": "veryfast", "x265-params": "log-level=error:bframes=4:keyint=24"},
    ),
    "vp9": (".webm", "libvpx-vp9", None, {"deadline": "realtime", "cpu-used": "8"}),
}


def _reencode(src: Path, dst: Path, codec: str, time_base: Fraction | None, opts: dict) -> Path:
    """Decode ``src`` and encode every frame with ``codec`` into ``dst``; return ``dst``."""
    with av.open(str(src)) as inp, av.open(str(dst), mode="w") as out:
        source = inp.streams.video[0]
        rate = Fraction(source.average_rate or 30)
        stream = out.add_stream(codec, rate=rate, options=opts)
        stream.width, stream.height = source.codec_context.width, source.codec_context.height
        stream.pix_fmt = "yuv420p"
        if time_base is not None:
            stream.time_base = time_base
        for i, frame in enumerate(inp.decode(source)):
            frame = frame.reformat(format="yuv420p")
            frame.pts, frame.time_base = i, 1 / rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return dst


def _per_rep(analysis: Analysis) -> list[tuple[str, ...]]:
    return [tuple(sorted(f.id for f in rep.faults)) for rep in analysis.reps]


@pytest.fixture(scope="module")
def original(pose_cache: Path) -> Analysis:
    return analyze_video(shared_clip(CLIP), cache_dir=pose_cache)


@pytest.mark.parametrize("name", sorted(CODECS))
def test_a_reencoded_clip_gives_the_same_analysis(
    name: str, original: Analysis, tmp_path: Path, pose_cache: Path
) -> None:
    suffix, codec, time_base, opts = CODECS[name]
    copy = _reencode(shared_clip(CLIP), tmp_path / f"copy{suffix}", codec, time_base, opts)
    other = analyze_video(copy, cache_dir=pose_cache)
    assert other.video.codec == ("hevc" if name == "hevc" else "vp9")
    assert other.video.frames == original.video.frames
    assert (other.lift, other.view.view) == (original.lift, original.view.view)
    assert len(original.reps) == 8
    assert len(other.reps) == len(original.reps)
    assert _per_rep(other) == _per_rep(original)
    for a, b in zip(original.reps, other.reps, strict=True):
        for edge in ("start_frame", "bottom_frame", "end_frame"):
            assert abs(getattr(a, edge) - getattr(b, edge)) <= FRAME_TOLERANCE, (a.index, edge)
        for key, tol in METRIC_TOLERANCE.items():
            va, vb = a.metrics[key].value, b.metrics[key].value
            assert isinstance(va, float) and isinstance(vb, float), (a.index, key, va, vb)
            assert abs(va - vb) <= tol, (a.index, key, va, vb)


def test_a_time_base_change_alone_changes_no_result(tmp_path: Path, pose_cache: Path) -> None:
    """The same HEVC frames muxed with two time bases: identical reps, faults and timings."""
    src = shared_clip(CLIP)
    suffix, codec, _, opts = CODECS["hevc"]
    results = []
    for tb in (Fraction(1, 90000), Fraction(1001, 24000)):
        copy = _reencode(src, tmp_path / f"tb{tb.denominator}{suffix}", codec, tb, opts)
        results.append(analyze_video(copy, cache_dir=pose_cache))
    a, b = results
    assert len(a.reps) == len(b.reps) == 8
    assert _per_rep(a) == _per_rep(b)
    for ra, rb in zip(a.reps, b.reps, strict=True):
        assert (ra.start_frame, ra.bottom_frame, ra.end_frame) == (
            rb.start_frame,
            rb.bottom_frame,
            rb.end_frame,
        )
        assert abs(ra.start_s - rb.start_s) < 0.002


def _trim_by_remux(src: Path, dst: Path, frames: int) -> Path:
    """Copy ``src``'s packets unchanged with the first ``frames`` frames before time 0.

    This is what a trim without re-encoding (a phone's or ffmpeg's ``-c copy``) writes: the
    MP4 muxer keeps the GOP and adds an edit list, so those packets are decoded as
    references but never shown.
    """
    with av.open(str(src)) as inp, av.open(str(dst), mode="w") as out:
        source = inp.streams.video[0]
        stream = out.add_stream_from_template(source)
        shift = round(frames / Fraction(source.average_rate) / source.time_base)
        for packet in inp.demux(source):
            if packet.dts is None:
                continue
            packet.pts -= shift
            packet.dts -= shift
            packet.stream = stream
            out.mux(packet)
    return dst


def test_a_clip_trimmed_without_reencoding_counts_and_times_only_shown_frames(
    tmp_path: Path,
) -> None:
    src = shared_clip(CLIP)
    trimmed = _trim_by_remux(src, tmp_path / "trimmed.mp4", 12)
    full, info = probe_video(src), probe_video(trimmed)
    stream = FrameStream(trimmed, max_side=64)
    shown = [frame.time_s for frame in stream]
    assert len(shown) == full.frames - 12
    assert info.frames == len(shown)
    assert info.duration_s == pytest.approx(shown[-1] - shown[0] + 1 / info.fps, abs=1e-3)
    assert info.duration_s == pytest.approx(full.duration_s - 12 / full.fps, abs=1e-3)
