"""Compare analyses made with the speed levers (chunks, decimation) against the plain pass.

Usage::

    python scripts/compare_pose_levers.py [CLIP ...]     # default: every shared clip

For each clip the track is made twice: with the default pose settings (time chunks in
parallel, decimation above ``analysis_fps``) and as one graph over every frame
(``parallel_min_chunk_s`` and ``analysis_fps`` set so neither lever applies). Both are
analysed with the default options; the script prints the rep counts and the largest
per-rep metric difference by unit. Tolerances (issue 13): rep counts equal, angles within
2 deg, times within one frame at 30 fps (0.034 s).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from formcheck.capture import pose
from formcheck.pipeline import analyze_track
from formcheck.result import Analysis

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
TOLERANCE = {"deg": 2.0, "s": 1 / 30 + 1e-3}
PLAIN = {"parallel_min_chunk_s": 3600.0, "analysis_fps": 240.0}


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


def within(diffs: dict[str, float]) -> bool:
    """Return True when every difference with a stated tolerance is inside it."""
    return all(diffs.get(u, 0.0) <= tol for u, tol in TOLERANCE.items())


def compare(clip: Path) -> dict[str, object]:
    """Return the comparison of one clip (rep counts, differences, pose history)."""
    info, fast_track, w1 = pose.estimate_track(clip, use_cache=False)
    _, plain_track, w2 = pose.estimate_track(
        clip, use_cache=False, settings=pose.load_pose_settings(**PLAIN)
    )
    fast = analyze_track(fast_track, info, warnings_in=w1)
    plain = analyze_track(plain_track, info, warnings_in=w2)
    diffs = differences(fast, plain)
    return {
        "clip": clip.name,
        "reps": [len(fast.reps), len(plain.reps)],
        "same_reps": len(fast.reps) == len(plain.reps),
        "within": within(diffs),
        "diffs": {k: round(v, 3) for k, v in diffs.items()},
        "history": fast_track.history[0].split(", ", 3)[-1],
    }


def main() -> None:
    """Print one JSON line per clip, then how many are within tolerance."""
    clips = [Path(a) for a in sys.argv[1:]] or sorted((SHARED / "clips").glob("*.mp4"))
    rows = []
    for clip in clips:
        row = compare(clip)
        rows.append(row)
        print(json.dumps(row), flush=True)
    ok = sum(bool(r["same_reps"]) and bool(r["within"]) for r in rows)
    print(f"{ok} of {len(rows)} clips: same rep count and within tolerance")


if __name__ == "__main__":
    main()
