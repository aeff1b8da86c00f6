"""Compare analyses made with the default pose pass against one graph over every frame.

Usage::

    python scripts/compare_pose_levers.py [CLIP ...]     # default: every shared clip
    python scripts/compare_pose_levers.py --max-side 640 --cache

For each clip the track is made twice: with the default pose settings (time chunks in
parallel on clips long enough, decimation above ``analysis_fps``) and as one graph over every
frame (``PLAIN``: ``parallel_min_chunk_s`` and ``analysis_fps`` set so neither lever applies).
``--max-side N`` runs the default pass on frames scaled to N px instead of the default, so a
change of the model's input size is judged against the reference at the default size;
``--cache`` lets both runs read and fill the pose cache (its key holds the size and every pose
setting, so a hit is the same track). Both are analysed with the default options; the
script prints the rep counts and the per-rep differences, then checks the stated tolerance
over all clips together (``TOLERANCE``).

The tolerance (issue 13) is stated from the single graph's own noise floor, measured with
``scripts/pose_noise_floor.py``: blacking out only the first frame of a clip moves the single
graph's per-rep angles by up to 10.5 deg and a near-lossless re-encode by up to 43 deg (the
tracker's path depends on every frame), so no lever can be held to 2 deg on every rep. What
is held: the same rep count on every clip, and over all paired reps the 95th percentile of
the angle differences within 2 deg and of the rep boundary differences within one frame.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from formcheck.capture import pose
from formcheck.capture.video import DEFAULT_MAX_SIDE
from formcheck.pipeline import analyze_track
from formcheck.result import Analysis

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
#: Pooled over every paired rep: 95th percentile of |angle difference| (deg) and of
#: |rep start/bottom/end difference| (frames).
TOLERANCE = {"deg_p95": 2.0, "frames_p95": 1.0}
PLAIN = {"parallel_min_chunk_s": 3600.0, "analysis_fps": 240.0}


def paired(fast: Analysis, plain: Analysis) -> dict[str, list[float]]:
    """Return the absolute differences of the paired reps: angles (deg) and boundaries (frames)."""
    out: dict[str, list[float]] = {"deg": [], "frames": []}
    for a, b in zip(fast.reps, plain.reps, strict=False):
        for name in ("start_frame", "bottom_frame", "end_frame"):
            out["frames"].append(float(abs(getattr(a, name) - getattr(b, name))))
        for key, m in a.metrics.items():
            other = b.metrics.get(key)
            if m.unit != "deg" or other is None or m.value is None or other.value is None:
                continue
            if isinstance(m.value, bool) or not np.isfinite([m.value, other.value]).all():
                continue
            out["deg"].append(abs(float(m.value) - float(other.value)))
    return out


def differences(fast: Analysis, plain: Analysis) -> dict[str, float]:
    """Return the largest absolute difference per metric unit over the paired reps."""
    out: dict[str, float] = {}
    for a, b in zip(fast.reps, plain.reps, strict=False):
        for name in ("start_s", "bottom_s", "end_s"):
            out["s"] = max(out.get("s", 0.0), abs(getattr(a, name) - getattr(b, name)))
        for key, m in a.metrics.items():
            other = b.metrics.get(key)
            if other is None or m.value is None or other.value is None:
                continue
            if isinstance(m.value, bool) or not np.isfinite([m.value, other.value]).all():
                continue
            unit = m.unit or "-"
            out[unit] = max(out.get(unit, 0.0), abs(float(m.value) - float(other.value)))
    return out


def pooled(pairs: list[dict[str, list[float]]]) -> dict[str, float]:
    """Return the 95th percentiles of the differences of several clips taken together."""
    deg = [d for p in pairs for d in p["deg"]] or [0.0]
    frames = [d for p in pairs for d in p["frames"]] or [0.0]
    return {
        "deg_p95": float(np.percentile(deg, 95)),
        "frames_p95": float(np.percentile(frames, 95)),
        "deg_max": float(max(deg)),
        "frames_max": float(max(frames)),
    }


def within(stats: dict[str, float]) -> bool:
    """Return True when every pooled statistic with a stated tolerance is inside it."""
    return all(stats[k] <= tol for k, tol in TOLERANCE.items())


def _faults(analysis: Analysis) -> list[set[str]]:
    """Return the fault ids of each rep."""
    return [{f.id for f in rep.faults} for rep in analysis.reps]


def compare(clip: Path, max_side: int = DEFAULT_MAX_SIDE, cache: bool = False) -> dict[str, object]:
    """Return the comparison of one clip (rep counts, differences, pose history)."""
    info, fast_track, w1 = pose.estimate_track(clip, use_cache=cache, max_side=max_side)
    _, plain_track, w2 = pose.estimate_track(
        clip, use_cache=cache, settings=pose.load_pose_settings(**PLAIN)
    )
    fast = analyze_track(fast_track, info, warnings_in=w1)
    plain = analyze_track(plain_track, info, warnings_in=w2)
    return {
        "clip": clip.name,
        "reps": [len(fast.reps), len(plain.reps)],
        "same_reps": len(fast.reps) == len(plain.reps),
        "same_faults": _faults(fast) == _faults(plain),
        "diffs": {k: round(v, 3) for k, v in differences(fast, plain).items()},
        "pairs": paired(fast, plain),
        "history": fast_track.history[0].split(", ", 3)[-1],
    }


def main() -> None:
    """Print one JSON line per clip, then the pooled differences against the tolerance."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--max-side", type=int, default=DEFAULT_MAX_SIDE)
    parser.add_argument("--cache", action="store_true")
    args = parser.parse_args()
    clips = args.clips or sorted((SHARED / "clips").glob("*.mp4"))
    rows = []
    for clip in clips:
        row = compare(clip, args.max_side, args.cache)
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "pairs"}), flush=True)
    same = sum(bool(r["same_reps"]) for r in rows)
    print(f"{sum(bool(r['same_faults']) for r in rows)} of {len(rows)} clips: same faults")
    stats = pooled([r["pairs"] for r in rows])  # type: ignore[misc]
    print(f"{same} of {len(rows)} clips: same rep count; pooled {json.dumps(stats)}")
    print("within tolerance" if same == len(rows) and within(stats) else "OUTSIDE tolerance")


if __name__ == "__main__":
    main()
