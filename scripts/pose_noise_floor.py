"""Measure the pose pass's own run-to-run noise next to the speed levers' differences (issue 13).

Usage::

    python scripts/pose_noise_floor.py OUT_DIR VARIANT [CLIP ...]   # make tracks
    python scripts/pose_noise_floor.py OUT_DIR --compare REF OTHER   # per-clip differences
    python scripts/pose_noise_floor.py OUT_DIR --analyses VARIANT    # JSON for `formcheck eval`

Variants (each a full pose pass over the clip, tracks saved as OUT_DIR/VARIANT/CLIP.npz):
``ref`` one graph over every frame (the shared cache's tracks); ``drop1`` the same with the
first frame blacked out (the tracker starts one frame later); ``reenc`` the same on the clip
re-encoded near-losslessly (H.264 crf 12); ``chunk`` time chunks in parallel (at least 6 s,
1 s overlap: the default); ``dec30`` decimated to 30 fps; ``*_ns`` with BlazePose's landmark
smoothing off; ``s640`` frames scaled to 640 px. ``NOISE_CLIPS`` names another clip folder
(e.g. 60 fps copies). Results of issue 13 are in ``data/pose_settings.toml``
(``parallel_min_chunk_s``, ``analysis_fps``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from formcheck.capture import pose, pose_pass
from formcheck.pipeline import analyze_track
from formcheck.track import PoseTrack

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
CLIPS = Path(os.environ.get("NOISE_CLIPS", SHARED / "clips"))
_make_models = pose_pass._make_models
_FrameStream = pose_pass.FrameStream


def _unsmoothed(search: bool):  # type: ignore[no-untyped-def]
    import mediapipe as mp_solutions

    tracker = mp_solutions.solutions.pose.Pose(
        static_image_mode=False, model_complexity=1, smooth_landmarks=False,
        enable_segmentation=True,
    )
    _, static = _make_models(search)
    return tracker, static


class _BlackFirst(_FrameStream):
    def __next__(self):  # type: ignore[no-untyped-def]
        frame = super().__next__()
        if frame.index == 0 and self.span.start_s is None:
            frame.image[:] = 0
        return frame


def reencode(src: Path, dst: Path) -> Path:
    """Write ``src`` re-encoded near-losslessly (H.264 crf 12), upright, same timestamps."""
    from fractions import Fraction

    import av

    from formcheck.capture.video import FrameStream

    dst.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(dst), "w") as out:
        stream = None
        for frame in FrameStream(src, max_side=1 << 14):
            if stream is None:
                stream = out.add_stream("libx264", rate=30)
                stream.height, stream.width = frame.image.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.time_base = Fraction(1, 90000)
                stream.options = {"crf": "12", "preset": "fast"}
            vf = av.VideoFrame.from_ndarray(frame.image, format="rgb24")
            vf.pts, vf.time_base = round(frame.time_s * 90000), Fraction(1, 90000)
            for packet in stream.encode(vf.reformat(format="yuv420p")):
                out.mux(packet)
        assert stream is not None
        for packet in stream.encode():
            out.mux(packet)
    return dst


def make(out: Path, variant: str, clips: list[Path]) -> None:
    """Write the tracks of ``variant`` for ``clips``."""
    over = {"parallel_min_chunk_s": 3600.0, "analysis_fps": 240.0}  # one graph, full rate
    max_side = 960
    if variant.startswith("chunk"):
        over["parallel_min_chunk_s"] = 6.0
    if variant.endswith("_ns"):
        pose_pass._make_models = _unsmoothed  # type: ignore[assignment]
    if variant.startswith("drop1"):
        pose_pass.FrameStream = _BlackFirst  # type: ignore[misc]
    if variant.startswith("dec30"):
        over["analysis_fps"] = 30.0
    if variant == "s640":
        max_side = 640
    settings = pose.load_pose_settings(**over)
    cached = variant == "ref" and CLIPS == SHARED / "clips"
    (out / variant).mkdir(parents=True, exist_ok=True)
    for clip in clips:
        dst = out / variant / f"{clip.stem}.npz"
        if dst.exists():
            continue
        src = clip
        if variant == "reenc":
            src = reencode(clip, out / "reencoded" / clip.name)
        try:
            _, track, _ = pose.estimate_track(  # ref: the shared cache holds it (same bits)
                src, use_cache=cached, settings=settings, max_side=max_side
            )
        except Exception as exc:  # recorded, the next clip runs
            print(clip.name, "failed:", exc, flush=True)
            continue
        track.save(dst)
        print(variant, clip.name, track.history[0], flush=True)


def _analyse(path: Path, clip: Path):  # type: ignore[no-untyped-def]
    from formcheck.capture.video import probe_video

    track = PoseTrack.load(path)
    return analyze_track(track, probe_video(clip))


def compare(out: Path, ref: str, other: str) -> None:
    """Print one JSON line per clip: rep counts, largest metric differences by unit, faults."""
    for a_path in sorted((out / other).glob("*.npz")):
        b_path = out / ref / a_path.name
        clip = CLIPS / f"{a_path.stem}.mp4"
        if not b_path.exists():
            continue
        a, b = _analyse(a_path, clip), _analyse(b_path, clip)
        by_metric: dict[str, float] = {}
        by_unit: dict[str, float] = {}
        deg: list[float] = []
        times: list[float] = []
        for ra, rb in zip(a.reps, b.reps, strict=False):
            for name in ("start_s", "bottom_s", "end_s"):
                d = abs(getattr(ra, name) - getattr(rb, name))
                by_unit["s"] = max(by_unit.get("s", 0.0), d)
                times.append(round(d, 3))
            for key, m in ra.metrics.items():
                o = rb.metrics.get(key)
                if o is None or m.value is None or o.value is None or isinstance(m.value, bool):
                    continue
                if not np.isfinite([m.value, o.value]).all():
                    continue
                d = abs(float(m.value) - float(o.value))
                by_metric[key] = max(by_metric.get(key, 0.0), d)
                by_unit[m.unit] = max(by_unit.get(m.unit, 0.0), d)
                if m.unit == "deg":
                    deg.append(round(d, 2))
        fa = [sorted(f.id for f in r.faults) for r in a.reps]
        fb = [sorted(f.id for f in r.faults) for r in b.reps]
        row = {
            "clip": a_path.stem,
            "reps": [len(a.reps), len(b.reps)],
            "view": [a.view.view, b.view.view],
            "faults_equal": fa == fb,
            "by_unit": {k: round(v, 3) for k, v in by_unit.items()},
            "by_metric": {k: round(v, 3) for k, v in sorted(by_metric.items())},
            "deg": deg,
            "times": times,
        }
        print(json.dumps(row), flush=True)


def write_analyses(out: Path, variant: str, ref: str = "ref") -> None:
    """Write an analysis JSON per clip for ``formcheck eval --analyses`` (``ref`` fills gaps)."""
    from formcheck.output import write_json

    dst = out / "analyses" / variant
    dst.mkdir(parents=True, exist_ok=True)
    for clip in sorted((SHARED / "clips").glob("*.mp4")):
        src = out / variant / f"{clip.stem}.npz"
        src = src if src.exists() else out / ref / f"{clip.stem}.npz"
        if src.exists():
            write_json(_analyse(src, clip), dst / f"{clip.stem}.json")


def main() -> None:
    """Make one variant's tracks, compare two variants, or write one variant's analyses."""
    out = Path(sys.argv[1])
    if sys.argv[2] == "--analyses":
        write_analyses(out, *sys.argv[3:])
        return
    if sys.argv[2] == "--compare":
        compare(out, sys.argv[3], sys.argv[4])
        return
    clips = [Path(a) for a in sys.argv[3:]] or sorted(CLIPS.glob("*.mp4"))
    make(out, sys.argv[2], clips)


if __name__ == "__main__":
    main()
